"""The official ``openai`` package against the emulator's Responses API.

The API's own reference client parses every answer and event with its own
types, so these tests prove the emulator speaks the Responses wire format:
create, stream, a function-tool round trip (stateful and stateless),
structured output and ``previous_response_id``, on ``/openai/v1`` and on
Azure OpenAI's ``/openai/responses?api-version=`` form.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from openai.types.responses import FunctionToolParam
from pydantic import BaseModel

from azure_inference_emulator import Emulator

from .conftest import KEY

WEATHER: FunctionToolParam = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(
        "gpt-4o-mini", key=KEY, requests_per_minute=None, tokens_per_minute=None
    ) as emulator:
        yield emulator


@pytest.fixture
def client(emu: Emulator) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=emu.openai_v1_endpoint, api_key=KEY, max_retries=0) as sdk:
        yield sdk


def test_create(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="gpt-4o-mini", input="How many feet are in a mile?", instructions="Be terse."
    )
    assert response.status == "completed"
    assert response.model == "gpt-4o-mini"
    assert "How many feet are in a mile?" in response.output_text
    assert 'system instruction "Be terse."' in response.output_text
    assert response.usage is not None
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    assert response.output[0].type == "message"


def test_stream_events_in_order(client: openai.OpenAI) -> None:
    with client.responses.stream(model="gpt-4o-mini", input="Tell me about Paris") as stream:
        events = list(stream)
        final = stream.get_final_response()
    kinds = [e.type for e in events]
    assert kinds[:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert kinds[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == final.output_text
    assert "Tell me about Paris" in text
    assert sum(k == "response.output_text.delta" for k in kinds) > 5  # word by word


def test_function_tool_round_trip_with_previous_response_id(client: openai.OpenAI) -> None:
    first = client.responses.create(
        model="gpt-4o-mini", input="What is the weather in Paris?", tools=[WEATHER]
    )
    calls = [item for item in first.output if item.type == "function_call"]
    assert len(calls) == 1
    assert calls[0].name == "get_weather"
    assert json.loads(calls[0].arguments) == {"city": "Paris"}
    second = client.responses.create(
        model="gpt-4o-mini",
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": calls[0].call_id, "output": "22C"}],
        tools=[WEATHER],
    )
    assert "get_weather returned 22C" in second.output_text
    assert second.previous_response_id == first.id


def test_function_tool_round_trip_stateless(client: openai.OpenAI) -> None:
    ask: list[Any] = [{"role": "user", "content": "What is the weather in Oslo?"}]
    first = client.responses.create(model="gpt-4o-mini", input=ask, tools=[WEATHER], store=False)
    call = next(item for item in first.output if item.type == "function_call")
    follow = [
        *ask,
        {"type": "function_call", "call_id": call.call_id, "name": call.name,
         "arguments": call.arguments},
        {"type": "function_call_output", "call_id": call.call_id, "output": "snow"},
    ]  # fmt: skip
    second = client.responses.create(
        model="gpt-4o-mini", input=follow, tools=[WEATHER], store=False
    )
    assert "get_weather returned snow" in second.output_text
    with pytest.raises(openai.BadRequestError, match="not found") as caught:
        client.responses.create(model="gpt-4o-mini", previous_response_id=first.id, input="and?")
    assert caught.value.code == "previous_response_not_found"


def test_streamed_function_call(client: openai.OpenAI) -> None:
    with client.responses.stream(
        model="gpt-4o-mini", input="What is the weather in Rome?", tools=[WEATHER]
    ) as stream:
        events = list(stream)
        final = stream.get_final_response()
    deltas = "".join(e.delta for e in events if e.type == "response.function_call_arguments.delta")
    call = next(item for item in final.output if item.type == "function_call")
    assert deltas == call.arguments
    assert json.loads(deltas) == {"city": "Rome"}


class City(BaseModel):
    name: str
    population: int


def test_structured_output(client: openai.OpenAI) -> None:
    parsed = client.responses.parse(
        model="gpt-4o-mini", input="Tell me about the city of Lyon", text_format=City
    )
    assert isinstance(parsed.output_parsed, City)
    assert parsed.text is not None
    assert parsed.text.format is not None
    assert parsed.text.format.type == "json_schema"
    loose = client.responses.create(
        model="gpt-4o-mini",
        input="Reply with JSON with keys 'city' and 'country' for Lyon",
        text={"format": {"type": "json_object"}},
    )
    assert set(json.loads(loose.output_text)) == {"city", "country"}


def test_previous_response_id_carries_the_conversation(client: openai.OpenAI) -> None:
    first = client.responses.create(model="gpt-4o-mini", input="My name is Ada.")
    second = client.responses.create(
        model="gpt-4o-mini", input="What did I say?", previous_response_id=first.id
    )
    assert "What did I say?" in second.output_text
    # The stored turns count as input: the second prompt is longer than its own text.
    assert second.usage is not None
    assert first.usage is not None
    assert second.usage.input_tokens > first.usage.input_tokens + first.usage.output_tokens


def test_reasoning_summary_and_encrypted_reasoning_without_storage(emu: Emulator) -> None:
    with openai.OpenAI(base_url=emu.openai_v1_endpoint, api_key=KEY, max_retries=0) as sdk:
        first = sdk.responses.create(
            model="o3-mini",
            input="Plan a trip to Kyoto",
            reasoning={"effort": "low", "summary": "auto"},
            include=["reasoning.encrypted_content"],
            store=False,
        )
        reasoning = first.output[0]
        assert reasoning.type == "reasoning"
        assert "Plan a trip to Kyoto" in reasoning.summary[0].text
        assert reasoning.encrypted_content
        assert first.usage is not None
        assert first.usage.output_tokens_details.reasoning_tokens > 0
        carried = reasoning.model_dump(exclude_none=True)
        message = first.output[1].model_dump(exclude_none=True)
        turns: list[Any] = [
            {"role": "user", "content": "Plan a trip to Kyoto"},
            carried,
            message,
            {"role": "user", "content": "And Osaka?"},
        ]
        again = sdk.responses.create(
            model="o3-mini",
            input=turns,
            store=False,
        )
        assert "And Osaka?" in again.output_text
        # By id alone, an unstored reasoning item cannot be found.
        with pytest.raises(openai.NotFoundError, match="not persisted"):
            sdk.responses.create(
                model="o3-mini",
                input=[{"type": "reasoning", "id": reasoning.id, "summary": []}],
                store=False,
            )


def test_azure_openai_form(emu: Emulator) -> None:
    with openai.AzureOpenAI(
        azure_endpoint=emu.endpoint, api_key=KEY, api_version="2025-04-01-preview", max_retries=0
    ) as azure:
        response = azure.responses.create(model="codex-mini", input="Write hello world")
        assert "Write hello world" in response.output_text
        assert emu.requests[-1].path == "/openai/responses"
        assert emu.requests[-1].query == {"api-version": "2025-04-01-preview"}
        with pytest.raises(openai.BadRequestError, match="chatCompletion operation") as caught:
            azure.chat.completions.create(
                model="codex-mini", messages=[{"role": "user", "content": "hi"}]
            )
        assert caught.value.code == "OperationNotSupported"


async def test_async_stream(emu: Emulator) -> None:
    async with openai.AsyncOpenAI(
        base_url=emu.openai_v1_endpoint, api_key=KEY, max_retries=0
    ) as sdk:
        stream = await sdk.responses.create(model="gpt-4o", input="Hello async", stream=True)
        kinds = [event.type async for event in stream]
    assert kinds[0] == "response.created"
    assert kinds[-1] == "response.completed"


def test_stored_responses_can_be_retrieved_and_deleted(client: openai.OpenAI) -> None:
    kept = client.responses.create(model="gpt-4o-mini", input="Remember this")
    again = client.responses.retrieve(kept.id)
    assert again.id == kept.id
    assert again.output_text == kept.output_text
    client.responses.delete(kept.id)
    with pytest.raises(openai.NotFoundError, match="not found"):
        client.responses.retrieve(kept.id)
    with pytest.raises(openai.BadRequestError, match="not found"):
        client.responses.create(model="gpt-4o-mini", input="and?", previous_response_id=kept.id)
    unstored = client.responses.create(model="gpt-4o-mini", input="Forget this", store=False)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(unstored.id)
