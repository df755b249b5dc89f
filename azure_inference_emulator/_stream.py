"""Turn an answer into streamed chunks, as docs/wire.md section 5 shows.

First chunk carries the role; text comes a word per chunk; tool calls come
OpenAI-style keyed by ``index`` (id and name with empty arguments first, then
argument fragments, parallel calls interleaved); the finishing chunk carries
``finish_reason``. Usage goes on the finishing chunk for ``last_chunk``
profiles, or in a final ``"choices": []`` chunk when a ``stream_options``
profile was asked for it.
"""

from __future__ import annotations

from typing import Any

from ._chat import ChatResult, ChoiceResult
from ._profiles import ModelProfile
from ._text import split_words

__all__ = ["ARG_FRAGMENT", "encode_event", "stream_chunks"]

ARG_FRAGMENT = 12
"""Characters of tool-call arguments per streamed fragment."""


def _tool_fragments(choice: ChoiceResult) -> list[dict[str, Any]]:
    queues: list[list[dict[str, Any]]] = []
    for index, call in enumerate(choice.tool_calls):
        queue: list[dict[str, Any]] = [
            {
                "index": index,
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }
        ]
        for start in range(0, len(call.arguments), ARG_FRAGMENT):
            part = call.arguments[start : start + ARG_FRAGMENT]
            queue.append({"index": index, "function": {"arguments": part}})
        queues.append(queue)
    out: list[dict[str, Any]] = []
    while any(queues):
        for queue in queues:
            if queue:
                out.append(queue.pop(0))
    return out


def _choice_deltas(choice: ChoiceResult, include_logprobs: bool) -> list[dict[str, Any]]:
    """(delta, logprobs) entries for one choice, finish not included."""
    deltas: list[dict[str, Any]] = []
    fragments = _tool_fragments(choice)
    first: dict[str, Any] = {"role": "assistant", "content": ""}
    if choice.content is None and fragments and choice.reasoning is None:
        first = {"role": "assistant", "content": None, "tool_calls": [fragments.pop(0)]}
    deltas.append({"delta": first})
    if choice.reasoning:
        for piece in split_words(choice.reasoning):
            deltas.append({"delta": {"reasoning_content": piece}})
    entries = list((choice.logprobs or {}).get("content", [])) if include_logprobs else []
    for i, piece in enumerate(split_words(choice.content or "")):
        item: dict[str, Any] = {"delta": {"content": piece}}
        if i < len(entries):
            item["logprobs"] = {"content": [entries[i]]}
        deltas.append(item)
    for fragment in fragments:
        deltas.append({"delta": {"tool_calls": [fragment]}})
    return deltas


def stream_chunks(
    result: ChatResult, profile: ModelProfile, include_usage: bool
) -> list[dict[str, Any]]:
    """All chunks of a streamed answer, ``[DONE]`` not included.

    Args:
        result: the answer.
        profile: decides where usage goes.
        include_usage: ``stream_options.include_usage`` was passed through.

    Returns:
        Chunk dicts in send order.
    """
    base = {
        "id": result.id,
        "object": "chat.completion.chunk",
        "created": result.created,
        "model": result.model,
    }
    chunks: list[dict[str, Any]] = []
    last = len(result.choices) - 1
    for index, choice in enumerate(result.choices):
        for item in _choice_deltas(choice, choice.logprobs is not None):
            entry = {
                "index": index,
                "delta": item["delta"],
                "finish_reason": None,
                "logprobs": item.get("logprobs"),
            }
            chunks.append({**base, "choices": [entry]})
        final: dict[str, Any] = {
            "index": index,
            "delta": {"content": ""} if choice.content is not None else {},
            "finish_reason": choice.finish_reason,
            "logprobs": None,
        }
        if choice.content_filter_results is not None:
            final["content_filter_results"] = choice.content_filter_results
        chunk: dict[str, Any] = {**base, "choices": [final]}
        if index == last and profile.usage_style == "last_chunk":
            chunk["usage"] = result.usage()
        chunks.append(chunk)
    if profile.usage_style == "stream_options" and include_usage:
        chunks.append({**base, "choices": [], "usage": result.usage()})
    return chunks


def encode_event(data: str) -> bytes:
    """One server-sent event: ``data: ...`` and a blank line."""
    return f"data: {data}\n\n".encode()
