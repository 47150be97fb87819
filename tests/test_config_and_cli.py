from sqlalchemy import func, select

from forum.config import build_config, ensure_secret_key
from forum.extensions import db
from forum.models import Comment, Story, User, Vote


def test_defaults_are_the_embedded_mode(tmp_path):
    config = build_config(str(tmp_path), environ={})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'forum.db'}"
    assert config["FORUM_EDIT_WINDOW_MINUTES"] == 15 and config["FORUM_MAX_COMMENT_LENGTH"] == 5000
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["SESSION_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_environment_overrides(tmp_path):
    env = {
        "FORUM_DATABASE_URL": "postgres://u@db/forum",
        "FORUM_EDIT_WINDOW_MINUTES": "5",
        "FORUM_REDIS_URL": "redis://127.0.0.1:6379/0",
        "FORUM_RATE_LIMITS": "off",
        "FORUM_SECRET_KEY": "k",
    }
    config = build_config(str(tmp_path), environ=env)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/forum"
    assert config["FORUM_EDIT_WINDOW_MINUTES"] == 5
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert config["RATELIMIT_ENABLED"] is False and config["SECRET_KEY"] == "k"


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first, second = build_config(str(tmp_path), environ={}), build_config(str(tmp_path), environ={})
    ensure_secret_key(first, str(tmp_path))
    ensure_secret_key(second, str(tmp_path))
    assert len(first["SECRET_KEY"]) == 64 and first["SECRET_KEY"] == second["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_seed_demo_creates_a_lively_story(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["forum", "seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    story = db.session.scalar(select(Story).where(Story.slug == "anthropic-rsp-3"))
    assert story.headline.startswith("If you can't beat them")
    assert story.map_auto_publish, "the demo shows its live map without an editor"
    count = db.session.scalar(select(func.count()).select_from(Comment).where(Comment.story_id == story.id))
    readers = db.session.scalar(
        select(func.count(func.distinct(Comment.author_id))).where(Comment.story_id == story.id)
    )
    votes = db.session.scalar(select(func.count()).select_from(Vote).where(Vote.story_id == story.id))
    assert count >= 120 and readers >= 40 and votes >= 10 * readers
    replies = db.session.scalar(select(func.count()).select_from(Comment).where(Comment.depth >= 2))
    assert replies > 0
    top = db.session.scalar(
        select(Comment).where(Comment.story_id == story.id).order_by(Comment.agree_count.desc())
    )
    assert top.agree_count == db.session.scalar(
        select(func.count()).select_from(Vote).where(Vote.comment_id == top.id, Vote.value == 1)
    )
    again = runner.invoke(args=["forum", "seed-demo", "--if-empty"])
    assert "not seeded" in again.output
    assert db.session.scalar(select(func.count()).select_from(Story)) == 1


def test_demo_readers_cannot_log_in(app, session, client):
    app.test_cli_runner().invoke(args=["forum", "seed-demo"])
    demo_user = db.session.scalar(select(User).where(User.password_hash.is_(None)))
    from tests.factories import post_form

    response = post_form(client, "/login", {"username": demo_user.username, "password": ""})
    assert response.status_code == 401


def test_a_command_is_one_unit_of_work(app, session):
    """A command's writes are committed when it returns and rolled back when it fails (a service's refusal
    is its error message, exit status 1)."""
    import click

    from forum.cli.common import command
    from forum.services.errors import InvalidInput

    @command("probe")
    @click.option("--fail", is_flag=True)
    def probe(fail: bool) -> None:
        db.session.add(Story(slug="cli-probe", headline="Probe", question="Probe?"))
        db.session.flush()
        if fail:
            raise InvalidInput("The probe refuses.")
        click.echo("kept")

    def stored() -> int:
        return db.session.scalar(select(func.count()).select_from(Story).where(Story.slug == "cli-probe"))

    runner = app.test_cli_runner()
    refused = runner.invoke(probe, ["--fail"])
    assert refused.exit_code == 1 and "The probe refuses." in refused.stderr
    assert stored() == 0
    kept = runner.invoke(probe, [])
    assert kept.exit_code == 0 and "kept" in kept.output
    assert stored() == 1


def test_create_user_command(app, session):
    runner = app.test_cli_runner()
    ok = runner.invoke(
        args=["forum", "create-user", "editor1", "--role", "editor", "--password", "long enough"]
    )
    assert ok.exit_code == 0 and "Created editor 'editor1'" in ok.output
    assert db.session.scalar(select(User.role).where(User.username == "editor1")) == "editor"
    bad = runner.invoke(args=["forum", "create-user", "editor1", "--password", "long enough"])
    assert bad.exit_code == 1 and "taken" in bad.stderr
    short = runner.invoke(args=["forum", "create-user", "x2x", "--password", "short"])
    assert short.exit_code == 1 and "at least 8" in short.stderr
    role = runner.invoke(args=["forum", "create-user", "x3x", "--role", "owner", "--password", "long enough"])
    assert role.exit_code == 2
