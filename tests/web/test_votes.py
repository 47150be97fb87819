import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Vote
from tests.factories import make_comment, make_story, make_user, post_form


@pytest.fixture
def their_comment(session):
    return make_comment(make_story(), make_user("author"), "Vote on me")


def _votes():
    return db.session.scalar(select(func.count()).select_from(Vote))


def test_vote_then_change_vote(logged_in, their_comment):
    url = f"/comments/{their_comment.id}/vote"
    assert post_form(logged_in, url, {"vote": "agree"}).status_code == 303
    db.session.refresh(their_comment)
    assert (their_comment.agree_count, their_comment.disagree_count) == (1, 0)
    assert post_form(logged_in, url, {"vote": "disagree"}).status_code == 303
    db.session.refresh(their_comment)
    assert (their_comment.agree_count, their_comment.disagree_count, their_comment.pass_count) == (0, 1, 0)
    assert _votes() == 1


def test_vote_json_for_scripts(logged_in, their_comment):
    response = post_form(
        logged_in,
        f"/comments/{their_comment.id}/vote",
        {"vote": "pass"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.get_json()["counts"] == {"agree": 0, "disagree": 0, "pass": 1}


def test_counts_from_several_readers(client, their_comment):
    from tests.factories import login

    for i, choice in enumerate(["agree", "agree", "disagree"]):
        make_user(f"voter{i}")
        c = client.application.test_client()
        login(c, f"voter{i}")
        assert post_form(c, f"/comments/{their_comment.id}/vote", {"vote": choice}).status_code == 303
    html = client.get(f"/stories/{their_comment.story.slug}").get_data(as_text=True)
    assert 'Agree <span class="count">2</span>' in html and 'Disagree <span class="count">1</span>' in html


@pytest.mark.parametrize("value", ["", "yes", "1", "AGREE"])
def test_invalid_vote_value_refused(logged_in, their_comment, value):
    response = post_form(logged_in, f"/comments/{their_comment.id}/vote", {"vote": value})
    assert response.status_code == 400 and "agree, disagree or pass" in response.get_data(as_text=True)
    assert _votes() == 0


def test_cannot_vote_on_own_comment(logged_in, reader):
    mine = make_comment(make_story(), reader, "Mine")
    assert post_form(logged_in, f"/comments/{mine.id}/vote", {"vote": "agree"}).status_code == 403
    assert _votes() == 0


def test_vote_unknown_comment_and_anonymous(client, logged_in, their_comment):
    assert post_form(logged_in, "/comments/987654/vote", {"vote": "agree"}).status_code == 404
    anon = client.application.test_client()
    response = post_form(anon, f"/comments/{their_comment.id}/vote", {"vote": "agree"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _votes() == 0


def test_vote_on_closed_story_refused(logged_in):
    comment = make_comment(make_story(status="closed"), make_user("author2"))
    assert post_form(logged_in, f"/comments/{comment.id}/vote", {"vote": "agree"}).status_code == 403
    assert _votes() == 0


def test_database_enforces_one_vote_per_reader(session, their_comment, reader):
    from sqlalchemy.exc import IntegrityError

    db.session.add(
        Vote(story_id=their_comment.story_id, comment_id=their_comment.id, user_id=reader.id, value=1)
    )
    db.session.flush()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(
            Vote(story_id=their_comment.story_id, comment_id=their_comment.id, user_id=reader.id, value=-1)
        )
        db.session.flush()
