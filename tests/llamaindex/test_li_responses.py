"""Wire responses and streamed chunks -> LlamaIndex responses; tool calls back out."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from azure_inference_core import ChatCompletion, ChatCompletionChunk, StreamAccumulator
from llamaindex_azure_inference._messages import to_wire_messages
from llamaindex_azure_inference._responses import (
    StreamState,
    from_wire_completion,
    parse_arguments,
    split_think,
    tool_selections,
)

USAGE = {"prompt_tokens": 19, "completion_tokens": 72, "total_tokens": 91}


def completion(message: dict[str, Any], **extra: Any) -> ChatCompletion:
    body = {
        "id": "cmpl-1",
        "model": "Mistral-Large",
        "choices": [{"index": 0, "finish_reason": "stop", "message": message, **extra}],
        "usage": USAGE,
    }
    return ChatCompletion.model_validate(body)


def chunk(delta: dict[str, Any] | None = None, *, finish: str | None = None, **top: Any) -> Any:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return ChatCompletionChunk.model_validate({"id": "s1", "model": "m", "choices": choices, **top})


def test_text_completion() -> None:
    resp = from_wire_completion(completion({"role": "assistant", "content": "Hello"}))
    assert resp.message.role == "assistant"
    assert resp.message.content == "Hello"
    assert resp.additional_kwargs == {
        **USAGE,
        "id": "cmpl-1",
        "model": "Mistral-Large",
        "finish_reason": "stop",
    }
    assert isinstance(resp.raw, ChatCompletion)


def test_null_content_becomes_empty_text() -> None:
    resp = from_wire_completion(completion({"role": "assistant", "content": None}))
    assert resp.message.content == ""


def test_tool_calls_become_blocks_with_exact_arguments() -> None:
    resp = from_wire_completion(
        completion(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "a",
                        "type": "function",
                        "function": {"name": "f", "arguments": '{"x": 1}'},
                    },
                    {"id": "b", "type": "function", "function": {"name": "g", "arguments": "{}"}},
                ],
            }
        )
    )
    blocks = resp.message.blocks
    assert [type(b) for b in blocks] == [ToolCallBlock, ToolCallBlock]
    assert blocks[0].tool_call_id == "a"
    assert blocks[0].tool_kwargs == '{"x": 1}'
    assert [s.tool_kwargs for s in tool_selections(resp.message)] == [{"x": 1}, {}]
    # sent back, the model sees its own arguments byte for byte
    wire = to_wire_messages([resp.message])[0]
    assert wire["tool_calls"][0]["function"]["arguments"] == '{"x": 1}'
    assert len(wire["tool_calls"]) == 2


def test_reasoning_becomes_thinking_block() -> None:
    resp = from_wire_completion(
        completion({"role": "assistant", "content": "4", "reasoning_content": "2+2 is 4"})
    )
    assert isinstance(resp.message.blocks[0], ThinkingBlock)
    assert resp.message.blocks[0].content == "2+2 is 4"
    assert resp.message.content == "4"


def test_logprobs() -> None:
    lp = {
        "content": [
            {
                "token": "Hi",
                "logprob": -0.1,
                "bytes": [72, 105],
                "top_logprobs": [
                    {"token": "Hi", "logprob": -0.1, "bytes": [72, 105]},
                    {"token": "Hey", "logprob": -2.5, "bytes": None},
                ],
            },
            {"token": "!", "logprob": -0.3, "bytes": [33], "top_logprobs": []},
        ]
    }
    resp = from_wire_completion(completion({"content": "Hi!"}, logprobs=lp))
    assert resp.logprobs is not None
    assert [[p.token for p in pos] for pos in resp.logprobs] == [["Hi", "Hey"], ["!"]]
    assert resp.logprobs[0][1].logprob == -2.5
    assert resp.logprobs[0][1].bytes == []


def test_no_choices_is_an_error() -> None:
    with pytest.raises(ValueError, match="no choices"):
        from_wire_completion(ChatCompletion.model_validate({"choices": []}))


def test_stream_text_mistral_style_usage_on_last_chunk() -> None:
    state = StreamState()
    out = [
        state.feed(chunk({"role": "assistant", "content": ""})),
        state.feed(chunk({"content": "As of "})),
        state.feed(chunk({"content": "now"})),
        state.feed(chunk({"content": ""}, finish="stop", usage=USAGE)),
    ]
    assert [r.delta for r in out] == ["", "As of ", "now", ""]
    assert [r.message.content for r in out] == ["", "As of ", "As of now", "As of now"]
    assert "total_tokens" not in out[1].additional_kwargs
    assert {k: out[-1].additional_kwargs[k] for k in USAGE} == USAGE
    assert out[-1].additional_kwargs["finish_reason"] == "stop"


def test_stream_openai_style_usage_only_chunk_and_trailing_chunk() -> None:
    state = StreamState()
    state.feed(chunk({"role": "assistant", "content": "Hi"}))
    state.feed(chunk({}, finish="stop"))
    usage_resp = state.feed(chunk(None, usage=USAGE))
    assert usage_resp.delta == ""
    assert usage_resp.message.content == "Hi"
    assert usage_resp.additional_kwargs["total_tokens"] == 91
    # a filter-only chunk after the usage must not lose it
    trailing = state.feed(
        ChatCompletionChunk.model_validate({"id": "", "model": "", "choices": []})
    )
    assert trailing.additional_kwargs["total_tokens"] == 91


def test_stream_responses_do_not_share_additional_kwargs() -> None:
    """Each response owns its `additional_kwargs`; a second usage replaces the first."""
    state = StreamState()
    first = state.feed(chunk({"content": "a"}))
    first.additional_kwargs["mine"] = True
    second = state.feed(chunk({"content": "b"}))
    assert "mine" not in second.additional_kwargs
    state.feed(chunk({}, finish="stop", usage=USAGE))
    later = {**USAGE, "completion_tokens": 73, "total_tokens": 92}
    last = state.feed(chunk(None, usage=later))
    assert last.additional_kwargs["total_tokens"] == 92
    assert last.additional_kwargs["finish_reason"] == "stop"


def test_stream_reasoning_gives_thinking_block_and_thinking_delta() -> None:
    state = StreamState()
    first = state.feed(chunk({"reasoning_content": "hmm "}))
    second = state.feed(chunk({"reasoning_content": "ok"}))
    third = state.feed(chunk({"content": "done"}))
    assert first.additional_kwargs["thinking_delta"] == "hmm "
    assert isinstance(second.message.blocks[0], ThinkingBlock)
    assert second.message.blocks[0].content == "hmm ok"
    assert "thinking_delta" not in third.additional_kwargs
    assert third.message.content == "done"


TOOL_STREAM = [
    {"role": "assistant", "content": None, "tool_calls": [
        {"index": 0, "id": "call_a", "type": "function",
         "function": {"name": "get_weather", "arguments": ""}}]},
    {"tool_calls": [{"index": 0, "function": {"arguments": '{"city":'}}]},
    {"tool_calls": [{"index": 1, "id": "call_b", "type": "function",
                     "function": {"name": "get_time", "arguments": '{"tz": "CET"}'}}]},
    {"tool_calls": [{"index": 0, "function": {"arguments": ' "Paris"}'}}]},
]  # fmt: skip


def test_stream_tool_calls_accumulate_chunk_by_chunk() -> None:
    state = StreamState()
    out = [state.feed(chunk(d)) for d in TOOL_STREAM]
    out.append(state.feed(chunk({}, finish="tool_calls")))

    def calls(r: ChatResponse) -> list[tuple[Any, ...]]:
        return [
            (b.tool_call_id, b.tool_name, b.tool_kwargs)
            for b in r.message.blocks
            if isinstance(b, ToolCallBlock)
        ]

    assert calls(out[0]) == [("call_a", "get_weather", "")]
    assert calls(out[1]) == [("call_a", "get_weather", '{"city":')]
    assert calls(out[2])[1] == ("call_b", "get_time", '{"tz": "CET"}')
    assert calls(out[-1]) == [
        ("call_a", "get_weather", '{"city": "Paris"}'),
        ("call_b", "get_time", '{"tz": "CET"}'),
    ]
    # partial arguments are already usable mid-stream
    assert tool_selections(out[1].message, final=False)[0].tool_kwargs == {"city": None}
    # legacy mirror read by llama_index's process_streaming_objects
    assert [c["id"] for c in out[-1].message.additional_kwargs["tool_calls"]] == [
        "call_a",
        "call_b",
    ]
    assert out[-1].additional_kwargs["finish_reason"] == "tool_calls"


def test_stream_tool_call_deltas_without_index_are_kept() -> None:
    state = StreamState()
    state.feed(chunk({"tool_calls": [
        {"id": "a", "function": {"name": "f", "arguments": '{"x": 1}'}},
        {"id": "b", "function": {"name": "g", "arguments": '{"y": 2}'}},
    ]}))  # fmt: skip
    last = state.feed(
        chunk({"tool_calls": [{"id": "c", "function": {"name": "h", "arguments": "{}"}}]})
    )
    assert [(s.tool_id, s.tool_name, s.tool_kwargs) for s in tool_selections(last.message)] == [
        ("a", "f", {"x": 1}),
        ("b", "g", {"y": 2}),
        ("c", "h", {}),
    ]


@pytest.mark.parametrize(
    "deltas",
    [
        TOOL_STREAM,
        [{"role": "assistant", "content": "Hel"}, {"content": "lo"}, {"reasoning_content": "r"}],
        [
            {"tool_calls": [{"id": "a", "function": {"name": "f", "arguments": "{}"}}]},
            {"tool_calls": [{"id": "b", "function": {"name": "g", "arguments": "{}"}}]},
        ],
    ],
    ids=["indexed-tools", "text", "unindexed-tools"],
)
def test_stream_joins_to_the_non_streamed_result(deltas: list[dict[str, Any]]) -> None:
    """The last streamed message equals the core accumulator's completion, converted."""
    chunks = [chunk(d) for d in deltas] + [chunk({}, finish="stop", usage=USAGE)]
    state = StreamState()
    acc = StreamAccumulator()
    for c in chunks:
        last = state.feed(c)
        acc.feed(c)
    expected = from_wire_completion(acc.result())
    assert last.message.model_dump() == expected.message.model_dump()
    assert {k: last.additional_kwargs[k] for k in USAGE} == USAGE


# "sql-memory": what the agents' default `Memory` (SQL chat store) does to a
# message: `model_dump(mode="json")` stored as JSON, `model_validate` on read.
# The store itself is not used here: in llama-index-core 0.14.25 its sync
# `put` leaves an aiosqlite connection unclosed (a ResourceWarning).
SERIALIZED_FORMS = ["fresh", "json", "sql-memory"]


@pytest.mark.parametrize("form", SERIALIZED_FORMS)
def test_tool_calls_survive_serialization(form: str) -> None:
    call = {"id": "a", "type": "function", "function": {"name": "f", "arguments": '{"x": [1, 2]}'}}
    resp = from_wire_completion(completion({"content": None, "tool_calls": [call]}))
    msg = resp.message
    if form == "json":
        msg = ChatMessage.model_validate_json(msg.model_dump_json())
    elif form == "sql-memory":
        msg = ChatMessage.model_validate(json.loads(json.dumps(msg.model_dump(mode="json"))))
    [sel] = tool_selections(msg)
    assert (sel.tool_id, sel.tool_name, sel.tool_kwargs) == ("a", "f", {"x": [1, 2]})
    assert to_wire_messages([msg])[0]["tool_calls"][0]["function"]["arguments"] == '{"x": [1, 2]}'


@pytest.mark.parametrize("args", ['{"x": 1}', {"x": 1}], ids=["string", "dict"])
def test_legacy_dict_tool_calls_only(args: Any) -> None:
    msg = ChatMessage(
        role="assistant",
        blocks=[TextBlock(text="")],
        additional_kwargs={
            "tool_calls": [{"id": "a", "function": {"name": "f", "arguments": args}}]
        },
    )
    [sel] = tool_selections(msg)
    assert (sel.tool_id, sel.tool_name, sel.tool_kwargs) == ("a", "f", {"x": 1})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"a": 1, "b": "x"}', {"a": 1, "b": "x"}),
        # LlamaIndex's helper cannot tell an unfinished value from an unfinished
        # key, so the half-streamed string reads as null until it completes.
        ('{"a": 1, "b": "unfinish', {"a": 1, "b": None}),
        ('{"a": 1, "b": "done", "c', {"a": 1, "b": "done"}),
        ('{"a": [1, 2', {"a": [1, 2]}),
        ('{"a":', {"a": None}),
        ("", {}),
        (None, {}),
        ({"k": "v"}, {"k": "v"}),
    ],
)
def test_parse_arguments_tolerates_partial_json_while_streaming(
    raw: Any, expected: dict[str, Any]
) -> None:
    assert parse_arguments(raw, final=False) == expected


@pytest.mark.parametrize(
    "raw", ["not json at all }", "[1, 2]", '"just a string"', '{"a": 1, "b": "unfinish']
)
def test_parse_arguments_invalid_gives_empty_and_warns(
    raw: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="llamaindex_azure_inference"):
        assert parse_arguments(raw, "my_tool") == {}
    assert "my_tool" in caplog.text


@pytest.mark.parametrize(
    ("content", "final", "expected"),
    [
        ("plain answer", True, ("", "plain answer")),
        ("<think>\nwhy\n</think>\n\nbecause", True, ("why", "because")),
        ("  <think>a</think>b", True, ("a", "b")),
        ("<think>unfinished", True, ("unfinished", "")),
        ("<think>partial </thi", False, ("partial", "")),
        ("<thi", False, ("", "")),
        ("<thi", True, ("", "<thi")),
        ("<b>bold</b>", False, ("", "<b>bold</b>")),
        ("x <think>late</think>", True, ("", "x <think>late</think>")),
    ],
)
def test_split_think(content: str, final: bool, expected: tuple[str, str]) -> None:
    assert split_think(content, final=final) == expected


def test_stream_think_tags_become_thinking_deltas() -> None:
    pieces = ["<th", "ink>\nStep one", ". Step two.</th", "ink>\n\nThe ", "answer."]
    state = StreamState()
    out = [state.feed(chunk({"content": p})) for p in pieces]
    out.append(state.feed(chunk({}, finish="stop")))
    assert "".join(r.delta or "" for r in out) == "The answer."
    thinking = "".join(r.additional_kwargs.get("thinking_delta", "") for r in out)
    assert thinking == "Step one. Step two."
    last = out[-1].message
    assert isinstance(last.blocks[0], ThinkingBlock)
    assert last.blocks[0].content == "Step one. Step two."
    assert last.content == "The answer."
    # the same content non-streamed splits the same way
    joined = from_wire_completion(completion({"content": "".join(pieces)}))
    assert joined.message.model_dump() == last.model_dump()


def test_reasoning_token_count_is_reported() -> None:
    usage = {**USAGE, "completion_tokens_details": {"reasoning_tokens": 40}}
    resp = from_wire_completion(ChatCompletion.model_validate(
        {"id": "c", "model": "o3-mini", "usage": usage,
         "choices": [{"index": 0, "finish_reason": "stop", "message": {"content": "Hi"}}]}
    ))  # fmt: skip
    assert resp.additional_kwargs["reasoning_tokens"] == 40
    streamed = StreamState().feed(chunk(None, usage=usage))
    assert streamed.additional_kwargs["reasoning_tokens"] == 40
    assert (
        "reasoning_tokens"
        not in from_wire_completion(completion({"content": "Hi"})).additional_kwargs
    )
