"""The web layer's one transaction rule (forum/web/transactions.py): committed once after a success or a
redirect, rolled back after an error answer or a discard, and after-commit work run only once committed."""

from __future__ import annotations

from flask import Response
from sqlalchemy import select

from forum.extensions import db
from forum.models import User
from forum.services import accounts
from forum.web import transactions


def _stored(username: str) -> bool:
    return db.session.scalar(select(User).where(User.username == username)) is not None


def _request(app, status: int, *, discard: bool = False, after=()):
    """Write a user, register ``after``, answer ``status``; return the final answer and what ran."""
    ran: list[str] = []
    with app.test_request_context("/"):
        accounts.register_user(f"tx{status}{int(discard)}", "correct horse")
        for name, answer in after:
            transactions.after_commit(lambda name=name, answer=answer: ran.append(name) or answer)
        if discard:
            transactions.discard()
        final = transactions._finish(Response("view", status=status))
    return final, ran


def test_a_success_is_committed_and_its_after_commit_work_runs_in_order(app, session):
    final, ran = _request(app, 303, after=[("first", None), ("second", None)])
    assert final.status_code == 303 and ran == ["first", "second"] and _stored("tx3030")


def test_an_error_answer_or_a_discard_is_rolled_back_and_nothing_after_commit_runs(app, session):
    final, ran = _request(app, 400, after=[("never", None)])
    assert final.status_code == 400 and ran == [] and not _stored("tx4000")
    final, ran = _request(app, 303, discard=True, after=[("never", None)])
    assert final.status_code == 303 and ran == [] and not _stored("tx3031")


def test_an_after_commit_answer_replaces_the_views_and_stops_the_rest(app, session):
    final, ran = _request(app, 200, after=[("refused", ("queue down", 503)), ("never", None)])
    assert final.status_code == 503 and final.get_data(as_text=True) == "queue down"
    assert ran == ["refused"] and _stored("tx2000"), "the committed work stays"


def test_a_failed_commit_answers_its_error_runs_nothing_after_and_takes_back_the_views_messages(
    app, session, monkeypatch
):
    from flask import flash
    from flask import session as cookie_session
    from sqlalchemy.exc import OperationalError

    def lost(*args, **kwargs):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    ran: list[str] = []
    with app.test_request_context("/"):
        cookie_session["_flashes"] = [("info", "From an earlier page.")]
        accounts.register_user("txlost", "correct horse")
        flash("Your comment is posted.", "success")
        transactions.after_commit(lambda: ran.append("never"))
        monkeypatch.setattr(db.session, "commit", lost)
        final = transactions._finish(Response("view", status=303))
        monkeypatch.undo()
        assert final.status_code == 503 and ran == []
        page = final.get_data(as_text=True)  # the error page shows the messages still standing
        assert "From an earlier page." in page and "Your comment is posted." not in page
    assert not _stored("txlost")


def test_an_after_commit_failure_answers_its_error_but_keeps_the_stored_work_and_its_messages(app, session):
    from flask import flash

    from forum.services.errors import Unavailable

    def queue_down():
        raise Unavailable("The job queue is not answering.")

    with app.test_request_context("/"):
        accounts.register_user("txqueue", "correct horse")
        flash("The story is saved.", "success")
        transactions.after_commit(queue_down)
        final = transactions._finish(Response("view", status=303))
        assert final.status_code == 503
        page = final.get_data(as_text=True)  # the error page shows the view's message, which still holds
        assert "The story is saved." in page and "The job queue is not answering." in page
    assert _stored("txqueue"), "the work was committed before the callback failed"


def test_a_request_that_never_used_the_database_opens_no_session(app):
    """A cached page touches no session: the rule leaves it so rather than begin and commit an empty one."""
    with app.test_request_context("/"):
        final = transactions._finish(Response("cached page", status=200))
        assert final.status_code == 200
        assert not db.session.registry.has()
