"""The web layer's one transaction rule: a request's database work is committed once, here, after its view
has answered, and only if the answer is a success or a redirect (status below 400). An error answer (a
refused form re-rendered with 4xx, a ``ServiceError`` or HTTP error turned into its error page or JSON error)
is rolled back, so nothing half-written is stored. Views validate, call services and render; they never
commit or roll back.

The one case a view must say so itself: a refused action reported on a success or redirect answer (a flash
message, then a redirect back) calls :func:`discard` so its writes are rolled back too.

Work that must wait for the commit (a job that reads a row the request wrote, a flash message that says the
change was saved) is registered with :func:`after_commit`: it runs here once the commit went through, and
never when the request is rolled back or its commit fails.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, g
from flask.typing import ResponseReturnValue

from forum.extensions import db

_DISCARD = "_forum_discard_transaction"
_AFTER_COMMIT = "_forum_after_commit"

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
    if response.status_code >= 400 or g.get(_DISCARD, False):
        db.session.rollback()
        return response
    try:
        db.session.commit()
        for callback in callbacks:
            answer = callback()
            if answer is not None:
                db.session.commit()
                return current_app.make_response(answer)
    except Exception as exc:  # a failed commit answers as that error would from the view (e.g. 503)
        db.session.rollback()
        return current_app.make_response(current_app.handle_user_exception(exc))
    return response


def register(app: Flask) -> None:
    """Install the rule. Registered after every other ``after_request`` hook, so it runs first (Flask runs
    them in reverse order) and the hooks after it (security headers) apply to a failed commit's answer."""
    app.after_request(_finish)
