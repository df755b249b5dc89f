"""Wire responses and chunks -> LangChain messages, one mapping at a time."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk

from azure_inference_core import ChatCompletion, ChatCompletionChunk, StreamAccumulator
from langchain_azure_inference._responses import (
    StreamProcessor,
    completion_to_result,
    split_tool_calls,
    usage_to_metadata,
)


def completion(message: dict[str, Any], **extra: Any) -> ChatCompletion:
    body: dict[str, Any] = {
        "id": "cmpl-1",
        "model": "Mistral-Large",
        "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
    }
    body.update(extra)
    return ChatCompletion.model_validate(body)


def chunk(choices: list[dict[str, Any]] | None = None, **extra: Any) -> ChatCompletionChunk:
    body: dict[str, Any] = {"id": "s-1", "model": "Mistral-Large", "choices": choices or []}
    body.update(extra)
    return ChatCompletionChunk.model_validate(body)


def delta(finish: str | None = None, **fields: Any) -> list[dict[str, Any]]:
    return [{"index": 0, "delta": fields, "finish_reason": finish}]


def message_of(result_completion: ChatCompletion) -> AIMessage:
    message = completion_to_result(result_completion).generations[0].message
    assert isinstance(message, AIMessage)
    return message


def merged(chunks: list[ChatCompletionChunk]) -> AIMessageChunk:
    processor = StreamProcessor()
    parts = [g.message for c in chunks if (g := processor.feed(c)) is not None]
    parts.append(processor.finish().message)
    assert all(isinstance(p, AIMessageChunk) for p in parts)
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    assert isinstance(total, AIMessageChunk)
    return total


# -- usage ------------------------------------------------------------------------------


def test_usage_basic() -> None:
    usage = completion({"content": "x"}).usage
    assert usage_to_metadata(usage) == {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12}


def test_usage_details_cached_reasoning_audio() -> None:
    usage = completion(
        {"content": "x"},
        usage={
            "prompt_tokens": 50,
            "completion_tokens": 30,
            "total_tokens": 80,
            "prompt_tokens_details": {"cached_tokens": 20, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 12},
        },
    ).usage
    metadata = usage_to_metadata(usage)
    assert metadata is not None
    assert metadata["input_token_details"] == {"cache_read": 20, "audio": 0}
    assert metadata["output_token_details"] == {"reasoning": 12}


def test_usage_none() -> None:
    assert usage_to_metadata(None) is None


# -- tool calls ------------------------------------------------------------------------------


def _wire_calls(*arguments: str) -> Any:
    calls = [
        {"id": f"c{i}", "type": "function", "function": {"name": "f", "arguments": a}}
        for i, a in enumerate(arguments)
    ]
    return completion({"content": None, "tool_calls": calls}).choices[0].message.tool_calls


def test_tool_calls_parsed() -> None:
    valid, invalid = split_tool_calls(_wire_calls('{"city": "Zürich"}', ""))
    assert [c["args"] for c in valid] == [{"city": "Zürich"}, {}]
    assert [c["id"] for c in valid] == ["c0", "c1"]
    assert invalid == []


@pytest.mark.parametrize("bad", ["{not json", "[1, 2]", '"text"'])
def test_bad_arguments_become_invalid_tool_calls(bad: str) -> None:
    valid, invalid = split_tool_calls(_wire_calls(bad))
    assert valid == []
    assert invalid[0]["args"] == bad
    assert invalid[0]["name"] == "f"
    assert invalid[0]["error"]


# -- non-streamed result ------------------------------------------------------------------


def test_null_content_becomes_empty_string() -> None:
    assert message_of(completion({"content": None})).content == ""


def test_response_metadata_and_usage() -> None:
    result = completion(
        {"content": "hi"},
        system_fingerprint="fp_1",
        prompt_filter_results=[{"prompt_index": 0}],
    )
    message = message_of(result)
    assert message.response_metadata == {
        "model_name": "Mistral-Large",
        "id": "cmpl-1",
        "model_provider": "azure_inference",
        "system_fingerprint": "fp_1",
        "prompt_filter_results": [{"prompt_index": 0}],
        "finish_reason": "stop",
    }
    assert message.usage_metadata == {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12}
    assert message.id == "cmpl-1"


def test_logprobs_and_content_filter_results_in_metadata() -> None:
    body = {
        "id": "x",
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"content": "a"},
                "logprobs": {"content": [{"token": "a", "logprob": -0.1}]},
                "content_filter_results": {"hate": {"filtered": False, "severity": "safe"}},
            }
        ],
    }
    metadata = message_of(ChatCompletion.model_validate(body)).response_metadata
    assert metadata["logprobs"] == {"content": [{"token": "a", "logprob": -0.1}]}
    assert metadata["content_filter_results"]["hate"]["severity"] == "safe"


def test_reasoning_content_surfaced() -> None:
    message = message_of(completion({"content": "42", "reasoning_content": "think"}))
    assert message.additional_kwargs["reasoning_content"] == "think"
    assert message.content_blocks[0] == {"type": "reasoning", "reasoning": "think"}


def test_several_choices_give_several_generations() -> None:
    body = {
        "id": "x",
        "model": "m",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"content": "a"}},
            {"index": 1, "finish_reason": "length", "message": {"content": "b"}},
        ],
    }
    generations = completion_to_result(ChatCompletion.model_validate(body)).generations
    assert [g.message.content for g in generations] == ["a", "b"]
    assert [g.message.response_metadata["finish_reason"] for g in generations] == [
        "stop",
        "length",
    ]


# -- streaming -----------------------------------------------------------------------------------

MISTRAL_STREAM = [
    chunk(delta(role="assistant", content="")),
    chunk(delta(content="Hello")),
    chunk(delta(content=" there")),
    chunk(
        delta("stop", content=""),
        usage={"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    ),
]

OPENAI_STREAM = [
    chunk(
        [],
        id="",
        model="",
        prompt_filter_results=[{"prompt_index": 0, "content_filter_results": {}}],
    ),
    chunk(delta(role="assistant", content="")),
    chunk(delta(content="Hello")),
    chunk(delta(content=" there")),
    chunk(delta("stop")),
    chunk([], usage={"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}),
]

TOOL_STREAM = [
    chunk(
        delta(
            role="assistant",
            content=None,
            tool_calls=[
                {
                    "index": 0,
                    "id": "a",
                    "type": "function",
                    "function": {"name": "w", "arguments": ""},
                },
                {
                    "index": 1,
                    "id": "b",
                    "type": "function",
                    "function": {"name": "t", "arguments": ""},
                },
            ],
        )
    ),
    chunk(delta(tool_calls=[{"index": 1, "function": {"arguments": '{"tz": '}}])),
    chunk(delta(tool_calls=[{"index": 0, "function": {"arguments": '{"city": "Paris"}'}}])),
    chunk(delta(tool_calls=[{"index": 1, "function": {"arguments": '"CET"}'}}])),
    chunk(
        delta("tool_calls"),
        usage={"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13},
    ),
]


@pytest.mark.parametrize("stream", [MISTRAL_STREAM, OPENAI_STREAM], ids=["mistral", "openai"])
def test_usage_reaches_the_last_chunk_in_both_shapes(stream: list[ChatCompletionChunk]) -> None:
    processor = StreamProcessor()
    for c in stream:
        produced = processor.feed(c)
        assert produced is None or produced.message.usage_metadata is None
    last = processor.finish().message
    assert isinstance(last, AIMessageChunk)
    assert last.chunk_position == "last"
    assert last.usage_metadata == {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
    assert last.response_metadata["finish_reason"] == "stop"
    assert last.response_metadata["model_name"] == "Mistral-Large"
    assert last.response_metadata["id"] == "s-1"


def test_filter_only_first_chunk_metadata_is_kept() -> None:
    assert merged(OPENAI_STREAM).response_metadata["prompt_filter_results"] == [
        {"prompt_index": 0, "content_filter_results": {}}
    ]


def test_parallel_tool_calls_streamed_by_index() -> None:
    message = merged(TOOL_STREAM)
    assert [(c["id"], c["name"], c["args"]) for c in message.tool_calls] == [
        ("a", "w", {"city": "Paris"}),
        ("b", "t", {"tz": "CET"}),
    ]


def test_tool_call_delta_without_index_is_kept() -> None:
    stream = [
        chunk(
            delta(
                tool_calls=[
                    {"id": "a", "function": {"name": "w", "arguments": '{"x": 1}'}},
                    {"id": "b", "function": {"name": "t", "arguments": "{}"}},
                ]
            )
        ),
        chunk(delta("tool_calls")),
    ]
    assert [c["name"] for c in merged(stream).tool_calls] == ["w", "t"]


def test_invalid_streamed_arguments_do_not_raise() -> None:
    stream = [
        chunk(
            delta(
                tool_calls=[
                    {"index": 0, "id": "a", "function": {"name": "w", "arguments": "{oops"}}
                ]
            )
        ),
        chunk(delta("tool_calls")),
    ]
    message = merged(stream)
    # langchain-core's partial-JSON merge decides tool_calls; the raw text stays available.
    assert message.tool_call_chunks[0]["args"] == "{oops"
    assert [c["id"] for c in [*message.tool_calls, *message.invalid_tool_calls]] == ["a"]


def test_second_choice_in_stream_raises() -> None:
    processor = StreamProcessor()
    with pytest.raises(ValueError, match="n > 1"):
        processor.feed(chunk([{"index": 1, "delta": {"content": "x"}}]))


def test_streamed_reasoning_joins() -> None:
    stream = [
        chunk(delta(reasoning_content="step 1, ")),
        chunk(delta(reasoning_content="step 2")),
        chunk(delta("stop", content="42")),
    ]
    message = merged(stream)
    assert message.additional_kwargs["reasoning_content"] == "step 1, step 2"
    assert message.content == "42"


def test_streamed_logprobs_joined_on_last_chunk() -> None:
    stream = [
        chunk([{"index": 0, "delta": {"content": "a"}, "logprobs": {"content": [{"token": "a"}]}}]),
        chunk([{"index": 0, "delta": {"content": "b"}, "logprobs": {"content": [{"token": "b"}]}}]),
    ]
    assert merged(stream).response_metadata["logprobs"] == {
        "content": [{"token": "a"}, {"token": "b"}]
    }


@pytest.mark.parametrize(
    "stream", [MISTRAL_STREAM, OPENAI_STREAM, TOOL_STREAM], ids=["mistral", "openai", "tools"]
)
def test_merged_stream_equals_non_streamed_message(stream: list[ChatCompletionChunk]) -> None:
    accumulator = StreamAccumulator()
    for c in stream:
        accumulator.feed(c)
    expected = message_of(accumulator.result())
    got = merged(stream)
    assert got.content == expected.content
    assert got.tool_calls == expected.tool_calls
    assert got.usage_metadata == expected.usage_metadata
    assert got.response_metadata == expected.response_metadata
    assert got.id == expected.id
