"""LangChain messages -> wire messages, one mapping at a time."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.tool import invalid_tool_call

from azure_inference_core import tool_result_to_wire
from langchain_azure_inference._messages import (
    UnsupportedContentError,
    convert_content_part,
    convert_message,
    convert_messages,
)


def encode_tool_result_as_json(text: str) -> str:
    """The content the core sends to a model that needs JSON-object tool results."""
    return str(tool_result_to_wire("c", text, json_object=True)["content"])


PNG_B64 = "iVBORw0KGgo="
PNG_DATA_URL = f"data:image/png;base64,{PNG_B64}"


# -- roles ---------------------------------------------------------------------------


def test_system_message() -> None:
    assert convert_message(SystemMessage("be brief")) == {"role": "system", "content": "be brief"}


def test_developer_role_from_additional_kwargs() -> None:
    message = SystemMessage("rules", additional_kwargs={"__openai_role__": "developer"})
    assert convert_message(message) == {"role": "developer", "content": "rules"}


def test_developer_role_from_chat_message() -> None:
    assert convert_message(ChatMessage(role="developer", content="rules")) == {
        "role": "developer",
        "content": "rules",
    }


def test_chat_message_any_role_passes_through() -> None:
    assert convert_message(ChatMessage(role="critic", content="hm", name="c")) == {
        "role": "critic",
        "content": "hm",
        "name": "c",
    }


def test_system_list_content_joined_like_message_text() -> None:
    message = SystemMessage([{"type": "text", "text": "a"}, "b"])
    assert convert_message(message)["content"] == message.text == "ab"


def test_system_message_with_image_raises() -> None:
    message = SystemMessage([{"type": "image_url", "image_url": {"url": PNG_DATA_URL}}])
    with pytest.raises(UnsupportedContentError, match="system message can only hold text"):
        convert_message(message)


def test_human_string_and_name() -> None:
    assert convert_message(HumanMessage("hi", name="ann")) == {
        "role": "user",
        "content": "hi",
        "name": "ann",
    }


def test_function_message_rejected_with_advice() -> None:
    with pytest.raises(UnsupportedContentError, match="ToolMessage"):
        convert_message(FunctionMessage(content="x", name="f"))


# -- user content parts ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("plain", {"type": "text", "text": "plain"}),
        ({"type": "text", "text": "t", "cache_control": {}}, {"type": "text", "text": "t"}),
        (
            {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}},
            {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}},
        ),
        (
            {"type": "image_url", "image_url": "https://x/y.png"},
            {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
        ),
        (
            {"type": "image", "base64": PNG_B64, "mime_type": "image/png"},
            {"type": "image_url", "image_url": {"url": PNG_DATA_URL}},
        ),
        (
            {"type": "image", "url": "https://x/y.png"},
            {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
        ),
        (
            {"type": "image", "source_type": "base64", "data": PNG_B64, "mime_type": "image/png"},
            {"type": "image_url", "image_url": {"url": PNG_DATA_URL}},
        ),
        (
            {"type": "image", "source_type": "url", "url": "https://x/y.png"},
            {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
        ),
        (
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/png", "data": PNG_B64},
            },
            {"type": "image_url", "image_url": {"url": PNG_DATA_URL}},
        ),
        (
            {"type": "image", "url": "https://x/y.png", "extras": {"detail": "high"}},
            {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "high"}},
        ),
        (
            {"type": "input_audio", "input_audio": {"data": "UklG", "format": "wav"}},
            {"type": "input_audio", "input_audio": {"data": "UklG", "format": "wav"}},
        ),
        (
            {"type": "audio", "base64": "UklG", "mime_type": "audio/wav"},
            {"type": "input_audio", "input_audio": {"data": "UklG", "format": "wav"}},
        ),
        (
            {"type": "audio", "source_type": "base64", "data": "SUQz", "mime_type": "audio/mpeg"},
            {"type": "input_audio", "input_audio": {"data": "SUQz", "format": "mp3"}},
        ),
        (
            {"type": "text-plain", "text": "doc body", "mime_type": "text/plain"},
            {"type": "text", "text": "doc body"},
        ),
    ],
)
def test_user_content_part(block: Any, expected: dict[str, Any]) -> None:
    assert convert_content_part(block) == expected


def test_human_list_content_keeps_every_part_in_order() -> None:
    message = HumanMessage(
        [
            {"type": "text", "text": "compare"},
            {"type": "image", "base64": PNG_B64, "mime_type": "image/png"},
            {"type": "image_url", "image_url": {"url": "https://x/2.png"}},
        ]
    )
    content = convert_message(message)["content"]
    assert [part["type"] for part in content] == ["text", "image_url", "image_url"]
    assert content[1]["image_url"]["url"] == PNG_DATA_URL


@pytest.mark.parametrize(
    ("block", "match"),
    [
        ({"type": "file", "base64": "JVBERi0=", "mime_type": "application/pdf"}, "'file'"),
        ({"type": "video", "url": "https://x/v.mp4"}, "'video'"),
        ({"type": "image", "file_id": "file-1"}, "file id"),
        ({"type": "image", "base64": PNG_B64}, "mime_type"),
        ({"type": "audio", "url": "https://x/a.wav"}, "base64"),
        ({"type": "audio", "base64": "x", "mime_type": "audio/flac"}, "audio/flac"),
        ({"type": "reasoning", "reasoning": "hm"}, "AIMessage"),
        ({"type": "mystery"}, "'mystery'"),
        ({"text": "no type"}, "'type'"),
        ({"type": "image_url"}, "image_url"),
    ],
)
def test_unsupported_user_content_raises_clearly(block: dict[str, Any], match: str) -> None:
    with pytest.raises(UnsupportedContentError, match=match):
        convert_content_part(block)


# -- assistant ---------------------------------------------------------------------------


def test_ai_plain_text() -> None:
    assert convert_message(AIMessage("hello")) == {"role": "assistant", "content": "hello"}


def test_ai_empty_without_tool_calls_is_empty_string() -> None:
    assert convert_message(AIMessage(""))["content"] == ""


def test_ai_tool_calls_with_empty_content_omit_content() -> None:
    # Issue 13: "content": null / "" went out where every SDK omits the field.
    message = AIMessage(
        "",
        tool_calls=[{"name": "get", "args": {"city": "Zürich", "n": 0}, "id": "c1"}],
    )
    wire = convert_message(message)
    assert "content" not in wire
    assert wire["tool_calls"] == [
        {
            "id": "c1",
            "type": "function",
            "function": {"name": "get", "arguments": '{"city": "Zürich", "n": 0}'},
        }
    ]


def test_ai_invalid_tool_calls_are_sent_back_verbatim() -> None:
    message = AIMessage(
        "",
        invalid_tool_calls=[invalid_tool_call(name="f", args="{bad", id="c9", error="x")],
    )
    assert convert_message(message)["tool_calls"][0]["function"] == {
        "name": "f",
        "arguments": "{bad",
    }


def test_ai_anthropic_list_content_text_and_tool_use() -> None:
    message = AIMessage(
        [
            {"type": "text", "text": "let me see"},
            {"type": "tool_use", "id": "t1", "name": "pick", "input": {"c": "red"}},
        ],
        tool_calls=[{"name": "pick", "args": {"c": "red"}, "id": "t1"}],
    )
    wire = convert_message(message)
    assert wire["content"] == "let me see"
    assert len(wire["tool_calls"]) == 1  # the block duplicates tool_calls, sent once


def test_ai_tool_call_only_in_content_is_not_lost() -> None:
    message = AIMessage([{"type": "tool_call", "id": "t2", "name": "pick", "args": {"c": 1}}])
    wire = convert_message(message)
    assert wire["tool_calls"][0]["id"] == "t2"
    assert json.loads(wire["tool_calls"][0]["function"]["arguments"]) == {"c": 1}


def test_ai_reasoning_blocks_are_not_sent_back() -> None:
    message = AIMessage(
        [{"type": "reasoning", "reasoning": "scratch"}, {"type": "text", "text": "answer"}]
    )
    assert convert_message(message) == {"role": "assistant", "content": "answer"}


def test_ai_tool_call_without_id_raises() -> None:
    message = AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": None}])
    with pytest.raises(UnsupportedContentError, match="no id"):
        convert_message(message)


def test_ai_image_content_raises() -> None:
    with pytest.raises(UnsupportedContentError, match="assistant"):
        convert_message(AIMessage([{"type": "image", "url": "https://x/y.png"}]))


# -- tool messages --------------------------------------------------------------------------


def test_tool_message_string() -> None:
    wire = convert_messages([ToolMessage("42", tool_call_id="c1", name="calc")])
    assert wire == [{"role": "tool", "tool_call_id": "c1", "content": "42"}]


def test_tool_message_list_text_and_json_blocks() -> None:
    message = ToolMessage(
        [{"type": "text", "text": "rows: "}, {"type": "json", "json": {"a": 1}}],
        tool_call_id="c1",
    )
    assert convert_messages([message])[0]["content"] == 'rows: {"a": 1}'


def test_tool_images_follow_in_one_user_message() -> None:
    messages = [
        AIMessage(
            "",
            tool_calls=[
                {"name": "img", "args": {}, "id": "a"},
                {"name": "img", "args": {}, "id": "b"},
            ],
        ),
        ToolMessage(
            [{"type": "image", "base64": PNG_B64, "mime_type": "image/png"}], tool_call_id="a"
        ),
        ToolMessage(
            [
                {"type": "text", "text": "second"},
                {"type": "image_url", "image_url": {"url": PNG_DATA_URL}},
            ],
            tool_call_id="b",
        ),
        HumanMessage("describe"),
    ]
    wire = convert_messages(messages)
    assert [m["role"] for m in wire] == ["assistant", "tool", "tool", "user", "user"]
    assert wire[1]["content"] == ""
    assert wire[2]["content"] == "second"
    images = wire[3]["content"]
    assert images[0]["type"] == "text"
    assert "a, b" in images[0]["text"]
    assert [p["image_url"]["url"] for p in images[1:]] == [PNG_DATA_URL, PNG_DATA_URL]


def test_tool_message_with_image_via_convert_message_raises() -> None:
    message = ToolMessage(
        [{"type": "image", "base64": PNG_B64, "mime_type": "image/png"}], tool_call_id="a"
    )
    with pytest.raises(UnsupportedContentError, match="convert_messages"):
        convert_message(message)


def test_tool_message_unsupported_block_raises() -> None:
    message = ToolMessage([{"type": "file", "file_id": "f"}], tool_call_id="a")
    with pytest.raises(UnsupportedContentError, match="ToolMessage"):
        convert_messages([message])


# -- JSON tool results (Cohere) ------------------------------------------------------------------


@pytest.mark.parametrize("text", ['{"result": 3}', '{"temp": "12 °C", "city": "Zürich"}'])
def test_json_object_tool_result_left_unchanged(text: str) -> None:
    assert encode_tool_result_as_json(text) == text


@pytest.mark.parametrize(("text", "value"), [("[1, 2]", [1, 2]), ("3", 3), ('"quoted"', "quoted")])
def test_json_non_object_tool_result_wrapped_keeping_its_type(text: str, value: object) -> None:
    # Cohere takes a JSON object (see azure_inference_core._tools): a scalar is wrapped.
    assert json.loads(encode_tool_result_as_json(text)) == {"result": value}


@pytest.mark.parametrize("text", ["It's sunny.", "", "{broken", "Zürich ☀"])
def test_non_json_tool_result_wrapped_losslessly(text: str) -> None:
    encoded = encode_tool_result_as_json(text)
    assert json.loads(encoded) == {"result": text}


def test_json_tool_results_flag_applies_to_tool_messages_only() -> None:
    wire = convert_messages(
        [HumanMessage("hi"), ToolMessage("sunny", tool_call_id="c")], json_tool_results=True
    )
    assert wire[0]["content"] == "hi"
    assert json.loads(wire[1]["content"]) == {"result": "sunny"}
