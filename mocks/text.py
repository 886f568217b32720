"""Deterministic text for every mock family: the reply, the reasoning, token counts, truncation, chunking.

The reply to a request is a pure function of the request, so a suite can predict it exactly:

* tokens are ``re.findall(r"\\w+|[^\\w\\s]", text)`` (a word run or one punctuation mark; spaces are free);
* the answer is ``"Mock reply to: <last user text, whitespace-normalised, first 12 words>."`` followed by
  :data:`FILLER` sentences, in order, until it is at least :data:`REPLY_TOKENS` tokens long;
* after a tool round trip it is ``"Mock reply using tool results: <results joined by '; ', first 12 words>."``
  plus the same filler;
* reasoning is ``"Let me think about <last user text, first 12 words>."`` plus :data:`REASONING_FILLER`
  sentences until at least :data:`REASONING_TOKENS` tokens.

:func:`finish` applies stop sequences and a token limit; :func:`split` cuts text into stream pieces whose
concatenation is exactly the original.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

__all__ = [
    "FILLER", "REASONING_FILLER", "REASONING_TOKENS", "REPLY_TOKENS", "TOKEN_RE", "Finished",
    "count_tokens", "finish", "reasoning_text", "reply_text", "snippet", "split", "tool_answer_text",
    "truncate",
]

TOKEN_RE = re.compile(r"\w+|[^\w\s]")
SNIPPET_WORDS = 12
REPLY_TOKENS = 40
REASONING_TOKENS = 30

FILLER: tuple[str, ...] = (
    "This answer comes from a deterministic mock upstream.",
    "Every word is chosen by fixed rules, not by a model.",
    "The same request always receives the same reply.",
    "Token counts follow one simple regular expression.",
    "Streams split this text into small chunks.",
)

REASONING_FILLER: tuple[str, ...] = (
    "The user wants a short and direct answer.",
    "A mock upstream answers by fixed rules.",
    "I will reply with one deterministic paragraph.",
    "Nothing here depends on chance.",
)


def count_tokens(text: str) -> int:
    """Number of tokens in ``text``."""
    return len(TOKEN_RE.findall(text))


def truncate(text: str, limit: int) -> str:
    """``text`` cut right after its ``limit``-th token (unchanged when it has no more than that)."""
    spans = list(TOKEN_RE.finditer(text))
    if len(spans) <= limit:
        return text
    return text[: spans[limit - 1].end()] if limit > 0 else ""


def split(text: str, size: int) -> list[str]:
    """``text`` in pieces of ``size`` tokens; whitespace goes with the token after it, so the pieces
    join back to ``text`` exactly and none is empty."""
    if not text:
        return []
    starts = [m.start() for m in TOKEN_RE.finditer(text)][:: max(1, size)]
    bounds = [0, *(s for s in starts[1:]), len(text)]
    return [text[a:b] for a, b in pairwise(bounds) if b > a]


def snippet(text: str) -> str:
    """``text`` whitespace-normalised and cut to its first 12 words; ``(no text)`` when empty."""
    words = text.split()[:SNIPPET_WORDS]
    return " ".join(words) if words else "(no text)"


def _padded(head: str, filler: Iterable[str], target: int) -> str:
    text = head
    for sentence in filler:
        if count_tokens(text) >= target:
            break
        text = f"{text} {sentence}"
    return text


def reply_text(last_user_text: str) -> str:
    """The untruncated answer to a conversation whose last user text is ``last_user_text``."""
    return _padded(f"Mock reply to: {snippet(last_user_text)}.", FILLER, REPLY_TOKENS)


def tool_answer_text(results: Sequence[str]) -> str:
    """The untruncated answer after a tool round trip; it quotes the tool results."""
    return _padded(f"Mock reply using tool results: {snippet('; '.join(results))}.", FILLER, REPLY_TOKENS)


def reasoning_text(last_user_text: str) -> str:
    """The untruncated chain of thought for a reasoning model."""
    return _padded(f"Let me think about {snippet(last_user_text)}.", REASONING_FILLER, REASONING_TOKENS)


@dataclass(frozen=True)
class Finished:
    """Generated text after stop sequences and the token limit: ``reason`` is ``stop`` (natural end),
    ``stop_sequence`` (``sequence`` matched and was cut off) or ``length`` (the limit cut it)."""

    text: str
    reason: Literal["stop", "stop_sequence", "length"]
    sequence: str | None = None

    @property
    def tokens(self) -> int:
        return count_tokens(self.text)


def finish(text: str, limit: int | None, stops: Sequence[str] = ()) -> Finished:
    """Apply ``stops`` (cut before the earliest occurrence) and then ``limit`` tokens, whichever
    ends the text first."""
    hits = [(text.find(s), s) for s in stops if s and s in text]
    if hits:
        at, sequence = min(hits, key=lambda hit: hit[0])
        cut = text[:at]
        if limit is None or count_tokens(cut) <= limit:
            return Finished(cut, "stop_sequence", sequence)
    if limit is not None and count_tokens(text) > limit:
        return Finished(truncate(text, limit), "length")
    return Finished(text, "stop")
