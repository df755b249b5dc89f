"""Responses API answers and a test-side event writer, shared by the core's Responses tests.

The writer cuts an answer into the service's typed events (``output_item.added``,
deltas, ``.done`` events, then the terminal event) at the given split points,
independently of the library's decoder and of the emulator's writer.
"""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

REASONING = {
    "id": "rs_1",
    "type": "reasoning",
    "summary": [{"type": "summary_text", "text": "**Plan**\n\nLook the weather up."}],
    "encrypted_content": "gAAAAB-opaque",
}
CALL = {
    "id": "fc_1",
    "type": "function_call",
    "status": "completed",
    "call_id": "call_a",
    "name": "get_weather",
    "arguments": '{"city":"Paris"}',
}
MESSAGE = {
    "id": "msg_1",
    "type": "message",
    "status": "completed",
    "role": "assistant",
    "content": [{"type": "output_text", "text": "It is sunny in Paris.", "annotations": []}],
}
RESPONSE: dict[str, Any] = {
    "id": "resp_1",
    "object": "response",
    "created_at": 1741476542,
    "status": "completed",
    "model": "o3-mini",
    "error": None,
    "incomplete_details": None,
    "previous_response_id": None,
    "output": [REASONING, CALL, MESSAGE],
    "usage": {
        "input_tokens": 36,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 87,
        "output_tokens_details": {"reasoning_tokens": 64},
        "total_tokens": 123,
    },
    "store": False,
    "metadata": {},
}


def _pieces(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(points) if b > a] or [""]


def item_events(index: int, item: dict[str, Any], cuts: list[int]) -> list[dict[str, Any]]:
    """The events of one output item."""
    at = {"item_id": item.get("id"), "output_index": index}
    out: list[dict[str, Any]] = []
    if item["type"] == "message":
        added = {**item, "status": "in_progress", "content": []}
        out.append({"type": "response.output_item.added", "output_index": index, "item": added})
        for c, part in enumerate(item["content"]):
            where = {**at, "content_index": c}
            out.append({"type": "response.content_part.added", **where,
                        "part": {**part, "text": ""}})  # fmt: skip
            for piece in _pieces(part["text"], cuts):
                out.append({"type": "response.output_text.delta", **where, "delta": piece})
            out.append({"type": "response.output_text.done", **where, "text": part["text"]})
            out.append({"type": "response.content_part.done", **where, "part": part})
    elif item["type"] == "function_call":
        added = {**item, "status": "in_progress", "arguments": ""}
        out.append({"type": "response.output_item.added", "output_index": index, "item": added})
        for piece in _pieces(item["arguments"], cuts):
            out.append({"type": "response.function_call_arguments.delta", **at, "delta": piece})
        out.append({"type": "response.function_call_arguments.done", **at,
                    "arguments": item["arguments"]})  # fmt: skip
    else:
        added = {**item, "summary": []}
        out.append({"type": "response.output_item.added", "output_index": index, "item": added})
        for s, part in enumerate(item.get("summary", [])):
            where = {**at, "summary_index": s}
            out.append({"type": "response.reasoning_summary_part.added", **where,
                        "part": {"type": "summary_text", "text": ""}})  # fmt: skip
            for piece in _pieces(part["text"], cuts):
                out.append({"type": "response.reasoning_summary_text.delta", **where,
                            "delta": piece})  # fmt: skip
            out.append({"type": "response.reasoning_summary_text.done", **where,
                        "text": part["text"]})  # fmt: skip
    out.append({"type": "response.output_item.done", "output_index": index, "item": item})
    return out


def events_for(response: dict[str, Any], cuts: list[int] | None = None) -> list[dict[str, Any]]:
    """All events of a streamed ``response``, ``sequence_number`` from 0."""
    start = {**copy.deepcopy(response), "status": "in_progress", "output": [], "usage": None}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": start},
        {"type": "response.in_progress", "response": start},
    ]
    for index, item in enumerate(response["output"]):
        events.extend(item_events(index, item, cuts or [3, 7]))
    terminal = {
        "completed": "response.completed",
        "incomplete": "response.incomplete",
        "failed": "response.failed",
    }[response["status"]]
    events.append({"type": terminal, "response": response})
    for number, event in enumerate(events):
        event["sequence_number"] = number
    return events


def sse(events: list[dict[str, Any]]) -> bytes:
    """The events as the service writes them: ``event:`` and ``data:`` lines."""
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)
