"""The debate map shows how each opinion group reacts to each viewpoint, and the common ground."""

from __future__ import annotations

from forum.extensions import db
from forum.models import Viewpoint, ViewpointMember
from forum.services import debate_map
from forum.services import opinions as opinion_service
from tests.opinions.conftest import STANCES


def _viewpoints(camps) -> tuple[Viewpoint, Viewpoint]:
    made = []
    for position, (stance, side) in enumerate(((1, 1), (-1, -1))):
        members = [c for c, s in zip(camps.comments, STANCES, strict=True) if s == stance]
        vp = Viewpoint(
            story_id=camps.story.id, position=position, headline=f"Viewpoint {stance}", side=side,
            share=0.5, n_members=len(members), x=0.3 + 0.4 * position, y=0.5, radius=0.1,
        )  # fmt: skip
        db.session.add(vp)
        db.session.flush()
        db.session.add_all(
            ViewpointMember(comment_id=c.id, viewpoint_id=vp.id, story_id=camps.story.id) for c in members
        )
        made.append(vp)
    db.session.commit()
    return made[0], made[1]


def test_read_map_fills_group_reactions_from_the_cached_groups(camps):
    plus, minus = _viewpoints(camps)
    assert all(not v.group_reactions for v in debate_map.read_map(camps.story).viewpoints), "no result yet"
    cache = opinion_service.compute_opinions(camps.story)
    db.session.commit()
    group_a = cache.positions[str(camps.camp_a[0].id)][2]
    view = debate_map.read_map(camps.story)
    by_id = {v.viewpoint.id: v for v in view.viewpoints}
    for vp, sign in ((plus, 1), (minus, -1)):
        reactions = by_id[vp.id].group_reactions
        assert len(reactions) == 2
        mine, other = reactions[group_a], reactions[1 - group_a]
        assert (
            (mine.agree > 0.7 and other.disagree > 0.7)
            if sign > 0
            else (mine.disagree > 0.7 and other.agree > 0.7)
        )
    assert {s.comment.id for s in view.opinions.common_ground} == {c.id for c in camps.common}


def test_map_page_shows_group_reactions_and_common_ground(client, camps):
    _viewpoints(camps)
    camps.story.map_auto_publish = True
    opinion_service.compute_opinions(camps.story)
    db.session.commit()
    html = client.get("/stories/camps/map").get_data(as_text=True)
    assert html.count("How the opinion groups react") == 2
    assert "% agree" in html and "Group A" in html and "Group B" in html
    assert "Common ground" in html and "Statement number 9" in html
    assert "Where the groups differ most" in html
    assert " style=" not in html
