"""The vote mode and the opinion map, through the test client with real CSRF tokens."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from forum import jobs
from forum.extensions import db
from forum.models import Vote
from tests.factories import csrf_token, login, make_comment, make_story, make_user, post_form

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


def test_opinion_map_shows_my_position_after_seven_votes(app, logged_in, reader, camps):
    html = logged_in.get("/stories/camps/opinions").get_data(as_text=True)
    assert "Vote on 7 more comments to see where you stand" in html
    for i, c in enumerate(camps.comments[:6]):
        _vote(logged_in, "camps", c.id, "agree" if [1, 1, 1, -1, -1, -1][i] > 0 else "disagree")
    assert jobs.drain(app) >= 1
    html = logged_in.get("/stories/camps/opinions").get_data(as_text=True)
    assert "Vote on 1 more comment to see where you stand" in html
    assert "Group A" in html and "Group B" in html, "the groups are shown before the reader's own place"
    assert 'class="dot me' not in html and "You are in" not in html
    _vote(logged_in, "camps", camps.comments[6].id, "agree")
    html = logged_in.get("/stories/camps/opinions").get_data(as_text=True)
    assert "being computed" in html, "my position waits for the next computation; the page does not"
    assert jobs.drain(app) >= 1
    html = logged_in.get("/stories/camps/opinions").get_data(as_text=True)
    assert 'class="dot me' in html and ">You</text>" in html
    assert "What sets this group apart" in html and " in group A (" in html
    assert "Common ground" in html and "Statement number 8" in html
    assert " style=" not in html and "<script>" not in html
    # I voted like camp A (the larger camp, so group A): the page says so.
    assert "You are in <strong>group A</strong>" in html


def test_opinion_groups_for_anonymous_visitors_with_names_and_counts(client, camps):
    from forum.services import opinions as opinion_service

    opinion_service.compute_opinions(camps.story)
    db.session.commit()
    html = client.get("/stories/camps/opinions").get_data(as_text=True)
    assert "Log in</a> and vote on at least 7 comments to see where you stand" in html
    assert "Group A" in html and "Group B" in html and 'class="dot me' not in html
    page = opinion_service.read_opinions(camps.story, None)
    a, b = page.groups
    # Camp A (10 readers) agrees with the +1 statements; its name is its most representative one, shortened.
    assert a.size == 10 and a.label.startswith("Statement number") and not a.label_by_editor
    assert f'Group A: <span class="group-label">{a.label}</span>' in html
    top = a.statements[0]
    assert top.of == 10 and 0 < top.n <= 10 and top.of_rest == 8
    assert f"{top.n} of {top.of} in group A ({top.pct}%) {top.direction}" in html
    assert f"(vs {top.n_rest} of {top.of_rest}, {top.pct_rest}%, of everyone else)" in html
    assert "Save name" not in html, "only editors get the naming form"


def test_editors_name_groups_and_the_name_follows_the_group(client, camps, reader):
    from forum.models.opinions import OpinionGroupName
    from forum.services import opinions as opinion_service

    opinion_service.compute_opinions(camps.story)
    db.session.commit()
    login(client, reader.username)
    forbidden = post_form(client, "/stories/camps/opinions/names", {"group": 0, "name": "Car-free"})
    assert forbidden.status_code == 403
    client.get("/logout")
    make_user("editor2", role="editor")
    login(client, "editor2")
    assert "Save name" in client.get("/stories/camps/opinions").get_data(as_text=True)
    response = post_form(
        client, "/stories/camps/opinions/names", {"group": 0, "name": "  Car-free   old town "}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(
        "/stories/camps/opinions#group-A"
    )
    html = client.get("/stories/camps/opinions").get_data(as_text=True)
    assert "Group A now reads “Car-free old town”" in html
    assert 'Group A: <span class="group-label">Car-free old town</span>' in html
    opinion_service.compute_opinions(camps.story)  # a recomputation keeps the name with its statement
    db.session.commit()
    assert opinion_service.read_opinions(camps.story, None).groups[0].label == "Car-free old town"
    for data, status in (({"group": 7, "name": "x"}, 404), ({"group": "a", "name": "x"}, 400),
                         ({"group": 0, "name": "x" * 81}, 400)):  # fmt: skip
        assert post_form(client, "/stories/camps/opinions/names", data).status_code == status
    assert db.session.scalar(select(func.count()).select_from(OpinionGroupName)) == 1
    post_form(client, "/stories/camps/opinions/names", {"group": 0, "name": ""})
    assert db.session.scalar(select(func.count()).select_from(OpinionGroupName)) == 0
    assert opinion_service.read_opinions(camps.story, None).groups[0].label.startswith("Statement number")


def test_replies_show_what_they_reply_to(client, camps):
    from forum.services import opinions as opinion_service

    parent = camps.comments[0]
    reply = make_comment(camps.story, camps.authors[1], "Materially wrong, not wrong.", parent=parent)
    for user in camps.camp_a + camps.camp_b:
        db.session.add(Vote(story_id=camps.story.id, comment_id=reply.id, user_id=user.id, value=1))
    db.session.commit()
    opinion_service.compute_opinions(camps.story)
    db.session.commit()
    html = client.get("/stories/camps/opinions").get_data(as_text=True)
    assert "Materially wrong, not wrong." in html
    assert f"In reply to {camps.authors[0].display_name}: “{parent.body}”" in html


def test_staff_see_the_map_without_voting(client, camps):
    from forum.services import opinions as opinion_service

    opinion_service.compute_opinions(camps.story)
    db.session.commit()
    make_user("editor1", role="editor")
    login(client, "editor1")
    html = client.get("/stories/camps/opinions").get_data(as_text=True)
    assert "Group A" in html and 'class="dot me' not in html


def test_story_tabs_link_to_opinion_groups(client, camps):
    html = client.get("/stories/camps").get_data(as_text=True)
    assert 'href="/stories/camps/opinions"' in html and "Opinion groups" in html


def test_opinion_map_for_visitors_and_unknown_stories(client, camps):
    html = client.get("/stories/camps/opinions").get_data(as_text=True)
    assert "Log in</a> and vote on at least 7 comments" in html
    assert "being computed" in html, "no result yet: visitors are told, not shown an empty map"
    assert client.get("/stories/nope/opinions").status_code == 404


def test_vote_mode_shows_what_a_reply_replies_to(logged_in, reader):
    story = make_story(slug="replies")
    mine = make_comment(story, reader, "Cars should go, the old town is for walking.")  # never shown to me
    other = make_user("replier")
    make_comment(story, other, "Materially wrong, not wrong.", parent=mine)
    html = logged_in.get("/stories/replies/vote").get_data(as_text=True)
    assert "Materially wrong, not wrong." in html
    assert f"In reply to {reader.display_name}: “Cars should go, the old town is for walking.”" in html
