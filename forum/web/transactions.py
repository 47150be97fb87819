"""The web layer's one transaction rule: a request's database work is committed once, here, after its view
has answered, and only if the answer is a success or a redirect (status below 400). An error answer (a
refused form re-rendered with 4xx, a ``ServiceError`` or HTTP error turned into its error page or JSON error)
is rolled back, so nothing half-written is stored. Views validate, call services and render; they never
commit or roll back.

The one case a view must say so itself: a refused action reported on a success or redirect answer (a flash
message, then a redirect back) calls :func:`discard` so its writes are rolled back too.

Work that must wait for the commit (a job that reads a row the request wrote, a note that depends on what
the commit set off) is registered with :func:`after_commit`: it runs here once the commit went through, and
never when the request is rolled back or its commit fails. When the commit fails, the messages the view
flashed (``"Your comment is posted."``) are taken back too: the error answer says what happened instead.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, g, message_flashed, session
from flask.typing import ResponseReturnValue

from forum.extensions import db

_DISCARD = "_forum_discard_transaction"
_AFTER_COMMIT = "_forum_after_commit"
_FLASHED = "_forum_flashed"

AfterCommit = Callable[[], ResponseReturnValue | None]


def discard() -> None:
    """Roll back this request's writes even though the view answers with a success or a redirect."""
    setattr(g, _DISCARD, True)


def after_commit(callback: AfterCommit) -> None:
    """Run ``callback`` once this request's work is committed (callbacks run in the order registered). A
    callback that returns an answer (a job the queue refused, say) replaces the view's answer and stops the
    callbacks after it; what it wrote meanwhile (the job's row marked failed) is committed too."""
    g.setdefault(_AFTER_COMMIT, []).append(callback)


def _finish(response: Response) -> Response:
    callbacks: list[AfterCommit] = g.pop(_AFTER_COMMIT, [])
    if not callbacks and not db.session.registry.has():
        return response  # the request never opened a session (a cached page): nothing to commit
    if response.status_code >= 400 or g.get(_DISCARD, False):
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except Exception as exc:  # a failed commit answers as that error would from the view (e.g. 503)
        db.session.rollback()
        _take_back_flashes()
        return _answer_for(exc)
    for callback in callbacks:  # the work is stored: a callback's failure does not take the messages back
        try:
            answer = callback()
            if answer is not None:
                db.session.commit()
                return current_app.make_response(answer)
        except Exception as exc:
            db.session.rollback()
            return _answer_for(exc)
    return response


def _answer_for(exc: Exception) -> Response:
    """The answer the app's error handlers give for ``exc`` (re-raised, so a 500, when none handles it)."""
    return current_app.make_response(current_app.handle_user_exception(exc))


def _remember_flash(app: Flask, message: str, category: str, **_) -> None:
    g.setdefault(_FLASHED, []).append((category, message))


def _take_back_flashes() -> None:
    """Drop the messages this request flashed (the last of each in the session's list) before its commit
    failed: they told of work that was not stored."""
    flashed = g.pop(_FLASHED, [])
    if not flashed:
        return
    kept = list(session.get("_flashes", []))
    for item in reversed(flashed):
        for i in range(len(kept) - 1, -1, -1):
            if tuple(kept[i]) == item:
                del kept[i]
                break
    session["_flashes"] = kept


def register(app: Flask) -> None:
    """Install the rule. Registered after every other ``after_request`` hook, so it runs first (Flask runs
    them in reverse order) and the hooks after it (security headers) apply to a failed commit's answer."""
    app.after_request(_finish)
    message_flashed.connect(_remember_flash, app, weak=False)
