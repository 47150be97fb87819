"""The vote mode and the opinion map, through the test client with real CSRF tokens."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from forum import jobs
from forum.extensions import db
from forum.models import Vote
from tests.conftest import csrf_token, login, make_user, post_form
from tests.factories import make_comment, make_story

SHOWN = re.compile(r'name="comment_id" value="(\d+)"')


def _shown(client, slug: str) -> int | None:
    match = SHOWN.search(client.get(f"/stories/{slug}/vote").get_data(as_text=True))
    return int(match.group(1)) if match else None


def _vote(client, slug: str, comment_id, choice: str = "agree", **kw):
    return post_form(client, f"/stories/{slug}/vote", {"comment_id": comment_id, "vote": choice}, **kw)


def _n_votes(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Vote).where(Vote.user_id == user_id))


def test_vote_mode_needs_login(client, camps):
    response = client.get("/stories/camps/vote")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    token = csrf_token(client)
    response = client.post(
        "/stories/camps/vote", data={"csrf_token": token, "comment_id": "1", "vote": "agree"}
    )
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_vote_mode_walks_through_every_comment_but_own(logged_in, reader, camps):
    own = make_comment(camps.story, reader, "My own statement, never shown to me in the vote mode.")
    already = camps.comments[5]
    _vote(logged_in, "camps", already.id, "disagree")
    seen = []
    html = logged_in.get("/stories/camps/vote").get_data(as_text=True)
    assert '<strong class="n-voted">1</strong> of 12 voted' in html
    assert "Vote on 6 more comments to see the opinion groups" in html
    while (cid := _shown(logged_in, "camps")) is not None:
        assert cid not in seen and cid not in (own.id, already.id)
        seen.append(cid)
        response = _vote(logged_in, "camps", cid, ["agree", "disagree", "pass"][len(seen) % 3])
        assert response.status_code == 303 and response.headers["Location"].endswith("/stories/camps/vote")
        if len(seen) == 6:
            page = logged_in.get("/stories/camps/vote").get_data(as_text=True)
            assert "You have voted enough to see the opinion groups" in page
            assert '<strong class="n-voted">7</strong> of 12 voted' in page
    assert sorted(seen) == sorted(c.id for c in camps.comments if c.id != already.id)
    html = logged_in.get("/stories/camps/vote").get_data(as_text=True)
    assert "You have voted on every comment" in html and "12</strong> of 12 voted" in html
    assert _n_votes(reader.id) == 12


def test_vote_mode_refuses_bad_input_and_stores_nothing(logged_in, reader, camps):
    target = camps.comments[0]
    other_story = make_story(slug="elsewhere")
    foreign = make_comment(other_story, camps.authors[0], "On another story.")
    own = make_comment(camps.story, reader, "Mine.")
    cases = [
        ({"comment_id": target.id, "vote": "maybe"}, 400, "A vote is agree, disagree or pass."),
        ({"comment_id": "seven", "vote": "agree"}, 400, "Which comment?"),
        ({"comment_id": "", "vote": "agree"}, 400, "Which comment?"),
        ({"comment_id": foreign.id, "vote": "agree"}, 404, "no such comment on this story"),
        ({"comment_id": 999_999, "vote": "agree"}, 404, "no such comment on this story"),
        ({"comment_id": own.id, "vote": "agree"}, 403, "your own comment"),
    ]
    for data, status, message in cases:
        response = post_form(logged_in, "/stories/camps/vote", data)
        assert response.status_code == status, data
        assert message in response.get_data(as_text=True)
    response = logged_in.post("/stories/camps/vote", data={"comment_id": target.id, "vote": "agree"})
    assert response.status_code == 400, "no CSRF token"
    assert _vote(logged_in, "nope", target.id).status_code == 404
    assert logged_in.get("/stories/nope/vote").status_code == 404
    assert _n_votes(reader.id) == 0


def test_suspended_reader_cannot_vote_in_vote_mode(client, camps):
    user = make_user("quiet", status="suspended")
    login(client, "quiet")
    response = _vote(client, "camps", camps.comments[0].id)
    assert response.status_code == 403
    assert "cannot post or vote" in response.get_data(as_text=True)
    assert _n_votes(user.id) == 0


def test_opinion_map_opens_after_seven_votes_and_shows_my_position(app, logged_in, reader, camps):
    html = logged_in.get("/stories/camps/opinions").get_data(as_text=True)
    assert "Vote on 7 more comments to see the opinion groups" in html
    for i, c in enumerate(camps.comments[:6]):
        _vote(logged_in, "camps", c.id, "agree" if [1, 1, 1, -1, -1, -1][i] > 0 else "disagree")
    html = logged_in.get("/stories/camps/opinions").get_data(as_text=True)
    assert "Vote on 1 more comment to see" in html and "group A" not in html
    _vote(logged_in, "camps", camps.comments[6].id, "agree")
    html = logged_in.get("/stories/camps/opinions").get_data(as_text=True)
    assert "being computed" in html, "no result yet: the page does not wait for one"
    assert jobs.drain(app) >= 1
    html = logged_in.get("/stories/camps/opinions").get_data(as_text=True)
    assert "Opinion groups" in html and "Group A" in html and "Group B" in html
    assert 'class="dot me' in html and ">You</text>" in html
    assert "What sets this group apart" in html and "% of group" in html
    assert "Common ground" in html and "Statement number 8" in html
    assert " style=" not in html and "<script>" not in html
    # I voted like camp A (the larger camp, so group A): the page says so.
    assert "You are in <strong>group A</strong>" in html


def test_opinion_map_for_visitors_and_unknown_stories(client, camps):
    html = client.get("/stories/camps/opinions").get_data(as_text=True)
    assert "Log in</a> and vote on at least 7 comments" in html
    assert client.get("/stories/nope/opinions").status_code == 404


def test_staff_see_the_map_without_voting(client, camps):
    from forum.services import opinions as opinion_service

    opinion_service.compute_opinions(camps.story)
    db.session.commit()
    make_user("editor1", role="editor")
    login(client, "editor1")
    html = client.get("/stories/camps/opinions").get_data(as_text=True)
    assert "Group A" in html and 'class="dot me' not in html
    assert "Your position is being computed" in html


def test_story_tabs_link_to_opinion_groups(client, camps):
    html = client.get("/stories/camps").get_data(as_text=True)
    assert 'href="/stories/camps/opinions"' in html and "Opinion groups" in html
