"""AzureInference on the Responses API (issue 16, requirement 2), against the emulator."""

from __future__ import annotations

from typing import Any

import pytest
from _li_support import KEY, png_bytes
from llama_index.core.agent.workflow import AgentStream, FunctionAgent, ToolCall
from llama_index.core.base.llms.types import (
    ChatMessage,
    ImageBlock,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from azure_inference_core import UnsupportedFeatureError
from azure_inference_emulator import Emulator
from llamaindex_azure_inference import AzureInference


class City(BaseModel):
    city: str


def get_weather(city: str) -> str:
    """Get the weather in a city."""
    return f"22 C, sunny in {city}"


def llm(emu: Emulator, model: str = "codex-mini", **kwargs: Any) -> AzureInference:
    return AzureInference(endpoint=emu.foundry_endpoint, credential=KEY, model=model, **kwargs)


def bodies(emu: Emulator) -> list[dict[str, Any]]:
    return [r.body for r in emu.requests if r.path.endswith("/responses")]


def user(text: str) -> ChatMessage:
    return ChatMessage(role="user", content=text)


@pytest.fixture
def fresh(emu: Emulator) -> Emulator:
    emu.clear_requests()
    emu.clear_faults()
    return emu


@pytest.mark.parametrize(
    ("model", "choice", "responses"),
    [("codex-mini", None, True), ("gpt-4o-mini", None, False), ("gpt-4o-mini", True, True)],
)
def test_the_model_table_decides_when_not_told(
    fresh: Emulator, model: str, choice: bool | None, responses: bool
) -> None:
    assert llm(fresh, model, use_responses_api=choice).chat([user("hi")]).message.content
    assert fresh.requests[-1].path.endswith("/responses") is responses


def test_chat_gives_thinking_blocks_text_and_reasoning_tokens(fresh: Emulator) -> None:
    answer = llm(fresh, reasoning_summary="auto").chat([user("hello")])
    thinking, text = answer.message.blocks
    assert isinstance(thinking, ThinkingBlock)
    assert "hello" in (thinking.content or "")
    assert thinking.additional_information["encrypted_content"]
    assert isinstance(text, TextBlock)
    assert "hello" in text.text
    assert answer.additional_kwargs["reasoning_tokens"] > 0
    assert answer.additional_kwargs["finish_reason"] == "stop"
    assert bodies(fresh)[-1]["reasoning"] == {"summary": "auto"}


def test_the_last_streamed_response_equals_chat_and_thinking_streams(fresh: Emulator) -> None:
    model = llm(fresh, reasoning_summary="auto")
    responses = list(model.stream_chat([user("hello")]))
    last = responses[-1]
    deltas = "".join(r.delta or "" for r in responses)
    thinking = "".join(r.additional_kwargs.get("thinking_delta", "") for r in responses)
    assert deltas == last.message.content
    assert "hello" in deltas
    assert thinking == last.message.blocks[0].content
    assert last.additional_kwargs["total_tokens"] > 0
    assert bodies(fresh)[-1]["stream"] is True


async def test_async_chat_and_stream(fresh: Emulator) -> None:
    model = llm(fresh)
    answer = await model.achat([user("hello")])
    stream = await model.astream_chat([user("hello")])
    responses = [r async for r in stream]
    assert "hello" in (answer.message.content or "")
    assert "".join(r.delta or "" for r in responses) == responses[-1].message.content
    await model.aclose()


def test_stateless_turns_send_the_encrypted_reasoning_back(fresh: Emulator) -> None:
    model = llm(fresh)
    first = model.chat([user("hello")])
    model.chat([user("hello"), first.message, user("again")])
    body = bodies(fresh)[-1]
    assert body["store"] is False
    assert body["include"] == ["reasoning.encrypted_content"]
    reasoning = next(i for i in body["input"] if i["type"] == "reasoning")
    block = first.message.blocks[0]
    assert isinstance(block, ThinkingBlock)
    assert reasoning["encrypted_content"] == block.additional_information["encrypted_content"]


def test_previous_response_id_sends_only_the_new_messages(fresh: Emulator) -> None:
    model = llm(fresh, use_previous_response_id=True)
    first = model.chat([user("hello")])
    model.chat([user("hello"), first.message, user("again")])
    body = bodies(fresh)[-1]
    assert body["previous_response_id"] == first.additional_kwargs["id"]
    assert body["input"] == [{"type": "message", "role": "user", "content": "again"}]


def test_tool_calls_and_results_round_trip(fresh: Emulator) -> None:
    model = llm(fresh)
    tool = FunctionTool.from_defaults(get_weather)
    answer = model.chat_with_tools([tool], user_msg="weather in Paris?")
    [call] = model.get_tool_calls_from_response(answer)
    assert (call.tool_name, call.tool_kwargs) == ("get_weather", {"city": "Paris"})
    assert any(isinstance(b, ToolCallBlock) for b in answer.message.blocks)
    assert bodies(fresh)[-1]["tools"][0]["name"] == "get_weather"
    result = ChatMessage(
        role="tool", content="22 C", additional_kwargs={"tool_call_id": call.tool_id}
    )
    final = model.chat([user("weather in Paris?"), answer.message, result])
    assert "22 C" in (final.message.content or "")
    kinds = [i["type"] for i in bodies(fresh)[-1]["input"]]
    assert kinds[-2:] == ["function_call", "function_call_output"]


async def test_a_function_agent_streams_tool_calls_through_it(fresh: Emulator) -> None:
    agent = FunctionAgent(tools=[FunctionTool.from_defaults(get_weather)], llm=llm(fresh))
    handler = agent.run("weather in Paris?")
    calls, deltas = [], []
    async for event in handler.stream_events():
        if isinstance(event, ToolCall):
            calls.append((event.tool_name, event.tool_kwargs))
        elif isinstance(event, AgentStream):
            deltas.append(event.delta)
    result = await handler
    assert calls == [("get_weather", {"city": "Paris"})]
    assert "22 C, sunny in Paris" in str(result)
    assert "".join(deltas)
    assert all(r.path.endswith("/responses") for r in fresh.requests)


def test_structured_predict_goes_through_text_format(fresh: Emulator) -> None:
    result = llm(fresh).structured_predict(City, PromptTemplate("The city is {c}."), c="Paris")
    assert result == City(city="Paris")
    sent = bodies(fresh)[-1]
    assert sent["text"]["format"]["type"] == "json_schema"
    assert sent["text"]["format"]["schema"]["required"] == ["city"]


def test_images_go_as_input_image(fresh: Emulator) -> None:
    message = ChatMessage(
        role="user",
        blocks=[
            TextBlock(text="What is this?"),
            ImageBlock(image=png_bytes(), image_mimetype="image/png"),
        ],
    )
    assert llm(fresh, "o3-pro").chat([message]).message.content
    parts = bodies(fresh)[-1]["input"][0]["content"]
    assert parts[0] == {"type": "input_text", "text": "What is this?"}
    assert parts[1]["type"] == "input_image"
    assert parts[1]["image_url"].startswith("data:image/png;base64,")


def test_a_parameter_without_a_responses_field_raises_before_sending(fresh: Emulator) -> None:
    with pytest.raises(ValueError, match=r"Responses API has no stop.*use_responses_api=False"):
        llm(fresh, stop=["x"]).chat([user("hi")])
    assert fresh.requests == []


async def test_chat_completions_on_a_responses_only_model_are_refused_before_sending(
    fresh: Emulator,
) -> None:
    model = llm(fresh, use_responses_api=False)
    with pytest.raises(UnsupportedFeatureError, match="use_responses_api=True or leave it None"):
        model.chat([user("hi")])
    with pytest.raises(UnsupportedFeatureError, match="served only by the Responses API"):
        await model.achat([user("hi")])
    assert fresh.requests == []


async def test_streamed_and_async_structured_predict(fresh: Emulator) -> None:
    model = llm(fresh)
    prompt = PromptTemplate("The city is {c}.")
    *_, last = model.stream_structured_predict(City, prompt, c="Paris")
    assert last == City(city="Paris")
    assert await model.astructured_predict(City, prompt, c="Paris") == City(city="Paris")
    assert [bool(r.body.get("stream")) for r in fresh.requests] == [True, False]
    assert all(r.path.endswith("/responses") for r in fresh.requests)
    await model.aclose()
