"""LlamaIndex messages and tools -> wire dicts, one mapping at a time."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from _li_support import jpeg_bytes, png_bytes, wav_bytes
from llama_index.core.base.llms.types import (
    AudioBlock,
    CacheControl,
    CachePoint,
    ChatMessage,
    DocumentBlock,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
    VideoBlock,
)
from llama_index.core.tools import FunctionTool

from azure_inference_core import UNKNOWN_MODEL, FunctionCall, ToolCall, capabilities_for
from llamaindex_azure_inference import UnsupportedContentError
from llamaindex_azure_inference._messages import to_wire_messages
from llamaindex_azure_inference._tools import resolve_tool_choice, to_wire_tools

COHERE = capabilities_for("Cohere-command-r-plus")[0]


def one(message: ChatMessage, capabilities: Any = UNKNOWN_MODEL) -> dict[str, Any]:
    return to_wire_messages([message], capabilities)[0]


@pytest.mark.parametrize(
    ("role", "wire"),
    [
        (MessageRole.SYSTEM, "system"),
        (MessageRole.DEVELOPER, "developer"),
        (MessageRole.USER, "user"),
        (MessageRole.ASSISTANT, "assistant"),
    ],
)
def test_text_roles(role: MessageRole, wire: str) -> None:
    assert one(ChatMessage(role=role, content="hi")) == {"role": wire, "content": "hi"}


@pytest.mark.parametrize("role", [MessageRole.FUNCTION, MessageRole.CHATBOT, MessageRole.MODEL])
def test_roles_without_equivalent_raise(role: MessageRole) -> None:
    with pytest.raises(UnsupportedContentError, match=f"role '{role.value}'"):
        one(ChatMessage(role=role, content="x"))


def test_system_with_several_text_blocks_is_joined_like_message_content() -> None:
    msg = ChatMessage(role="system", blocks=[TextBlock(text="a"), TextBlock(text="b")])
    assert one(msg)["content"] == msg.content == "a\nb"


def test_user_several_text_blocks_become_parts() -> None:
    msg = ChatMessage(blocks=[TextBlock(text="a"), TextBlock(text="b")])
    assert one(msg)["content"] == [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]


def test_empty_user_message_sends_empty_string() -> None:
    assert one(ChatMessage(role="user", blocks=[]))["content"] == ""


def test_image_bytes_become_data_url_with_sniffed_mime() -> None:
    png = png_bytes()
    content = one(ChatMessage(blocks=[TextBlock(text="see"), ImageBlock(image=png)]))["content"]
    assert content[0] == {"type": "text", "text": "see"}
    url = content[1]["image_url"]["url"]
    assert url == "data:image/png;base64," + base64.b64encode(png).decode()
    assert "detail" not in content[1]["image_url"]


def test_image_jpeg_bytes_and_detail() -> None:
    part = one(ChatMessage(blocks=[ImageBlock(image=jpeg_bytes(), detail="low")]))["content"][0]
    assert part["image_url"]["url"].startswith("data:image/jpeg;base64,")
    assert part["image_url"]["detail"] == "low"


def test_image_already_base64_is_not_encoded_twice() -> None:
    png = png_bytes()
    block = ImageBlock(image=base64.b64encode(png), image_mimetype="image/png")
    part = one(ChatMessage(blocks=[block]))["content"][0]
    assert base64.b64decode(part["image_url"]["url"].split(",", 1)[1]) == png


def test_image_path(tmp_path: Path) -> None:
    path = tmp_path / "pic.png"
    path.write_bytes(png_bytes(2, 2))
    part = one(ChatMessage(blocks=[ImageBlock(path=path)]))["content"][0]
    assert part["image_url"]["url"] == (
        "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()
    )


def test_image_file_object_is_read_and_left_rewound() -> None:
    buf = io.BytesIO(png_bytes())
    block = ImageBlock(image=buf, image_mimetype="image/png")
    part = one(ChatMessage(blocks=[block]))["content"][0]
    assert part["image_url"]["url"].startswith("data:image/png;base64,iVBOR")
    assert buf.tell() == 0


def test_image_url_passes_through_unchanged() -> None:
    block = ImageBlock(url="https://example.com/cat.png", detail="high")
    part = one(ChatMessage(blocks=[block]))["content"][0]
    assert part == {
        "type": "image_url",
        "image_url": {"url": "https://example.com/cat.png", "detail": "high"},
    }


def test_image_data_url_passes_through_unchanged() -> None:
    url = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    part = one(ChatMessage(blocks=[ImageBlock(url=url)]))["content"][0]
    assert part["image_url"]["url"] == url


def test_image_of_unknown_type_raises() -> None:
    with pytest.raises(UnsupportedContentError, match="image_mimetype"):
        one(ChatMessage(blocks=[ImageBlock(image=b"not an image at all")]))


def test_audio_bytes_become_input_audio() -> None:
    wav = wav_bytes()
    part = one(ChatMessage(blocks=[AudioBlock(audio=wav)]))["content"][0]
    assert part == {
        "type": "input_audio",
        "input_audio": {"data": base64.b64encode(wav).decode(), "format": "wav"},
    }


def test_audio_by_url_raises_with_advice() -> None:
    with pytest.raises(UnsupportedContentError, match="inline"):
        one(ChatMessage(blocks=[AudioBlock(url="https://example.com/a.wav", format="wav")]))


@pytest.mark.parametrize(
    "block",
    [
        DocumentBlock(data=b"%PDF-1.4 hello", document_mimetype="application/pdf"),
        VideoBlock(video=b"\x00\x00\x00\x18ftypmp42", video_mimetype="video/mp4"),
    ],
    ids=["document", "video"],
)
def test_unsupported_blocks_raise_never_dropped(block: Any) -> None:
    with pytest.raises(UnsupportedContentError, match=type(block).__name__):
        one(ChatMessage(blocks=[TextBlock(text="read this"), block]))


def test_image_in_system_message_raises() -> None:
    with pytest.raises(UnsupportedContentError, match="only text"):
        one(ChatMessage(role="system", blocks=[ImageBlock(image=png_bytes())]))


def test_thinking_and_cache_point_are_omitted_on_purpose() -> None:
    msg = ChatMessage(
        role="assistant",
        blocks=[
            ThinkingBlock(content="let me think"),
            TextBlock(text="answer"),
            CachePoint(cache_control=CacheControl(type="ephemeral")),
        ],
    )
    assert one(msg) == {"role": "assistant", "content": "answer"}


def test_assistant_tool_call_blocks() -> None:
    msg = ChatMessage(
        role="assistant",
        blocks=[
            ToolCallBlock(tool_call_id="c1", tool_name="add", tool_kwargs={"a": 1, "b": 0}),
            ToolCallBlock(tool_call_id="c2", tool_name="mul", tool_kwargs='{"a": 2}'),
        ],
    )
    wire = one(msg)
    assert "content" not in wire  # as the official SDKs send a tool-call turn
    assert wire["tool_calls"] == [
        {
            "id": "c1",
            "type": "function",
            "function": {"name": "add", "arguments": '{"a": 1, "b": 0}'},
        },
        {"id": "c2", "type": "function", "function": {"name": "mul", "arguments": '{"a": 2}'}},
    ]


def test_assistant_text_and_tool_calls() -> None:
    msg = ChatMessage(
        role="assistant",
        blocks=[TextBlock(text="calling"), ToolCallBlock(tool_call_id="c", tool_name="f")],
    )
    wire = one(msg)
    assert wire["content"] == "calling"
    assert wire["tool_calls"][0]["function"] == {"name": "f", "arguments": "{}"}


def test_tool_call_block_without_id_raises() -> None:
    msg = ChatMessage(role="assistant", blocks=[ToolCallBlock(tool_name="f")])
    with pytest.raises(UnsupportedContentError, match="tool_call_id"):
        one(msg)


LEGACY_FORMS = {
    "dict": {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}},
    "dict-args": {"id": "c1", "function": {"name": "f", "arguments": {"x": 1}}},
    "core-model": ToolCall(id="c1", function=FunctionCall(name="f", arguments='{"x": 1}')),
    "object": SimpleNamespace(id="c1", function=SimpleNamespace(name="f", arguments='{"x": 1}')),
}


@pytest.mark.parametrize("call", LEGACY_FORMS.values(), ids=LEGACY_FORMS.keys())
def test_legacy_tool_calls_in_additional_kwargs(call: Any) -> None:
    msg = ChatMessage(role="assistant", content="", additional_kwargs={"tool_calls": [call]})
    wire = one(msg)
    assert wire["tool_calls"] == [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}}
    ]
    assert "content" not in wire


def test_blocks_win_over_legacy_tool_calls_no_duplicates() -> None:
    msg = ChatMessage(
        role="assistant",
        blocks=[ToolCallBlock(tool_call_id="c1", tool_name="f", tool_kwargs="{}")],
        additional_kwargs={"tool_calls": [LEGACY_FORMS["dict"]]},
    )
    assert len(one(msg)["tool_calls"]) == 1


def test_tool_result_message() -> None:
    msg = ChatMessage(role="tool", content="42", additional_kwargs={"tool_call_id": "c1"})
    assert one(msg) == {"role": "tool", "tool_call_id": "c1", "content": "42"}


def test_tool_result_without_id_raises() -> None:
    with pytest.raises(UnsupportedContentError, match="tool_call_id"):
        one(ChatMessage(role="tool", content="42"))


def test_cohere_tool_content_made_a_json_object_only_when_needed() -> None:
    text = ChatMessage(role="tool", content="Sunny, 21°C", additional_kwargs={"tool_call_id": "c"})
    assert json.loads(one(text, COHERE)["content"]) == {"result": "Sunny, 21°C"}
    already = ChatMessage(role="tool", content='{"t": 21}', additional_kwargs={"tool_call_id": "c"})
    assert one(already, COHERE)["content"] == '{"t": 21}'
    assert one(text)["content"] == "Sunny, 21°C"  # other models: verbatim


def test_only_known_additional_kwargs_are_read() -> None:
    msgs = [
        ChatMessage(role="user", content="u", additional_kwargs={"secret": "s", "name": "n"}),
        ChatMessage(role="assistant", content="a", additional_kwargs={"tool_call_id": "x"}),
        ChatMessage(role="tool", content="t", additional_kwargs={"tool_call_id": "c", "foo": 1}),
    ]
    assert to_wire_messages(msgs) == [
        {"role": "user", "content": "u"},
        {"role": "assistant", "content": "a"},
        {"role": "tool", "tool_call_id": "c", "content": "t"},
    ]


def test_caller_messages_are_never_modified(tmp_path: Path) -> None:
    path = tmp_path / "p.png"
    path.write_bytes(png_bytes())
    msgs = [
        ChatMessage(role="system", content="s"),
        ChatMessage(
            blocks=[TextBlock(text="t"), ImageBlock(path=path), ImageBlock(image=png_bytes())]
        ),
        ChatMessage(
            role="assistant",
            blocks=[ToolCallBlock(tool_call_id="c", tool_name="f", tool_kwargs={"a": [1]})],
            additional_kwargs={"tool_calls": [dict(LEGACY_FORMS["dict"])]},
        ),
        ChatMessage(role="tool", content="r", additional_kwargs={"tool_call_id": "c"}),
    ]
    before = [m.model_dump() for m in msgs]
    wire = to_wire_messages(msgs)
    wire[2]["tool_calls"][0]["function"]["name"] = "mutated"
    assert [m.model_dump() for m in msgs] == before


def test_tools_to_wire() -> None:
    def add(a: int, b: int = 0) -> int:
        """Add two numbers."""
        return a + b

    tool = FunctionTool.from_defaults(fn=add)
    [spec] = to_wire_tools([tool])
    assert spec["type"] == "function"
    assert spec["function"]["name"] == "add"
    assert "Add two numbers" in spec["function"]["description"]
    assert spec["function"]["parameters"]["required"] == ["a"]
    assert "strict" not in spec["function"]
    assert to_wire_tools([tool], strict=False)[0]["function"]["strict"] is False


@pytest.mark.parametrize(
    ("choice", "required", "expected"),
    [
        (None, False, None),
        (None, True, "required"),
        ("auto", False, "auto"),
        ("none", False, "none"),
        ("required", False, "required"),
        ("any", False, "required"),
        ("add", False, {"type": "function", "function": {"name": "add"}}),
        ("add", True, {"type": "function", "function": {"name": "add"}}),
        (
            {"type": "function", "function": {"name": "add"}},
            False,
            {"type": "function", "function": {"name": "add"}},
        ),
    ],
)
def test_resolve_tool_choice(choice: Any, required: bool, expected: Any) -> None:
    assert resolve_tool_choice(choice, required, ["add", "mul"]) == expected


def test_tool_choice_unknown_name_and_contradiction_raise() -> None:
    with pytest.raises(ValueError, match="'sub' is not one of the tools given"):
        resolve_tool_choice("sub", False, ["add"])
    with pytest.raises(ValueError, match="contradicts"):
        resolve_tool_choice("none", True, ["add"])
