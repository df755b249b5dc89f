"""Canned wire payloads shared by the loopback server and the contenders.

Stdlib only: this module is imported both in the project's venv and in
``.venv-bench`` (where the official packages live), so every contender is
served, and checked against, byte-identical answers.

Endpoint paths pick the scenario, because a path is the one thing every
client under test lets a user choose (``endpoint=`` / ``base_url=``):

* ``/b/{n}/...``  text answers: non-streamed, a short completion; streamed,
  ``n`` content chunks;
* ``/e/{n}/...``  the same text stream, one HTTP chunk per event;
* ``/d/{ms}/...`` the non-streamed answer, held back ``ms`` milliseconds (a
  model's latency: what makes a client's concurrency limit matter);
* ``/t/{k}/...``  tool calls: streamed, two tool calls whose arguments arrive
  in ``k`` fragments each.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "ANSWER_TEXT",
    "MODEL",
    "TOOL_CALLS",
    "TOOL_DEFS",
    "completion_body",
    "stream_events",
    "stream_text",
    "tool_stream_events",
]

MODEL = "Mistral-Large"
_ID = "0a1234b5de6789f01gh2i345j6789klm"
_CREATED = 1718726686

_WORDS = (
    "As",
    " of",
    " now",
    ",",
    " the",
    " weather",
    " in",
    " Paris",
    " is",
    " mild",
    " with",
    " light",
    " rain",
    " expected",
    " later",
    " today",
    ".",
)

ANSWER_TEXT = "".join(_WORDS * 3)

# The two tool calls every tool stream carries, as (name, parsed arguments).
TOOL_CALLS: list[tuple[str, dict[str, Any]]] = [
    (
        "get_weather",
        {
            "city": "Paris",
            "unit": "celsius",
            "days": 3,
            "note": "include hourly wind speed and the chance of rain for each day",
        },
    ),
    (
        "get_time",
        {"timezone": "Europe/Paris", "format": "24h", "note": "local time at the airport"},
    ),
]

TOOL_DEFS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": name,
            "description": f"Look up {name.removeprefix('get_')}.",
            "parameters": {
                "type": "object",
                "properties": {key: {"type": "string"} for key in args},
                "required": sorted(args),
            },
        },
    }
    for name, args in TOOL_CALLS
]

_USAGE = {"prompt_tokens": 19, "completion_tokens": 51, "total_tokens": 70}


def completion_body() -> dict[str, Any]:
    """The non-streamed chat completion every ``/b/`` call returns."""
    return {
        "id": _ID,
        "object": "chat.completion",
        "created": _CREATED,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": ANSWER_TEXT, "tool_calls": None},
                "logprobs": None,
            }
        ],
        "usage": _USAGE,
    }


def stream_text(n: int) -> str:
    """The text a client must assemble from an ``n``-chunk stream."""
    return "".join(_WORDS[i % len(_WORDS)] for i in range(n))


def _chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": _ID,
        "object": "chat.completion.chunk",
        "created": _CREATED,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        **extra,
    }


def stream_events(n: int) -> list[dict[str, Any]]:
    """Chunks of a text stream: a role chunk, ``n`` content chunks, a finish chunk.

    Usage rides on the finish chunk, Mistral-style (docs/wire.md section 5).
    """
    events = [_chunk({"role": "assistant", "content": ""})]
    events.extend(_chunk({"content": _WORDS[i % len(_WORDS)]}) for i in range(n))
    events.append(_chunk({"content": ""}, "stop", usage=_USAGE))
    return events


def _split(text: str, parts: int) -> list[str]:
    """``text`` in ``parts`` non-empty pieces of near-equal size (fewer if it is short)."""
    parts = max(1, min(parts, len(text)))
    size, extra = divmod(len(text), parts)
    bounds = [i * size + min(i, extra) for i in range(parts + 1)]
    return [text[bounds[i] : bounds[i + 1]] for i in range(parts)]


def tool_stream_events(k: int) -> list[dict[str, Any]]:
    """Chunks of a tool-call stream: each call's arguments in ``k`` fragments.

    The first fragment of a call carries ``id``, ``type`` and ``name`` with
    empty arguments, as OpenAI-style services send it.
    """
    events = [_chunk({"role": "assistant", "content": None})]
    for index, (name, args) in enumerate(TOOL_CALLS):
        head = {
            "index": index,
            "id": f"call_{index}",
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        events.append(_chunk({"tool_calls": [head]}))
        for piece in _split(json.dumps(args), k):
            fragment = {"index": index, "function": {"arguments": piece}}
            events.append(_chunk({"tool_calls": [fragment]}))
    events.append(_chunk({}, "tool_calls", usage=_USAGE))
    return events
