"""``flask forum import-polis`` and ``export-polis``: fixtures always, real exports when shared."""

from __future__ import annotations

import csv
import shutil

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.interop.polis import read_polis_export
from forum.models import Comment, OpinionCache, PolisComment, PolisParticipant, Story, User, Vote
from tests.factories import require_or_skip
from tests.opinions.conftest import FIXTURES, SHARED_POLIS


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["forum", *args], catch_exceptions=False)


def _counts() -> dict[str, int]:
    return {
        m.__name__: db.session.scalar(select(func.count()).select_from(m))
        for m in (Story, User, Comment, Vote, PolisComment, PolisParticipant, OpinionCache)
    }


def _story_votes(story: Story) -> set[tuple[int, int, int]]:
    """(Pol.is participant, Pol.is comment, value) for every vote of an imported story."""
    rows = db.session.execute(
        select(PolisParticipant.polis_id, PolisComment.polis_id, Vote.value)
        .join(PolisParticipant, PolisParticipant.user_id == Vote.user_id)
        .join(PolisComment, PolisComment.comment_id == Vote.comment_id)
        .where(Vote.story_id == story.id)
    )
    return {tuple(r) for r in rows}


def _story_comments(story: Story) -> dict[int, tuple[str, str, bool]]:
    rows = db.session.execute(
        select(PolisComment.polis_id, Comment.body, Comment.status, PolisComment.is_meta)
        .join(Comment, Comment.id == PolisComment.comment_id)
        .where(PolisComment.story_id == story.id)
    )
    return {pid: (body, status, meta) for pid, body, status, meta in rows}


def test_import_small_fixture(app, session):
    result = _cli(app, "import-polis", str(FIXTURES / "small"), "--no-compute")
    assert result.exit_code == 0, result.output
    assert "Imported 'small'" in result.output and "4 comments, 10 votes" in result.output
    story = db.session.scalar(select(Story).where(Story.slug == "small"))
    assert story.headline == 'Parks and "green" spaces'
    assert story.question.startswith("What should change?") and story.source_url == "https://example.org/conv"
    comments = _story_comments(story)
    assert comments[2] == ('Für Grünflächen: "mehr Bänke" – bitte!', "rejected", False)
    assert comments[3][1] == "published" and comments[0][1] == "published"
    votes = _story_votes(story)
    assert len(votes) == 10 and (1, 1, -1) in votes and (1, 1, 1) not in votes, "the latest vote wins"
    users = db.session.scalars(select(User).where(User.username.like("polis-small-%"))).all()
    assert len(users) == 4 and all(u.password_hash is None for u in users)
    first = db.session.get(
        Comment,
        db.session.scalar(
            select(PolisComment.comment_id).where(
                PolisComment.story_id == story.id, PolisComment.polis_id == 0
            )
        ),
    )
    assert (first.agree_count, first.disagree_count) == (3, 1), "counts recounted from the votes"


def test_import_computes_opinion_groups_and_excludes_meta(app, session):
    result = _cli(app, "import-polis", str(FIXTURES / "camps"), "--slug", "traffic")
    assert result.exit_code == 0, result.output
    assert "Opinion groups: 2 groups of 30 participants" in result.output
    story = db.session.scalar(select(Story).where(Story.slug == "traffic"))
    cache = db.session.get(OpinionCache, story.id)
    meta = db.session.scalar(
        select(PolisComment.comment_id).where(PolisComment.is_meta, PolisComment.story_id == story.id)
    )
    rejected = db.session.scalar(
        select(Comment.id).where(Comment.story_id == story.id, Comment.status == "rejected")
    )
    assert cache.data["comments"][str(meta)]["active"] is False
    assert cache.data["comments"][str(rejected)]["active"] is False
    assert db.session.get(Comment, meta).status == "published", "meta statements stay visible"
    again = _cli(app, "import-polis", str(FIXTURES / "camps"), "--slug", "traffic")
    assert again.exit_code == 1 and "exists already" in again.output


@pytest.mark.parametrize("fixture", ["bad_vote_value", "broken_row"])
def test_malformed_export_is_refused_and_nothing_is_imported(app, session, tmp_path, fixture):
    folder = tmp_path / fixture
    if fixture == "broken_row":
        shutil.copytree(FIXTURES / "camps", folder)
        with (folder / "votes.csv").open("a") as fh:
            fh.write("1650000200000,x,3,4\n")  # a row with a field missing, after 316 good ones
    else:
        shutil.copytree(FIXTURES / fixture, folder)
    before = _counts()
    result = _cli(app, "import-polis", str(folder))
    assert result.exit_code == 1
    expected = "votes.csv, line 7" if fixture == "bad_vote_value" else "votes.csv, line 318"
    assert f"Nothing imported: {expected}" in result.output, result.output
    assert _counts() == before


def test_round_trip_keeps_every_comment_and_vote(app, session, tmp_path):
    for name in ("small", "camps", "pv_only"):
        assert _cli(app, "import-polis", str(FIXTURES / name), "--slug", f"{name}-1").exit_code == 0
        out = tmp_path / name
        result = _cli(app, "export-polis", f"{name}-1", str(out))
        assert result.exit_code == 0, result.output
        assert _cli(app, "import-polis", str(out), "--slug", f"{name}-2").exit_code == 0
        one, two = (db.session.scalar(select(Story).where(Story.slug == f"{name}-{i}")) for i in (1, 2))
        assert _story_comments(two) == _story_comments(one)
        assert _story_votes(two) == _story_votes(one)
        assert (two.headline, two.lede) == (one.headline, one.lede)
        original = read_polis_export(FIXTURES / name)
        assert len(_story_votes(one)) == len(original.votes)
    with (tmp_path / "camps" / "participants-votes.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    cache = db.session.get(OpinionCache, db.session.scalar(select(Story.id).where(Story.slug == "camps-1")))
    groups = {r["group-id"] for r in rows}
    assert groups == {"0", "1"} and cache.n_groups == 2, "each participant's group is exported"
    with (tmp_path / "camps" / "votes.csv").open() as fh:
        values = {r["vote"] for r in csv.DictReader(fh)}
    assert values == {"1", "-1", "0"}


def test_export_of_a_native_story(app, session, camps, tmp_path):
    result = _cli(app, "export-polis", "camps", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    conv = read_polis_export(tmp_path / "out")
    assert len(conv.comments) == 12 and len(conv.votes) == 216
    assert sorted({c.id for c in conv.comments}) == list(range(12))
    assert _cli(app, "export-polis", "nope", str(tmp_path / "x")).exit_code == 1


REAL = ["15-per-hour-seattle", "scoop-hivemind.freshwater"]  # the small ones: seconds each


@pytest.mark.parametrize("name", REAL)
def test_import_real_polis_exports(app, session, name):
    folder = SHARED_POLIS / name
    if not folder.is_dir():
        require_or_skip("FORUM_REQUIRE_SHARED", f"the shared Pol.is data is not at {folder}")
    result = _cli(app, "import-polis", str(folder))
    assert result.exit_code == 0, result.output
    conv = read_polis_export(folder)
    story = db.session.scalar(select(Story).where(Story.slug == name.replace(".", "-")))
    assert len(_story_comments(story)) == len(conv.comments)
    assert len(_story_votes(story)) == len(conv.votes) > 1000
    cache = db.session.get(OpinionCache, story.id)
    assert cache.n_groups >= 2 and cache.n_votes == len(conv.votes)


def test_compute_all_goes_past_stories_without_votes(app, session, camps):
    """Issue 13 item 6: a story with no votes crashed `--all` (labels.max() of an empty array)."""
    from tests.factories import make_story

    empty = make_story(slug="no-votes-yet")
    result = _cli(app, "compute-opinions", "--all")
    assert result.exit_code == 0, result.output
    assert "no-votes-yet: no votes yet" in result.output
    assert "camps: 2 groups of 18 participants" in result.output
    assert db.session.get(OpinionCache, empty.id).n_groups == 0
    assert db.session.get(OpinionCache, camps.story.id).n_groups == 2


def test_compute_all_reports_a_failing_story_and_goes_on(app, session, camps, monkeypatch):
    from forum.services import opinions as opinion_service
    from tests.factories import make_story

    first = make_story(slug="aaa-broken")
    real = opinion_service.compute_opinions

    def flaky(story):
        if story.id == first.id:
            raise RuntimeError("boom")
        return real(story)

    monkeypatch.setattr(opinion_service, "compute_opinions", flaky)
    result = app.test_cli_runner().invoke(args=["forum", "compute-opinions", "--all"])
    assert result.exit_code == 1
    assert "aaa-broken: failed (RuntimeError: boom)" in result.output
    assert "1 stories failed: aaa-broken" in result.output
    assert db.session.get(OpinionCache, camps.story.id).n_groups == 2, "the next story was still computed"


def test_bulk_loaded_votes_keep_their_times(app, session):
    """Votes go in by COPY (PostgreSQL) or a raw executemany (SQLite): their times must read back as the
    export's timestamps, in UTC, through the ORM."""
    from datetime import UTC, datetime

    from forum.times import as_utc

    assert _cli(app, "import-polis", str(FIXTURES / "small"), "--no-compute").exit_code == 0
    story = db.session.scalar(select(Story).where(Story.slug == "small"))
    vote = db.session.scalar(
        select(Vote)
        .join(PolisParticipant, PolisParticipant.user_id == Vote.user_id)
        .join(PolisComment, PolisComment.comment_id == Vote.comment_id)
        .where(Vote.story_id == story.id, PolisParticipant.polis_id == 0, PolisComment.polis_id == 0)
    )
    expected = datetime.fromtimestamp(1651071100, UTC)
    assert as_utc(vote.created_at) == expected and as_utc(vote.updated_at) == expected
    assert vote.value == 1
