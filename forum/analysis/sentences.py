"""Sentences of comments and which of them can state a key point.

A key point is a sentence a reader could agree or disagree with: a claim of 5 to 20 words, in the third
person, not a question, not cut off. :func:`headline_problems` names what keeps a sentence from being one;
:func:`candidate_sentences` splits comments into sentences, tidies the ones that pass (a leading "But" or
"Honestly," goes, the first letter is raised, a full stop is added) and marks them as candidates. Nothing
is generated: every key point is a sentence some reader wrote, lightly trimmed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Sentence",
    "candidate_sentences",
    "headline_problems",
    "split_sentences",
    "tidy_key_point",
]

MIN_WORDS, MAX_WORDS = 5, 20

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]*[A-Z0-9])")
_WORD = re.compile(r"[A-Za-zÀ-ÿ0-9][A-Za-zÀ-ÿ0-9'’-]*")
_FIRST_PERSON = re.compile(
    r"\b(i|me|my|mine|myself|we|us|our|ours|ourselves|i'm|i’m|im|i've|i’ve|i'd|i’d|i'll|i’ll|"
    r"we're|we’re|we've|we’ve|we'd|we’d|we'll|we’ll|let's|let’s)\b",
    re.IGNORECASE,
)
_SECOND_PERSON = re.compile(r"\b(you|your|yours|you're|you’re|you've|you’ve|you'd|you’d|you'll)\b", re.I)
# Openings that only make sense after another sentence; they are dropped ("But X is Y." -> "X is Y.").
_LEAD = re.compile(
    r"^(?:(?:and|but|so|also|yet|still|plus|or|sure|yes|no|well|ok|okay|honestly|frankly|look|"
    r"then|again|anyway|besides|except|however|meanwhile|instead|otherwise|indeed|in fact|of course|"
    r"to be fair|in other words|that said|either way|at least)\b[,:;]?\s+)+",
    re.IGNORECASE,
)
# Sentences that lean on something said before them cannot stand alone as a key point.
_DANGLING = re.compile(
    r"^(?:this|that|these|those|it|they|them|he|she|his|her|its|their|there|here|which|such|both|"
    r"same|exactly|agreed|right|true|correct|literally|which is)\b(?!\s+(?:is|are|was)\s+(?:why|how|what)\b)",
    re.IGNORECASE,
)
# Instructions to the reader ("Read the report twice.") and fragments ("Not on the pledge.") are no claims.
_NOT_A_CLAIM = re.compile(
    r"^(?:read|look|remember|imagine|consider|note|try|ask|see|tell|go|stop|give|take|check|show|name|"
    r"compare|watch|wait|guess|think|picture|call|count|pick|quote|search|google|follow|keep|"
    r"not|no|nor|only if|unless|because|if|when|whether|why|how|what|who)\b",
    re.IGNORECASE,
)
_ENUMERATION = re.compile(r"\((?:[a-z]|[0-9]|i{1,3}|iv)\)|^\d+[.)]\s")
_URL = re.compile(r"https?://\S+|www\.\S+")
_TRUNCATED = re.compile(r"(\.\.\.|…|—|–|-|,|;|:)$")


@dataclass(frozen=True)
class Sentence:
    """One sentence of comment ``owner`` (its index in the input). ``text`` is the sentence as written;
    ``key_point`` its tidied form when it can state a key point, else None."""

    owner: int
    text: str
    key_point: str | None

    @property
    def is_candidate(self) -> bool:
        return self.key_point is not None


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences (at ., ! and ? followed by a capital or digit)."""
    text = " ".join(text.split())
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def word_count(sentence: str) -> int:
    return len(_WORD.findall(sentence))


def headline_problems(sentence: str) -> list[str]:
    """What stops ``sentence`` from being a key point headline (empty when it is one).

    The rules readers were promised: 5 to 20 words, no first person, not a question, not cut off.
    """
    problems = []
    n = word_count(sentence)
    if n < MIN_WORDS:
        problems.append("too short")
    if n > MAX_WORDS:
        problems.append("too long")
    if _FIRST_PERSON.search(sentence):
        problems.append("first person")
    if "?" in sentence:
        problems.append("question")
    if _TRUNCATED.search(sentence.rstrip()) or sentence.rstrip().endswith(".."):
        problems.append("cut off")
    if sentence[:1].islower():
        problems.append("not a sentence")
    return problems


def tidy_key_point(sentence: str) -> str | None:
    """The sentence as a key point (opening connective dropped, capital first letter, full stop), or None
    when it cannot be one: a question, first person, addressing the reader, leaning on an earlier sentence,
    a link, quotes or brackets left open, or outside 5 to 20 words."""
    s = " ".join(sentence.split()).strip()
    if not s or _URL.search(s) or "?" in s:
        return None
    s = _LEAD.sub("", s).strip(" \"'“”‘’*_")
    if not s or _DANGLING.match(s) or _NOT_A_CLAIM.match(s) or _SECOND_PERSON.search(s):
        return None
    if s.count('"') % 2 or s.count("(") != s.count(")") or s.count("“") != s.count("”"):
        return None
    if _ENUMERATION.search(s):  # "(a) ... (b) ..." run together: the splitter could not tell the claims apart
        return None
    if s.endswith("!"):
        s = s[:-1].rstrip() + "."
    if not s.endswith("."):
        if _TRUNCATED.search(s):
            return None
        s += "."
    s = s[0].upper() + s[1:]
    if not s[0].isalpha() and not s[0].isdigit():
        return None
    return s if not headline_problems(s) else None


def candidate_sentences(texts: Sequence[str], max_per_text: int = 12) -> list[Sentence]:
    """Every sentence of every text (at most ``max_per_text`` each), in order, with its key-point form."""
    out = []
    for i, text in enumerate(texts):
        for sentence in split_sentences(text)[:max_per_text]:
            out.append(Sentence(owner=i, text=sentence, key_point=tidy_key_point(sentence)))
    return out
