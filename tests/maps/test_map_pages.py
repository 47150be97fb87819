from sqlalchemy import select

from forum import jobs
from forum.extensions import db
from forum.models import Viewpoint, ViewpointMember
from tests.factories import make_comment, make_story, make_user


def test_map_page_before_there_is_a_map(client, session):
    story = make_story(map_auto_publish=True)
    html = client.get(f"/stories/{story.slug}/map").get_data(as_text=True)
    assert "The map is being drawn" in html
    unpublished = make_story()
    assert "have not published" in client.get(f"/stories/{unpublished.slug}/map").get_data(as_text=True)
    assert client.get("/stories/nope/map").status_code == 404


def test_map_page_lists_viewpoints_with_quotes_and_bubbles(app, client, debate):
    story, posted = debate
    jobs.drain(app)
    story.map_auto_publish = True
    db.session.commit()
    response = client.get(f"/stories/{story.slug}/map")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    viewpoints = [v for v in story_viewpoints(story) if not v.is_other]
    assert html.count('class="bubble side-') == len(viewpoints)
    assert html.count('class="viewpoint side-') >= len(viewpoints)
    for v in viewpoints:
        assert v.headline in html
        for q in v.quote_ids:
            assert f"/comments/{q}" in html
    assert "Says yes" in html and "Says no" in html
    # counts are commenters of everyone who commented, and the page says they do not add up
    assert f"{viewpoints[0].n_authors} of 17 commenters" in html
    assert "A comment can make several points" in html
    # key points are listed under their themes, and each quote marks the sentence that makes the point
    for v in viewpoints:
        assert v.theme and f">{v.theme} <" in html
    assert html.count("<mark>") >= len(viewpoints)
    assert "Votes on these comments" in html


def test_empty_viewpoints_are_never_shown_nor_published(app, client, debate):
    from forum.services import debate_map

    story, posted = debate
    jobs.drain(app)
    v = next(v for v in story_viewpoints(story) if not v.is_other)
    v.n_members = 0
    v.editor_headline = "A key point nobody makes."
    story.map_auto_publish = True
    db.session.commit()
    html = client.get(f"/stories/{story.slug}/map").get_data(as_text=True)
    assert "A key point nobody makes." not in html
    assert v.id not in [x["id"] for x in debate_map.snapshot(story)["viewpoints"]]


def story_viewpoints(story):
    from sqlalchemy import select

    return list(db.session.scalars(select(Viewpoint).where(Viewpoint.story_id == story.id, Viewpoint.active)))


def test_viewpoint_page_shows_all_members(app, client, debate):
    story, posted = debate
    jobs.drain(app)
    v = next(v for v in story_viewpoints(story) if not v.is_other)
    html = client.get(f"/stories/{story.slug}/map/viewpoints/{v.id}").get_data(as_text=True)
    assert v.headline in html and html.count('<li class="comment"') == v.n_members + len(
        v.secondary_ids or []
    )
    assert f"{v.n_authors} commenter" in html
    other = make_story()
    assert client.get(f"/stories/{other.slug}/map/viewpoints/{v.id}").status_code == 404
    assert client.get(f"/stories/{story.slug}/map/viewpoints/999999").status_code == 404


def test_comment_link_opens_its_thread(client, session):
    story = make_story()
    root = make_comment(story, make_user("rooter"), "The root")
    reply = make_comment(story, make_user("replier"), "The reply", parent=root)
    response = client.get(f"/comments/{reply.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/stories/{story.slug}/threads/{root.id}#c{reply.id}")
    html = client.get(f"/stories/{story.slug}/threads/{root.id}").get_data(as_text=True)
    assert "The root" in html and "The reply" in html
    assert client.get(f"/stories/{story.slug}/threads/{reply.id}").status_code == 404
    assert client.get("/comments/424242").status_code == 404
    hidden = make_comment(story, make_user("hider"), "Held back", status="pending")
    assert client.get(f"/comments/{hidden.id}").status_code == 404


def test_cli_analyse_and_reembed(app, debate):
    story, _ = debate
    runner = app.test_cli_runner()
    result = runner.invoke(args=["forum", "reembed"])
    assert result.exit_code == 0 and "17 comments needed an embedding; 17 texts encoded." in result.output
    result = runner.invoke(args=["forum", "analyse", story.slug])
    assert result.exit_code == 0 and "viewpoints from 17 comments" in result.output
    assert runner.invoke(args=["forum", "analyse", "no-such-story"]).exit_code == 1
    assert runner.invoke(args=["forum", "analyse"]).exit_code == 2


def test_key_point_page_lists_the_comments_that_also_make_it(app, client, debate):
    story, posted = debate
    jobs.drain(app)
    vps = [v for v in story_viewpoints(story) if not v.is_other]
    v, other = vps[0], vps[1]
    also = next(
        iter(
            db.session.scalars(
                select(ViewpointMember.comment_id).where(ViewpointMember.viewpoint_id == other.id)
            )
        )
    )
    v.secondary_ids = [also]
    db.session.commit()
    html = client.get(f"/stories/{story.slug}/map/viewpoints/{v.id}").get_data(as_text=True)
    assert "Also making this point" in html and f'id="c{also}"' in html
    assert "1 more that also make it" in html
