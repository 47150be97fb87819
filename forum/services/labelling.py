"""The abstractive labeller's model client: any OpenAI-compatible chat-completions endpoint over HTTP.

:mod:`forum.analysis.labeller` builds the prompt and checks the answer; this module only carries the
request (standard library ``urllib``) and turns every transport or shape failure into
:class:`~forum.analysis.labeller.LabellerUnavailable`, which the labeller answers with the extractive
headline.
"""

from __future__ import annotations

import http.client
import json
import urllib.request

from forum.analysis.labeller import Labeller, LabellerUnavailable, ModelLabeller, NullLabeller

__all__ = ["ChatCompletions", "ChatLabeller", "make_labeller"]


class ChatCompletions:
    """``complete(system, prompt)`` over ``POST {base_url}/chat/completions``.

    Parameters
    ----------
    base_url: API root, e.g. ``http://127.0.0.1:8000/v1``.
    api_key: bearer token (may be empty for local servers).
    model: model name sent in the request.
    timeout: seconds for the whole request.
    """

    def __init__(self, base_url: str, api_key: str, model: str, timeout: float = 10.0):
        self.base_url = base_url
        self.api_key = api_key
        self.model = model
        self.timeout = timeout

    def __call__(self, system: str, prompt: str) -> str:
        """The model's answer to ``prompt``; :class:`LabellerUnavailable` on any failure."""
        try:
            return self._ask(system, prompt)
        except (OSError, http.client.HTTPException, ValueError, LookupError, TypeError) as exc:
            raise LabellerUnavailable(str(exc) or type(exc).__name__) from exc

    def _ask(self, system: str, prompt: str) -> str:
        body = {
            "model": self.model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": prompt}],
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


class ChatLabeller(ModelLabeller):
    """A :class:`~forum.analysis.labeller.ModelLabeller` over :class:`ChatCompletions`."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        model: str,
        timeout: float = 10.0,
        max_chars: int = 200,
        max_quote_chars: int = 400,
    ):
        super().__init__(ChatCompletions(base_url, api_key, model, timeout), max_chars, max_quote_chars)


def make_labeller(
    base_url: str | None, api_key: str = "", model: str = "", timeout: float = 10.0
) -> Labeller:
    """A :class:`ChatLabeller` when ``base_url`` and ``model`` are set, else the ``NullLabeller``."""
    if base_url and model:
        return ChatLabeller(base_url, api_key=api_key, model=model, timeout=timeout)
    return NullLabeller()
