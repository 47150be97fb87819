"""The abstractive labeller's prompt and answer handling, with the model as a plain callable (no network)."""

from __future__ import annotations

from forum.analysis.labeller import SYSTEM_PROMPT, LabellerUnavailable, ModelLabeller, NullLabeller

FALLBACK = "Bus lanes would speed up commuting."
QUOTES = ["More bus lanes, please.", "Buses stuck in traffic waste everyone's time."]


def test_the_callable_gets_the_prompt_and_its_answer_is_cleaned():
    asked = []

    def complete(system, prompt):
        asked.append((system, prompt))
        return '"Headline: More bus lanes would cut commute times."\nSecond line'

    assert ModelLabeller(complete).label(QUOTES, ["bus lanes"], FALLBACK) == (
        "More bus lanes would cut commute times."
    )
    [(system, prompt)] = asked
    assert system == SYSTEM_PROMPT
    assert "- More bus lanes, please." in prompt and prompt.endswith("Key phrases: bus lanes")


def test_falls_back_when_the_model_is_unavailable_or_unusable(caplog):
    def down(system, prompt):
        raise LabellerUnavailable("connection refused")

    assert ModelLabeller(down).label(QUOTES, [], FALLBACK) == FALLBACK
    assert "labeller failed" in caplog.text
    assert ModelLabeller(lambda s, p: "   ").label(QUOTES, [], FALLBACK) == FALLBACK
    assert ModelLabeller(lambda s, p: "word " * 100).label(QUOTES, [], FALLBACK) == FALLBACK
    assert NullLabeller().label(QUOTES, [], FALLBACK) == FALLBACK


def test_quotes_are_cut_in_the_prompt():
    asked = []
    ModelLabeller(lambda s, p: asked.append(p) or "Fine.", max_quote_chars=5).label(
        ["abcdefgh"], [], FALLBACK
    )
    assert asked == ["Comments:\n- abcde\nKey phrases: "]
