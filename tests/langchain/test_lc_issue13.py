"""The LangChain bugs of issue 13, one test each (each failed on the code before the fix)."""

from __future__ import annotations

import base64
import json
import struct
import sys
import types
from typing import Any

import httpx
import pytest
from _lc_mock import ENDPOINT, KEY, Recorder, completion_body, make_chat, sse, streaming
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage

import azure_inference_core as core
from langchain_azure_inference import (
    AuthenticationError,
    AzureInferenceEmbeddings,
    ChatAzureInference,
    ConfigurationError,
    TruncatedAnswerError,
    UnsupportedContentError,
    UnsupportedFeatureError,
)

make = make_chat


def merge(chunks: list[Any]) -> AIMessageChunk:
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged = merged + chunk
    assert isinstance(merged, AIMessageChunk)
    return merged


def _chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "s-1",
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }


def _fragment(**fields: Any) -> dict[str, Any]:
    return _chunk({"tool_calls": [fields]})


# -- streamed tool calls whose later fragments carry no index ---------------------------


UNINDEXED = sse(
    _chunk({"role": "assistant", "content": None}),
    _fragment(id="call_a", type="function", function={"name": "f", "arguments": ""}),
    _fragment(function={"arguments": '{"city": '}),
    _fragment(function={"arguments": '"Zürich"}'}),
    _fragment(id="call_b", type="function", function={"name": "g", "arguments": ""}),
    _fragment(function={"arguments": '{"n": 2}'}),
    _chunk({}, "tool_calls", usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}),
)


def test_unindexed_tool_call_fragments_keep_their_arguments(recorder: Recorder) -> None:
    recorder._reply = streaming(UNINDEXED)
    merged = merge(list(make(recorder).stream("hi")))
    assert [(c["id"], c["name"], c["args"]) for c in merged.tool_calls] == [
        ("call_a", "f", {"city": "Zürich"}),
        ("call_b", "g", {"n": 2}),
    ]
    assert merged.invalid_tool_calls == []


async def test_unindexed_tool_call_fragments_async(recorder: Recorder) -> None:
    recorder._reply = streaming(UNINDEXED)
    chunks = [c async for c in make(recorder).astream("hi")]
    assert [c["args"] for c in merge(chunks).tool_calls] == [{"city": "Zürich"}, {"n": 2}]


# -- a tool call cut off by max_tokens -----------------------------------------------------


def test_truncated_tool_call_is_invalid_not_executable(recorder: Recorder) -> None:
    body = completion_body(None)
    body["choices"][0]["finish_reason"] = "length"
    body["choices"][0]["message"]["tool_calls"] = [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}},
        # Parses as JSON, yet was still being written when max_tokens hit.
        {"id": "c2", "type": "function", "function": {"name": "g", "arguments": '{"q": "Par"}'}},
    ]
    recorder._reply = lambda _r: httpx.Response(200, json=body)
    message = make(recorder).invoke("hi")
    assert [c["id"] for c in message.tool_calls] == ["c1"]
    assert [c["id"] for c in message.invalid_tool_calls] == ["c2"]
    assert "max_tokens" in (message.invalid_tool_calls[0]["error"] or "")


def test_truncated_streamed_tool_call_raises_instead_of_a_partial_call(
    recorder: Recorder,
) -> None:
    recorder._reply = streaming(
        sse(
            _fragment(index=0, id="c1", type="function", function={"name": "f", "arguments": ""}),
            _fragment(index=0, function={"arguments": '{"q": "Par'}),
            _chunk({}, "length"),
        )
    )
    with pytest.raises(TruncatedAnswerError, match="max_tokens"):
        list(make(recorder).stream("hi"))


def test_deeply_nested_arguments_are_an_invalid_call_not_a_crash(recorder: Recorder) -> None:
    body = completion_body(None)
    deep = "[" * 100_000 + "]" * 100_000
    body["choices"][0]["message"]["tool_calls"] = [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": deep}}
    ]
    recorder._reply = lambda _r: httpx.Response(200, json=body)
    message = make(recorder).invoke("hi")
    assert message.tool_calls == []
    assert message.invalid_tool_calls[0]["id"] == "c1"


# -- connection options --------------------------------------------------------------------


def test_key_header_is_a_field_and_is_honoured(recorder: Recorder) -> None:
    make(recorder, key_header="authorization").invoke("hi")
    headers = recorder.last_headers
    assert headers["authorization"] == f"Bearer {KEY}"
    assert "api-key" not in headers  # a Foundry endpoint would default to api-key


@pytest.mark.parametrize("cls", [ChatAzureInference, AzureInferenceEmbeddings])
def test_every_core_client_option_is_a_field(cls: type[Any]) -> None:
    from azure_inference_core._lifecycle import CORE_CLIENT_OPTIONS

    assert {o.name for o in CORE_CLIENT_OPTIONS} <= set(cls.model_fields)


def test_allow_insecure_http_and_scopes_reach_the_core() -> None:
    llm = ChatAzureInference(endpoint="http://example.com/models", credential=KEY, model="m")
    with pytest.raises(ConfigurationError, match="allow_insecure_http"):
        llm.invoke("hi")
    llm.allow_insecure_http = True
    with llm._sync_client() as client:
        assert client.endpoint.startswith("http://example.com")
    scoped = ChatAzureInference(endpoint=ENDPOINT, credential=KEY, credential_scopes=["s/.x"])
    with scoped._sync_client() as client:
        assert client.endpoint_config.scopes == ("s/.x",)


def test_unknown_call_argument_lists_valid_names(recorder: Recorder) -> None:
    with pytest.raises(TypeError, match=r"'temprature' \(did you mean 'temperature'\?\)") as info:
        make(recorder).invoke("hi", temprature=0)
    assert "stream_usage" in str(info.value)
    assert recorder.requests == []


# -- credentials -------------------------------------------------------------------------


class _FailingCredential:
    """Stands in for DefaultAzureCredential: fails like it does with nothing to sign in with."""

    error: type[Exception] = RuntimeError

    def __init__(self, **_kwargs: Any) -> None:
        pass

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        raise self.error(
            "DefaultAzureCredential failed to retrieve a token from the included credentials."
            "\nAttempted credentials:\n\tEnvironmentCredential: unavailable"
            "\n\tManagedIdentityCredential: unavailable\n\tAzureCliCredential: not logged in"
        )

    def close(self) -> None:
        pass


@pytest.fixture
def no_key_default_credential(monkeypatch: pytest.MonkeyPatch) -> type[_FailingCredential]:
    """azure.identity.DefaultAzureCredential replaced by a fake: nothing probes the network."""
    fake_identity = types.ModuleType("azure.identity")
    fake_identity.DefaultAzureCredential = _FailingCredential  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "azure.identity", fake_identity)
    monkeypatch.delenv("AZURE_INFERENCE_CREDENTIAL", raising=False)
    return _FailingCredential


def test_default_credential_failure_is_the_package_error(
    recorder: Recorder, no_key_default_credential: type[_FailingCredential]
) -> None:
    llm = make(recorder, credential=None)
    with pytest.raises(AuthenticationError) as info:
        llm.invoke("hi")
    assert isinstance(info.value, core.AuthenticationError)
    assert isinstance(info.value.__cause__, RuntimeError)  # the original, chained
    text = str(info.value)
    assert "ManagedIdentityCredential" in text  # which credentials were tried
    assert "AZURE_INFERENCE_CREDENTIAL" in text  # how to pass a key instead
    assert recorder.requests == []


def test_unavailable_credential_is_a_configuration_error(
    recorder: Recorder, no_key_default_credential: type[_FailingCredential]
) -> None:
    class CredentialUnavailableError(Exception):
        pass

    no_key_default_credential.error = CredentialUnavailableError
    try:
        with pytest.raises(ConfigurationError, match="credential='<endpoint key>'") as info:
            make(recorder, credential=None).invoke("hi")
    finally:
        no_key_default_credential.error = RuntimeError
    assert isinstance(info.value.__cause__, CredentialUnavailableError)


# -- tools and messages on the wire ---------------------------------------------------------


def test_cohere_tool_results_are_json_objects(recorder: Recorder) -> None:
    history = [
        HumanMessage("weather?"),
        AIMessage("", tool_calls=[{"id": "c1", "name": "w", "args": {}}]),
        ToolMessage("sunny", tool_call_id="c1"),
        ToolMessage('"quoted"', tool_call_id="c1"),
        ToolMessage('{"temp": 12}', tool_call_id="c1"),
    ]
    make(recorder, model="Cohere-command-r-plus").invoke(history)
    contents = [m["content"] for m in recorder.last_body["messages"] if m["role"] == "tool"]
    assert [json.loads(c) for c in contents] == [
        {"result": "sunny"},
        {"result": "quoted"},
        {"temp": 12},
    ]
    make(recorder, model="Mistral-Large").invoke(history)
    contents = [m["content"] for m in recorder.last_body["messages"] if m["role"] == "tool"]
    assert contents == ["sunny", '"quoted"', '{"temp": 12}']


def test_unsupported_errors_are_the_cores(recorder: Recorder) -> None:
    assert UnsupportedFeatureError is core.UnsupportedFeatureError
    assert UnsupportedContentError is core.UnsupportedContentError
    with pytest.raises(core.AzureInferenceError):
        make(recorder, model="Phi-4").bind_tools(
            [{"type": "function", "function": {"name": "f"}}]
        ).invoke("hi")
    with pytest.raises(core.AzureInferenceError):
        make(recorder).invoke([HumanMessage([{"type": "video", "url": "https://x/v.mp4"}])])


# -- embeddings ---------------------------------------------------------------------------


def _embeddings_reply(embedding: Any) -> Any:
    body = {
        "id": "e",
        "object": "list",
        "model": "m",
        "data": [{"index": 0, "object": "embedding", "embedding": embedding}],
        "usage": {"prompt_tokens": 1, "total_tokens": 1},
    }
    return lambda _r: httpx.Response(200, json=body)


def test_base64_embeddings_are_decoded_not_refused_with_impossible_advice() -> None:
    recorder = Recorder(_embeddings_reply(base64.b64encode(struct.pack("<2f", 0.5, -1.0)).decode()))
    emb = AzureInferenceEmbeddings(
        endpoint=ENDPOINT, credential=KEY, model="m", http_client=recorder.client()
    )
    assert emb.embed_query("hi") == [0.5, -1.0]
    recorder._reply = _embeddings_reply("not base64 at all!")
    with pytest.raises(ValueError, match="not base64") as info:
        emb.embed_query("hi")
    assert "model_kwargs" not in str(info.value)  # no advice the class cannot follow


def test_core_call_options_per_call(recorder: Recorder) -> None:
    llm = make(recorder)
    llm.invoke("hi", headers={"x-trace": "t1"}, total_timeout=30, extra_parameters="drop")
    assert recorder.last_headers["x-trace"] == "t1"
    assert recorder.last_headers["extra-parameters"] == "drop"
    llm.bind(headers={"x-trace": "t2"}).invoke("hi")
    assert recorder.last_headers["x-trace"] == "t2"


def test_settings_changed_after_a_call_take_effect(recorder: Recorder) -> None:
    llm = make(recorder)
    llm.invoke("hi")
    llm.key_header = "both"
    llm.invoke("hi")
    assert recorder.last_headers["api-key"] == KEY
    assert recorder.last_headers["authorization"] == f"Bearer {KEY}"
    copy = llm.model_copy(update={"model": "Cohere-command-r-plus"})
    copy.invoke("hi")
    assert recorder.last_body["model"] == "Cohere-command-r-plus"
    llm.invoke("hi")
    assert recorder.last_body["model"] == "Mistral-Large"


def test_stream_survives_the_model_being_dropped(recorder: Recorder) -> None:
    import gc

    recorder._reply = streaming(sse(_chunk({"content": "a"}), _chunk({"content": "b"}, "stop")))
    stream = make(recorder).stream("hi")  # the model itself is not kept
    first = next(stream)
    gc.collect()
    assert first.content + "".join(c.content for c in stream) == "ab"
