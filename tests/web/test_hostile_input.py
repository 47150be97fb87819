"""Hostile input through the pages: it is refused with a clear message and nothing is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment
from tests.api.conftest import call
from tests.factories import make_comment, make_story, post_form

ZERO_WIDTH = ["\u200b", "\u200b\u200c\u200d", "\u2060", "\ufeff", " \u200b\n\u200d ", "\u00ad\u2063"]


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Comment)) or 0


@pytest.mark.parametrize("body", ZERO_WIDTH)
def test_zero_width_comment_is_blank_on_the_page(logged_in, body):
    story = make_story()
    before = _count()
    response = post_form(logged_in, f"/stories/{story.slug}/comments", {"body": body})
    assert response.status_code == 400
    assert "the comment is empty" in response.get_data(as_text=True)
    assert _count() == before


@pytest.mark.parametrize("body", ZERO_WIDTH)
def test_zero_width_comment_is_blank_in_the_api(logged_in, reader, body):
    story = make_story()
    before = _count()
    response = call(logged_in, "POST", f"/api/stories/{story.slug}/comments", {"body": body})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "body"
    mine = make_comment(story, reader, "Something visible.")
    edited = call(logged_in, "PATCH", f"/api/comments/{mine.id}", {"body": body})
    assert edited.status_code == 422
    db.session.refresh(mine)
    assert mine.body == "Something visible." and _count() == before + 1
