"""Computing, caching and reading opinion groups (the service layer, on both databases)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import event

from forum.extensions import db
from forum.models import OpinionCache, Vote
from forum.services import opinions as opinion_service
from tests.factories import make_comment


def _groups_by_user(cache: OpinionCache) -> dict[int, int]:
    return {int(uid): pos[2] for uid, pos in cache.positions.items()}


def test_two_camps_become_two_groups_with_common_ground(camps):
    cache = opinion_service.compute_opinions(camps.story)
    assert cache.n_groups == 2
    assert cache.n_participants == 18
    assert cache.n_votes == 18 * 12
    groups = _groups_by_user(cache)
    a = {groups[u.id] for u in camps.camp_a}
    b = {groups[u.id] for u in camps.camp_b}
    assert len(a) == 1 and len(b) == 1 and a != b, "each camp forms exactly one group"
    assert set(cache.data["common_ground"]) == {c.id for c in camps.common}
    # The larger camp's group leans towards the stance-+1 comments, the other away from them.
    group_a = cache.data["groups"][a.pop()]
    reps = {r["comment"]: r["direction"] for r in group_a["representative"]}
    plus = {
        c.id for c, s in zip(camps.comments, [1, 1, 1, -1, -1, -1, 1, -1, 0, 0, 1, -1], strict=True) if s == 1
    }
    assert reps and all((cid in plus) == (d == "agree") for cid, d in reps.items())


def test_votes_are_read_in_one_select(camps):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        va = opinion_service.load_votes(camps.story.id)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert sum("FROM vote" in s and "vote.value" in s for s in statements) == 1
    assert va.value.shape == (216,) and va.participant.max() == 17
    assert set(va.comment_ids.tolist()) == {c.id for c in camps.comments}


def test_banned_readers_and_rejected_comments_stay_out_of_the_geometry(camps):
    banned, rejected = camps.camp_a[0], camps.comments[0]
    banned.status = "banned"
    rejected.status = "rejected"
    db.session.commit()
    cache = opinion_service.compute_opinions(camps.story)
    assert str(banned.id) not in cache.positions
    assert cache.n_participants == 17
    assert cache.data["comments"][str(rejected.id)]["active"] is False
    listed = [r["comment"] for g in cache.data["groups"] for r in g["representative"]]
    listed += cache.data["common_ground"] + cache.data["divisive"]
    assert rejected.id not in listed


def test_staleness_follows_votes_moderation_and_bans(camps, reader):
    story = camps.story
    assert opinion_service.is_stale(story), "votes but no cached result"
    opinion_service.compute_opinions(story)
    assert not opinion_service.is_stale(story)
    camps.comments[3].status = "rejected"
    db.session.commit()
    assert opinion_service.is_stale(story)
    opinion_service.compute_opinions(story)
    camps.camp_b[0].status = "banned"
    db.session.commit()
    assert opinion_service.is_stale(story)
    opinion_service.compute_opinions(story)
    vote = db.session.scalars(db.select(Vote).where(Vote.user_id == camps.camp_b[1].id)).first()
    vote.value = -vote.value if vote.value else 1
    vote.updated_at = vote.updated_at.replace(year=vote.updated_at.year + 1)
    db.session.commit()
    assert opinion_service.is_stale(story), "a changed vote"


def test_group_reactions_from_the_cache(camps):
    cache = opinion_service.compute_opinions(camps.story)
    groups = _groups_by_user(cache)
    ga = groups[camps.camp_a[0].id]
    plus = [
        c.id for c, s in zip(camps.comments, [1, 1, 1, -1, -1, -1, 1, -1, 0, 0, 1, -1], strict=True) if s == 1
    ]
    reactions = opinion_service.group_reactions(cache, plus)
    assert [r.group for r in reactions] == [0, 1]
    mine, other = reactions[ga], reactions[1 - ga]
    assert mine.agree > 0.7 and other.disagree > 0.7
    assert np.isclose(mine.agree + mine.disagree + mine.passed, 1.0)
    assert mine.n_votes == sum(1 for u in camps.camp_a for c in plus)


def test_next_comment_prefers_new_comments_and_is_seeded(camps, reader):
    new = make_comment(camps.story, camps.authors[0], "A brand new statement nobody has voted on.")
    picks = {opinion_service.next_comment(camps.story, reader).comment.id for _ in range(3)}
    assert len(picks) == 1, "the same reader at the same count gets the same comment"
    opinion_service.compute_opinions(camps.story)
    chosen = [
        opinion_service.next_comment(camps.story, type(reader)(id=10_000 + i, username=f"x{i}")).comment.id
        for i in range(300)
    ]
    share = chosen.count(new.id) / len(chosen)
    assert share > 1 / 13, "unseen comments carry the Pol.is new-comment boost"
    pr_new = opinion_service.next_comment_priorities(0, 0, 0, 0.0)
    pr_passed = opinion_service.next_comment_priorities(0, 0, 18, 0.0)
    assert pr_new > 10 * pr_passed, "a comment everyone passed on is rarely shown"


def test_a_live_story_changes_k_only_after_four_recomputations_agree(camps):
    """k smoothing as Pol.is does it: a third camp arrives, and the groups take it on only once four
    recomputations in a row have chosen three groups (one new vote does not flip them)."""
    from tests.opinions.conftest import STANCES, add_users

    assert opinion_service.compute_opinions(camps.story).n_groups == 2
    for user in add_users("campc", 10):  # agrees with everything but the common ground
        for j, c in enumerate(camps.comments):
            value = -1 if STANCES[j] == 0 else (1 if (j + user.id) % 5 else 0)
            db.session.add(Vote(story_id=camps.story.id, comment_id=c.id, user_id=user.id, value=value))
    db.session.flush()
    seen = [opinion_service.compute_opinions(camps.story).n_groups for _ in range(4)]
    assert seen == [2, 2, 2, 3], "three wins are not enough; the fourth in a row changes k"
    assert opinion_service.get_cached(camps.story).data["k_smoother"] == {"k": 3, "challenger": 3, "wins": 0}
    from forum.analysis.opinions import compute_opinion_groups

    va = opinion_service.load_votes(camps.story.id)
    free = compute_opinion_groups(va.participant, va.comment, va.value, len(va.user_ids), len(va.comment_ids))
    assert free.k == 3, "from scratch the votes give three groups at once"


def test_the_cached_result_decodes_and_encodes_back_to_the_stored_json(camps):
    cache = opinion_service.compute_opinions(camps.story)
    data = opinion_service.decode(cache.data)
    assert data.k == 2 and set(data.common_ground) == {c.id for c in camps.common}
    assert all(isinstance(cid, int) for cid in data.comments)
    assert opinion_service.encode(data) == cache.data, "the stored format is unchanged"
    old_row = {k: v for k, v in cache.data.items() if k != "k_smoother"}  # stored before k smoothing
    assert opinion_service.decode(old_row).k_smoother is None
    assert opinion_service.decode(None) == opinion_service.OpinionData()
