"""The rules the core owns for both adapters (issue 13): written once, tested once."""

from __future__ import annotations

import asyncio
import base64
import json
import struct
from typing import Any

import pytest

from azure_inference_core import (
    UNKNOWN_MODEL,
    AzureInferenceError,
    ChatCompletionChunk,
    ConfigurationError,
    EmbeddingsResult,
    EndpointFlavour,
    InferenceClient,
    StreamAccumulator,
    ToolCall,
    UnsupportedContentError,
    UnsupportedFeatureError,
    assistant_to_wire,
    capabilities_for,
    check_capabilities,
    check_names,
    needs_pass_through,
    normalize_tool_choice,
    parse_tool_arguments,
    parse_tool_calls,
    public_headers,
    redact_headers,
    stream_usage_options,
    tool_call_to_wire,
    tool_result_to_wire,
    vectors_from,
)
from azure_inference_core._auth import CheckedCredential

IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}}

# -- the capability table ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("Phi-3-mini-4k-Instruct", "Phi-3"),
        ("phi-3.5-mini-instruct", "Phi-3.5"),
        ("https://Phi-3-medium-128k-instruct-abc.eastus2.models.ai.azure.com", "Phi-3"),
        ("Phi-3-vision-128k-Instruct", "Phi-3-vision"),
        ("Cohere-command-r-plus", "Cohere command"),
        ("command-r-08-2024", "Cohere command"),
        ("https://x.openai.azure.com/openai/deployments/cohere-command-a", "Cohere command"),
        ("Mistral-Large", "Mistral"),
        ("mistral-large-2407", "Mistral"),
        ("Phi-4", "Phi-4"),
        ("gpt-4o-mini", "GPT"),
        ("o3-mini", "o-series"),
        ("my-own-deployment", "unknown"),
        ("https://res.services.ai.azure.com/models", "unknown"),
    ],
)
def test_family_by_name(name: str, family: str) -> None:
    assert capabilities_for(name)[0].family == family


def test_first_matching_name_wins() -> None:
    capabilities, matched = capabilities_for(None, "Cohere-command-r", "https://phi-3-mini.example")
    assert (capabilities.family, matched) == ("Cohere command", "Cohere-command-r")
    assert capabilities_for(None, "")[0] is UNKNOWN_MODEL


@pytest.mark.parametrize(
    ("name", "tools", "json_object", "json_schema", "images"),
    [
        # The four disagreements of issue 13, resolved (sources in _models.py).
        ("Phi-4", False, False, False, False),
        ("Phi-4-multimodal-instruct", False, False, False, True),
        ("Mistral-Large", True, True, False, False),
        ("DeepSeek-R1", False, False, False, False),
        ("o3-mini", True, True, True, False),
        ("o1", True, True, True, True),
        ("gpt-4o", True, True, True, True),
        ("Cohere-command-r-plus", True, True, False, False),
    ],
)
def test_disputed_capabilities(
    name: str, tools: bool, json_object: bool, json_schema: bool, images: bool
) -> None:
    capabilities = capabilities_for(name)[0]
    assert (capabilities.tools, capabilities.json_object, capabilities.json_schema) == (
        tools,
        json_object,
        json_schema,
    )
    assert (capabilities.vision != 0) is images


def test_unknown_models_are_neither_refused_nor_claimed() -> None:
    assert not UNKNOWN_MODEL.known
    check_capabilities(
        UNKNOWN_MODEL,
        "",
        messages=[{"role": "user", "content": [IMAGE] * 5}],
        tools=[{"type": "function"}],
        response_format={"type": "json_schema"},
    )


def test_refusals_name_the_model_and_what_to_do() -> None:
    phi, name = capabilities_for("Phi-3-mini-4k-Instruct")
    with pytest.raises(UnsupportedFeatureError, match=r"Phi-3-mini-4k-Instruct.*tool calling"):
        check_capabilities(phi, name, tools=[{"type": "function"}])
    with pytest.raises(UnsupportedFeatureError, match=r"no JSON mode.*prompt"):
        check_capabilities(phi, name, response_format={"type": "json_object"})
    check_capabilities(phi, name, response_format={"type": "text"})
    mistral, name = capabilities_for("Mistral-Large")
    with pytest.raises(UnsupportedFeatureError, match="json_object"):
        check_capabilities(mistral, name, response_format={"type": "json_schema"})
    vision, name = capabilities_for("Phi-3-vision-128k-Instruct")
    check_capabilities(vision, name, messages=[{"role": "user", "content": [IMAGE]}] * 2)
    with pytest.raises(UnsupportedFeatureError, match=r"at most 1 image\(s\).*message 0 has 2"):
        check_capabilities(vision, name, messages=[{"role": "user", "content": [IMAGE, IMAGE]}])
    with pytest.raises(UnsupportedFeatureError, match="takes no images"):
        check_capabilities(
            mistral, "Mistral-Large", messages=[{"role": "user", "content": [IMAGE]}]
        )


def test_unsupported_errors_are_package_errors() -> None:
    for cls in (UnsupportedContentError, UnsupportedFeatureError):
        assert issubclass(cls, AzureInferenceError)
        assert issubclass(cls, ValueError)


# -- tool_choice -----------------------------------------------------------------------------

NAMES = ["get_weather", "add"]
FORCE_ADD = {"type": "function", "function": {"name": "add"}}


@pytest.mark.parametrize(
    ("choice", "kwargs", "expected"),
    [
        (None, {}, None),
        (None, {"tool_required": True}, "required"),
        ("auto", {}, "auto"),
        ("none", {}, "none"),
        ("any", {}, "required"),
        (True, {}, "required"),
        ("add", {}, FORCE_ADD),
        ({"type": "tool", "name": "add"}, {}, FORCE_ADD),
        ({"name": "add"}, {}, FORCE_ADD),
        (FORCE_ADD, {}, FORCE_ADD),
    ],
)
def test_tool_choice_spellings(choice: Any, kwargs: dict[str, Any], expected: Any) -> None:
    assert normalize_tool_choice(choice, NAMES, **kwargs) == expected


@pytest.mark.parametrize(
    ("choice", "names", "kwargs", "match"),
    [
        ("nope", NAMES, {}, r"not one of the tools given \(tools: 'get_weather', 'add'\)"),
        (False, NAMES, {}, "ambiguous"),
        ("required", [], {}, "no tools were given"),
        ("none", NAMES, {"tool_required": True}, "contradicts"),
        (3, NAMES, {}, "Unsupported tool_choice"),
    ],
)
def test_bad_tool_choice(choice: Any, names: list[str], kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        normalize_tool_choice(choice, names, **kwargs)


# -- tool calls and results on the wire ------------------------------------------------------


def test_tool_call_wire_shape() -> None:
    assert tool_call_to_wire("c1", "f", {"city": "Zürich"}) == {
        "id": "c1",
        "type": "function",
        "function": {"name": "f", "arguments": '{"city": "Zürich"}'},
    }
    assert tool_call_to_wire("c1", "f", "{raw")["function"]["arguments"] == "{raw"
    with pytest.raises(UnsupportedContentError, match="no id"):
        tool_call_to_wire(None, "f", {})


@pytest.mark.parametrize(
    ("content", "sent"),
    [
        ("sunny", {"result": "sunny"}),
        ("", {"result": ""}),
        ("62", {"result": 62}),
        ('"quoted"', {"result": "quoted"}),
        ("[1, 2]", {"result": [1, 2]}),
        ('{"temp": "12 °C"}', {"temp": "12 °C"}),
    ],
)
def test_cohere_tool_results_are_json_objects(content: str, sent: Any) -> None:
    wire = tool_result_to_wire("c1", content, json_object=True)
    assert json.loads(wire["content"]) == sent
    assert tool_result_to_wire("c1", content)["content"] == content  # other models: as is


def test_assistant_tool_call_turns_omit_content() -> None:
    call = tool_call_to_wire("c1", "f", {})
    assert assistant_to_wire(None, [call]) == {"role": "assistant", "tool_calls": [call]}
    assert assistant_to_wire("", [call]) == {"role": "assistant", "tool_calls": [call]}
    assert assistant_to_wire("hm", [call])["content"] == "hm"
    assert assistant_to_wire("hi", None) == {"role": "assistant", "content": "hi"}


@pytest.mark.parametrize(
    ("text", "ok"),
    [("", True), ('{"a": [1]}', True), ("{bad", False), ("[1]", False), ('"s"', False)],
)
def test_argument_parsing_never_raises(text: str, ok: bool) -> None:
    parsed, error = parse_tool_arguments(text)
    assert (parsed is not None, error is None) == (ok, ok)


def test_argument_parsing_survives_100000_levels_of_nesting() -> None:
    parsed, error = parse_tool_arguments('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert parsed is None
    assert error is not None


def _call(call_id: str, arguments: str) -> ToolCall:
    return ToolCall.model_validate(
        {"id": call_id, "type": "function", "function": {"name": "f", "arguments": arguments}}
    )


def test_a_call_cut_off_by_max_tokens_is_invalid_even_when_it_parses() -> None:
    calls = [_call("a", '{"x": 1}'), _call("b", '{"q": "Par"}')]
    parsed = parse_tool_calls(calls, "length")
    assert [(c.id, c.arguments is None) for c in parsed] == [("a", False), ("b", True)]
    assert "max_tokens" in (parsed[1].error or "")
    assert all(c.arguments is not None for c in parse_tool_calls(calls, "tool_calls"))


# -- optional fields ---------------------------------------------------------------------------


def test_pass_through_only_for_openai_only_fields_off_the_openai_routes() -> None:
    body = {"messages": [], "parallel_tool_calls": False}
    assert needs_pass_through(body, EndpointFlavour.SERVERLESS)
    assert needs_pass_through(body, EndpointFlavour.FOUNDRY)
    assert not needs_pass_through(body, EndpointFlavour.AZURE_OPENAI)
    assert not needs_pass_through(body, EndpointFlavour.OPENAI_V1)
    assert not needs_pass_through({"messages": [], "tools": []}, EndpointFlavour.SERVERLESS)
    usage = {"stream_options": {"include_usage": True}}
    assert not needs_pass_through(usage, EndpointFlavour.AZURE_OPENAI, usage)
    assert needs_pass_through(usage, EndpointFlavour.SERVERLESS, usage)
    assert needs_pass_through({"n": 2}, EndpointFlavour.AZURE_OPENAI, {"n": 2})


@pytest.mark.parametrize(
    ("asked", "model", "sent"),
    [
        (None, "gpt-4o", False),
        (False, "gpt-4o", False),
        (True, "gpt-4o", True),
        (True, "Mistral-Large", False),  # usage on its last chunk anyway
        (True, "Phi-3-mini-4k-Instruct", False),
        (True, "my-deployment", True),  # unknown: the caller asked
    ],
)
def test_stream_usage_opt_in(asked: bool | None, model: str, sent: bool) -> None:
    options = stream_usage_options(asked, capabilities_for(model)[0])
    assert (options == {"include_usage": True}) is sent
    assert options is None or sent


# -- typed parameters --------------------------------------------------------------------------


def test_unknown_parameter_names_list_the_valid_ones() -> None:
    client = InferenceClient("https://x.eastus2.models.ai.azure.com", "k")
    with pytest.raises(TypeError, match=r"'temprature' \(did you mean 'temperature'\?\)"):
        client.complete([{"role": "user", "content": "hi"}], temprature=0)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"Valid names: .*input_type"):
        client.embed("x", input_typ="query")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="'api_key' \\(did you mean 'credential'\\?\\)"):
        check_names(["api_key"], ["credential", "endpoint"], "X()")


# -- vectors, secrets --------------------------------------------------------------------------


def test_vectors_in_input_order_and_base64_decoded() -> None:
    encoded = base64.b64encode(struct.pack("<3f", 1.0, -2.0, 0.5)).decode()
    result = EmbeddingsResult.model_validate(
        {
            "data": [
                {"index": 1, "embedding": [3, 4]},
                {"index": 0, "embedding": encoded},
            ],
        }
    )
    assert vectors_from(result, 2) == [[1.0, -2.0, 0.5], [3.0, 4.0]]
    with pytest.raises(ValueError, match="2 embeddings for 3 inputs"):
        vectors_from(result, 3)


def test_secret_headers_redacted_and_never_serialized() -> None:
    headers = {"API-Key": "s3cret", "Authorization": "Bearer t", "x-trace": "1"}
    assert redact_headers(headers) == {"API-Key": "***", "Authorization": "***", "x-trace": "1"}
    assert public_headers(headers) == {"x-trace": "1"}
    assert public_headers(None) is None


# -- the incremental accumulator ---------------------------------------------------------------


def _chunk(delta: dict[str, Any], **extra: Any) -> ChatCompletionChunk:
    return ChatCompletionChunk.model_validate(
        {"id": "x", "choices": [{"index": 0, "delta": delta}], **extra}
    )


def test_feed_returns_each_chunks_placed_delta() -> None:
    acc = StreamAccumulator()
    first = acc.feed(
        _chunk({"tool_calls": [{"id": "a", "function": {"name": "f", "arguments": "{"}}]})
    )
    second = acc.feed(_chunk({"tool_calls": [{"function": {"arguments": "}"}}]}))
    third = acc.feed(_chunk({"tool_calls": [{"id": "b", "function": {"name": "g"}}]}))
    usage = acc.feed(
        ChatCompletionChunk.model_validate(
            {
                "choices": [],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )
    )
    assert [
        (u.index, u.id, u.name, u.arguments, u.opened) for u in first.choices[0].tool_calls
    ] == [(0, "a", "f", "{", True)]
    assert [(u.index, u.arguments, u.opened) for u in second.choices[0].tool_calls] == [
        (0, "}", False)
    ]
    assert third.choices[0].tool_calls[0].index == 1
    assert usage.choices == ()
    assert usage.usage is not None
    calls = acc.result().choices[0].message.tool_calls or []
    assert [(c.id, c.function.arguments) for c in calls] == [("a", "{}"), ("b", "")]


# -- credentials ------------------------------------------------------------------------------


class _Broken:
    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        raise RuntimeError("no identity: EnvironmentCredential unavailable")


class _AsyncBroken:
    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        raise RuntimeError("no identity (async)")


def test_credential_failures_become_package_errors_with_the_cause() -> None:
    from azure_inference_core import AuthenticationError

    with pytest.raises(AuthenticationError, match="EnvironmentCredential unavailable") as info:
        CheckedCredential(_Broken()).get_token("scope")
    assert isinstance(info.value.__cause__, RuntimeError)
    assert "AZURE_INFERENCE_CREDENTIAL" in str(info.value)

    async def fetch() -> Any:
        return await CheckedCredential(_AsyncBroken()).get_token("scope")

    with pytest.raises(AuthenticationError, match="async") as info:
        asyncio.run(fetch())
    assert isinstance(info.value.__cause__, RuntimeError)


def test_unavailable_credential_is_a_configuration_error() -> None:
    class CredentialUnavailableError(Exception):
        pass

    class Unavailable:
        def get_token(self, *scopes: str, **kwargs: Any) -> Any:
            raise CredentialUnavailableError("nothing to sign in with")

    with pytest.raises(ConfigurationError, match="credential='<endpoint key>'"):
        CheckedCredential(Unavailable()).get_token("scope")
