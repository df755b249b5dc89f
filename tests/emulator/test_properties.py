"""Properties over many inputs: schema instances are valid, streams join to the answer."""

from __future__ import annotations

import json
import random
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from azure_inference_emulator import get_profile
from azure_inference_emulator._chat import completion_body, compose
from azure_inference_emulator._schema import PromptFacts, instance_for
from azure_inference_emulator._stream import stream_chunks
from azure_inference_emulator._validate import validate_chat

_NAMES = st.sampled_from(["city", "name", "query", "count", "when", "origin_city", "tags", "x"])

_LEAVES = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("string")},
        optional={"maxLength": st.integers(3, 20), "minLength": st.integers(0, 3)},
    ),
    st.builds(
        lambda f: {"type": "string", "format": f}, st.sampled_from(["date", "email", "uuid"])
    ),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["integer", "number"])},
        optional={"minimum": st.integers(-5, 5), "maximum": st.integers(6, 50)},
    ),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    st.builds(
        lambda v: {"enum": v},
        st.lists(st.sampled_from(["red", "blue", "Paris", 1]), min_size=1, max_size=3, unique=True),
    ),
    st.builds(lambda v: {"const": v}, st.sampled_from(["fixed", 3])),
    st.builds(
        lambda p: {"type": "string", "pattern": p},
        st.sampled_from([r"^\d{5}$", r"^[A-Z]{3}-\d{2}$", r"^(red|blue)$", r"[a-z]+@[a-z]+\.com"]),
    ),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["integer", "number"]), "multipleOf": st.sampled_from([2, 3, 5])},
        optional={"minimum": st.integers(-5, 5), "maximum": st.integers(6, 50)},
    ),
    st.fixed_dictionaries(
        {"type": st.just("number"), "multipleOf": st.sampled_from([0.5, 0.25])},
        optional={"minimum": st.integers(-5, 5), "maximum": st.integers(6, 50)},
    ),
)

# Items that can always be made distinct, for `uniqueItems` arrays.
_DISTINCTABLE = st.one_of(
    st.fixed_dictionaries({"type": st.just("string")}, optional={"maxLength": st.integers(3, 20)}),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["integer", "number"])},
        optional={"minimum": st.integers(-5, 5), "multipleOf": st.sampled_from([2, 0.5])},
    ),
    st.just({"enum": ["red", "blue", "green"]}),
)
_UNIQUE_ARRAYS = st.builds(
    lambda items, low: {"type": "array", "items": items, "minItems": low, "uniqueItems": True},
    _DISTINCTABLE,
    st.integers(0, 3),
)


def _extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    obj = st.builds(
        lambda props, data: {
            "type": "object",
            "properties": props,
            "required": [k for k in props if data.draw(st.booleans())],
            "additionalProperties": False,
        },
        st.dictionaries(_NAMES, children, max_size=4),
        st.data(),
    )
    array = st.builds(
        lambda items, low: {"type": "array", "items": items, "minItems": low},
        children,
        st.integers(0, 3),
    )
    nullable = st.builds(lambda s: {"anyOf": [s, {"type": "null"}]}, children)
    return st.one_of(obj, array, nullable, _UNIQUE_ARRAYS)


SCHEMAS = st.recursive(_LEAVES, _extend, max_leaves=12)
PROMPTS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=SCHEMAS, prompt=PROMPTS)
def test_instances_are_valid_for_any_schema(schema: dict[str, Any], prompt: str) -> None:
    wrapped = {
        "type": "object",
        "$defs": {"Inner": schema},
        "properties": {"value": {"$ref": "#/$defs/Inner"}},
        "required": ["value"],
    }
    value = instance_for(wrapped, PromptFacts.from_text(prompt))
    jsonschema.validate(value, wrapped)
    json.dumps(value)


@settings(max_examples=80, deadline=None)
@given(
    prompt=st.text(min_size=1, max_size=80),
    max_tokens=st.one_of(st.none(), st.integers(1, 30)),
    seed=st.one_of(st.none(), st.integers(0, 5)),
    profile_name=st.sampled_from(["Mistral-Large", "gpt-4o-mini", "DeepSeek-R1"]),
    use_tools=st.booleans(),
)
def test_streamed_chunks_join_to_the_answer(
    prompt: str, max_tokens: int | None, seed: int | None, profile_name: str, use_tools: bool
) -> None:
    profile = get_profile(profile_name)
    body: dict[str, Any] = {
        "messages": [{"role": "user", "content": prompt}],
        "seed": seed,
        "max_tokens": max_tokens,
        "temperature": 1,
    }
    if use_tools and profile.supports_tools:
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": "search",
                    "parameters": {
                        "type": "object",
                        "properties": {"query": {"type": "string"}},
                        "required": ["query"],
                    },
                },
            }
        ]
        body["tool_choice"] = "required"
    request = validate_chat(body, profile)
    result = compose(
        request, profile, request_id="r", rng=random.Random(0), reasoning_in_field=True
    )
    whole = completion_body(result)
    chunks = stream_chunks(result, profile, include_usage=True)
    content, reasoning, arguments, finish, usage = "", "", {}, None, None
    for chunk in chunks:
        usage = chunk.get("usage") or usage
        for choice in chunk["choices"]:
            delta = choice["delta"]
            content += delta.get("content") or ""
            reasoning += delta.get("reasoning_content") or ""
            for fragment in delta.get("tool_calls") or []:
                arguments.setdefault(fragment["index"], "")
                arguments[fragment["index"]] += fragment["function"].get("arguments") or ""
            finish = choice["finish_reason"] or finish
    message = whole["choices"][0]["message"]
    assert content == (message["content"] or "")
    assert reasoning == (message.get("reasoning_content") or "")
    assert [arguments[i] for i in sorted(arguments)] == [
        c["function"]["arguments"] for c in message["tool_calls"] or []
    ]
    assert finish == whole["choices"][0]["finish_reason"]
    assert usage == whole["usage"]
