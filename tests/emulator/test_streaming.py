"""Streaming follows docs/wire.md section 5, and joins to the non-streamed answer."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from azure_inference_emulator import Emulator

from .conftest import KEY, chat, client_for, sse_events

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather in a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_time",
            "description": "Local time in a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    },
]


def join(events: list[Any]) -> dict[str, Any]:
    """Accumulate chunks the way a careful client does."""
    content = ""
    reasoning = ""
    calls: dict[int, dict[str, Any]] = {}
    finish = None
    usage = None
    for event in events:
        if event == "[DONE]":
            continue
        if event.get("usage"):
            usage = event["usage"]
        for choice in event["choices"]:
            delta = choice["delta"]
            content += delta.get("content") or ""
            reasoning += delta.get("reasoning_content") or ""
            for fragment in delta.get("tool_calls") or []:
                call = calls.setdefault(
                    fragment["index"], {"id": None, "name": "", "arguments": ""}
                )
                if "id" in fragment:
                    call["id"] = fragment["id"]
                function = fragment.get("function", {})
                call["name"] += function.get("name") or ""
                call["arguments"] += function.get("arguments") or ""
            if choice["finish_reason"]:
                finish = choice["finish_reason"]
    return {
        "content": content,
        "reasoning": reasoning,
        "calls": [calls[i] for i in sorted(calls)],
        "finish": finish,
        "usage": usage,
    }


def test_chunk_shapes_match_the_seed_documents(mc: httpx.Client) -> None:
    response = chat(mc, "How many languages are in the world?", stream=True, temperature=0)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    first = chunks[0]
    assert first["object"] == "chat.completion.chunk"
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert first["choices"][0]["finish_reason"] is None
    assert len({c["id"] for c in chunks}) == 1
    middle = [c["choices"][0]["delta"]["content"] for c in chunks[1:-1]]
    assert len(middle) > 5, "content arrives in several chunks"
    last = chunks[-1]
    assert last["choices"][0]["finish_reason"] == "stop"
    assert last["choices"][0]["delta"] == {"content": ""}
    assert set(last["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    assert all("usage" not in c for c in chunks[:-1])


def test_streamed_answer_joins_to_the_non_streamed_one(mc: httpx.Client) -> None:
    whole = chat(mc, "Compare me", temperature=0, max_tokens=9).json()
    streamed = join(
        sse_events(chat(mc, "Compare me", temperature=0, max_tokens=9, stream=True).text)
    )
    assert streamed["content"] == whole["choices"][0]["message"]["content"]
    assert streamed["finish"] == whole["choices"][0]["finish_reason"] == "length"
    assert streamed["usage"] == whole["usage"]


def test_tool_calls_stream_keyed_by_index_and_interleave(gc: httpx.Client) -> None:
    mc = gc  # OpenAI-style models stream calls in fragments keyed by index
    response = chat(mc, "Use get_weather and get_time for Paris", tools=TOOLS, stream=True)
    events = sse_events(response.text)
    chunks = events[:-1]
    first = chunks[0]["choices"][0]["delta"]
    assert first["role"] == "assistant"
    assert first["content"] is None
    head = first["tool_calls"][0]
    assert head["index"] == 0
    assert head["function"] == {"name": "get_weather", "arguments": ""}
    assert head["id"].startswith("call_")
    order = [c["choices"][0]["delta"]["tool_calls"][0]["index"] for c in chunks[1:-1]]
    assert order[:3] == [1, 0, 1], "parallel calls interleave"
    joined = join(events)
    assert joined["finish"] == "tool_calls"
    assert [c["name"] for c in joined["calls"]] == ["get_weather", "get_time"]
    assert [json.loads(c["arguments"]) for c in joined["calls"]] == [{"city": "Paris"}] * 2
    whole = chat(mc, "Use get_weather and get_time for Paris", tools=TOOLS).json()
    calls = whole["choices"][0]["message"]["tool_calls"]
    assert [c["function"]["arguments"] for c in calls] == [c["arguments"] for c in joined["calls"]]


def test_openai_style_usage_only_with_stream_options(gc: httpx.Client) -> None:
    plain = sse_events(chat(gc, "hi", stream=True).text)
    assert all("usage" not in e for e in plain[:-1])
    asked = sse_events(chat(gc, "hi", stream=True, stream_options={"include_usage": True}).text)
    usage_chunk = asked[-2]
    assert usage_chunk["choices"] == []
    assert usage_chunk["usage"]["total_tokens"] > 0
    assert asked[-3]["choices"][0]["finish_reason"] == "stop"
    assert asked[-1] == "[DONE]"


def test_stream_options_is_an_extra_parameter(gpt: Emulator) -> None:
    with client_for(gpt) as client:
        response = chat(client, "hi", stream=True, stream_options={"include_usage": True})
    assert response.status_code == 400
    assert "stream_options" in response.json()["detail"]


def test_reasoning_streams_in_deltas() -> None:
    with Emulator("DeepSeek-R1") as emu, client_for(emu, key=None, version="2025-05-01") as c:
        events = sse_events(chat(c, "Why?", stream=True).text)
    joined = join(events)
    assert joined["reasoning"].startswith('The user asks: "Why?"')
    assert '"Why?"' in joined["content"]
    assert joined["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0


def test_chunk_pacing_server_wide_and_per_request() -> None:
    with Emulator("Mistral-Large", key=KEY, chunk_delay=0.02) as emu, client_for(emu) as client:
        start = time.perf_counter()
        events = sse_events(chat(client, "pace me", stream=True, max_tokens=6).text)
        slow = time.perf_counter() - start
        start = time.perf_counter()
        chat(
            client,
            "pace me",
            stream=True,
            max_tokens=6,
            headers={"x-emulator-fault": "chunk-delay=0"},
        )
        fast = time.perf_counter() - start
    assert slow >= 0.02 * (len(events) - 2)
    assert fast < slow


def test_n_choices_stream_with_their_index(pc: httpx.Client) -> None:
    events = sse_events(
        chat(
            pc,
            "two",
            stream=True,
            n=2,
            seed=1,
            temperature=1,
            headers={"extra-parameters": "pass-through"},
        ).text
    )
    indexes = {c["choices"][0]["index"] for c in events[:-1]}
    assert indexes == {0, 1}
