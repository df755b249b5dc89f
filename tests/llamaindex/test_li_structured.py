"""Structured prediction: the best route per model, into a nested pydantic model."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from _li_support import KEY
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.prompts import PromptTemplate
from llama_index.core.types import PydanticProgramMode
from pydantic import BaseModel

from azure_inference_emulator import Emulator
from llamaindex_azure_inference import AzureInference


class Address(BaseModel):
    """Where someone lives."""

    city: str
    country: str


class Person(BaseModel):
    """A person and their address."""

    name: str
    age: int
    address: Address
    hobbies: list[str]


PROMPT = PromptTemplate("Extract the person from this text: {text}")
TEXT = "Ada, 36, lives in London, United Kingdom, and likes chess and poetry."

Factory = Callable[..., AzureInference]


@pytest.fixture
async def make(emu: Emulator) -> AsyncIterator[Factory]:
    made: list[AzureInference] = []

    def factory(model: str, **kwargs: Any) -> AzureInference:
        llm = AzureInference(endpoint=emu.foundry_endpoint, credential=KEY, model=model, **kwargs)
        made.append(llm)
        return llm

    yield factory
    for llm in made:
        await llm.aclose()


def assert_person(value: Any) -> None:
    assert isinstance(value, Person)
    assert isinstance(value.address, Address)
    assert value.name
    assert value.address.city
    assert value.address.country
    assert isinstance(value.age, int)


# model -> the route its request must show
ROUTES = {"gpt-4o": "json_schema", "Mistral-Large": "tools"}


def assert_route(emu: Emulator, before: int, model: str) -> None:
    body = emu.requests[-1].body
    assert len(emu.requests) == before + 1  # one request, no retry or fallback
    if ROUTES[model] == "json_schema":
        fmt = body["response_format"]
        assert fmt["type"] == "json_schema"
        assert fmt["json_schema"]["name"] == "Person"
        assert "Address" in json.dumps(fmt["json_schema"]["schema"])
        assert "tools" not in body
    else:
        assert [t["function"]["name"] for t in body["tools"]] == ["Person"]
        assert "response_format" not in body


@pytest.mark.parametrize("model", list(ROUTES))
async def test_structured_predict_sync_and_async(make: Factory, emu: Emulator, model: str) -> None:
    llm = make(model)
    before = len(emu.requests)
    assert_person(llm.structured_predict(Person, PROMPT, text=TEXT))
    assert_route(emu, before, model)
    if ROUTES[model] == "tools":
        assert emu.requests[-1].body["tool_choice"] == "required"
    before = len(emu.requests)
    assert_person(await llm.astructured_predict(Person, PROMPT, text=TEXT))
    assert_route(emu, before, model)


@pytest.mark.parametrize("model", list(ROUTES))
async def test_stream_structured_predict(make: Factory, emu: Emulator, model: str) -> None:
    llm = make(model)
    before = len(emu.requests)
    partials = list(llm.stream_structured_predict(Person, PROMPT, text=TEXT))
    assert len(partials) > 1
    assert_person(partials[-1])
    assert_route(emu, before, model)
    assert emu.requests[-1].body["stream"] is True
    apartials = [p async for p in await llm.astream_structured_predict(Person, PROMPT, text=TEXT)]
    assert_person(apartials[-1])


@pytest.mark.parametrize("model", list(ROUTES))
async def test_as_structured_llm(make: Factory, model: str) -> None:
    sllm = make(model).as_structured_llm(Person)
    response = sllm.chat([ChatMessage(role="user", content=TEXT)])
    assert_person(response.raw)
    assert_person(Person.model_validate_json(response.message.content or ""))
    aresponse = await sllm.achat([ChatMessage(role="user", content=TEXT)])
    assert_person(aresponse.raw)


async def test_function_mode_is_honoured_on_a_json_schema_model(
    make: Factory, emu: Emulator
) -> None:
    llm = make("gpt-4o", pydantic_program_mode=PydanticProgramMode.FUNCTION)
    assert_person(llm.structured_predict(Person, PROMPT, text=TEXT))
    assert emu.requests[-1].body["tools"][0]["function"]["name"] == "Person"


async def test_phi3_falls_back_to_prompting_for_json(make: Factory, emu: Emulator) -> None:
    answer = {"name": "Ada", "age": 36, "address": {"city": "London", "country": "UK"},
              "hobbies": ["chess"]}  # fmt: skip
    emu.script.queue(f"Here it is:\n```json\n{json.dumps(answer)}\n```")
    llm = make("Phi-3-mini-128k-Instruct")
    person = llm.structured_predict(Person, PROMPT, text=TEXT)
    assert person == Person.model_validate(answer)
    body = emu.requests[-1].body
    assert "tools" not in body
    assert "response_format" not in body
    assert "Person" in json.dumps(body["messages"])  # the schema went into the prompt
