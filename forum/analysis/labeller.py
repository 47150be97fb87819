"""Optional abstractive headlines from any OpenAI-compatible chat-completions endpoint.

Off by default: the map uses extractive headlines (a reader's own words). When configured, the labeller
asks the model for one neutral sentence stating a group's shared point, given its quotes and key phrases.
On any failure (network, HTTP status, timeout, malformed or empty answer) it returns the extractive
headline, so a map is never blocked by the model. Uses only the standard library (urllib).
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Protocol

__all__ = ["ChatLabeller", "Labeller", "NullLabeller", "make_labeller"]

log = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You summarise one group of reader comments from a public debate. Reply with exactly one short, "
    "neutral sentence (at most 25 words) stating the point the comments share, in the comments' language. "
    "No preamble, no quotation marks."
)


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


class ChatLabeller:
    """Headline rewriter over an OpenAI-compatible ``POST {base_url}/chat/completions`` endpoint.

    Parameters
    ----------
    base_url: API root, e.g. ``http://127.0.0.1:8000/v1``.
    api_key: bearer token (may be empty for local servers).
    model: model name sent in the request.
    timeout: seconds for the whole request.
    max_chars: answers longer than this (after cleaning) are rejected.
    max_quote_chars: each quote is cut to this length in the prompt.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        model: str,
        timeout: float = 10.0,
        max_chars: int = 200,
        max_quote_chars: int = 400,
    ):
        self.base_url = base_url
        self.api_key = api_key
        self.model = model
        self.timeout = timeout
        self.max_chars = max_chars
        self.max_quote_chars = max_quote_chars

    def label(self, quotes: Sequence[str], key_phrases: Sequence[str], fallback: str) -> str:
        """Ask the model for a headline; return ``fallback`` on any error."""
        try:
            answer = self._clean(self._ask(self._prompt(quotes, key_phrases)))
        except (OSError, http.client.HTTPException, ValueError, LookupError, TypeError) as exc:
            log.warning("labeller failed, keeping extractive headline: %s", exc)
            return fallback
        if not answer or len(answer) > self.max_chars:
            log.warning("labeller gave an unusable answer (%d chars)", len(answer))
            return fallback
        return answer

    def _prompt(self, quotes: Sequence[str], key_phrases: Sequence[str]) -> str:
        lines = [f"- {q[: self.max_quote_chars]}" for q in quotes]
        return "Comments:\n" + "\n".join(lines) + "\nKey phrases: " + ", ".join(key_phrases)

    def _ask(self, prompt: str) -> str:
        body = {
            "model": self.model,
            "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": prompt}],
            "temperature": 0,
            "max_tokens": 80,
        }
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(
            self.base_url.rstrip("/") + "/chat/completions",
            data=json.dumps(body).encode(),
            headers=headers,
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
            payload = json.loads(response.read().decode("utf-8"))
        content = payload["choices"][0]["message"]["content"]
        if not isinstance(content, str):
            raise TypeError("message content is not text")
        return content

    @staticmethod
    def _clean(answer: str) -> str:
        """First line, without surrounding quotes or a 'Headline:' style prefix."""
        line = answer.strip().splitlines()[0].strip() if answer.strip() else ""
        line = line.strip(" \"'“”‘’*")
        line = re.sub(r"^(headline|summary|answer)\s*:\s*", "", line, flags=re.I)
        return line.strip(" \"'“”‘’*").strip()


def make_labeller(
    base_url: str | None, api_key: str = "", model: str = "", timeout: float = 10.0
) -> Labeller:
    """A :class:`ChatLabeller` when ``base_url`` and ``model`` are set, else the :class:`NullLabeller`."""
    if base_url and model:
        return ChatLabeller(base_url, api_key=api_key, model=model, timeout=timeout)
    return NullLabeller()
