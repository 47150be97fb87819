"""The web layer's one transaction rule: a request's database work is committed once, here, after its view
has answered, and only if the answer is a success or a redirect (status below 400). An error answer (a
refused form re-rendered with 4xx, a ``ServiceError`` or HTTP error turned into its error page or JSON error)
is rolled back, so nothing half-written is stored. Views validate, call services and render; they never
commit or roll back.

The one case a view must say so itself: a refused action reported on a success or redirect answer (a flash
message, then a redirect back) calls :func:`discard` so its writes are rolled back too.

Work that must be committed before the answer is built (a row a background job will read as soon as it is
queued) is not a reason to commit in a view: jobs are handed to the queue after the commit
(:mod:`forum.jobs`), so they see the row.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g

from forum.extensions import db

_DISCARD = "_forum_discard_transaction"


def discard() -> None:
    """Roll back this request's writes even though the view answers with a success or a redirect."""
    setattr(g, _DISCARD, True)


def _finish(response: Response) -> Response:
    if response.status_code >= 400 or g.get(_DISCARD, False):
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except Exception as exc:  # a failed commit answers as that error would from the view (e.g. 503)
        db.session.rollback()
        return current_app.make_response(current_app.handle_user_exception(exc))
    return response


def register(app: Flask) -> None:
    """Install the rule. Registered after every other ``after_request`` hook, so it runs first (Flask runs
    them in reverse order) and the hooks after it (security headers) apply to a failed commit's answer."""
    app.after_request(_finish)
