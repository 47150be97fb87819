"""Votes queue one opinion-group computation per story after commit; the sweep catches up on the rest."""

from __future__ import annotations

from forum import jobs
from forum.extensions import db
from forum.models import OpinionCache, Vote
from forum.services import opinions as opinion_service
from forum.services import signals
from forum.services import votes as vote_service
from tests.factories import make_comment, make_story, post_form
from tests.opinions.conftest import add_users


def _queued(app) -> list:
    return [job for job in jobs.get_queue(app).jobs if job[0] == "compute_opinions"]


def test_a_vote_queues_one_computation_after_commit(app, logged_in, reader, camps):
    story = camps.story
    post_form(logged_in, "/stories/camps/vote", {"comment_id": camps.comments[0].id, "vote": "agree"})
    assert _queued(app) == [("compute_opinions", (story.id,))]
    post_form(logged_in, "/stories/camps/vote", {"comment_id": camps.comments[1].id, "vote": "pass"})
    assert len(_queued(app)) == 1, "a job already waiting will see the second vote: no second job"
    assert db.session.get(OpinionCache, story.id) is None, "nothing computed inside the request"
    jobs.drain(app)
    cache = db.session.get(OpinionCache, story.id)
    assert cache is not None and cache.n_votes == 18 * 12 + 2
    assert str(reader.id) not in cache.positions, "two votes are too few to be placed"
    post_form(logged_in, "/stories/camps/vote", {"comment_id": camps.comments[2].id, "vote": "agree"})
    assert _queued(app) == [("compute_opinions", (story.id,))], "queued again once the last job ran"
    jobs.drain(app)
    assert db.session.get(OpinionCache, story.id).n_votes == 18 * 12 + 3


def test_nothing_is_queued_for_a_rolled_back_vote(app, reader, camps):
    vote_service.cast_vote(camps.comments[0], reader, "agree")
    db.session.rollback()
    assert _queued(app) == []


def test_a_job_with_nothing_new_does_not_recompute(app, camps):
    jobs.run_task("compute_opinions", camps.story.id)
    first = db.session.get(OpinionCache, camps.story.id).computed_at
    jobs.run_task("compute_opinions", camps.story.id)
    assert db.session.get(OpinionCache, camps.story.id).computed_at == first
    jobs.run_task("compute_opinions", 999_999)  # a deleted story: nothing to do, no error


def test_moderating_a_comment_queues_a_recomputation(app, camps):
    comment = camps.comments[2]
    comment.status = "rejected"
    signals.comment_changed.send(comment, action="moderated")
    db.session.commit()
    assert ("compute_opinions", (camps.story.id,)) in _queued(app)
    jobs.run_task("compute_opinions", camps.story.id)
    cache = db.session.get(OpinionCache, camps.story.id)
    assert cache.data["comments"][str(comment.id)]["active"] is False


def test_the_sweep_recomputes_missing_and_stale_results(app, camps):
    assert db.session.get(OpinionCache, camps.story.id) is None
    jobs.run_task("sweep")
    cache = db.session.get(OpinionCache, camps.story.id)
    assert cache is not None and cache.n_groups == 2
    camps.camp_a[0].status = "banned"  # no signal for bans: only the sweep notices
    db.session.commit()
    jobs.run_task("sweep")
    cache = db.session.get(OpinionCache, camps.story.id)
    assert cache.n_participants == 17 and str(camps.camp_a[0].id) not in cache.positions


def test_one_story_failing_does_not_stop_the_sweep(app, camps, monkeypatch, caplog):
    other = make_story(slug="other", question="Another question?")
    author, voter = add_users("other-author", 1)[0], add_users("other-voter", 1)[0]
    comment = make_comment(other, author, "A statement on the other story.")
    db.session.add(Vote(story_id=other.id, comment_id=comment.id, user_id=voter.id, value=1))
    db.session.commit()
    compute = opinion_service.compute_opinions

    def broken_for_camps(story):
        if story.id == camps.story.id:
            raise RuntimeError("this story's votes break the maths")
        return compute(story)

    monkeypatch.setattr(opinion_service, "compute_opinions", broken_for_camps)
    jobs.run_task("sweep")  # no error out of the sweep
    assert camps.story.id < other.id, "the failing story comes first"
    assert db.session.get(OpinionCache, camps.story.id) is None
    assert db.session.get(OpinionCache, other.id).n_votes == 1
    assert f"sweep: story {camps.story.id} failed" in caplog.text
