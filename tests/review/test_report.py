"""The printable report and the JSON export carry the opinion groups, common ground, a legend, the date
and a note on method."""

from __future__ import annotations

from forum.extensions import db
from forum.services import opinions
from tests.factories import login, make_user
from tests.opinions.conftest import camps  # noqa: F401  (the fixture: two camps of voters)


def test_report_and_export_show_the_opinion_groups_and_common_ground(client, camps):  # noqa: F811
    story = camps.story
    opinions.compute_opinions(story)
    db.session.commit()
    page = opinions.read_opinions(story, make_user("editor1", role="editor"))
    assert len(page.groups) == 2 and page.common_ground
    login(client, "editor1")

    doc = client.get(f"/editor/stories/{story.slug}/map/export.json").get_json()
    groups = doc["opinion_groups"]
    assert [g["size"] for g in groups] == [g.size for g in page.groups] and sum(
        g["size"] for g in groups
    ) == 18
    assert all(g["name"] and g["statements"] for g in groups)
    assert {"comment_id", "text", "direction", "pct", "pct_rest"} <= set(groups[0]["statements"][0])
    common = {s["comment_id"] for s in doc["common_ground"]}
    assert common and common <= {c.id for c in camps.common}
    assert doc["exported_at"][:4].isdigit()

    html = client.get(f"/editor/stories/{story.slug}/map/report").get_data(as_text=True)
    for text in (
        "Common ground",
        "Opinion groups",
        "Legend.",
        "How this map is made",
        "Report made",
        "Says yes",
    ):
        assert text in html, text
    for g in page.groups:
        assert f"<strong>{g.name}</strong>: {g.size} readers" in html
    assert camps.common[0].body in html
    assert "<main>" in html and "<header>" in html  # landmarks for screen readers


def test_report_without_votes_says_there_are_no_groups_yet(client, debate):
    story, _ = debate
    make_user("editor1", role="editor")
    login(client, "editor1")
    html = client.get(f"/editor/stories/{story.slug}/map/report").get_data(as_text=True)
    assert "No opinion groups yet" in html and "No statement yet that every opinion group agrees with" in html
    doc = client.get(f"/editor/stories/{story.slug}/map/export.json").get_json()
    assert doc["opinion_groups"] == [] and doc["common_ground"] == []
