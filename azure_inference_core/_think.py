"""``<think>...</think>`` reasoning at the front of a model's content, split off.

DeepSeek-R1 (and Phi-4-reasoning, and other open reasoning models) put their
reasoning in ``<think>`` tags inside ``content`` on api-versions before
``reasoning_content`` existed (Foundry ``/models`` before 2025-04-01). Both
adapters show it as reasoning, not as answer text: LangChain in
``additional_kwargs["reasoning_content"]``, LlamaIndex as a thinking block.
"""

from __future__ import annotations

__all__ = ["ThinkSplitter", "split_think"]

_OPEN, _CLOSE = "<think>", "</think>"


def split_think(content: str, *, final: bool = True) -> tuple[str, str]:
    """Split a leading ``<think>...</think>`` block off ``content``.

    While streaming (``final=False``) a partial tag is held back, so both parts
    only ever grow as content arrives.

    Returns:
        ``(reasoning, text)``; reasoning is "" when the content does not open
        with a ``<think>`` block.
    """
    stripped = content.lstrip()
    if not stripped.startswith(_OPEN):
        if not final and _OPEN.startswith(stripped):
            return "", ""  # may still turn into "<think>"
        return "", content
    body = stripped[len(_OPEN) :]
    end = body.find(_CLOSE)
    if end >= 0:
        return body[:end].strip(), body[end + len(_CLOSE) :].lstrip()
    if not final:
        for k in range(len(_CLOSE) - 1, 0, -1):
            if body.endswith(_CLOSE[:k]):
                body = body[:-k]
                break
    return body.strip(), ""


class ThinkSplitter:
    """Streamed content in, ``(reasoning_delta, text_delta)`` out; one per stream.

    Content that visibly does not open with ``<think>``, and everything after
    ``</think>``, passes straight through without rescanning.
    """

    __slots__ = ("_content", "_done", "_reasoning", "_text")

    def __init__(self) -> None:
        self._content = ""
        self._reasoning = ""
        self._text = ""
        self._done = False

    def feed(self, delta: str) -> tuple[str, str]:
        """Take the next content delta; return what is new of each part."""
        if self._done:
            return "", delta
        self._content += delta
        return self._advance(final=False)

    def finish(self) -> tuple[str, str]:
        """The stream ended: release anything held back (a partial tag)."""
        if self._done:
            return "", ""
        return self._advance(final=True)

    def _advance(self, *, final: bool) -> tuple[str, str]:
        reasoning, text = split_think(self._content, final=final)
        new_reasoning = reasoning[len(self._reasoning) :]
        new_text = text[len(self._text) :]
        self._reasoning, self._text = reasoning, text
        # Plain content, or a closed block: the rest is text as it comes.
        if text and (not reasoning or _CLOSE in self._content):
            self._done = True
        return new_reasoning, new_text
