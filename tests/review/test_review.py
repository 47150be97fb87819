"""Editors' review of the debate map: every edit, its bad input, publishing, survival across recomputes."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from forum import jobs
from forum.analysis.embedders import HashingEmbedder
from forum.extensions import db
from forum.models import PublishedMap, Viewpoint, ViewpointMember
from forum.services import mapping
from tests.factories import active_viewpoints, login, make_comment, make_story, make_user, post_form


def _members(v):
    return set(
        db.session.scalars(select(ViewpointMember.comment_id).where(ViewpointMember.viewpoint_id == v.id))
    )


def _post(client, story, action, **data):
    data.setdefault("map_version", story.map_version)
    return post_form(client, f"/editor/stories/{story.slug}/map/{action}", data)


def test_only_editors_reach_the_review(client, mapped):
    story, _ = mapped
    url = f"/editor/stories/{story.slug}/map"
    assert client.get(url).status_code == 302
    make_user("plainreader")
    login(client, "plainreader")
    assert client.get(url).status_code == 403
    assert (
        _post(
            client, story, "rename", viewpoint_id=active_viewpoints(story)[0].id, headline="Hijacked"
        ).status_code
        == 403
    )
    assert active_viewpoints(story)[0].editor_headline is None


def test_overview_lists_viewpoints_with_forms(editor, mapped):
    story, _ = mapped
    html = editor.get(f"/editor/stories/{story.slug}/map").get_data(as_text=True)
    for v in active_viewpoints(story):
        assert f'id="vp-{v.id}"' in html and v.headline in html
    assert "Publish this map" in html and "Merge into" in html and "Split into" in html


def test_rename_and_its_bad_input(editor, mapped):
    story, _ = mapped
    v = active_viewpoints(story)[0]
    assert _post(editor, story, "rename", viewpoint_id=v.id, headline="   ").status_code == 400
    assert _post(editor, story, "rename", viewpoint_id=v.id, headline="x" * 301).status_code == 400
    assert (
        _post(editor, story, "rename", viewpoint_id=v.id, headline="New", map_version="").status_code == 400
    )
    db.session.refresh(v)
    assert v.editor_headline is None
    assert (
        _post(
            editor, story, "rename", viewpoint_id=v.id, headline="Regulation must bind the labs"
        ).status_code
        == 303
    )
    db.session.refresh(v)
    assert v.title == "Regulation must bind the labs" and v.headline != v.title
    assert "Regulation must bind the labs" not in editor.get(f"/stories/{story.slug}/map").get_data(
        as_text=True
    )
    preview = editor.get(f"/editor/stories/{story.slug}/map/preview").get_data(as_text=True)
    assert "Regulation must bind the labs" in preview


def test_merge_moves_members_and_refuses_bad_pairs(editor, mapped):
    story, _ = mapped
    a, b = active_viewpoints(story)[:2]
    before = _members(a) | _members(b)
    assert _post(editor, story, "merge", viewpoint_id=a.id, target_id=a.id).status_code == 400
    other_story = make_story()
    foreign = Viewpoint(story_id=other_story.id, headline="x", key_phrases=[], quote_ids=[])
    db.session.add(foreign)
    db.session.commit()
    assert _post(editor, story, "merge", viewpoint_id=a.id, target_id=foreign.id).status_code == 404
    assert _members(a) | _members(b) == before and a.active and b.active
    assert _post(editor, story, "merge", viewpoint_id=b.id, target_id=a.id).status_code == 303
    db.session.refresh(a), db.session.refresh(b)
    assert _members(a) == before and not b.active and a.curated and a.n_members == len(before)


def test_move_comment_and_bad_moves(editor, mapped):
    story, posted = mapped
    a, b = active_viewpoints(story)[:2]
    comment_id = sorted(_members(a))[0]
    other = make_story()
    foreign_comment = make_comment(other, make_user("outsider"))
    assert _post(editor, story, "move", comment_id=foreign_comment.id, target_id=b.id).status_code == 400
    assert _post(editor, story, "move", comment_id=999999, target_id=b.id).status_code == 404
    assert _post(editor, story, "move", comment_id=comment_id, target_id=987654).status_code == 404
    assert _post(editor, story, "move", comment_id=comment_id, target_id=b.id).status_code == 303
    member = db.session.get(ViewpointMember, comment_id)
    assert member.viewpoint_id == b.id and member.source == "editor"


def test_split_hide_pin(editor, mapped):
    story, _ = mapped
    v = max(active_viewpoints(story), key=lambda x: x.n_members)
    radius = v.radius
    assert _post(editor, story, "split", viewpoint_id=v.id, parts="9").status_code == 400
    assert _post(editor, story, "split", viewpoint_id=v.id, parts="2").status_code == 303
    parts = [p for p in active_viewpoints(story) if p.curated]
    assert len(parts) == 2 and all(p.n_members >= 1 for p in parts)
    # The halves do not sit on top of each other: their bubbles overlap by no more than a sliver.
    (a, b) = parts
    gap = ((a.x - b.x) ** 2 + (a.y - b.y) ** 2) ** 0.5
    assert gap >= 0.95 * (a.radius + b.radius) and abs(a.radius**2 + b.radius**2 - radius**2) < 1e-6
    hidden = parts[1]
    assert _post(editor, story, "hide", viewpoint_id=hidden.id, enabled="1").status_code == 303
    db.session.refresh(story)
    not_member = next(c for c in _members(parts[1]))
    assert _post(editor, story, "pin", viewpoint_id=parts[0].id, quote_ids=not_member).status_code == 400
    mine = sorted(_members(parts[0]))[-1]
    assert _post(editor, story, "pin", viewpoint_id=parts[0].id, quote_ids=mine).status_code == 303
    db.session.refresh(parts[0])
    assert parts[0].pinned_quote_ids == [mine]
    story.map_auto_publish = True
    db.session.commit()
    html = editor.get(f"/stories/{story.slug}/map").get_data(as_text=True)
    assert f'id="vp-{hidden.id}"' not in html and f'id="vp-{parts[0].id}"' in html
    assert html.index(f'id="vp-{parts[0].id}"') < html.index(f"/comments/{mine}")


def test_publish_snapshot_is_what_readers_see(editor, client, mapped):
    story, _ = mapped
    reader_url = f"/stories/{story.slug}/map"
    assert "have not published" in editor.get(reader_url).get_data(as_text=True)
    v = active_viewpoints(story)[0]
    _post(editor, story, "rename", viewpoint_id=v.id, headline="First published name")
    db.session.refresh(story)
    assert _post(editor, story, "publish").status_code == 303
    assert db.session.scalar(select(PublishedMap).where(PublishedMap.story_id == story.id)) is not None
    db.session.refresh(story)
    _post(editor, story, "rename", viewpoint_id=v.id, headline="Draft name not yet published")
    html = editor.get(reader_url).get_data(as_text=True)
    assert "First published name" in html and "Draft name not yet published" not in html
    preview = editor.get(f"/editor/stories/{story.slug}/map/preview").get_data(as_text=True)
    assert "Draft name not yet published" in preview and "Preview" in preview
    db.session.refresh(story)
    assert _post(editor, story, "auto-publish", enabled="1").status_code == 303
    assert "Draft name not yet published" in editor.get(reader_url).get_data(as_text=True)


def test_editor_edits_survive_recomputation(editor, mapped):
    story, _ = mapped
    a, b, *_ = active_viewpoints(story)
    _post(editor, story, "rename", viewpoint_id=a.id, headline="Kept name")
    db.session.refresh(story)
    _post(editor, story, "merge", viewpoint_id=b.id, target_id=a.id)
    merged = _members(a)
    db.session.refresh(story)
    run = mapping.recompute_map(story, HashingEmbedder(), trigger="test")
    db.session.commit()
    db.session.refresh(a)
    assert a.active and a.title == "Kept name"
    assert _members(a) >= {c for c in merged}, "the merged viewpoint keeps its comments while they fit"
    assert a.id in run.changes["curated_kept"]


def test_key_point_gathers_matching_comments(app, editor, mapped):
    story, posted = mapped
    assert _post(editor, story, "key-point", statement=" ").status_code == 400
    assert jobs.get_queue(app).jobs == []
    statement = "Military use of models under the Pentagon deadline is the worry"
    assert _post(editor, story, "key-point", statement=statement).status_code == 303
    assert db.session.scalar(select(Viewpoint).where(Viewpoint.key_point == statement)) is None, (
        "queued, not done"
    )
    jobs.drain(app)
    kp = db.session.scalar(select(Viewpoint).where(Viewpoint.key_point == statement))
    gathered = _members(kp)
    military = {c.id for c in posted["military"]}
    assert len(gathered & military) >= 3 and len(gathered & military) > len(gathered - military)
    from forum.services import review

    scores = review.key_point_scores(story, "Pentagon military use of models", HashingEmbedder())
    assert scores[0][0] in military and len(scores) == sum(len(v) for v in posted.values())


def test_recompute_button_queues_the_work(app, editor, mapped):
    story, _ = mapped
    version = story.map_version
    assert _post(editor, story, "recompute").status_code == 303
    assert jobs.get_queue(app).jobs == [("recompute_map", (story.id, "editor"))]
    jobs.drain(app)
    db.session.refresh(story)
    assert story.map_version == version + 1


def test_with_the_job_queue_down_the_editor_is_told_nothing_started(app, editor, mapped, monkeypatch):
    story, _ = mapped
    version = story.map_version

    def down(*args):
        raise ConnectionError("Redis is not answering")

    monkeypatch.setattr(jobs.get_queue(app), "enqueue", down)
    for action, data in (("recompute", {}), ("key-point", {"statement": "Pentagon military use of models"})):
        response = _post(editor, story, action, **data)
        assert response.status_code == 503, action
        assert jobs.QUEUE_DOWN in response.get_data(as_text=True)
    monkeypatch.undo()
    assert jobs.get_queue(app).jobs == []
    db.session.refresh(story)
    assert story.map_version == version


def test_exports_and_printable_report(editor, mapped):
    story, _ = mapped
    doc = editor.get(f"/editor/stories/{story.slug}/map/export.json").get_json()
    assert doc["story"]["slug"] == story.slug and doc["viewpoints"]
    member = doc["viewpoints"][0]["members"][0]
    assert {"id", "text", "votes", "author"} <= set(member)
    rows = list(
        csv.DictReader(
            io.StringIO(editor.get(f"/editor/stories/{story.slug}/map/export.csv").get_data(as_text=True))
        )
    )
    assert len(rows) == sum(len(v["members"]) for v in doc["viewpoints"])
    report = editor.get(f"/editor/stories/{story.slug}/map/report").get_data(as_text=True)
    assert "<svg" in report and "Debate map report" in report and "report.css" in report


def test_forged_csrf_changes_nothing(editor, mapped):
    story, _ = mapped
    v = active_viewpoints(story)[0]
    response = editor.post(
        f"/editor/stories/{story.slug}/map/rename",
        data={
            "csrf_token": "forged",
            "viewpoint_id": v.id,
            "headline": "X",
            "map_version": story.map_version,
        },
    )
    assert response.status_code == 400
    db.session.refresh(v)
    assert v.editor_headline is None


def test_published_map_sums_current_votes_per_viewpoint(editor, mapped):
    from forum.services import debate_map
    from forum.services.votes import cast_vote

    story, posted = mapped
    voter = make_user("late_voter")
    target = posted["regulate"][0]
    assert _post(editor, story, "publish").status_code == 303
    cast_vote(target, voter, "agree")
    db.session.commit()
    live = {v.viewpoint.id: v.reaction for v in debate_map.read_map(story, include_hidden=False).viewpoints}
    published = {v.viewpoint.id: v.reaction for v in debate_map.published_map(story).viewpoints}
    assert published == live and sum(r.agree for r in published.values()) >= 1


def test_fields_that_cannot_be_read_are_refused_as_the_service_would(editor, mapped):
    """Each action's form reads typed values; one it cannot read answers with the service's message and
    status for the same mistake, and changes nothing."""
    story, _ = mapped
    v = active_viewpoints(story)[0]
    version = story.map_version
    cases = [
        ("rename", {"viewpoint_id": "abc", "headline": "X"}, 404, "There is no such viewpoint."),
        ("rename", {"viewpoint_id": str(2**70), "headline": "X"}, 404, "There is no such viewpoint."),
        ("rename", {"viewpoint_id": v.id, "headline": "X", "map_version": "v2"}, 400, "missing the map"),
        ("merge", {"viewpoint_id": v.id}, 404, "There is no such viewpoint."),
        ("move", {"comment_id": "1x", "target_id": v.id}, 404, "There is no such comment."),
        ("split", {"viewpoint_id": v.id, "parts": "two"}, 400, "Say into how many"),
        ("split", {"viewpoint_id": v.id}, 400, "Say into how many"),
        ("pin", {"viewpoint_id": v.id, "quote_ids": ["1", "x"]}, 400, "Quotes are chosen by comment id."),
    ]
    for action, data, status, message in cases:
        response = _post(editor, story, action, **data)
        assert response.status_code == status, (action, data)
        assert message in response.get_data(as_text=True), (action, data)
    db.session.refresh(story)
    db.session.refresh(v)
    assert story.map_version == version and v.editor_headline is None
    # Text arrives on one line: the headline's runs of spaces and line breaks are one space each.
    response = _post(editor, story, "rename", viewpoint_id=v.id, headline="  Binding\n rules  ")
    assert response.status_code == 303
    db.session.refresh(v)
    assert v.editor_headline == "Binding rules"
