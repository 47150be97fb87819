"""flask forum import-comments (Disqus XML, WordPress WXR, the forum's JSON) and flask forum create-users."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, Comment, Story, User
from forum.times import as_utc
from tests.factories import make_story

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "discussions"


def _counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Story, Comment, User))


def _import(app, name: str, *extra: str):
    return app.test_cli_runner().invoke(args=["forum", "import-comments", str(FIXTURES / name), *extra])


def _comments(story: Story) -> dict[str, Comment]:
    return {c.body: c for c in db.session.scalars(select(Comment).where(Comment.story_id == story.id))}


def test_disqus_export_keeps_threads_dates_and_authors(app, session):
    result = _import(app, "disqus.xml")
    assert result.exit_code == 0, result.output
    assert "Imported 4 comments by 3 readers into 1 story (1 new)" in result.output
    story = db.session.scalar(select(Story).where(Story.headline == "Trams for the old town?"))
    assert story.source_url == "https://citypaper.example/2024/trams-for-the-old-town"
    assert as_utc(story.published_at) == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    by_body = _comments(story)
    first = by_body[
        "Trams would finally make the centre quiet.\n\nSee [the study](https://example.org/trams)."
    ]
    reply = by_body["Quiet, but the works would block the shops for two years."]
    deeper = by_body["Two years is nothing for a hundred years of trams & cleaner air."]
    assert (reply.parent_id, deeper.parent_id, deeper.root_id, deeper.depth) == (
        first.id,
        reply.id,
        first.id,
        2,
    )
    assert as_utc(reply.created_at) == datetime(2024, 3, 1, 10, 2, tzinfo=UTC)
    assert first.author_id == deeper.author_id and first.author.username == "ada_l"
    assert first.author.display_name == "Ada L." and first.author.password_hash is None
    assert 'href="https://example.org/trams"' in first.body_html
    assert by_body["Cheap watches at www.spam.example"].status == "rejected"  # spam stays out of sight
    assert all(c.status == "published" for c in (first, reply, deeper))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "comment.imported"))
    assert entry.story_id == story.id and entry.details["comments"] == 4


def test_wordpress_export_skips_pages_and_pingbacks(app, session):
    result = _import(app, "wordpress.xml", "--question", "Should the valley build it?")
    assert result.exit_code == 0, result.output
    stories = db.session.scalars(select(Story).where(Story.source_name == "Valley Gazette")).all()
    assert [s.headline for s in stories] == ["Should the valley build a wind farm?"]
    story = stories[0]
    assert story.question == "Should the valley build it?"
    by_body = _comments(story)
    assert len(by_body) == 3 and not any("pingback" in b for b in by_body)
    yes = by_body["Yes: cheap power and the turbines are quieter than people think."]
    reply = by_body["Quieter? Ask the people on the ridge.\nThey hear them every night."]
    assert reply.parent_id == yes.id and as_utc(yes.created_at) == datetime(2024, 4, 2, 9, 5, tzinfo=UTC)
    assert by_body["Still waiting for the noise study."].status == "pending"
    assert yes.author.display_name == "Carla" and yes.author.password_hash is None


def test_json_format_keeps_sides_and_reuses_an_existing_story(app, session):
    existing = make_story(slug="bike-lanes-on-main-street", headline="Our own bike lane story")
    db.session.add(User(username="emil_r", display_name="The real Emil", password_hash="x"))
    db.session.commit()
    result = _import(app, "discussion.json")
    assert result.exit_code == 0, result.output
    assert "(0 new)" in result.output
    by_body = _comments(existing)
    yes = by_body["Yes. Every lane we built elsewhere filled with bikes within a month."]
    no = by_body["Elsewhere had side streets to park in. *Main Street* does not."]
    unsure = by_body["There is the garage behind the station, though."]
    assert (yes.side, no.side, unsure.side) == ("agree", "disagree", "unsure")
    assert (no.parent_id, unsure.parent_id) == (yes.id, no.id)
    assert as_utc(yes.created_at) == datetime(2024, 5, 10, 6, 5, tzinfo=UTC)
    assert as_utc(unsure.created_at) == datetime(2024, 5, 10, 9, 30, tzinfo=UTC)
    # An import never takes over an existing account: the imported Emil is a new, passwordless reader.
    assert yes.author.username == "emil_r-2" and yes.author.password_hash is None
    assert unsure.author.display_name == "gus"


@pytest.mark.parametrize(
    ("name", "where", "why"),
    [
        ("broken.json", "broken.json, line 7", "is not valid JSON"),
        ("unknown_parent.json", "unknown_parent.json, line 6", "replies to an unknown comment 'c9'"),
        ("disqus_broken.xml", "disqus_broken.xml, line 43", "not well-formed XML (mismatched tag)"),
    ],
)
def test_malformed_files_are_refused_with_file_and_line_and_nothing_imported(app, session, name, where, why):
    before = _counts()
    result = _import(app, name)
    assert result.exit_code != 0
    assert where in result.output and why in result.output and "nothing was imported" in result.output
    assert _counts() == before


def test_a_comment_the_forum_refuses_rolls_back_the_whole_file(app, session, tmp_path):
    text = (
        (FIXTURES / "discussion.json").read_text().replace("Could we try it for a summer first?", "x" * 6000)
    )
    path = tmp_path / "too_long.json"
    path.write_text(text)
    before = _counts()
    result = app.test_cli_runner().invoke(args=["forum", "import-comments", str(path)])
    assert (
        result.exit_code != 0
        and "too_long.json, line 23" in result.output
        and "the limit is 5,000" in result.output
    )
    assert _counts() == before


def test_create_users_makes_fifty_accounts_in_one_go(app, session, tmp_path):
    rows = ["username,display_name,role,password,email"]
    rows += [f"reader{n:02d},Reader {n},reader,password number {n},r{n}@paper.example" for n in range(48)]
    rows += ["desk_anna,Anna (desk),editor,correct horse battery,", "no_password,,reader,,"]
    path = tmp_path / "users.csv"
    path.write_text("\n".join(rows) + "\n")
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["forum", "create-users", str(path)])
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert "Created 50 accounts (1 editor, 49 readers)" in result.output
    assert seconds < 20, f"{seconds:.1f}s for 50 accounts"
    from forum.services import accounts

    assert accounts.authenticate("reader07", "password number 7").email == "r7@paper.example"
    assert accounts.find_user("desk_anna").role == "editor"
    assert accounts.find_user("no_password").password_hash is None


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["username,role", "okname,reader", "x,reader"], "users.csv, line 3: Usernames are 3-40"),
        (["username,role", "okname,reader", "other,boss"], "users.csv, line 3: Unknown role 'boss'"),
        (["username,role", "okname,reader", "OKNAME,reader"], "line 3: 'OKNAME' appears twice"),
        (["name,role", "okname,reader"], "users.csv, line 1: unknown column(s) name"),
        (["role", "reader"], "users.csv, line 1: no username column"),
    ],
)
def test_create_users_refuses_a_bad_row_and_creates_nothing(app, session, tmp_path, lines, message):
    path = tmp_path / "users.csv"
    path.write_text("\n".join(lines) + "\n")
    before = _counts()
    result = app.test_cli_runner().invoke(args=["forum", "create-users", str(path)])
    assert result.exit_code != 0 and message in result.output and "no account was created" in result.output
    assert _counts() == before


def test_the_demo_story_file_imports_as_is(app, session):
    demo = Path(__file__).resolve().parents[2] / "forum" / "demo" / "rsp_story.json"
    result = app.test_cli_runner().invoke(args=["forum", "import-comments", str(demo)])
    assert result.exit_code == 0, result.output
    assert "Imported 205 comments by 50 readers into 1 story (1 new)" in result.output
    story = db.session.scalar(select(Story).where(Story.slug == "anthropic-rsp-3"))
    replies = db.session.scalar(
        select(func.count()).where(Comment.story_id == story.id, Comment.parent_id.is_not(None))
    )
    assert replies > 0
