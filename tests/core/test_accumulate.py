"""The stream accumulator: joined chunks equal the non-streamed answer."""

from __future__ import annotations

import json
from typing import Any

from azure_inference_core import ChatCompletion, ChatCompletionChunk, StreamAccumulator

NON_STREAMED = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1718726371,
    "model": "Mistral-Large",
    "system_fingerprint": "fp_1",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Let me check. Done",
                "reasoning_content": "Weather needs a tool.",
                "tool_calls": [
                    {
                        "id": "call_a",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                    },
                    {
                        "id": "call_b",
                        "type": "function",
                        "function": {"name": "get_time", "arguments": '{"tz":"CET"}'},
                    },
                ],
            },
            "finish_reason": "tool_calls",
            "logprobs": None,
        }
    ],
    "usage": {"prompt_tokens": 19, "completion_tokens": 72, "total_tokens": 91},
}


def chunk(choices: list[dict[str, Any]], **extra: Any) -> ChatCompletionChunk:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1718726371,
        "model": "Mistral-Large",
        "system_fingerprint": "fp_1",
        "choices": choices,
        **extra,
    }
    return ChatCompletionChunk.model_validate_json(json.dumps(body))


def delta(index: int = 0, finish: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"index": index, "delta": fields, "finish_reason": finish, "logprobs": None}


def streamed_chunks() -> list[ChatCompletionChunk]:
    return [
        ChatCompletionChunk.model_validate(
            {"id": "", "model": "", "choices": [], "prompt_filter_results": []}
        ),
        chunk([delta(role="assistant", content="")]),
        chunk([delta(reasoning_content="Weather needs ")]),
        chunk([delta(reasoning_content="a tool.")]),
        chunk([delta(content="Let me check.")]),
        chunk(
            [
                delta(
                    tool_calls=[
                        {
                            "index": 0,
                            "id": "call_a",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": ""},
                        }
                    ]
                )
            ]
        ),
        chunk(
            [
                delta(
                    tool_calls=[
                        {
                            "index": 1,
                            "id": "call_b",
                            "type": "function",
                            "function": {"name": "get_time", "arguments": '{"tz"'},
                        }
                    ]
                )
            ]
        ),
        chunk([delta(tool_calls=[{"index": 0, "function": {"arguments": '{"city":'}}])]),
        chunk([delta(tool_calls=[{"index": 1, "function": {"arguments": ':"CET"}'}}])]),
        chunk([delta(tool_calls=[{"index": 0, "function": {"arguments": '"Paris"}'}}])]),
        chunk([delta(content=" Done")]),
        chunk([delta(finish="tool_calls")]),
        chunk([], usage={"prompt_tokens": 19, "completion_tokens": 72, "total_tokens": 91}),
    ]


def accumulate(chunks: list[ChatCompletionChunk]) -> ChatCompletion:
    acc = StreamAccumulator()
    for item in chunks:
        acc.feed(item)
    return acc.result()


def test_streamed_equals_non_streamed() -> None:
    expected = ChatCompletion.model_validate_json(json.dumps(NON_STREAMED))
    result = accumulate(streamed_chunks())
    extra = {"prompt_filter_results": []}
    assert result.model_dump() == {**expected.model_dump(), **extra}


def test_usage_on_last_chunk_with_choices_mistral_style() -> None:
    chunks = [
        chunk([delta(role="assistant", content="")]),
        chunk([delta(content="As of now")]),
        chunk(
            [delta(content="", finish="stop")],
            usage={"prompt_tokens": 19, "total_tokens": 91, "completion_tokens": 72},
        ),
    ]
    result = accumulate(chunks)
    assert result.choices[0].message.content == "As of now"
    assert result.choices[0].finish_reason == "stop"
    assert result.usage is not None
    assert result.usage.total_tokens == 91


def test_tool_call_deltas_without_index_are_kept() -> None:
    chunks = [
        chunk(
            [
                delta(
                    role="assistant",
                    content=None,
                    tool_calls=[
                        {"id": "c1", "function": {"name": "a", "arguments": '{"x":1}'}},
                        {"id": "c2", "function": {"name": "b", "arguments": "{}"}},
                    ],
                )
            ]
        ),
        chunk([delta(tool_calls=[{"id": "c3", "function": {"name": "c", "arguments": '{"y"'}}])]),
        chunk([delta(tool_calls=[{"function": {"arguments": ":2}"}}])]),
        chunk([delta(finish="tool_calls")]),
    ]
    calls = accumulate(chunks).choices[0].message.tool_calls
    assert calls is not None
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("c1", "a", '{"x":1}'),
        ("c2", "b", "{}"),
        ("c3", "c", '{"y":2}'),
    ]


def test_unindexed_calls_each_in_own_chunk_are_separate() -> None:
    chunks = [
        chunk([delta(tool_calls=[{"id": "a", "function": {"name": "f", "arguments": "{}"}}])]),
        chunk([delta(tool_calls=[{"id": "b", "function": {"name": "g", "arguments": "{}"}}])]),
        chunk([delta(tool_calls=[{"id": "b", "function": {"arguments": ""}}])]),
    ]
    calls = accumulate(chunks).choices[0].message.tool_calls
    assert calls is not None
    assert [c.id for c in calls] == ["a", "b"]


def test_several_choices_by_index() -> None:
    chunks = [
        chunk([delta(0, role="assistant", content="A"), delta(1, role="assistant", content="B")]),
        chunk([delta(1, content="b", finish="length"), delta(0, content="a", finish="stop")]),
    ]
    result = accumulate(chunks)
    assert [(c.index, c.message.content, c.finish_reason) for c in result.choices] == [
        (0, "Aa", "stop"),
        (1, "Bb", "length"),
    ]


def test_content_stays_null_when_never_sent() -> None:
    result = accumulate(
        [
            chunk(
                [
                    delta(
                        role="assistant",
                        tool_calls=[
                            {"index": 0, "id": "x", "function": {"name": "f", "arguments": "{}"}}
                        ],
                    )
                ]
            )
        ]
    )
    assert result.choices[0].message.content is None


def test_logprobs_are_joined() -> None:
    first = {
        "index": 0,
        "delta": {"content": "a"},
        "logprobs": {"content": [{"token": "a", "logprob": -0.1}]},
    }
    second = {
        "index": 0,
        "delta": {"content": "b"},
        "logprobs": {"content": [{"token": "b", "logprob": -0.2}]},
    }
    result = accumulate([chunk([first]), chunk([second])])
    assert result.choices[0].logprobs == {
        "content": [{"token": "a", "logprob": -0.1}, {"token": "b", "logprob": -0.2}]
    }


def test_empty_stream_gives_empty_completion() -> None:
    result = StreamAccumulator().result()
    assert result.choices == []
    assert result.usage is None


def test_feed_once_takes_the_update_of_a_chunk_fed_already() -> None:
    acc = StreamAccumulator()
    first = chunk([{"index": 0, "delta": {"content": "Hel"}}])
    second = chunk([{"index": 0, "delta": {"content": "lo"}}])
    fed = acc.feed(first)  # as a stream opened with accumulate=acc does
    assert acc.feed_once(first) is fed  # its reader gets the same update, not a second join
    assert acc.feed_once(second).choices[0].content == "lo"  # not fed yet: fed now
    assert acc.result().choices[0].message.content == "Hello"
