"""Recorded Responses API traffic from Azure, transcribed as data.

Source: the public Azure SDK test-proxy recording
``python/sdk/ai/azure-ai-projects/tests/recordings/agents/telemetry/
test_responses_instrumentor.pyTestResponsesInstrumentortest_responses_stream_method_with_tools_with_content_recording.json``
in Azure/azure-sdk-assets (commit 2204ef492aba15b9e804d4182ef6e4894efee7b5), recorded on
2025-12-06 against a Foundry project's ``/openai/responses?api-version=2025-11-15-preview``
with ``gpt-4o`` and the ``openai`` package 2.8.1. Two streamed calls: a function call, then
the answer after its ``function_call_output``. The events below are the recorded ones, field
for field; only the layout (Python literals sharing the response object) is ours. The
request's ``conversation`` id is kept because the answers echo it.
"""

from __future__ import annotations

import json
from typing import Any

PATH = "/api/projects/sanitized-project-name/openai/responses"
API_VERSION = "2025-11-15-preview"
CONVERSATION = "conv_eb2c9f436344020600sTjIEX5sd2HCp3iTqtBB5bIF48ur0U6k"
TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a location.",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "The city name, e.g. San Francisco"}
        },
        "required": ["location"],
        "additionalProperties": False,
    },
    "strict": True,
}
REQUEST_TOOL = {k: TOOL[k] for k in ("name", "description", "parameters", "strict", "type")}
FIRST_REQUEST = {
    "conversation": CONVERSATION,
    "input": "What's the weather in Boston?",
    "model": "gpt-4o",
    "stream": True,
    "tools": [REQUEST_TOOL],
}
CALL_ID = "call_Q3ixlvMZ9SuFGWuPyRCzKCBY"
SECOND_REQUEST = {
    "conversation": CONVERSATION,
    "input": [
        {
            "type": "function_call_output",
            "call_id": CALL_ID,
            "output": '{"temperature": "65\\u00b0F", "condition": "cloudy"}',
        }
    ],
    "model": "gpt-4o",
    "stream": True,
    "tools": [REQUEST_TOOL],
}


def response(
    rid: str,
    created_at: int,
    *,
    status: str = "in_progress",
    output: list[Any] | None = None,
    usage: dict[str, Any] | None = None,
    service_tier: str = "auto",
) -> dict[str, Any]:
    """The recorded ``response`` object (same keys, same order)."""
    return {
        "id": rid,
        "object": "response",
        "created_at": created_at,
        "status": status,
        "background": False,
        "content_filters": None,
        "conversation": {"id": CONVERSATION},
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "max_tool_calls": None,
        "model": "gpt-4o",
        "output": output or [],
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "prompt_cache_key": None,
        "prompt_cache_retention": None,
        "reasoning": {"effort": None, "summary": None},
        "safety_identifier": None,
        "service_tier": service_tier,
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": None,
        "tools": [TOOL],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": usage,
        "user": None,
        "metadata": {},
    }


def _usage(inp: int, out: int) -> dict[str, Any]:
    return {
        "input_tokens": inp,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": out,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": inp + out,
    }


R1 = "resp_eb2c9f436344020600693374496ae481909cd76ffd99c22d9e"
FC = "fc_eb2c9f4363440206006933744c5a988190a437dda7e1ac985e"
ARGS = '{"location":"Boston"}'
CALL = {"type": "function_call", "id": FC, "status": "completed", "call_id": CALL_ID,
        "name": "get_weather", "arguments": ARGS}  # fmt: skip
_FC_DELTAS = [('{"', "x7ggeJ4YDhlU5g"), ("location", "4a8juiPr"), ('":"', "4l90aUfYJqytV"),
              ("Boston", "VQeQTm0F3k"), ('"}', "lsgvSf1N74TnmI")]  # fmt: skip
FIRST_EVENTS: list[dict[str, Any]] = [
    {"type": "response.created", "response": response(R1, 1764979785)},
    {"type": "response.in_progress", "response": response(R1, 1764979785)},
    {"type": "response.output_item.added", "output_index": 0,
     "item": {**CALL, "status": "in_progress", "arguments": ""}},
    *({"type": "response.function_call_arguments.delta", "item_id": FC, "output_index": 0,
       "delta": d, "obfuscation": o} for d, o in _FC_DELTAS),
    {"type": "response.function_call_arguments.done", "item_id": FC, "output_index": 0,
     "arguments": ARGS},
    {"type": "response.output_item.done", "output_index": 0, "item": CALL},
    {"type": "response.completed",
     "response": response(R1, 1764979785, status="completed", output=[CALL],
                          usage=_usage(56, 15), service_tier="default")},
]  # fmt: skip

R2 = "resp_eb2c9f436344020600693374510f748190ad82633a62d4aa8f"
MSG = "msg_eb2c9f43634402060069337453e6d48190836f6e575b2f4841"
TEXT = "The current weather in Boston is 65°F and cloudy."
PART = {"type": "output_text", "annotations": [], "logprobs": [], "text": TEXT}
CONTENT = [{"type": "output_text", "text": TEXT, "annotations": [], "logprobs": []}]
MESSAGE = {"type": "message", "id": MSG, "status": "completed", "role": "assistant",
           "content": CONTENT}  # fmt: skip
_TEXT_DELTAS = [("The", "eu4NNd8AQqeFK"), (" current", "7N0N7QtR"), (" weather", "lfQRKvE9"),
                (" in", "GPLzQt3No7Kni"), (" Boston", "w203WifLC"), (" is", "tb4X3h4h9z7pX"),
                (" ", "lsshlotvv0cS80Q"), ("65", "Xc8RjOuH0XwKuj"), ("°F", "rBWNkcJgPtLx71"),
                (" and", "IJcxPjbXsga2"), (" cloudy", "EtoZVLc3X"),
                (".", "JN2r0rYZ4u19pVq")]  # fmt: skip
_AT = {"item_id": MSG, "output_index": 0, "content_index": 0}
SECOND_EVENTS: list[dict[str, Any]] = [
    {"type": "response.created", "response": response(R2, 1764979793)},
    {"type": "response.in_progress", "response": response(R2, 1764979793)},
    {"type": "response.output_item.added", "output_index": 0,
     "item": {"type": "message", "id": MSG, "status": "in_progress", "role": "assistant",
              "content": []}},
    {"type": "response.content_part.added", **_AT, "part": {**PART, "text": ""}},
    *({"type": "response.output_text.delta", **_AT, "delta": d, "logprobs": [],
       "obfuscation": o} for d, o in _TEXT_DELTAS),
    {"type": "response.output_text.done", **_AT, "text": TEXT, "logprobs": []},
    {"type": "response.content_part.done", **_AT, "part": PART},
    {"type": "response.output_item.done", "output_index": 0, "item": MESSAGE},
    {"type": "response.completed",
     "response": response(R2, 1764979793, status="completed", output=[MESSAGE],
                          usage=_usage(97, 14), service_tier="default")},
]  # fmt: skip


def numbered(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events with ``sequence_number`` second, as recorded."""
    return [
        {"type": e["type"], "sequence_number": n, **{k: v for k, v in e.items() if k != "type"}}
        for n, e in enumerate(events)
    ]


def pieces(events: list[dict[str, Any]]) -> list[str]:
    """The response body as the recording stores it: one piece per SSE line group."""
    out: list[str] = []
    for event in numbered(events):
        out.append(f"event: {event['type']}\n")
        out.append("data: " + json.dumps(event, separators=(",", ":"), ensure_ascii=False) + "\n\n")
    return out


def cassette(path: str = PATH) -> dict[str, Any]:
    """A test-proxy cassette of the two recorded calls (headers trimmed to those that matter);
    ``path`` serves them on another route."""
    headers = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache",
               "api-supported-versions": "2025-05-15-preview,2025-11-15-preview"}  # fmt: skip
    uri = f"https://Sanitized.services.ai.azure.com{path}?api-version={API_VERSION}"
    return {
        "Entries": [
            {"RequestUri": uri, "RequestMethod": "POST",
             "RequestHeaders": {"Content-Type": "application/json"}, "RequestBody": body,
             "StatusCode": 200, "ResponseHeaders": headers, "ResponseBody": pieces(events)}
            for body, events in ((FIRST_REQUEST, FIRST_EVENTS), (SECOND_REQUEST, SECOND_EVENTS))
        ],
        "Variables": {},
    }  # fmt: skip
