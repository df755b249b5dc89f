"""Chat requests mapped onto the Responses API (pure rules shared by both adapters)."""

from __future__ import annotations

from typing import Any

import pytest

from azure_inference_core._responses_map import (
    chat_messages_to_input,
    chat_params_to_responses,
    response_format_to_text_format,
    uses_responses_api,
)

SEALED = {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "opaque"}
BARE = {"type": "reasoning", "id": "rs_2", "summary": []}
IMAGE = {"url": "data:image/png;base64,AA", "detail": "low"}


def test_every_chat_message_shape_becomes_its_input_item() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [
            {"type": "text", "text": "Look"},
            {"type": "image_url", "image_url": IMAGE},
            {"type": "input_audio", "input_audio": {"data": "UklG", "format": "wav"}},
        ]},
        {"role": "assistant", "content": "Calling.", "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a":1}'}},
        ]},
        {"role": "tool", "tool_call_id": "c1", "content": "42"},
    ]  # fmt: skip
    assert chat_messages_to_input(messages, [[SEALED]]) == [
        {"type": "message", "role": "system", "content": "Be brief."},
        {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "Look"},
            {"type": "input_image", "image_url": "data:image/png;base64,AA", "detail": "low"},
            {"type": "input_audio", "input_audio": {"data": "UklG", "format": "wav"}},
        ]},
        SEALED,
        {"type": "message", "role": "assistant",
         "content": [{"type": "output_text", "text": "Calling."}]},
        {"type": "function_call", "call_id": "c1", "name": "f", "arguments": '{"a":1}'},
        {"type": "function_call_output", "call_id": "c1", "output": "42"},
    ]  # fmt: skip


def test_reasoning_the_service_cannot_resolve_is_left_out_when_nothing_is_stored() -> None:
    messages = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]
    kinds = [i.get("id") for i in chat_messages_to_input(messages, [[SEALED, BARE]])]
    assert kinds == [None, "rs_1", None]
    stored = chat_messages_to_input(messages, [[SEALED, BARE]], stored=True)
    assert [i.get("id") for i in stored] == [None, "rs_1", "rs_2", None]


def test_an_image_in_an_assistant_turn_is_refused_with_what_to_send() -> None:
    part = {"type": "image_url", "image_url": {"url": "https://x/y.png"}}
    with pytest.raises(ValueError, match="cannot go into an assistant turn"):
        chat_messages_to_input([{"role": "assistant", "content": [part]}])


def test_json_schema_response_format_becomes_text_format() -> None:
    chat = {"type": "json_schema", "json_schema": {"name": "T", "schema": {"type": "object"},
                                                   "strict": True}}  # fmt: skip
    assert response_format_to_text_format(chat) == {
        "type": "json_schema", "name": "T", "schema": {"type": "object"}, "strict": True,
    }  # fmt: skip
    assert response_format_to_text_format({"type": "json_object"}) == {"type": "json_object"}
    with pytest.raises(TypeError, match="must be a dict"):
        response_format_to_text_format("json")


def test_several_unsupported_parameters_are_named_together() -> None:
    with pytest.raises(ValueError, match="no stop, presence_penalty, n: leave them unset"):
        chat_params_to_responses({"stop": ["x"], "presence_penalty": 1, "model_extras": {"n": 2}})
    assert chat_params_to_responses({"stop": [], "model_extras": {"stream_options": {}}}) == {}


def test_none_follows_the_model_table() -> None:
    assert uses_responses_api(None, None, "codex-mini") is True
    assert uses_responses_api(None, "https://r.openai.azure.com/openai/deployments/o3-pro")
    assert uses_responses_api(None, "gpt-4o") is False
    assert uses_responses_api(False, "codex-mini") is False
