"""`AzureInference` without a server: metadata, secrets, request building, tools."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, TextBlock
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.tools import FunctionTool
from pydantic import SecretStr

import llamaindex_azure_inference as pkg
from llamaindex_azure_inference import (
    AzureInference,
    ContentFilterError,
    UnsupportedFeatureError,
)

SECRET = "sk-very-secret-value-42"
ENDPOINT = "https://unit.eastus2.models.ai.azure.com"
COMPLETION = {
    "id": "x",
    "model": "m",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"content": "ok"}}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


class Recorder:
    """An httpx transport that records request bodies and answers a fixed completion."""

    def __init__(self, answer: dict[str, Any] | None = None) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[httpx.Headers] = []
        self.answer = answer or COMPLETION

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        self.headers.append(request.headers)
        if body.get("stream"):
            chunk = {"id": "s", "choices": [{"index": 0, "delta": {"content": "ok"}}]}
            sse = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n"
            return httpx.Response(200, text=sse, headers={"content-type": "text/event-stream"})
        return httpx.Response(200, json=self.answer)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def make(recorder: Recorder) -> Iterator[Any]:
    clients: list[httpx.Client] = []

    def factory(**kwargs: Any) -> AzureInference:
        http = httpx.Client(transport=httpx.MockTransport(recorder))
        clients.append(http)
        kwargs.setdefault("endpoint", ENDPOINT)
        kwargs.setdefault("credential", SECRET)
        return AzureInference(http_client=http, **kwargs)

    yield factory
    for c in clients:
        c.close()


def user(text: str = "hi") -> list[ChatMessage]:
    return [ChatMessage(role="user", content=text)]


# -- metadata -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "window", "function_calling"),
    [
        ("Phi-3-mini-4k-Instruct", 4096, False),
        ("Phi-3-mini-128k-Instruct", 131072, False),
        ("Phi-3-small-8k-Instruct", 8192, False),
        ("Phi-3-medium-128k-Instruct", 131072, False),
        ("Phi-3-vision-128k-Instruct", 131072, False),
        ("Phi-3.5-mini-instruct", 131072, False),
        ("Mistral-Large", 131072, True),
        ("mistral-large-2407", 131072, True),
        ("Cohere-command-r-plus", 131072, True),
        ("cohere-command-r-08-2024", 131072, True),
        ("gpt-4o", 128000, True),
        ("gpt-4o-mini", 128000, True),
        ("my-custom-deployment", 3900, True),
    ],
)
def test_metadata_from_the_model_table(model: str, window: int, function_calling: bool) -> None:
    meta = AzureInference(endpoint=ENDPOINT, credential=SECRET, model=model).metadata
    assert meta.is_chat_model is True
    assert meta.context_window == window
    assert meta.is_function_calling_model is function_calling
    assert meta.model_name == model


def test_metadata_overrides_and_max_tokens() -> None:
    llm = AzureInference(
        endpoint=ENDPOINT,
        model="Phi-3-mini-4k-Instruct",
        context_window=2048,
        num_output=100,
        is_function_calling_model=True,
    )
    meta = llm.metadata
    assert (meta.context_window, meta.num_output, meta.is_function_calling_model) == (
        2048,
        100,
        True,
    )
    assert AzureInference(endpoint=ENDPOINT, model="gpt-4o", max_tokens=0).metadata.num_output == 0
    # A serverless host's first label is its deployment name.
    assert AzureInference(endpoint=ENDPOINT).metadata.model_name == "unit"
    assert AzureInference(endpoint="http://127.0.0.1:9/v1").metadata.model_name == "unknown"


def test_metadata_does_no_io() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"metadata made a request: {request.url}")

    with httpx.Client(transport=httpx.MockTransport(refuse)) as http:
        llm = AzureInference(endpoint=ENDPOINT, credential=SECRET, http_client=http)
        assert llm.metadata.is_function_calling_model is True
        assert llm.metadata.context_window > 0


def test_is_a_function_calling_llm() -> None:
    assert issubclass(AzureInference, FunctionCallingLLM)


# -- configuration ------------------------------------------------------------------


def test_endpoint_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_INFERENCE_ENDPOINT", ENDPOINT)
    assert AzureInference().endpoint == ENDPOINT


def test_missing_endpoint_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_INFERENCE_ENDPOINT", raising=False)
    with pytest.raises(ValueError, match="AZURE_INFERENCE_ENDPOINT"):
        AzureInference()


def test_key_never_in_repr_str_or_serialized_output() -> None:
    llm = AzureInference(endpoint=ENDPOINT, credential=SECRET, model="gpt-4o")
    assert isinstance(llm.credential, SecretStr)
    assert llm.credential.get_secret_value() == SECRET
    for text in (
        repr(llm),
        str(llm),
        json.dumps(llm.to_dict()),
        llm.to_json(),
        json.dumps(llm.model_dump(mode="json")),
        llm.model_dump_json(),
        # to_payload arrived in llama-index-core 0.14.25; older releases have no such view.
        str(llm.to_payload()) if hasattr(llm, "to_payload") else "",
    ):
        assert SECRET not in text
    assert "credential" not in llm.to_dict()


def test_no_shared_mutable_defaults() -> None:
    a = AzureInference(endpoint=ENDPOINT)
    b = AzureInference(endpoint=ENDPOINT)
    a.additional_kwargs["logprobs"] = True
    assert b.additional_kwargs == {}


def test_public_names_are_pinned() -> None:
    assert sorted(pkg.__all__) == sorted(
        [
            "APIConnectionError",
            "APIStatusError",
            "APITimeoutError",
            "AuthenticationError",
            "AzureInference",
            "AzureInferenceEmbedding",
            "AzureInferenceError",
            "BadRequestError",
            "ConfigurationError",
            "ContentFilterError",
            "ModelCapabilities",
            "ModelProfile",
            "NotFoundError",
            "PermissionDeniedError",
            "RateLimitError",
            "RejectedParameterError",
            "ServerError",
            "StreamError",
            "StreamTimeoutError",
            "TruncatedAnswerError",
            "UnsupportedContentError",
            "UnsupportedFeatureError",
            "UnsupportedParameterError",
            "capabilities_for",
            "profile_for",
        ]
    )
    import azure_inference_core

    assert ContentFilterError is azure_inference_core.ContentFilterError
    # One pair of Unsupported* errors, the core's, under AzureInferenceError.
    assert pkg.UnsupportedContentError is azure_inference_core.UnsupportedContentError
    assert pkg.UnsupportedFeatureError is azure_inference_core.UnsupportedFeatureError
    assert issubclass(pkg.UnsupportedFeatureError, azure_inference_core.AzureInferenceError)


def test_import_loads_no_langchain() -> None:
    code = (
        "import sys, llamaindex_azure_inference\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0].startswith('langchain'))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- request building -----------------------------------------------------------------


def test_zero_values_are_sent(make: Any, recorder: Recorder) -> None:
    llm = make(
        model="Mistral-Large",
        temperature=0,
        top_p=0,
        seed=0,
        presence_penalty=0,
        frequency_penalty=0,
        max_tokens=1,
        stop=[],
    )
    llm.chat(user())
    body = recorder.bodies[-1]
    for name in ("temperature", "top_p", "seed", "presence_penalty", "frequency_penalty"):
        assert body[name] == 0, name
    assert body["stop"] == []
    assert body["max_tokens"] == 1
    assert body["model"] == "Mistral-Large"


def test_unset_parameters_are_not_sent(make: Any, recorder: Recorder) -> None:
    make().chat(user())
    assert recorder.bodies[-1] == {"messages": [{"role": "user", "content": "hi"}]}


def test_call_overrides_and_additional_kwargs_pass_through(make: Any, recorder: Recorder) -> None:
    llm = make(temperature=0.5, additional_kwargs={"safe_prompt": True, "n": 1})
    llm.chat(user(), temperature=0.0, additional_kwargs={"n": 2})
    body = recorder.bodies[-1]
    assert body["temperature"] == 0.0
    assert (body["safe_prompt"], body["n"]) == (True, 2)
    assert recorder.headers[-1]["extra-parameters"] == "pass-through"
    assert llm.additional_kwargs == {"safe_prompt": True, "n": 1}


def test_unknown_keyword_raises_before_sending(make: Any, recorder: Recorder) -> None:
    with pytest.raises(
        TypeError, match=r"unknown argument\(s\) 'temprature' \(did you mean 'temperature'\?\)"
    ):
        make().chat(user(), temprature=0)
    assert recorder.bodies == []


def test_stream_usage_requested_for_openai_style_models_only(make: Any, recorder: Recorder) -> None:
    for model in ("gpt-4o", "Mistral-Large"):
        assert list(make(model=model).stream_chat(user()))[-1].message.content == "ok"
    gpt, mistral = recorder.bodies
    assert gpt["stream_options"] == {"include_usage": True}
    assert recorder.headers[0]["extra-parameters"] == "pass-through"
    assert "stream_options" not in mistral


def test_caller_stream_options_are_kept(make: Any, recorder: Recorder) -> None:
    llm = make(model="gpt-4o", additional_kwargs={"stream_options": {"include_usage": False}})
    list(llm.stream_chat(user()))
    assert recorder.bodies[-1]["stream_options"] == {"include_usage": False}


def test_phi3_refuses_tools_and_json_before_sending(make: Any, recorder: Recorder) -> None:
    llm = make(model="Phi-3-mini-4k-Instruct")
    tool = FunctionTool.from_defaults(fn=lambda x: x, name="echo", description="Echo x.")
    with pytest.raises(
        UnsupportedFeatureError, match=r"Phi-3 family\) does not support tool calling"
    ):
        llm.chat_with_tools([tool], user_msg="hi")
    with pytest.raises(UnsupportedFeatureError, match="no JSON mode"):
        llm.chat(user(), response_format={"type": "json_object"})
    assert recorder.bodies == []


def test_override_lets_a_deployment_use_tools(make: Any, recorder: Recorder) -> None:
    llm = make(model="Phi-3-mini-4k-Instruct", is_function_calling_model=True)
    tool = FunctionTool.from_defaults(fn=lambda x: x, name="echo", description="Echo x.")
    llm.chat_with_tools([tool], user_msg="hi")
    assert recorder.bodies[-1]["tools"][0]["function"]["name"] == "echo"


# -- tools ------------------------------------------------------------------------------


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def mul(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


TOOLS = [FunctionTool.from_defaults(fn=add), FunctionTool.from_defaults(fn=mul)]


def test_prepare_chat_with_tools_never_touches_the_history(make: Any) -> None:
    history = [ChatMessage(role="user", content="earlier")]
    kwargs = make()._prepare_chat_with_tools(TOOLS, user_msg="now", chat_history=history)
    assert len(history) == 1
    assert [m.content for m in kwargs["messages"]] == ["earlier", "now"]


@pytest.mark.parametrize(
    ("kwargs", "choice"),
    [
        ({}, None),
        ({"tool_required": True}, "required"),
        ({"tool_choice": "mul"}, {"type": "function", "function": {"name": "mul"}}),
        ({"allow_parallel_tool_calls": True}, None),
        ({"allow_parallel_tool_calls": False}, None),
        ({"tool_choice": "none"}, "none"),
    ],
)
def test_tool_request_shape(
    make: Any, recorder: Recorder, kwargs: dict[str, Any], choice: Any
) -> None:
    make(model="Mistral-Large").chat_with_tools(TOOLS, user_msg="go", **kwargs)
    body = recorder.bodies[-1]
    assert [t["function"]["name"] for t in body["tools"]] == ["add", "mul"]
    assert body.get("tool_choice") == choice
    # As the official SDKs: no parallel_tool_calls unasked, so no pass-through header.
    assert "parallel_tool_calls" not in body
    assert "extra-parameters" not in recorder.headers[-1]


def test_parallel_tool_calls_given_per_call_is_sent(make: Any, recorder: Recorder) -> None:
    make(model="Mistral-Large").chat(
        user(), tools=[t.metadata.to_openai_tool() for t in TOOLS], parallel_tool_calls=False
    )
    assert recorder.bodies[-1]["parallel_tool_calls"] is False
    assert recorder.headers[-1]["extra-parameters"] == "pass-through"


def test_strict_is_sent_per_function(make: Any, recorder: Recorder) -> None:
    make().chat_with_tools(TOOLS, user_msg="go", strict=True)
    assert all(t["function"]["strict"] is True for t in recorder.bodies[-1]["tools"])


def test_unknown_tool_choice_name_raises(make: Any) -> None:
    with pytest.raises(ValueError, match="not one of the tools given"):
        make().chat_with_tools(TOOLS, user_msg="go", tool_choice="sub")


def test_get_tool_calls_error_on_no_tool_call(make: Any) -> None:
    llm = make()
    resp = ChatResponse(message=ChatMessage(role="assistant", blocks=[TextBlock(text="no tools")]))
    with pytest.raises(ValueError, match="no tools"):
        llm.get_tool_calls_from_response(resp)
    assert llm.get_tool_calls_from_response(resp, error_on_no_tool_call=False) == []


def test_predict_and_call_runs_the_tool(recorder: Recorder, make: Any) -> None:
    recorder.answer = {
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "content": None,
                    "tool_calls": [
                        {"id": "c1", "type": "function",
                         "function": {"name": "mul", "arguments": '{"a": 6, "b": 7}'}}
                    ],
                },
            }
        ]
    }  # fmt: skip
    out = make().predict_and_call(TOOLS, user_msg="6 times 7")
    assert out.response == "42"


def test_llm_pickles_without_losing_the_endpoint() -> None:
    llm = AzureInference(endpoint=ENDPOINT, credential=SECRET, model="gpt-4o", temperature=0)
    clone = pickle.loads(pickle.dumps(llm))
    assert (clone.endpoint, clone.model, clone.temperature) == (ENDPOINT, "gpt-4o", 0)


def test_tool_choice_without_tools_is_an_error(make: Any, recorder: Recorder) -> None:
    with pytest.raises(ValueError, match="tool_choice was given without tools"):
        make().chat(user(), tool_choice="auto")
    with pytest.raises(ValueError, match="parallel_tool_calls was given without tools"):
        make().chat(user(), parallel_tool_calls=False)
    assert recorder.bodies == []


def test_json_schema_of_the_classes_generates() -> None:
    from llamaindex_azure_inference import AzureInferenceEmbedding

    for cls in (AzureInference, AzureInferenceEmbedding):
        props = cls.model_json_schema()["properties"]
        assert props["http_client"]["type"] == "null"
        assert props["credential"]["anyOf"][0]["writeOnly"] is True


def test_this_suite_cannot_reach_the_network() -> None:
    import socket

    with socket.socket() as sock, pytest.raises(ConnectionRefusedError, match="network"):
        sock.connect(("192.0.2.1", 443))


@pytest.mark.parametrize("mode", ["stream_chat", "astream_chat"])
async def test_a_stream_is_joined_once(
    make: Any, recorder: Recorder, joined_chunks: list[Any], mode: str
) -> None:
    fed = joined_chunks
    if mode == "stream_chat":
        responses = list(make(model="Mistral-Large").stream_chat(user()))
    else:
        async with httpx.AsyncClient(transport=httpx.MockTransport(recorder)) as http:
            llm = AzureInference(endpoint=ENDPOINT, credential=SECRET, async_http_client=http)
            responses = [r async for r in await llm.astream_chat(user())]
    assert responses[-1].message.content == "ok"
    assert len(fed) == 1  # the one wire chunk, joined by the core's stream only
