"""Optional abstractive headlines: a language model rewrites a group's extractive headline.

Off by default: the map uses extractive headlines (a reader's own words). When configured, the labeller
asks the model for one neutral sentence stating a group's shared point, given its quotes and key phrases.
The model is reached through a callable handed in by the caller (``complete(system, prompt) -> answer``;
the HTTP client is :mod:`forum.services.labelling`), so this module makes no network call itself. On any
failure (the callable raising :class:`LabellerUnavailable`, a malformed, empty or overlong answer) it
returns the extractive headline, so a map is never blocked by the model.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Protocol

__all__ = ["SYSTEM_PROMPT", "Complete", "Labeller", "LabellerUnavailable", "ModelLabeller", "NullLabeller"]

log = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You summarise one group of reader comments from a public debate. Reply with exactly one short, "
    "neutral sentence (at most 25 words) stating the point the comments share, in the comments' language. "
    "No preamble, no quotation marks."
)

Complete = Callable[[str, str], str]
"""``complete(system_prompt, user_prompt)``: the model's answer; raises :class:`LabellerUnavailable`."""


class LabellerUnavailable(Exception):
    """The model could not give an answer (network, HTTP status, timeout, malformed response)."""


class Labeller(Protocol):
    """Rewrites a group's headline; must return ``fallback`` rather than raise."""

    def label(self, quotes: Sequence[str], key_phrases: Sequence[str], fallback: str) -> str:
        """One-sentence headline for a group."""
        ...


class NullLabeller:
    """The default: keeps the extractive headline."""

    def label(self, quotes: Sequence[str], key_phrases: Sequence[str], fallback: str) -> str:
        """Return ``fallback`` unchanged."""
        return fallback


class ModelLabeller:
    """Headline rewriter over a model reached through ``complete``.

    Parameters
    ----------
    complete: ``complete(system_prompt, user_prompt) -> answer``; raises :class:`LabellerUnavailable`.
    max_chars: answers longer than this (after cleaning) are rejected.
    max_quote_chars: each quote is cut to this length in the prompt.
    """

    def __init__(self, complete: Complete, max_chars: int = 200, max_quote_chars: int = 400):
        self.complete = complete
        self.max_chars = max_chars
        self.max_quote_chars = max_quote_chars

    def label(self, quotes: Sequence[str], key_phrases: Sequence[str], fallback: str) -> str:
        """Ask the model for a headline; return ``fallback`` on any error."""
        try:
            answer = self._clean(self.complete(SYSTEM_PROMPT, self._prompt(quotes, key_phrases)))
        except LabellerUnavailable as exc:
            log.warning("labeller failed, keeping extractive headline: %s", exc)
            return fallback
        if not answer or len(answer) > self.max_chars:
            log.warning("labeller gave an unusable answer (%d chars)", len(answer))
            return fallback
        return answer

    def _prompt(self, quotes: Sequence[str], key_phrases: Sequence[str]) -> str:
        lines = [f"- {q[: self.max_quote_chars]}" for q in quotes]
        return "Comments:\n" + "\n".join(lines) + "\nKey phrases: " + ", ".join(key_phrases)

    @staticmethod
    def _clean(answer: str) -> str:
        """First line, without surrounding quotes or a 'Headline:' style prefix."""
        line = answer.strip().splitlines()[0].strip() if answer.strip() else ""
        line = line.strip(" \"'“”‘’*")
        line = re.sub(r"^(headline|summary|answer)\s*:\s*", "", line, flags=re.I)
        return line.strip(" \"'“”‘’*").strip()
