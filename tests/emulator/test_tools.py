"""Tool calls come from the prompt, with arguments valid for the tool's schema."""

from __future__ import annotations

import json
import re
from enum import Enum
from typing import Any, Literal

import httpx
import jsonschema
import pydantic
import pytest

from azure_inference_emulator import Emulator
from azure_inference_emulator._schema import PromptFacts, instance_for
from azure_inference_emulator._tools import plan_tool_calls

from .conftest import KEY, chat, client_for

FLIGHT = {
    "name": "get_flight_info",
    "description": "Returns information about the next flight between two cities.",
    "parameters": {
        "type": "object",
        "properties": {
            "origin_city": {"type": "string", "description": "Where the flight starts"},
            "destination_city": {"type": "string", "description": "The flight destination"},
        },
        "required": ["origin_city", "destination_city"],
    },
}
WEATHER = {
    "name": "get_weather",
    "description": "Get the current weather for a location",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1, "maximum": 7},
        },
        "required": ["location", "unit", "days"],
    },
}


def tools(*functions: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": "function", "function": f} for f in functions]


def calls(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    choice = response.json()["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    return choice["message"]["tool_calls"]


def test_seed_document_flight_example(mc: httpx.Client) -> None:
    result = calls(
        chat(
            mc,
            "When is the next flight from Miami to Seattle?",
            tools=tools(FLIGHT),
            tool_choice="auto",
        )
    )
    assert len(result) == 1
    assert result[0]["type"] == "function"
    assert result[0]["function"]["name"] == "get_flight_info"
    args = json.loads(result[0]["function"]["arguments"])
    assert args == {"origin_city": "Miami", "destination_city": "Seattle"}


def test_arguments_come_from_the_prompt_and_fit_the_schema(mc: httpx.Client) -> None:
    prompt = "What's the weather in São Paulo for 3 days in fahrenheit?"
    result = calls(chat(mc, prompt, tools=tools(FLIGHT, WEATHER)))
    assert result[0]["function"]["name"] == "get_weather"
    args = json.loads(result[0]["function"]["arguments"])
    jsonschema.validate(args, WEATHER["parameters"])
    assert args == {"location": "São Paulo", "unit": "fahrenheit", "days": 3}


def test_name_with_arguments_pattern_is_called_once_per_occurrence(mc: httpx.Client) -> None:
    result = calls(
        chat(
            mc,
            'Run get_weather(location="Oslo", unit="celsius", days=2) and get_weather(Bergen)',
            tools=tools(WEATHER),
        )
    )
    args = [json.loads(c["function"]["arguments"]) for c in result]
    assert args[0] == {"location": "Oslo", "unit": "celsius", "days": 2}
    assert args[1]["location"] == "Bergen"
    assert len({c["id"] for c in result}) == 2


def test_no_decent_match_answers_in_text(mc: httpx.Client) -> None:
    response = chat(mc, "Tell me a joke about cats", tools=tools(FLIGHT, WEATHER))
    choice = response.json()["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert choice["message"]["tool_calls"] is None
    assert "joke about cats" in choice["message"]["content"]


def test_tool_choice_required_named_and_none(mc: httpx.Client) -> None:
    required = calls(
        chat(mc, "Tell me a joke", tools=tools(FLIGHT, WEATHER), tool_choice="required")
    )
    assert len(required) == 1
    named = calls(
        chat(
            mc,
            "Tell me a joke about Rome",
            tools=tools(FLIGHT, WEATHER),
            tool_choice={"type": "function", "function": {"name": "get_weather"}},
        )
    )
    assert named[0]["function"]["name"] == "get_weather"
    assert json.loads(named[0]["function"]["arguments"])["location"] == "Rome"
    none = chat(mc, "get_weather for Rome", tools=tools(WEATHER), tool_choice="none").json()
    assert none["choices"][0]["message"]["tool_calls"] is None
    unknown = chat(
        mc,
        "x",
        tools=tools(WEATHER),
        tool_choice={"type": "function", "function": {"name": "nope"}},
    )
    assert unknown.status_code == 400
    assert "nope" in unknown.json()["error"]["message"]


def test_parallel_tool_calls_false_gives_one_call(mc: httpx.Client) -> None:
    both = calls(
        chat(mc, "get_weather and get_flight_info for Paris", tools=tools(FLIGHT, WEATHER))
    )
    assert len(both) == 2
    one = calls(
        chat(
            mc,
            "get_weather and get_flight_info for Paris",
            tools=tools(FLIGHT, WEATHER),
            parallel_tool_calls=False,
            headers={"extra-parameters": "pass-through"},
        )
    )
    assert len(one) == 1


def test_full_round_trip_quotes_the_tool_result(mc: httpx.Client) -> None:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "When is the next flight from Miami to Seattle?"}
    ]
    first = mc.post("/chat/completions", json={"messages": messages, "tools": tools(FLIGHT)})
    message = first.json()["choices"][0]["message"]
    messages.append(message)
    for call in message["tool_calls"]:
        result = {"info": "There are no flights available from Miami to Seattle."}
        messages.append({"role": "tool", "tool_call_id": call["id"], "content": json.dumps(result)})
    final = mc.post("/chat/completions", json={"messages": messages, "tools": tools(FLIGHT)}).json()
    choice = final["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert "get_flight_info returned" in choice["message"]["content"]
    assert "There are no flights available from Miami to Seattle." in choice["message"]["content"]


def test_cohere_requires_json_tool_results() -> None:
    with Emulator("Cohere-command-r-plus", key=KEY) as emu, client_for(emu) as client:
        base = [
            {"role": "user", "content": "weather in Paris"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": "{}"},
                    }
                ],
            },
        ]
        bad = client.post(
            "/chat/completions",
            json={"messages": [*base, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}]},
        )
        assert bad.status_code == 400
        assert "valid JSON" in bad.json()["error"]["message"]
        good = client.post(
            "/chat/completions",
            json={
                "messages": [*base, {"role": "tool", "tool_call_id": "c1", "content": '"sunny"'}]
            },
        )
        assert good.status_code == 200


class Colour(str, Enum):
    RED = "red"
    BLUE = "blue"


class Address(pydantic.BaseModel):
    street: str
    city: str
    zip_code: str | None = None


class Person(pydantic.BaseModel):
    name: str
    age: int = pydantic.Field(ge=0, le=150)
    score: float
    colour: Colour
    kind: Literal["staff", "guest"] = "guest"
    tags: list[str]
    home: Address
    previous: list[Address] = []
    nickname: str | None = None
    active: bool


def structured(
    client: httpx.Client, prompt: str, model: type[pydantic.BaseModel], strict: bool = False
) -> str:
    """The content of a `json_schema` answer for `model`'s schema."""
    schema = model.model_json_schema()
    if strict:
        schema["required"] = list(schema["properties"])
    fmt = {"name": model.__name__, "schema": schema, "strict": strict}
    response = chat(client, prompt, response_format={"type": "json_schema", "json_schema": fmt})
    content = response.json()["choices"][0]["message"]["content"]
    jsonschema.validate(json.loads(content), schema)
    return str(content)


@pytest.mark.parametrize("strict", [False, True])
def test_json_schema_answers_are_valid_instances(gc: httpx.Client, strict: bool) -> None:
    prompt = 'Alice is 42, colour blue, a "vip" guest living in Lisbon'
    person = Person.model_validate_json(structured(gc, prompt, Person, strict=strict))
    assert person.name == "Alice"
    assert person.age == 42
    assert person.colour is Colour.BLUE


class Parcel(pydantic.BaseModel):
    """Constraints pydantic writes as `pattern`, `multipleOf` and `uniqueItems`."""

    postcode: str = pydantic.Field(pattern=r"^\d{4}-\d{3}$")
    reference: str = pydantic.Field(pattern=r"^[A-Z]{2}\d{6}$", max_length=8)
    weight_grams: int = pydantic.Field(multiple_of=50, ge=100)
    price: float = pydantic.Field(multiple_of=0.25)
    labels: set[str] = pydantic.Field(min_length=3)
    boxes: set[int] = pydantic.Field(min_length=2)


def test_json_schema_answers_meet_pattern_multiple_of_and_unique_items(gc: httpx.Client) -> None:
    prompt = 'Send a 130 gram parcel, reference "lisbon", to 1100-148 Lisbon'
    content = structured(gc, prompt, Parcel)  # valid for the schema (checked inside)
    parcel = Parcel.model_validate_json(content)
    assert parcel.postcode == "1100-148"  # the prompt's value, as it fits the pattern
    assert re.fullmatch(r"[A-Z]{2}\d{6}", parcel.reference)  # generated from the pattern
    assert parcel.weight_grams % 50 == 0
    assert len(parcel.labels) == 3
    assert len(json.loads(content)["boxes"]) == 2
    assert structured(gc, prompt, Parcel) == content  # the same request, the same answer


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"(?<=a)b", "ab"),  # lookbehind: rstr writes what it looks behind at
        (r"(x)\1", "xx"),  # backreference
        (r"^(?!foo)[a-z]{3}$", "hel"),  # lookahead: a piece of the prompt that fits
        (r"[", "hello world"),  # not a Python regex: the prompt text, unchecked
    ],
)
def test_unusual_patterns_never_break_the_answer(pattern: str, expected: str) -> None:
    schema = {"type": "string", "pattern": pattern}
    assert instance_for(schema, PromptFacts.from_text("hello world")) == expected


def test_tool_argument_schemas_with_nesting_are_valid() -> None:
    schema = {
        "type": "object",
        "$defs": {
            "Item": {
                "type": "object",
                "properties": {"sku": {"type": "string"}, "qty": {"type": "integer", "minimum": 1}},
                "required": ["sku", "qty"],
            }
        },
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}, "minItems": 2},
            "note": {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}]},
            "priority": {"type": "string", "enum": ["low", "high"]},
            "when": {"type": "string", "format": "date"},
            "mode": {"const": "fast"},
            "flags": {
                "allOf": [
                    {"type": "object", "properties": {"x": {"type": "boolean"}}, "required": ["x"]}
                ]
            },
        },
        "required": ["items", "note", "priority", "when", "mode", "flags"],
        "additionalProperties": False,
    }
    value = instance_for(schema, PromptFacts.from_text("Order 5 widgets with high priority"))
    jsonschema.validate(value, schema)
    assert value["priority"] == "high"
    assert value["items"][0]["qty"] == 5


def test_planner_keyword_match_and_threshold() -> None:
    functions = [FLIGHT, WEATHER]
    picked = plan_tool_calls(
        functions, None, "Is it going to rain? weather in Oslo", parallel=True, id_seed="t"
    )
    assert [p.name for p in picked] == ["get_weather"]
    assert plan_tool_calls(functions, None, "hello", parallel=True, id_seed="t") == []
    assert plan_tool_calls(functions, "none", "get_weather", parallel=True, id_seed="t") == []


def test_quoted_value_goes_to_the_field_it_introduces() -> None:
    schema = {
        "type": "object",
        "properties": {"customer_name": {"type": "string"}},
        "required": ["customer_name"],
    }
    facts = PromptFacts.from_text("Create a customer named '你好啊集团' (Hello Group)")
    assert instance_for(schema, facts) == {"customer_name": "你好啊集团"}


def test_integer_from_a_call_pattern_and_tools_without_parameters(mc: httpx.Client) -> None:
    magic = {
        "name": "magic_function",
        "description": "Applies a magic function to an input.",
        "parameters": {
            "type": "object",
            "properties": {"input": {"type": "integer"}},
            "required": ["input"],
        },
    }
    result = calls(
        chat(mc, "What is the value of magic_function(3)? Use the tool.", tools=tools(magic))
    )
    assert json.loads(result[0]["function"]["arguments"]) == {"input": 3}
    bare = {
        "name": "magic_function_no_args",
        "description": "Calculates a magic function.",
        "parameters": {"type": "object", "properties": {}},
    }
    result = calls(
        chat(mc, "What is the value of magic_function_no_args()? Use the tool.", tools=tools(bare))
    )
    assert result[0]["function"]["arguments"] == "{}"


def test_single_tool_agent_question_gives_one_call(mc: httpx.Client) -> None:
    weather = {
        "name": "get_weather",
        "description": "Get the weather at a location.",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}},
            "required": ["location"],
        },
    }
    result = calls(chat(mc, "What is the weather in San Francisco, CA?", tools=tools(weather)))
    assert len(result) == 1
    assert json.loads(result[0]["function"]["arguments"]) == {"location": "San Francisco"}


@pytest.mark.parametrize("profile", ["Mistral-Large", "Cohere-command-r-plus"])
def test_json_mode_only_models_refuse_json_schema(profile: str) -> None:
    """Mistral and Cohere command models on Azure take `json_object`, not `json_schema`."""
    fmt = {"name": "Person", "schema": Person.model_json_schema()}
    with Emulator(profile, key=KEY) as emu, client_for(emu) as client:
        refused = chat(client, "Alice", response_format={"type": "json_schema", "json_schema": fmt})
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["loc"] == ["body", "response_format"]
        assert chat(client, "Alice", response_format={"type": "json_object"}).status_code == 200
