from __future__ import annotations

import pytest

from forum.extensions import db
from forum.services import comments as comment_service
from tests.conftest import make_user
from tests.factories import make_story

ARGUMENTS = {
    "regulate": (
        "disagree",
        [
            "Regulation must force every lab to keep its safety pledges.",
            "Only binding regulation can stop labs dropping safety pledges.",
            "Lawmakers should regulate labs so safety pledges are binding.",
            "We need regulation that makes safety pledges legally binding for labs.",
            "Regulators must make these safety pledges binding on every lab.",
            "Binding regulation of AI labs is the only answer to dropped safety pledges.",
        ],
    ),
    "pointless": (
        "agree",
        [
            "A unilateral pause is pointless while competitors keep racing.",
            "Pausing alone is pointless when competitors race ahead anyway.",
            "One lab pausing unilaterally is pointless, competitors just keep racing.",
            "Unilateral pauses are pointless if the competitors never pause.",
            "It is pointless for one lab to pause while its competitors keep racing.",
            "A pause by one company is pointless, competitors will keep racing.",
        ],
    ),
    "military": (
        "disagree",
        [
            "The Pentagon deadline and military use of models worry me most.",
            "Military use of these models for the Pentagon is the real worry.",
            "I worry about the Pentagon deadline pushing military use of models.",
            "Military use and the Pentagon deadline worry me more than the pledge.",
            "The real worry is military use of models under a Pentagon deadline.",
        ],
    ),
}


@pytest.fixture
def debate(session):
    """A story with three planted arguments from distinct readers, committed (jobs not yet run)."""
    story = make_story(slug="debate", question="Should labs drop pledges?")
    authors = {}
    posted = {}
    for key, (side, texts) in ARGUMENTS.items():
        for i, text in enumerate(texts):
            name = f"{key}{i}"
            authors[name] = make_user(name)
            posted.setdefault(key, []).append(
                comment_service.post_comment(story, authors[name], text, side=side)
            )
    db.session.commit()
    return story, posted
