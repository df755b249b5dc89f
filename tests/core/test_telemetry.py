"""OpenTelemetry GenAI spans and metrics of the core, on the emulator (sync and async).

The OpenTelemetry SDK's in-memory exporter and metric reader stand in for the
application's; the providers are installed for one test and removed after it.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

from azure_inference_core import (
    AsyncInferenceClient,
    ConfigurationError,
    ContentFilterError,
    InferenceClient,
    ServerError,
    StreamError,
)
from azure_inference_core._call import Call
from azure_inference_core._telemetry import TracedCall
from azure_inference_emulator import Emulator

from ._telemetry_support import KEY, Otel, install_otel, uninstall_otel

MESSAGES = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "How many languages are in the world?"},
]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather in a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(
        "Mistral-Large", key=KEY, seed=3, requests_per_minute=None, tokens_per_minute=None
    ) as server:
        yield server


@pytest.fixture
def otel(monkeypatch: pytest.MonkeyPatch) -> Iterator[Otel]:
    monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)
    installed = install_otel()
    yield installed
    uninstall_otel(installed)


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _client(kind: str, emu: Emulator, **kwargs: Any) -> Any:
    cls = AsyncInferenceClient if kind == "async" else InferenceClient
    kwargs.setdefault("model", "Mistral-Large")
    return cls(emu.foundry_endpoint, KEY, **kwargs)


async def _run(kind: str, client: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    if kind == "async":
        async with client:
            if method == "stream":
                return [chunk async for chunk in client.stream(*args, **kwargs)]
            return await getattr(client, method)(*args, **kwargs)
    with client:
        if method == "stream":
            return list(client.stream(*args, **kwargs))
        return getattr(client, method)(*args, **kwargs)


async def _under_parent(otel: Otel, kind: str, client: Any, method: str, *a: Any, **k: Any) -> Any:
    with otel.tracer.start_as_current_span("app"):
        return await _run(kind, client, method, *a, **k)


def _only_model_span(otel: Otel) -> Any:
    spans = [s for s in otel.spans() if s.name != "app"]
    assert len(spans) == 1, [s.name for s in spans]
    span = spans[0]
    app = [s for s in otel.spans() if s.name == "app"]
    if app:  # our span is a child of whatever span was current
        assert span.parent is not None
        assert span.parent.span_id == app[0].context.span_id
        assert span.context.trace_id == app[0].context.trace_id
    return span


async def test_complete_span_has_the_conventions_attributes(
    otel: Otel, emu: Emulator, kind: str
) -> None:
    client = _client(kind, emu)
    answer = await _under_parent(
        otel, kind, client, "complete", MESSAGES, temperature=0, max_tokens=50, seed=4, top_p=1
    )
    span = _only_model_span(otel)
    assert span.name == "chat Mistral-Large"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is not StatusCode.ERROR
    a = dict(span.attributes)
    assert a["gen_ai.operation.name"] == "chat"
    assert a["gen_ai.provider.name"] == "azure.ai.inference"
    assert a["gen_ai.request.model"] == "Mistral-Large"
    assert a["gen_ai.request.temperature"] == 0
    assert a["gen_ai.request.max_tokens"] == 50
    assert a["gen_ai.request.seed"] == 4
    assert a["gen_ai.request.top_p"] == 1
    assert a["gen_ai.output.type"] == "text"
    assert a["server.address"] == "127.0.0.1"
    assert a["server.port"] == int(emu.endpoint.rsplit(":", 1)[1])
    assert a["gen_ai.response.id"] == answer.id
    assert a["gen_ai.response.model"] == answer.model
    assert list(a["gen_ai.response.finish_reasons"]) == [answer.choices[0].finish_reason]
    assert a["gen_ai.usage.input_tokens"] == answer.usage.prompt_tokens
    assert a["gen_ai.usage.output_tokens"] == answer.usage.completion_tokens
    assert "error.type" not in a
    # Content is off by default: no message, instruction or tool definition.
    assert not [k for k in a if k.startswith(("gen_ai.input", "gen_ai.output.m", "gen_ai.sys"))]


async def test_samplers_see_the_request_attributes(otel: Otel, emu: Emulator, kind: str) -> None:
    await _run(kind, _client(kind, emu), "complete", MESSAGES, temperature=0.5)
    seen = otel.sampler.seen
    assert len(seen) == 1
    name, attributes = seen[0]
    assert name == "chat Mistral-Large"
    for key in ("gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.model"):
        assert key in attributes
    assert attributes["gen_ai.request.temperature"] == 0.5
    assert attributes["server.address"] == "127.0.0.1"


async def test_reasoning_and_openai_flavour(otel: Otel, emu: Emulator, kind: str) -> None:
    cls = AsyncInferenceClient if kind == "async" else InferenceClient
    client = cls(emu.openai_deployment_endpoint("o3-mini"), KEY)
    answer = await _run(kind, client, "complete", MESSAGES[1:], max_tokens=400)
    span = _only_model_span(otel)
    a = dict(span.attributes)
    assert a["gen_ai.provider.name"] == "azure.ai.openai"
    assert span.name == "chat o3-mini"  # the deployment in the URL
    details = (answer.usage.model_extra or {}).get("completion_tokens_details") or {}
    if "reasoning_tokens" in details:
        assert a["gen_ai.usage.reasoning.output_tokens"] == details["reasoning_tokens"]
    else:  # the profile must keep showing reasoning tokens for this test to mean anything
        pytest.fail(f"o3-mini answered without reasoning tokens: {answer.usage}")


async def test_stream_span_ends_with_the_stream(otel: Otel, emu: Emulator, kind: str) -> None:
    chunks = await _under_parent(otel, kind, _client(kind, emu), "stream", MESSAGES, seed=1)
    span = _only_model_span(otel)
    a = dict(span.attributes)
    assert span.end_time is not None
    assert a["gen_ai.response.id"] == chunks[0].id
    assert 0 < a["gen_ai.response.time_to_first_chunk"] < (span.end_time - span.start_time) / 1e9
    reasons = [c.finish_reason for ch in chunks for c in ch.choices if c.finish_reason]
    assert list(a["gen_ai.response.finish_reasons"]) == reasons
    usage = [ch.usage for ch in chunks if ch.usage is not None]
    if usage:
        assert a["gen_ai.usage.output_tokens"] == usage[-1].completion_tokens
    points = otel.points()
    (first,) = points["gen_ai.client.operation.time_to_first_chunk"]
    assert first.count == 1
    assert first.sum == a["gen_ai.response.time_to_first_chunk"]
    # The conventions: one value per chunk after the first, the time since the previous one.
    (per_chunk,) = points["gen_ai.client.operation.time_per_output_chunk"]
    assert per_chunk.count == len(chunks) - 1
    assert 0 < first.sum + per_chunk.sum < (span.end_time - span.start_time) / 1e9
    assert first.attributes["gen_ai.response.model"] == chunks[0].model
    assert per_chunk.attributes == first.attributes


async def test_stream_parent_is_where_it_was_opened(otel: Otel, emu: Emulator) -> None:
    async with AsyncInferenceClient(emu.foundry_endpoint, KEY, model="Mistral-Large") as client:
        with otel.tracer.start_as_current_span("app"):
            stream = client.stream(MESSAGES)
        with otel.tracer.start_as_current_span("elsewhere"):
            chunks = [chunk async for chunk in stream]
    assert chunks
    (span,) = [s for s in otel.spans() if s.name.startswith("chat")]
    (app,) = [s for s in otel.spans() if s.name == "app"]
    assert span.parent is not None
    assert span.parent.span_id == app.context.span_id


async def test_concurrent_async_calls_keep_their_parents(otel: Otel, emu: Emulator) -> None:
    async with AsyncInferenceClient(emu.foundry_endpoint, KEY, model="Mistral-Large") as client:

        async def one(name: str) -> None:
            with otel.tracer.start_as_current_span(name):
                await client.complete(MESSAGES)
                async for _ in client.stream(MESSAGES):
                    await asyncio.sleep(0)

        await asyncio.gather(*(one(f"task-{i}") for i in range(4)))
    spans = otel.spans()
    parents = {s.context.span_id: s.name for s in spans if s.name.startswith("task-")}
    model_spans = [s for s in spans if s.name.startswith("chat")]
    assert len(model_spans) == 8
    by_parent: dict[str, int] = {}
    for s in model_spans:
        assert s.parent is not None
        by_parent[parents[s.parent.span_id]] = by_parent.get(parents[s.parent.span_id], 0) + 1
    assert by_parent == {f"task-{i}": 2 for i in range(4)}


async def test_abandoned_stream_ends_its_span(otel: Otel, emu: Emulator, kind: str) -> None:
    client = _client(kind, emu)
    if kind == "async":
        async with client, client.stream(MESSAGES) as stream:
            async for _ in stream:
                break
    else:
        with client, client.stream(MESSAGES) as stream:
            for _ in stream:
                break
    span = _only_model_span(otel)
    assert span.end_time is not None
    assert "gen_ai.response.time_to_first_chunk" in span.attributes
    assert span.status.status_code is not StatusCode.ERROR
    points = otel.points()  # one chunk read: a time to first chunk, no gap yet
    assert points["gen_ai.client.operation.time_to_first_chunk"][0].count == 1
    assert "gen_ai.client.operation.time_per_output_chunk" not in points


def test_never_iterated_stream_ends_its_span(otel: Otel, emu: Emulator) -> None:
    with InferenceClient(emu.foundry_endpoint, KEY, model="Mistral-Large") as client:
        client.stream(MESSAGES).close()
    span = _only_model_span(otel)
    assert span.end_time is not None
    assert "gen_ai.response.time_to_first_chunk" not in span.attributes


async def test_embeddings_span(otel: Otel, emu: Emulator, kind: str) -> None:
    client = _client(kind, emu, model="Cohere-embed-v3-english")
    result = await _under_parent(otel, kind, client, "embed", ["one", "two"], dimensions=None)
    span = _only_model_span(otel)
    a = dict(span.attributes)
    assert span.name == "embeddings Cohere-embed-v3-english"
    assert a["gen_ai.operation.name"] == "embeddings"
    assert a["gen_ai.usage.input_tokens"] == result.usage.prompt_tokens
    assert "gen_ai.usage.output_tokens" not in a
    tokens = otel.points()["gen_ai.client.token.usage"]
    assert [p.attributes["gen_ai.token.type"] for p in tokens] == ["input"]


async def test_429_retried_then_succeeding(otel: Otel, emu: Emulator, kind: str) -> None:
    fault = {"x-emulator-fault": f"status=429; retry-after-ms=10; times=1; id=r429-{kind}"}
    await _run(kind, _client(kind, emu), "complete", MESSAGES, headers=fault)
    span = _only_model_span(otel)
    assert span.status.status_code is not StatusCode.ERROR
    (event,) = span.events
    assert event.name == "azure.ai.inference.retry"
    assert event.attributes["http.response.status_code"] == 429
    assert event.attributes["http.request.resend_count"] == 1
    assert "error.type" not in span.attributes


async def test_503_exhausted(otel: Otel, emu: Emulator, kind: str) -> None:
    fault = {"x-emulator-fault": "status=503; retry-after-ms=5"}
    with pytest.raises(ServerError):
        await _run(kind, _client(kind, emu, max_retries=2), "complete", MESSAGES, headers=fault)
    span = _only_model_span(otel)
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["error.type"] == "ServerError"
    assert [e.attributes["http.response.status_code"] for e in span.events] == [503, 503]
    (duration,) = otel.points()["gen_ai.client.operation.duration"]
    assert duration.attributes["error.type"] == "ServerError"
    assert duration.count == 1


@pytest.mark.parametrize("where", ["prompt", "completion"])
async def test_content_filter(otel: Otel, emu: Emulator, kind: str, where: str) -> None:
    fault = {"x-emulator-fault": f"content-filter={where}"}
    with pytest.raises(ContentFilterError):
        await _run(kind, _client(kind, emu), "complete", MESSAGES, headers=fault)
    span = _only_model_span(otel)
    assert span.attributes["error.type"] == "ContentFilterError"
    assert span.status.status_code is StatusCode.ERROR
    if where == "completion":  # the partial answer still says what happened
        assert list(span.attributes["gen_ai.response.finish_reasons"]) == ["content_filter"]


async def test_dropped_stream(otel: Otel, emu: Emulator, kind: str) -> None:
    fault = {"x-emulator-fault": "drop-after=2"}
    with pytest.raises(StreamError):
        await _run(kind, _client(kind, emu), "stream", MESSAGES, headers=fault)
    span = _only_model_span(otel)
    assert span.attributes["error.type"] == "StreamError"
    assert span.status.status_code is StatusCode.ERROR
    assert "gen_ai.response.time_to_first_chunk" in span.attributes
    points = otel.points()  # the chunks that arrived are measured, with the failure
    (first,) = points["gen_ai.client.operation.time_to_first_chunk"]
    (per_chunk,) = points["gen_ai.client.operation.time_per_output_chunk"]
    assert first.attributes["error.type"] == per_chunk.attributes["error.type"] == "StreamError"
    assert per_chunk.count >= 1


def _content(span: Any) -> dict[str, Any]:
    a = span.attributes
    return {
        k: json.loads(a[k])
        for k in (
            "gen_ai.input.messages",
            "gen_ai.output.messages",
            "gen_ai.system_instructions",
            "gen_ai.tool.definitions",
        )
        if k in a
    }


async def test_content_with_the_environment_variable(
    otel: Otel, emu: Emulator, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    method = "stream" if kind == "async" else "complete"  # both paths, both clients overall
    out = await _run(kind, _client(kind, emu), method, MESSAGES, tools=TOOLS)
    content = _content(_only_model_span(otel))
    assert content["gen_ai.system_instructions"] == [{"type": "text", "content": "You are terse."}]
    assert content["gen_ai.input.messages"] == [
        {"role": "user", "parts": [{"type": "text", "content": MESSAGES[1]["content"]}]}
    ]
    assert content["gen_ai.tool.definitions"] == TOOLS
    (message,) = content["gen_ai.output.messages"]
    assert message["role"] == "assistant"
    assert message["finish_reason"] in ("stop", "tool_calls", "length")
    text = "".join(p.get("content", "") for p in message["parts"] if p["type"] == "text")
    if method == "complete":
        assert text == (out.choices[0].message.content or "")
    else:
        assert text == "".join(c.choices[0].delta.content or "" for c in out if c.choices)


async def test_content_with_the_client_option_and_off_switch(
    otel: Otel, emu: Emulator, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    client = _client(kind, emu)
    client.capture_message_content = False  # the option wins over the variable
    await _run(kind, client, "complete", MESSAGES)
    assert _content(_only_model_span(otel)) == {}
    otel.exporter.clear()
    monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT")
    client = _client(kind, emu)
    client.capture_message_content = True
    await _run(kind, client, "complete", MESSAGES)
    assert set(_content(_only_model_span(otel))) == {
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.system_instructions",
    }


async def test_content_with_the_constructor_option(
    otel: Otel, emu: Emulator, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    client = _client(kind, emu, capture_message_content=False)
    assert client.capture_message_content is False
    await _run(kind, client, "complete", MESSAGES)
    assert _content(_only_model_span(otel)) == {}
    otel.exporter.clear()
    monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT")
    await _run(kind, _client(kind, emu, capture_message_content=True), "stream", MESSAGES)
    assert "gen_ai.output.messages" in _content(_only_model_span(otel))


def test_capture_option_refuses_anything_but_a_bool_or_none(emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match=r"capture_message_content must be True"):
        _client("sync", emu, capture_message_content="true")
    client = _client("sync", emu)
    with pytest.raises(ConfigurationError, match=r"OTEL_INSTRUMENTATION_GENAI_CAPTURE"):
        client.capture_message_content = 1  # type: ignore[assignment]
    assert client.capture_message_content is None
    client.close()


async def test_a_dropped_span_costs_no_content_work_and_keeps_the_metrics(
    otel: Otel, emu: Emulator, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from azure_inference_core import _telemetry

    def forbidden(*args: Any) -> Any:
        raise AssertionError("content serialized for a span nobody records")

    monkeypatch.setattr(_telemetry, "input_attributes", forbidden)
    monkeypatch.setattr(_telemetry, "output_messages", forbidden)
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    otel.sampler.drop_ours = True
    await _run(kind, _client(kind, emu), "complete", MESSAGES)
    chunks = await _run(kind, _client(kind, emu), "stream", MESSAGES)
    assert [name for name, _ in otel.sampler.seen] == ["chat Mistral-Large"] * 2
    assert otel.spans() == []
    points = otel.points()
    assert sum(p.count for p in points["gen_ai.client.operation.duration"]) == 2
    (per_chunk,) = points["gen_ai.client.operation.time_per_output_chunk"]
    assert per_chunk.count == len(chunks) - 1


async def test_keys_never_recorded(
    otel: Otel, emu: Emulator, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    secret_headers = {"x-ms-client-request-id": "rid-1", "api-key": KEY}
    fault = {"x-emulator-fault": f"status=503; retry-after-ms=5; times=1; id=k-{kind}"}
    await _run(kind, _client(kind, emu), "complete", MESSAGES, headers=secret_headers | fault)
    headers = secret_headers | {"x-emulator-fault": "status=503; retry-after-ms=5"}
    with pytest.raises(ServerError):
        await _run(kind, _client(kind, emu), "complete", MESSAGES, headers=headers)
    dump = repr(
        [
            (s.name, dict(s.attributes or {}), [dict(e.attributes or {}) for e in s.events])
            for s in otel.spans()
        ]
    )
    dump += repr([s.status.description for s in otel.spans()])
    dump += repr(otel.reader.get_metrics_data())
    assert KEY not in dump
    assert "rid-1" not in dump  # no header at all


def test_metrics_use_the_conventions_buckets(otel: Otel, emu: Emulator) -> None:
    with InferenceClient(emu.foundry_endpoint, KEY, model="Mistral-Large") as client:
        answer = client.complete(MESSAGES)
    points = otel.points()
    (duration,) = points["gen_ai.client.operation.duration"]
    assert list(duration.explicit_bounds) == [0.01 * 2**i for i in range(14)]
    assert duration.attributes["gen_ai.operation.name"] == "chat"
    assert duration.attributes["gen_ai.provider.name"] == "azure.ai.inference"
    assert duration.attributes["gen_ai.response.model"] == answer.model
    tokens = {p.attributes["gen_ai.token.type"]: p for p in points["gen_ai.client.token.usage"]}
    assert answer.usage is not None
    assert list(tokens["input"].explicit_bounds) == [4**i for i in range(14)]
    assert tokens["input"].sum == answer.usage.prompt_tokens
    assert tokens["output"].sum == answer.usage.completion_tokens
    assert "gen_ai.client.operation.time_to_first_chunk" not in points  # not a stream


def test_nothing_without_a_provider(emu: Emulator) -> None:
    # No provider installed: the call stays a plain Call, so no telemetry code runs.
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    with InferenceClient(emu.foundry_endpoint, KEY, model="Mistral-Large") as client:
        call = client._chat_call(MESSAGES, stream=False, **_no_params())
        assert type(call) is Call
        assert client.complete(MESSAGES).choices


def test_info_calls_are_not_traced(otel: Otel, emu: Emulator) -> None:
    with InferenceClient(emu.endpoint, KEY) as client:
        client.get_model_info()
        assert type(client._chat_call(MESSAGES, stream=False, **_no_params())) is TracedCall
    assert otel.spans() == []


def _no_params() -> dict[str, Any]:
    from azure_inference_core._params import chat_params

    return chat_params({}, "test")


def test_switched_off_by_the_standard_variable(
    otel: Otel, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", "httpx, azure_inference_core")
    with InferenceClient(emu.foundry_endpoint, KEY, model="Mistral-Large") as client:
        client.complete(MESSAGES)
    assert otel.spans() == []
    assert otel.points() == {}


def test_importing_the_core_does_not_import_opentelemetry() -> None:
    # Only an application that imports OpenTelemetry can configure a provider, so the
    # core leaves the import (tens of milliseconds) to it.
    code = (
        "import sys, azure_inference_core; "
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cached_and_reasoning_tokens_from_the_usage_details(otel: Otel) -> None:
    body = {
        "id": "cmpl-9",
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}
        ],
        "usage": {
            "prompt_tokens": 120,
            "completion_tokens": 30,
            "total_tokens": 150,
            "prompt_tokens_details": {"cached_tokens": 64},
            "completion_tokens_details": {"reasoning_tokens": 12},
        },
    }
    http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=body)))
    endpoint = "https://res.openai.azure.com/openai/deployments/gpt-4o-mini"
    with InferenceClient(endpoint, KEY, http_client=http) as client:
        client.complete(MESSAGES)
    a = _only_model_span(otel).attributes
    assert a["gen_ai.usage.cache_read.input_tokens"] == 64
    assert a["gen_ai.usage.reasoning.output_tokens"] == 12
    assert a["gen_ai.usage.input_tokens"] == 120
    assert a["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"
    assert a["server.address"] == "res.openai.azure.com"
    assert a["server.port"] == 443


def test_unknown_capture_value_is_off_and_said_once(
    otel: Otel, emu: Emulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from azure_inference_core import _telemetry_content

    monkeypatch.setattr(_telemetry_content, "_warned", set())
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "sometimes")
    with InferenceClient(emu.foundry_endpoint, KEY, model="Mistral-Large") as client:
        client.complete(MESSAGES)
        client.complete(MESSAGES)
    assert [_content(s) for s in otel.spans()] == [{}, {}]
    said = [r.getMessage() for r in caplog.records if "CAPTURE_MESSAGE_CONTENT" in r.getMessage()]
    assert len(said) == 1
    assert "'sometimes' is not understood" in said[0]
    assert "Use 'true' or 'false'" in said[0]


def test_tool_round_trip_in_the_conventions_shape() -> None:
    from azure_inference_core._telemetry_content import input_attributes

    body = {
        "messages": [
            {"role": "developer", "content": [{"type": "text", "text": "Use tools."}]},
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "Sunny"},
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
                ],
            },
        ]
    }
    out = input_attributes(body)
    assert json.loads(out["gen_ai.system_instructions"]) == [
        {"type": "text", "content": "Use tools."}
    ]
    assert json.loads(out["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]},
        {
            "role": "assistant",
            "parts": [
                {
                    "type": "tool_call",
                    "id": "call_1",
                    "name": "get_weather",
                    "arguments": {"city": "Paris"},
                }
            ],
        },
        {
            "role": "tool",
            "parts": [{"type": "tool_call_response", "id": "call_1", "response": "Sunny"}],
        },
        {
            "role": "user",
            "parts": [
                {"type": "blob", "modality": "image", "content": "<inline>"},
                {"type": "uri", "modality": "image", "uri": "https://example.com/a.png"},
            ],
        },
    ]
    assert "AAAA" not in out["gen_ai.input.messages"]  # inline bytes are not copied
