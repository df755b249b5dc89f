"""ChatAzureInference against a mock transport: what goes on the wire, what comes back."""

from __future__ import annotations

import json
import pickle
from typing import Any

import httpx
import pytest
from _lc_mock import (
    ENDPOINT,
    KEY,
    Recorder,
    clients,
    completion_body,
    error,
    make_chat,
    sse,
    streaming,
    text_stream,
)
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.exceptions import ModelRateLimitError
from langchain_core.load import dumpd, dumps
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from pydantic import BaseModel, SecretStr, ValidationError

from langchain_azure_inference import (
    AuthenticationError,
    ChatAzureInference,
    ContentFilterError,
    RateLimitError,
    UnsupportedFeatureError,
)

make = make_chat


# -- parameters on the wire ------------------------------------------------------------------


def test_zero_values_are_sent(recorder: Recorder) -> None:
    llm = make(
        recorder,
        temperature=0,
        top_p=0,
        seed=0,
        presence_penalty=0,
        frequency_penalty=0,
        max_tokens=0,
        n=0,
        top_logprobs=0,
        logprobs=False,
    )
    llm.invoke("hi")
    body = recorder.last_body
    for name in ("temperature", "top_p", "seed", "presence_penalty", "frequency_penalty"):
        assert body[name] == 0, name
    assert body["max_tokens"] == 0
    assert body["n"] == 0
    assert body["top_logprobs"] == 0
    assert body["logprobs"] is False


def test_not_given_is_not_sent(recorder: Recorder) -> None:
    make(recorder).invoke("hi")
    assert set(recorder.last_body) == {"messages", "model"}
    assert "extra-parameters" not in recorder.requests[-1].headers


def test_extras_go_through_pass_through(recorder: Recorder) -> None:
    make(recorder, n=2, logprobs=True, model_kwargs={"safe_prompt": True}).invoke("hi")
    body = recorder.last_body
    assert body["n"] == 2
    assert body["logprobs"] is True
    assert body["safe_prompt"] is True
    assert recorder.requests[-1].headers["extra-parameters"] == "pass-through"


def test_call_kwargs_override_fields(recorder: Recorder) -> None:
    llm = make(recorder, temperature=0.5, stop=["a"])
    llm.invoke("hi", temperature=0, stop=["b"], model="other", model_kwargs={"k": 1})
    body = recorder.last_body
    assert (body["temperature"], body["stop"], body["model"], body["k"]) == (0, ["b"], "other", 1)


def test_stop_list_and_empty_list_sent(recorder: Recorder) -> None:
    make(recorder, stop=[]).invoke("hi")
    assert recorder.last_body["stop"] == []


def test_stream_options_only_when_asked_and_needed(recorder: Recorder) -> None:
    # Issue 13: stream_options went out on every stream, with pass-through.
    recorder._reply = streaming(text_stream("a", "b"))
    list(make(recorder).stream("hi"))
    assert recorder.last_body["stream"] is True
    assert "stream_options" not in recorder.last_body
    assert "extra-parameters" not in recorder.last_headers
    list(make(recorder, model="gpt-4o", stream_usage=True).stream("hi"))
    assert recorder.last_body["stream_options"] == {"include_usage": True}
    # Mistral-style models put usage on their last chunk unasked: never sent to them.
    list(make(recorder, model="Mistral-Large", stream_usage=True).stream("hi"))
    assert "stream_options" not in recorder.last_body
    list(make(recorder, model="gpt-4o", stream_usage=False).stream("hi"))
    assert "stream_options" not in recorder.last_body


def test_disabled_params_are_not_sent(recorder: Recorder) -> None:
    llm = make(recorder, disabled_params={"parallel_tool_calls": None, "n": [1]}, n=1)
    llm.bind_tools([add], parallel_tool_calls=False).invoke("hi")
    assert "parallel_tool_calls" not in recorder.last_body
    assert "n" not in recorder.last_body


def test_unknown_constructor_argument_is_an_error_listing_valid_names() -> None:
    with pytest.raises(TypeError, match=r"'temprature' \(did you mean 'temperature'\?\)") as info:
        ChatAzureInference(endpoint=ENDPOINT, credential=KEY, temprature=0)
    assert "key_header" in str(info.value)
    assert "total_timeout" in str(info.value)


def test_model_kwargs_cannot_shadow_fields() -> None:
    with pytest.raises(ValidationError, match="temperature"):
        ChatAzureInference(endpoint=ENDPOINT, credential=KEY, model_kwargs={"temperature": 0})


def test_unknown_call_kwarg_is_an_error(recorder: Recorder) -> None:
    with pytest.raises(TypeError, match="frobnicate"):
        make(recorder).invoke("hi", frobnicate=True)
    assert recorder.requests == []


def test_unknown_bind_tools_kwarg_is_an_error(recorder: Recorder) -> None:
    with pytest.raises(TypeError, match="timeoutt"):
        make(recorder).bind_tools([add], timeoutt=3)


def test_model_name_alias_and_api_key_alias() -> None:
    llm = ChatAzureInference(endpoint=ENDPOINT, api_key=KEY, model_name="m")
    assert llm.model == "m"
    assert isinstance(llm.credential, SecretStr)


def test_endpoint_and_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_INFERENCE_ENDPOINT", ENDPOINT)
    monkeypatch.setenv("AZURE_INFERENCE_CREDENTIAL", KEY)
    llm = ChatAzureInference()
    assert llm.endpoint == ENDPOINT
    assert llm.credential.get_secret_value() == KEY


# -- tools -------------------------------------------------------------------------------------


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


class Person(BaseModel):
    """A person."""

    name: str
    age: int


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("any", "required"),
        (True, "required"),
        ("auto", "auto"),
        ("add", {"type": "function", "function": {"name": "add"}}),
    ],
)
def test_bind_tools_sends_normalised_tool_choice(
    recorder: Recorder, choice: Any, wire: Any
) -> None:
    make(recorder).bind_tools([add], tool_choice=choice, parallel_tool_calls=False).invoke("hi")
    body = recorder.last_body
    assert body["tool_choice"] == wire
    assert body["parallel_tool_calls"] is False
    assert body["tools"][0]["function"]["name"] == "add"


def test_strict_tools(recorder: Recorder) -> None:
    make(recorder).bind_tools([Person], strict=True).invoke("hi")
    assert recorder.last_body["tools"][0]["function"]["strict"] is True


def test_tool_call_response(recorder: Recorder) -> None:
    calls = [
        {
            "id": "c1",
            "type": "function",
            "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'},
        },
        {"id": "c2", "type": "function", "function": {"name": "add", "arguments": "{broken"}},
    ]
    body = completion_body(None)
    body["choices"][0]["message"]["tool_calls"] = calls
    body["choices"][0]["finish_reason"] = "tool_calls"
    recorder._reply = lambda _r: httpx.Response(200, json=body)
    result = make(recorder).bind_tools([add]).invoke("1+2?")
    assert isinstance(result, AIMessage)
    assert result.tool_calls == [
        {"name": "add", "args": {"a": 1, "b": 2}, "id": "c1", "type": "tool_call"}
    ]
    assert result.invalid_tool_calls[0]["args"] == "{broken"
    assert result.content == ""


def test_structured_output_json_schema_default(recorder: Recorder) -> None:
    recorder._reply = lambda _r: httpx.Response(
        200, json=completion_body('{"name": "Ann", "age": 0}')
    )
    result = make(recorder, model="gpt-4o").with_structured_output(Person).invoke("who?")
    assert result == Person(name="Ann", age=0)
    rf = recorder.last_body["response_format"]
    assert rf["type"] == "json_schema"
    assert rf["json_schema"]["name"] == "Person"


def test_structured_output_function_calling(recorder: Recorder) -> None:
    body = completion_body(None)
    body["choices"][0]["message"]["tool_calls"] = [
        {
            "id": "c",
            "type": "function",
            "function": {"name": "Person", "arguments": '{"name": "Bo", "age": 3}'},
        }
    ]
    recorder._reply = lambda _r: httpx.Response(200, json=body)
    chain = make(recorder).with_structured_output(Person, method="function_calling", strict=True)
    assert chain.invoke("who?") == Person(name="Bo", age=3)
    sent = recorder.last_body
    assert sent["tool_choice"] == {"type": "function", "function": {"name": "Person"}}
    assert sent["tools"][0]["function"]["strict"] is True


def test_structured_output_json_mode_and_include_raw(recorder: Recorder) -> None:
    recorder._reply = lambda _r: httpx.Response(200, json=completion_body("not json"))
    chain = make(recorder).with_structured_output(None, method="json_mode", include_raw=True)
    out = chain.invoke("give json")
    assert recorder.last_body["response_format"] == {"type": "json_object"}
    assert isinstance(out["raw"], AIMessage)
    assert out["parsed"] is None
    assert out["parsing_error"] is not None


def test_structured_output_unknown_kwargs_rejected(recorder: Recorder) -> None:
    with pytest.raises(TypeError, match="tools"):
        make(recorder).with_structured_output(Person, tools=[])


# -- quirks ------------------------------------------------------------------------------------


def test_phi3_json_mode_fails_before_sending(recorder: Recorder) -> None:
    llm = make(recorder, model="Phi-3-mini-4k-Instruct")
    with pytest.raises(UnsupportedFeatureError, match="Phi-3-mini-4k-Instruct"):
        llm.invoke("hi", response_format={"type": "json_object"})
    with pytest.raises(UnsupportedFeatureError, match="tool calling"):
        llm.bind_tools([add]).invoke("hi")
    with pytest.raises(UnsupportedFeatureError, match="neither JSON mode nor tool"):
        llm.with_structured_output(Person)
    assert recorder.requests == []


def test_phi3_quirk_follows_per_call_model(recorder: Recorder) -> None:
    with pytest.raises(UnsupportedFeatureError):
        make(recorder).invoke(
            "hi", model="Phi-3-mini-4k-Instruct", response_format={"type": "json_object"}
        )


def test_cohere_tool_results_sent_as_json(recorder: Recorder) -> None:
    history = [
        HumanMessage("weather?"),
        AIMessage("", tool_calls=[{"name": "w", "args": {}, "id": "c1"}]),
        ToolMessage("It's sunny.", tool_call_id="c1"),
    ]
    make(recorder, model="Cohere-command-r-plus").invoke(history)
    assert json.loads(recorder.last_body["messages"][2]["content"]) == {"result": "It's sunny."}
    make(recorder).invoke(history)
    assert recorder.last_body["messages"][2]["content"] == "It's sunny."


# -- results -----------------------------------------------------------------------------------


def test_invoke_result_metadata(recorder: Recorder) -> None:
    result = make(recorder).invoke("hi")
    assert result.content == "Hi!"
    assert result.response_metadata["model_name"] == "Mistral-Large"
    assert result.response_metadata["model_provider"] == "azure_inference"
    assert result.usage_metadata == {"input_tokens": 4, "output_tokens": 2, "total_tokens": 6}


def test_stream_chunks_and_last_position(recorder: Recorder) -> None:
    recorder._reply = streaming(text_stream("Hel", "lo"))
    chunks = list(make(recorder).stream("hi"))
    assert [c.content for c in chunks] == ["Hel", "lo", ""]
    assert chunks[-1].chunk_position == "last"
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert chunks[-1].usage_metadata == {"input_tokens": 4, "output_tokens": 2, "total_tokens": 6}


class _Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)


def test_streaming_invoke_reports_tokens(recorder: Recorder) -> None:
    recorder._reply = streaming(text_stream("a", "b", "c"))
    handler = _Tokens()
    result = make(recorder, streaming=True).invoke("hi", config={"callbacks": [handler]})
    assert result.content == "abc"
    assert handler.tokens == ["a", "b", "c", ""]
    assert recorder.last_body["stream"] is True


def test_streamed_content_filter_cut_raises_by_name(recorder: Recorder) -> None:
    chunks = [
        {"id": "s", "model": "m", "choices": [{"index": 0, "delta": {"content": "partial"}}]},
        {
            "id": "s",
            "model": "m",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "content_filter"}],
        },
    ]
    recorder._reply = streaming(sse(*chunks))
    with pytest.raises(ContentFilterError):
        list(make(recorder).stream("bad"))


# -- errors -------------------------------------------------------------------------------------


def test_rate_limit_error_mapped(recorder: Recorder) -> None:
    recorder._reply = error(
        429, {"error": {"code": "429", "message": "slow down"}}, **{"retry-after": "2"}
    )
    with pytest.raises(ModelRateLimitError) as info:
        make(recorder).invoke("hi")
    assert isinstance(info.value, RateLimitError)
    assert info.value.retry_after == 2


def test_content_filter_400_by_name(recorder: Recorder) -> None:
    recorder._reply = error(
        400,
        {"error": {"code": "content_filter", "message": "filtered", "status": 400}},
    )
    with pytest.raises(ContentFilterError) as info:
        make(recorder).invoke("bad")
    assert info.value.status_code == 400


def test_content_filter_200_keeps_partial_completion(recorder: Recorder) -> None:
    body = completion_body("partial")
    body["choices"][0]["finish_reason"] = "content_filter"
    recorder._reply = lambda _r: httpx.Response(200, json=body)
    with pytest.raises(ContentFilterError) as info:
        make(recorder).invoke("bad")
    assert info.value.completion is not None


def test_auth_error_never_contains_key(recorder: Recorder) -> None:
    recorder._reply = error(401, {"error": {"code": "401", "message": "bad key"}})
    with pytest.raises(AuthenticationError) as info:
        make(recorder).invoke("hi")
    assert KEY not in str(info.value)
    assert KEY not in repr(info.value.__dict__)


async def test_async_errors_mapped(recorder: Recorder) -> None:
    recorder._reply = error(429, {"error": {"code": "429", "message": "slow down"}})
    llm = make(recorder)
    with pytest.raises(RateLimitError):
        await llm.ainvoke("hi")
    with pytest.raises(RateLimitError):
        async for _ in llm.astream("hi"):
            pass
    await llm.aclose()


# -- secrets, serialization, pickling, lazy clients -------------------------------------------


def test_key_never_in_repr_str_or_serialized() -> None:
    llm = ChatAzureInference(endpoint=ENDPOINT, credential=KEY, model="m", temperature=0)
    for text in (repr(llm), str(llm), dumps(llm), json.dumps(dumpd(llm)), llm._get_llm_string()):
        assert KEY not in text
    assert dumpd(llm)["kwargs"]["credential"] == {
        "lc": 1,
        "type": "secret",
        "id": ["AZURE_INFERENCE_CREDENTIAL"],
    }
    assert dumpd(llm)["kwargs"]["temperature"] == 0


def test_no_client_and_no_io_at_construction() -> None:
    recorder = Recorder()
    llm = make(recorder)
    assert clients(llm)[0] is None
    assert clients(llm)[1] is None
    assert recorder.requests == []


def test_no_info_call_ever(recorder: Recorder) -> None:
    llm = make(recorder, model=None, endpoint="https://phi.eastus2.models.ai.azure.com")
    llm.invoke("hi")
    llm.invoke("again")
    assert [r.url.path for r in recorder.requests] == ["/chat/completions"] * 2
    assert "model" not in recorder.last_body


def test_pickle_drops_clients_and_roundtrips() -> None:
    llm = ChatAzureInference(endpoint=ENDPOINT, credential=KEY, model="m", temperature=0)
    llm._get_sync_client()
    assert clients(llm)[0] is not None
    clone = pickle.loads(pickle.dumps(llm))
    assert clients(clone)[0] is None
    assert clone.credential.get_secret_value() == KEY
    assert clone.temperature == 0
    llm.close()


def test_close_and_context_manager(recorder: Recorder) -> None:
    with make(recorder) as llm:
        llm.invoke("hi")
        assert clients(llm)[0] is not None
    assert clients(llm)[0] is None


async def test_async_uses_async_client(recorder: Recorder) -> None:
    async with make(recorder) as llm:
        result = await llm.ainvoke("hi")
        assert result.content == "Hi!"
        assert clients(llm)[1] is not None
        assert clients(llm)[0] is None
    assert clients(llm)[1] is None


def test_ls_params() -> None:
    llm = ChatAzureInference(
        endpoint=ENDPOINT, credential=KEY, model="m", temperature=0, max_tokens=5, stop=["x"]
    )
    assert llm._get_ls_params() == {
        "ls_provider": "azure_inference",
        "ls_model_name": "m",
        "ls_model_type": "chat",
        "ls_temperature": 0,
        "ls_max_tokens": 5,
        "ls_stop": ["x"],
    }
    assert llm._get_ls_params(model="n")["ls_model_name"] == "n"
    assert llm._llm_type == "azure-inference-chat"


def test_dumpd_load_roundtrip(monkeypatch: pytest.MonkeyPatch) -> None:
    from langchain_core.load import load

    llm = ChatAzureInference(
        endpoint=ENDPOINT, credential=KEY, model="m", temperature=0, stop=["x"], n=1
    )
    monkeypatch.setenv("AZURE_INFERENCE_CREDENTIAL", KEY)
    loaded = load(
        dumpd(llm),
        valid_namespaces=["langchain_azure_inference"],
        allowed_objects=[ChatAzureInference],
        secrets_from_env=True,
    )
    assert isinstance(loaded, ChatAzureInference)
    assert loaded.model_dump() == llm.model_dump()
    assert loaded.credential.get_secret_value() == KEY


def test_rate_limiter_is_used(recorder: Recorder) -> None:
    from langchain_core.rate_limiters import InMemoryRateLimiter

    class Counting(InMemoryRateLimiter):
        calls = 0

        def acquire(self, *, blocking: bool = True) -> bool:
            type(self).calls += 1
            return True

    make(recorder, rate_limiter=Counting(requests_per_second=100)).invoke("hi")
    assert Counting.calls == 1


def test_pickle_with_custom_http_client_fails_clearly(recorder: Recorder) -> None:
    with pytest.raises(TypeError, match="http_client"):
        pickle.dumps(make(recorder))


def test_max_concurrency_reaches_the_core() -> None:
    # The core validates the value when it builds its client: proof it is passed on.
    llm = ChatAzureInference(endpoint=ENDPOINT, credential=KEY, model="m", max_concurrency=0)
    with pytest.raises(ValueError, match="max_concurrency must be an int >= 1"):
        llm.invoke("hi")
    with pytest.raises(ValueError, match="max_concurrency"):
        make(Recorder(), max_concurrency=3).invoke("hi")
    with ChatAzureInference(endpoint=ENDPOINT, credential=KEY, model="m", max_concurrency=4) as ok:
        assert ok._get_sync_client() is not None
