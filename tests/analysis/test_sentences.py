"""Which sentences can state a key point, and how they are tidied."""

from __future__ import annotations

import pytest

from forum.analysis.sentences import candidate_sentences, headline_problems, split_sentences, tidy_key_point


def test_split_sentences_at_end_punctuation():
    assert split_sentences("Regulation works. Does it?  Yes! 3 labs agree.") == [
        "Regulation works.",
        "Does it?",
        "Yes!",
        "3 labs agree.",
    ]


@pytest.mark.parametrize(
    "sentence, expected",
    [
        (
            "But binding rules must apply to every lab at once.",
            "Binding rules must apply to every lab at once.",
        ),
        (
            "honestly, a unilateral pause helps no one while rivals race",
            "A unilateral pause helps no one while rivals race.",
        ),
        (
            "Self-regulation never works in finance or aviation!",
            "Self-regulation never works in finance or aviation.",
        ),
    ],
)
def test_a_claim_is_tidied_into_a_key_point(sentence, expected):
    assert tidy_key_point(sentence) == expected
    assert headline_problems(expected) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "I think regulation should prevent this logic.",  # first person
        "We need binding rules for every lab.",  # first person plural
        "Should labs be allowed to drop their pledges?",  # a question
        "You can want a speed limit and still not drive at 20.",  # addresses the reader
        "That was the weak point then and it still is.",  # leans on an earlier sentence
        "Read the risk-report section twice.",  # an instruction, not a claim
        "Not on the pledge, not on the Pentagon terms.",  # a fragment
        "Probably true. (b) Therefore it is fine.",  # an enumeration run together
        "Good.",  # too short
        "See https://example.org/report for the details of the policy.",  # a link
        "The policy leaves open who checks the reports and what happens when they are wrong, "
        "and nobody at the company has said when that question will be settled for good.",  # too long
    ],
)
def test_what_cannot_state_a_key_point(sentence):
    assert tidy_key_point(sentence) is None


def test_headline_problems_name_each_rule():
    assert headline_problems("I wonder whether this is right?") == ["first person", "question"]
    assert "cut off" in headline_problems("Regulation should prevent this logic because the…")
    assert "too short" in headline_problems("Pause.")
    assert "too long" in headline_problems(" ".join(["word"] * 21) + ".")


def test_candidate_sentences_keep_their_comment_and_mark_candidates():
    sentences = candidate_sentences(["I agree. Binding rules must apply to every lab at once.", "Why?"])
    assert [(s.owner, s.is_candidate) for s in sentences] == [(0, False), (0, True), (1, False)]
    assert sentences[1].key_point == "Binding rules must apply to every lab at once."
