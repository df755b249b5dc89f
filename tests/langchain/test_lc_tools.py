"""Tools, tool_choice normalisation and structured-output formats."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.tools import tool
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from azure_inference_core import normalize_tool_choice
from langchain_azure_inference._tools import (
    convert_tools,
    json_schema_response_format,
    schema_name,
)


class GetWeather(BaseModel):
    """Get the weather for a city."""

    city: str = Field(description="City name")


class Point(TypedDict):
    """A point."""

    x: int
    y: int


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
def shout(text: str) -> str:
    """Shout the text."""
    return text.upper()


OPENAI_DICT = {
    "type": "function",
    "function": {"name": "lookup", "description": "Look up", "parameters": {"type": "object"}},
}
ANTHROPIC_DICT = {
    "name": "pick",
    "description": "Pick a colour",
    "input_schema": {"type": "object", "properties": {"c": {"type": "string"}}},
}


def test_every_tool_kind_converts_to_a_function_tool() -> None:
    tools = convert_tools([GetWeather, Point, add, shout, OPENAI_DICT, ANTHROPIC_DICT])
    assert [t["type"] for t in tools] == ["function"] * 6
    assert [t["function"]["name"] for t in tools] == [
        "GetWeather",
        "Point",
        "add",
        "shout",
        "lookup",
        "pick",
    ]
    assert tools[0]["function"]["parameters"]["properties"]["city"]["type"] == "string"
    assert tools[5]["function"]["parameters"]["properties"]["c"] == {"type": "string"}


def test_strict_sets_flag_and_closes_schema() -> None:
    [wire] = convert_tools([GetWeather], strict=True)
    assert wire["function"]["strict"] is True
    assert wire["function"]["parameters"]["additionalProperties"] is False


def test_strict_not_given_is_not_sent() -> None:
    [wire] = convert_tools([GetWeather])
    assert "strict" not in wire["function"]


def test_builtin_tool_types_rejected() -> None:
    with pytest.raises(ValueError, match="function tools"):
        convert_tools([{"type": "web_search"}])


NAMES = ["GetWeather", "add"]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (None, None),
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("any", "required"),
        (True, "required"),
        ("add", {"type": "function", "function": {"name": "add"}}),
        (
            {"type": "function", "function": {"name": "add"}},
            {"type": "function", "function": {"name": "add"}},
        ),
        ({"type": "tool", "name": "add"}, {"type": "function", "function": {"name": "add"}}),
    ],
)
def test_tool_choice_normalised(choice: Any, expected: Any) -> None:
    assert normalize_tool_choice(choice, NAMES) == expected


@pytest.mark.parametrize(
    ("choice", "match"),
    [
        ("missing_tool", "not one of the tools given"),
        ({"type": "function", "function": {"name": "zzz"}}, "not one of the tools given"),
        (False, "ambiguous"),
        (3, "Unsupported tool_choice"),
    ],
)
def test_bad_tool_choice_raises_with_the_bound_names(choice: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        normalize_tool_choice(choice, NAMES)


def test_forcing_without_tools_raises() -> None:
    with pytest.raises(ValueError, match="no tools were given"):
        normalize_tool_choice("any", [])


def test_json_schema_response_format_from_pydantic() -> None:
    rf = json_schema_response_format(GetWeather, strict=True)
    assert rf["type"] == "json_schema"
    assert rf["json_schema"]["name"] == "GetWeather"
    assert rf["json_schema"]["strict"] is True
    assert rf["json_schema"]["description"] == "Get the weather for a city."
    assert rf["json_schema"]["schema"]["required"] == ["city"]


def test_json_schema_response_format_from_typeddict_and_dict() -> None:
    assert json_schema_response_format(Point)["json_schema"]["name"] == "Point"
    bare = {"type": "object", "properties": {"a": {"type": "integer"}}}
    rf = json_schema_response_format(bare)
    assert rf["json_schema"]["name"] == "output"
    assert rf["json_schema"]["schema"]["properties"] == {"a": {"type": "integer"}}
    assert "strict" not in rf["json_schema"]


def test_schema_name_made_valid() -> None:
    assert schema_name("My Joke!") == "My_Joke_"
    assert len(schema_name("x" * 100)) == 64
