"""ChatAzureInference on the Responses API (issue 16, requirement 2), against the emulator."""

from __future__ import annotations

import base64
import zlib
from typing import Any

import pytest
from _lc_mock import EMULATOR_KEY
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from pydantic import BaseModel

from azure_inference_core import Response, TruncatedAnswerError
from azure_inference_core._responses_map import (
    chat_params_to_responses,
    chat_tool_choice_to_responses,
    chat_tools_to_responses,
    response_format_to_text_format,
)
from azure_inference_emulator import Emulator
from langchain_azure_inference import BadRequestError, ChatAzureInference, UnsupportedFeatureError
from langchain_azure_inference._responses_api import _last_chunk, response_to_message


class GetWeather(BaseModel):
    """Get the weather in a city."""

    city: str


def _png() -> str:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
    return base64.b64encode(png + chunk(b"IEND", b"")).decode()


def llm(emulator: Emulator, model: str = "codex-mini", **kwargs: Any) -> ChatAzureInference:
    return ChatAzureInference(
        endpoint=emulator.foundry_endpoint, credential=EMULATOR_KEY, model=model, **kwargs
    )


def bodies(emulator: Emulator) -> list[dict[str, Any]]:
    return [r.body for r in emulator.requests if r.path.endswith("/responses")]


def merged(chunks: list[Any]) -> AIMessageChunk:
    out: AIMessageChunk = chunks[0]
    for chunk in chunks[1:]:
        out = out + chunk
    return out


# -- which API --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "choice", "responses"),
    [
        ("codex-mini", None, True),
        ("o3-pro", None, True),
        ("gpt-4o-mini", None, False),
        ("gpt-4o-mini", True, True),
    ],
)
def test_the_model_table_decides_when_not_told(
    fresh_emulator: Emulator, model: str, choice: bool | None, responses: bool
) -> None:
    answer = llm(fresh_emulator, model, use_responses_api=choice).invoke("hi")
    assert answer.content
    path = fresh_emulator.requests[-1].path
    assert path.endswith("/responses") is responses
    assert path.endswith("/chat/completions") is not responses


@pytest.mark.parametrize("streamed", [False, True])
def test_forcing_chat_on_a_responses_only_model_is_refused_before_sending(
    fresh_emulator: Emulator, streamed: bool
) -> None:
    model = llm(fresh_emulator, use_responses_api=False)
    with pytest.raises(UnsupportedFeatureError, match="use_responses_api=True or leave it None"):
        model.invoke("hi") if not streamed else list(model.stream("hi"))
    assert fresh_emulator.requests == []


# -- text, reasoning, usage ---------------------------------------------------------------


def test_invoke_gives_text_reasoning_and_reasoning_tokens(fresh_emulator: Emulator) -> None:
    answer = llm(fresh_emulator, reasoning_summary="auto", reasoning_effort="low").invoke("hi")
    assert isinstance(answer, AIMessage)
    assert "hi" in answer.text
    item = answer.additional_kwargs["reasoning"]
    assert item["type"] == "reasoning"
    assert item["encrypted_content"]
    assert answer.additional_kwargs["reasoning_content"]
    assert [b["type"] for b in answer.content_blocks] == ["reasoning", "text"]
    assert answer.usage_metadata is not None
    assert answer.usage_metadata["output_token_details"]["reasoning"] > 0
    assert answer.response_metadata["id"].startswith("resp")
    body = bodies(fresh_emulator)[-1]
    assert body["reasoning"] == {"effort": "low", "summary": "auto"}
    assert body["store"] is False
    assert body["include"] == ["reasoning.encrypted_content"]


def test_a_merged_stream_carries_what_invoke_does(fresh_emulator: Emulator) -> None:
    model = llm(fresh_emulator, reasoning_summary="auto")
    chunks = list(model.stream("hi"))
    full = merged(chunks)
    assert len(chunks) > 2
    assert chunks[-1].chunk_position == "last"
    assert "hi" in full.text
    assert full.additional_kwargs["reasoning"]["encrypted_content"]
    assert full.additional_kwargs["reasoning_content"] == "\n\n".join(
        p["text"] for p in full.additional_kwargs["reasoning"]["summary"]
    )
    assert full.usage_metadata is not None
    assert full.usage_metadata["total_tokens"] > 0
    assert full.response_metadata["finish_reason"] == "stop"
    assert bodies(fresh_emulator)[-1]["stream"] is True


def test_streamed_tokens_reach_callbacks(fresh_emulator: Emulator) -> None:
    class Tokens(BaseCallbackHandler):
        def __init__(self) -> None:
            self.tokens: list[str] = []

        def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
            self.tokens.append(str(token))

    handler = Tokens()
    answer = llm(fresh_emulator, streaming=True).invoke("hi", config={"callbacks": [handler]})
    assert len(handler.tokens) > 2
    assert "".join(handler.tokens) == answer.text


async def test_async_invoke_and_stream(fresh_emulator: Emulator) -> None:
    async with llm(fresh_emulator) as model:
        answer = await model.ainvoke("hello")
        chunks = [c async for c in model.astream("hello")]
    assert "hello" in answer.text
    full = merged(chunks)
    assert "hello" in full.text
    assert full.usage_metadata is not None
    assert len(bodies(fresh_emulator)) == 2


# -- tools ---------------------------------------------------------------------------------


def test_tool_call_and_result_round_trip(fresh_emulator: Emulator) -> None:
    model = llm(fresh_emulator)
    with_tools = model.bind_tools([GetWeather], tool_choice="GetWeather")
    question = HumanMessage("weather in Paris?")
    call = with_tools.invoke([question])
    assert call.tool_calls[0]["name"] == "GetWeather"
    assert call.tool_calls[0]["args"] == {"city": "Paris"}
    sent = bodies(fresh_emulator)[-1]
    assert sent["tools"][0]["name"] == "GetWeather"
    assert sent["tool_choice"] == {"type": "function", "name": "GetWeather"}

    streamed = merged(list(with_tools.stream([question])))
    assert [(c["name"], c["args"]) for c in streamed.tool_calls] == [
        ("GetWeather", {"city": "Paris"})
    ]

    result = ToolMessage("22 C, sunny", tool_call_id=call.tool_calls[0]["id"])
    final = model.invoke([question, call, result])
    assert "22 C, sunny" in final.text
    items = bodies(fresh_emulator)[-1]["input"]
    kinds = [i["type"] for i in items]
    assert kinds == ["message", "reasoning", "function_call", "function_call_output"]
    assert items[2]["call_id"] == items[3]["call_id"] == call.tool_calls[0]["id"]


# -- multi-turn -------------------------------------------------------------------------------


def test_stateless_turns_send_the_encrypted_reasoning_back(fresh_emulator: Emulator) -> None:
    model = llm(fresh_emulator)
    first = model.invoke("Plan a day in Kyoto")
    model.invoke([HumanMessage("Plan a day in Kyoto"), first, HumanMessage("And the next?")])
    body = bodies(fresh_emulator)[-1]
    assert "previous_response_id" not in body
    assert body["store"] is False
    reasoning = [i for i in body["input"] if i["type"] == "reasoning"]
    assert (
        reasoning[0]["encrypted_content"]
        == first.additional_kwargs["reasoning"]["encrypted_content"]
    )
    assert body["input"][-2]["content"] == [{"type": "output_text", "text": first.text}]


def test_reasoning_blocks_with_ids_are_sent_back_too(fresh_emulator: Emulator) -> None:
    item = {"id": "rs_1", "summary": [], "encrypted_content": "opaque"}
    past = AIMessage(
        content=[
            {"type": "reasoning", "id": "rs_1", "extras": {"encrypted_content": "opaque"}},
            {"type": "text", "text": "Earlier."},
        ],
    )
    with pytest.raises(BadRequestError, match="rs_1 could not be verified"):
        llm(fresh_emulator).invoke([HumanMessage("a"), past, HumanMessage("b")])
    sent = bodies(fresh_emulator)[-1]["input"]
    assert {**sent[1], "summary": []} == {"type": "reasoning", **item}


def test_previous_response_id_sends_only_the_new_messages(fresh_emulator: Emulator) -> None:
    model = llm(fresh_emulator, use_previous_response_id=True)
    first = model.invoke("Plan a day in Kyoto")
    second = model.invoke([HumanMessage("Plan a day in Kyoto"), first, HumanMessage("More?")])
    assert "More?" in second.text
    body = bodies(fresh_emulator)[-1]
    assert body["previous_response_id"] == first.response_metadata["id"]
    assert body["input"] == [{"type": "message", "role": "user", "content": "More?"}]
    assert "store" not in body


# -- structured output, images, refusals ----------------------------------------------------------


def test_with_structured_output_goes_through_text_format(fresh_emulator: Emulator) -> None:
    result = llm(fresh_emulator).with_structured_output(GetWeather).invoke("Paris")
    assert result == GetWeather(city="Paris")
    text_format = bodies(fresh_emulator)[-1]["text"]["format"]
    assert text_format["type"] == "json_schema"
    assert text_format["name"] == "GetWeather"
    assert text_format["schema"]["required"] == ["city"]


def test_images_go_as_input_image(fresh_emulator: Emulator) -> None:
    url = f"data:image/png;base64,{_png()}"
    message = HumanMessage(
        content=[
            {"type": "text", "text": "What is this?"},
            {"type": "image", "base64": _png(), "mime_type": "image/png"},
        ]
    )
    assert llm(fresh_emulator, "o3-pro").invoke([message]).text
    parts = bodies(fresh_emulator)[-1]["input"][0]["content"]
    assert parts == [
        {"type": "input_text", "text": "What is this?"},
        {"type": "input_image", "image_url": url, "detail": "auto"},
    ]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"stop": ["x"]}, "stop"), ({"seed": 1}, "seed"), ({"logprobs": True}, "logprobs")],
)
def test_parameters_without_a_responses_field_raise_before_sending(
    fresh_emulator: Emulator, kwargs: dict[str, Any], name: str
) -> None:
    with pytest.raises(ValueError, match=f"Responses API has no {name}.*use_responses_api=False"):
        llm(fresh_emulator).invoke("hi", **kwargs)
    assert fresh_emulator.requests == []


def test_budget_and_effort_map_onto_responses_fields() -> None:
    out = chat_params_to_responses(
        {"model": "m", "max_tokens": 50, "reasoning_effort": "high", "temperature": 0}
    )
    assert out == {
        "model": "m",
        "temperature": 0,
        "max_output_tokens": 50,
        "reasoning": {"effort": "high"},
    }
    tools = [{"type": "function", "function": {"name": "f", "description": "d", "strict": True}}]
    assert chat_tools_to_responses(tools) == [
        {
            "type": "function",
            "name": "f",
            "description": "d",
            "strict": True,
            "parameters": {"type": "object", "properties": {}},
        }
    ]
    assert chat_tool_choice_to_responses("required") == "required"
    assert response_format_to_text_format({"type": "text"}) is None
    with pytest.raises(ValueError, match="no Responses API equivalent"):
        response_format_to_text_format({"type": "grammar"})


def test_a_call_cut_by_max_output_tokens_is_invalid() -> None:
    response = Response.model_validate(
        {
            "id": "resp_1",
            "status": "incomplete",
            "incomplete_details": {"reason": "max_output_tokens"},
            "output": [
                {"type": "function_call", "call_id": "c1", "name": "f", "arguments": '{"a": 1}'}
            ],
        }
    )
    message = response_to_message(response)
    assert message.tool_calls == []
    assert message.invalid_tool_calls[0]["id"] == "c1"
    assert "max_output_tokens" in str(message.invalid_tool_calls[0]["error"])
    assert message.response_metadata["finish_reason"] == "length"


def test_a_stream_whose_call_was_cut_raises_at_its_end() -> None:
    response = Response.model_validate(
        {
            "id": "resp_1",
            "status": "incomplete",
            "incomplete_details": {"reason": "max_output_tokens"},
            "output": [{"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{"}],
        }
    )
    with pytest.raises(TruncatedAnswerError, match="max_output_tokens"):
        _last_chunk(response)


async def test_astream_events_carry_the_streamed_chunks(fresh_emulator: Emulator) -> None:
    async with llm(fresh_emulator) as model:
        events = [e async for e in model.astream_events("hi", version="v2")]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "on_chat_model_start"
    assert kinds[-1] == "on_chat_model_end"
    streamed = "".join(
        e["data"]["chunk"].text for e in events if e["event"] == "on_chat_model_stream"
    )
    assert streamed == events[-1]["data"]["output"].text
    assert "hi" in streamed
    assert all(r.path.endswith("/responses") for r in fresh_emulator.requests)


def test_a_budget_reaches_a_reasoning_model_as_max_output_tokens(fresh_emulator: Emulator) -> None:
    answer = llm(fresh_emulator, max_tokens=500).invoke("hi")
    assert bodies(fresh_emulator)[-1]["max_output_tokens"] == 500
    assert answer.text
