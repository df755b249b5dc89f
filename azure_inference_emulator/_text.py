"""Deterministic text: token counts, answer wording, ``stop`` and ``max_tokens``.

The emulator has no model; its answers are built from the request so that a
test can see its input was understood (the last user message is quoted).
Wording varies like sampling does: fixed at ``temperature`` 0, repeatable for
a given ``seed``, and different between seeds.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Wording",
    "apply_limits",
    "count_tokens",
    "pick_wording",
    "split_words",
]

_TOKEN_RE = re.compile(r"\S+")
_WORD_CHUNK_RE = re.compile(r"\s*\S+\s*|\s+")

_OPENERS = (
    "You wrote",
    "Your message was",
    "Here is what I received",
    "I read your message",
    "Thanks for asking",
    "Replying to",
    "As requested, about",
    "On your question",
)
_CLOSERS = (
    "This answer comes from the local Azure AI Model Inference emulator.",
    "No real model was called; the local emulator wrote this reply.",
    "The emulator composed this reply from your request.",
    "This is an emulated reply, built deterministically from the request.",
    "A local emulator produced this text instead of a hosted model.",
    "Answer generated offline by the emulator for testing.",
)
_FLAVOURS = (
    "briefly",
    "plainly",
    "gladly",
    "carefully",
    "simply",
    "openly",
    "calmly",
    "directly",
    "kindly",
    "clearly",
    "honestly",
    "quickly",
)


def count_tokens(text: str) -> int:
    """Roughly one token per whitespace-separated word, as the docs' examples suggest."""
    return len(_TOKEN_RE.findall(text))


def split_words(text: str) -> list[str]:
    """Split text into word pieces that join back to exactly ``text``."""
    return _WORD_CHUNK_RE.findall(text)


@dataclass(frozen=True)
class Wording:
    """The sampled parts of an answer."""

    opener: str
    closer: str
    flavour: str


def pick_wording(temperature: float | None, seed: int | None, rng: random.Random) -> Wording:
    """Choose wording like sampling would.

    Args:
        temperature: 0 gives the fixed wording.
        seed: same seed -> same wording; different seeds -> different wording.
        rng: the server's generator, used when neither pins the wording.

    Returns:
        The wording to use.
    """
    if temperature == 0:
        return Wording(_OPENERS[0], _CLOSERS[0], "")
    source = random.Random(seed) if seed is not None else rng
    return Wording(
        source.choice(_OPENERS),
        source.choice(_CLOSERS),
        " ".join(source.sample(_FLAVOURS, 2)),
    )


def apply_limits(text: str, stop: Sequence[str], max_tokens: int | None) -> tuple[str, str]:
    """Cut ``text`` at the first stop sequence, then at ``max_tokens`` words.

    Returns:
        The text and the finish reason (``stop`` or ``length``).
    """
    cut = len(text)
    for sequence in stop:
        if sequence:
            at = text.find(sequence)
            if at != -1:
                cut = min(cut, at)
    text = text[:cut]
    if max_tokens is not None and count_tokens(text) > max_tokens:
        pieces = split_words(text)
        kept: list[str] = []
        words = 0
        for piece in pieces:
            if piece.strip():
                if words == max_tokens:
                    break
                words += 1
            kept.append(piece)
        return "".join(kept).rstrip(), "length"
    return text, "stop"
