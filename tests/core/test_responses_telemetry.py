"""OpenTelemetry GenAI spans and metrics of the Responses API (``client.responses``).

Same Trace as chat completions: operation ``chat`` with ``openai.api.type``
``responses``, provider ``azure.ai.openai`` on the v1 routes; the emulator for
the service's behaviour and faults, a scripted server where exact answers
(cached and reasoning tokens, function calls) matter.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

from azure_inference_core import (
    AsyncInferenceClient,
    FunctionTool,
    InferenceClient,
    ReasoningConfig,
    ResponseContentFilterError,
    ServerError,
    StreamError,
)
from azure_inference_core._call import Call
from azure_inference_emulator import Emulator

from ._loopback import ScriptedServer, json_reply, sse_reply
from ._responses_data import RESPONSE, events_for, sse
from ._telemetry_support import KEY, Otel, install_otel, uninstall_otel

CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
QUESTION = "How many languages are in the world?"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(
        "gpt-4o-mini", key=KEY, seed=3, requests_per_minute=None, tokens_per_minute=None
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


def _client(kind: str, endpoint: str, **kwargs: Any) -> Any:
    cls = AsyncInferenceClient if kind == "async" else InferenceClient
    kwargs.setdefault("model", "gpt-4o-mini")
    return cls(endpoint, KEY, **kwargs)


async def _run(kind: str, client: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    """``create``'s response, or ``stream``'s (events, final response)."""
    if kind == "async":
        async with client:
            if method == "stream":
                async with client.responses.stream(*args, **kwargs) as stream:
                    return [e async for e in stream], stream.final_response()
            return await client.responses.create(*args, **kwargs)
    with client:
        if method == "stream":
            with client.responses.stream(*args, **kwargs) as stream:
                return list(stream), stream.final_response()
        return client.responses.create(*args, **kwargs)


def _only_model_span(otel: Otel) -> Any:
    spans = [s for s in otel.spans() if s.name != "app"]
    assert len(spans) == 1, [s.name for s in spans]
    span = spans[0]
    app = [s for s in otel.spans() if s.name == "app"]
    if app:  # a child of whatever span was current
        assert span.parent is not None
        assert span.parent.span_id == app[0].context.span_id
    return span


# -- created responses ---------------------------------------------------------------------------


async def test_create_span_has_the_conventions_attributes(
    otel: Otel, emu: Emulator, kind: str
) -> None:
    client = _client(kind, emu.openai_v1_endpoint)
    with otel.tracer.start_as_current_span("app"):
        answer = await _run(
            kind, client, "create", QUESTION, temperature=0.5, top_p=1, max_output_tokens=60
        )
    span = _only_model_span(otel)
    assert span.name == "chat gpt-4o-mini"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is not StatusCode.ERROR
    a = dict(span.attributes)
    assert a["gen_ai.operation.name"] == "chat"
    assert a["openai.api.type"] == "responses"
    assert a["gen_ai.provider.name"] == "azure.ai.openai"
    assert a["gen_ai.request.model"] == "gpt-4o-mini"
    assert a["gen_ai.request.temperature"] == 0.5
    assert a["gen_ai.request.top_p"] == 1
    assert a["gen_ai.request.max_tokens"] == 60
    assert a["gen_ai.output.type"] == "text"
    assert a["server.address"] == "127.0.0.1"
    assert a["server.port"] == int(emu.endpoint.rsplit(":", 1)[1])
    assert a["gen_ai.response.id"] == answer.id
    assert a["gen_ai.response.model"] == answer.model
    assert list(a["gen_ai.response.finish_reasons"]) == ["stop"]
    assert a["gen_ai.usage.input_tokens"] == answer.usage.input_tokens
    assert a["gen_ai.usage.output_tokens"] == answer.usage.output_tokens
    assert a["gen_ai.usage.cache_read.input_tokens"] == 0  # the emulator reports 0 cached
    assert not [k for k in a if k.startswith(("gen_ai.input", "gen_ai.output.messages"))]
    assert "gen_ai.system_instructions" not in a
    points = otel.points()
    (duration,) = points["gen_ai.client.operation.duration"]
    assert duration.attributes["gen_ai.operation.name"] == "chat"
    tokens = {p.attributes["gen_ai.token.type"]: p for p in points["gen_ai.client.token.usage"]}
    assert tokens["input"].sum == answer.usage.input_tokens
    assert tokens["output"].sum == answer.usage.output_tokens


async def test_samplers_see_the_request_attributes(otel: Otel, emu: Emulator, kind: str) -> None:
    schema = {"type": "json_schema", "name": "city", "schema": CITY, "strict": True}
    client = _client(kind, emu.openai_v1_endpoint)
    await _run(kind, client, "create", "Tell me about Berlin", text_format=schema)
    ((name, seen),) = otel.sampler.seen
    assert name == "chat gpt-4o-mini"
    assert seen["openai.api.type"] == "responses"
    assert seen["gen_ai.provider.name"] == "azure.ai.openai"
    assert seen["gen_ai.output.type"] == "json"


async def test_reasoning_tokens_and_the_length_reason(otel: Otel, emu: Emulator, kind: str) -> None:
    client = _client(kind, emu.openai_v1_endpoint, model="o3-mini")
    answer = await _run(kind, client, "create", "Why is the sky blue?", reasoning={"effort": "low"})
    a = dict(_only_model_span(otel).attributes)
    assert answer.usage.reasoning_tokens > 0  # the profile must keep reporting them
    assert a["gen_ai.usage.reasoning.output_tokens"] == answer.usage.reasoning_tokens
    assert span_names(otel) == ["chat o3-mini"]
    otel.exporter.clear()
    cut = await _run(kind, _client(kind, emu.openai_v1_endpoint), "create", "hi " * 40,
                     max_output_tokens=16)  # fmt: skip
    assert cut.status == "incomplete"
    a = dict(_only_model_span(otel).attributes)
    assert list(a["gen_ai.response.finish_reasons"]) == ["length"]


def span_names(otel: Otel) -> list[str]:
    return [s.name for s in otel.spans()]


async def test_function_calls_cached_tokens_and_content(
    otel: Otel, server: ScriptedServer, kind: str
) -> None:
    answer = json.loads(json.dumps(RESPONSE))
    answer["usage"]["input_tokens_details"] = {"cached_tokens": 12}
    server.push(json_reply(answer))
    client = _client(kind, server.url + "/openai/v1", model="o3-mini")
    client.capture_message_content = True
    tools = [FunctionTool(name="get_weather", parameters=CITY)]
    await _run(
        kind,
        client,
        "create",
        [
            {"role": "developer", "content": "Use tools."},
            {"role": "user", "content": [{"type": "input_text", "text": "Weather in Paris?"}]},
            {"type": "reasoning", "id": "rs_0", "summary": [], "encrypted_content": "SEALED"},
            {"type": "function_call", "call_id": "c0", "name": "get_weather", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c0", "output": "rain"},
        ],
        instructions="Be brief.",
        tools=tools,
        reasoning=ReasoningConfig(effort="low"),
    )
    a = dict(_only_model_span(otel).attributes)
    assert a["gen_ai.usage.cache_read.input_tokens"] == 12
    assert a["gen_ai.usage.reasoning.output_tokens"] == 64
    assert list(a["gen_ai.response.finish_reasons"]) == ["tool_calls"]
    system = json.loads(a["gen_ai.system_instructions"])
    assert system == [
        {"type": "text", "content": "Be brief."},
        {"type": "text", "content": "Use tools."},
    ]
    messages = json.loads(a["gen_ai.input.messages"])
    assert messages[0] == {
        "role": "user",
        "parts": [{"type": "text", "content": "Weather in Paris?"}],
    }
    assert messages[1]["parts"] == [{"type": "reasoning", "content": ""}]
    assert messages[2]["parts"][0] == {
        "type": "tool_call", "id": "c0", "name": "get_weather", "arguments": {},
    }  # fmt: skip
    assert messages[3] == {
        "role": "tool",
        "parts": [{"type": "tool_call_response", "id": "c0", "response": "rain"}],
    }
    assert json.loads(a["gen_ai.tool.definitions"])[0]["name"] == "get_weather"
    (output,) = json.loads(a["gen_ai.output.messages"])
    assert output["finish_reason"] == "tool_calls"
    assert {"type": "text", "content": "It is sunny in Paris."} in output["parts"]
    call = next(p for p in output["parts"] if p["type"] == "tool_call")
    assert call == {"type": "tool_call", "id": "call_a", "name": "get_weather",
                    "arguments": {"city": "Paris"}}  # fmt: skip
    recorded = json.dumps(a)
    assert "SEALED" not in recorded  # encrypted reasoning is never recorded
    assert "gAAAAB" not in recorded


# -- streams -------------------------------------------------------------------------------------


async def test_stream_span_ends_with_the_stream(otel: Otel, emu: Emulator, kind: str) -> None:
    client = _client(kind, emu.openai_v1_endpoint)
    with otel.tracer.start_as_current_span("app"):
        events, final = await _run(kind, client, "stream", "a b c d e f g", temperature=0)
    span = _only_model_span(otel)
    a = dict(span.attributes)
    assert events[-1].type == "response.completed"
    assert a["openai.api.type"] == "responses"
    assert a["gen_ai.response.id"] == final.id
    assert a["gen_ai.response.model"] == final.model
    assert list(a["gen_ai.response.finish_reasons"]) == ["stop"]
    assert a["gen_ai.usage.output_tokens"] == final.usage.output_tokens
    assert 0 < a["gen_ai.response.time_to_first_chunk"] < (span.end_time - span.start_time) / 1e9
    points = otel.points()
    assert points["gen_ai.client.operation.time_to_first_chunk"][0].count == 1
    (per_chunk,) = points["gen_ai.client.operation.time_per_output_chunk"]
    assert per_chunk.count == len(events) - 1  # one value per event after the first


async def test_streamed_content_is_captured_when_asked(
    otel: Otel, server: ScriptedServer, kind: str
) -> None:
    server.push(sse_reply([sse(events_for(RESPONSE))]))
    client = _client(kind, server.url + "/openai/v1", model="o3-mini")
    client.capture_message_content = True
    await _run(kind, client, "stream", "Weather in Paris?")
    a = dict(_only_model_span(otel).attributes)
    assert json.loads(a["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}
    ]
    (output,) = json.loads(a["gen_ai.output.messages"])
    assert {"type": "text", "content": "It is sunny in Paris."} in output["parts"]
    assert a["gen_ai.response.id"] == "resp_1"
    assert a["gen_ai.usage.reasoning.output_tokens"] == 64
    assert list(a["gen_ai.response.finish_reasons"]) == ["tool_calls"]


async def test_dropped_stream_is_an_error_span(otel: Otel, emu: Emulator, kind: str) -> None:
    fault = {"x-emulator-fault": "drop-after=4"}
    with pytest.raises(StreamError):
        await _run(kind, _client(kind, emu.openai_v1_endpoint), "stream", "a b c d e",
                   headers=fault)  # fmt: skip
    span = _only_model_span(otel)
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["error.type"] == "StreamError"
    assert "gen_ai.response.time_to_first_chunk" in span.attributes


async def test_dropped_stream_records_the_output_it_delivered(
    otel: Otel, emu: Emulator, kind: str
) -> None:
    """With content capture on, a stream cut before its terminal event still records the
    text the caller received (as a chat stream does), with no finish reason."""
    client = _client(kind, emu.openai_v1_endpoint)
    client.capture_message_content = True
    fault = {"x-emulator-fault": "drop-after=12"}
    events: list[Any] = []

    async def read() -> None:
        if kind == "async":
            async with client, client.responses.stream("a b c d e f g h", headers=fault) as s:
                async for event in s:
                    events.append(event)
        else:
            with client, client.responses.stream("a b c d e f g h", headers=fault) as s:
                events.extend(s)

    with pytest.raises(StreamError):
        await read()
    delivered = "".join(e.delta or "" for e in events if e.type == "response.output_text.delta")
    assert delivered  # the cut came after some text
    a = dict(_only_model_span(otel).attributes)
    assert a["error.type"] == "StreamError"
    (output,) = json.loads(a["gen_ai.output.messages"])
    assert output["parts"] == [{"type": "text", "content": delivered}]
    assert output.get("finish_reason") in (None, "")


async def test_abandoned_stream_ends_its_span(otel: Otel, emu: Emulator, kind: str) -> None:
    client = _client(kind, emu.openai_v1_endpoint)
    if kind == "async":
        async with client, client.responses.stream("a b c d e") as stream:
            async for _ in stream:
                break
    else:
        with client, client.responses.stream("a b c d e") as stream:
            for _ in stream:
                break
    span = _only_model_span(otel)
    assert span.end_time is not None
    assert span.status.status_code is not StatusCode.ERROR
    assert "gen_ai.response.time_to_first_chunk" in span.attributes


def test_never_iterated_stream_ends_its_span(otel: Otel, emu: Emulator) -> None:
    with InferenceClient(emu.openai_v1_endpoint, KEY, model="gpt-4o-mini") as client:
        client.responses.stream("hi").close()
    span = _only_model_span(otel)
    assert span.end_time is not None
    assert "gen_ai.response.time_to_first_chunk" not in span.attributes


# -- errors --------------------------------------------------------------------------------------


async def test_retries_are_events_and_exhaustion_an_error(
    otel: Otel, emu: Emulator, kind: str
) -> None:
    once = {"x-emulator-fault": f"status=429; retry-after-ms=10; times=1; id=resp429-{kind}"}
    await _run(kind, _client(kind, emu.openai_v1_endpoint), "create", "hi", headers=once)
    (event,) = _only_model_span(otel).events
    assert event.name == "azure.ai.inference.retry"
    assert event.attributes["http.response.status_code"] == 429
    otel.exporter.clear()
    always = {"x-emulator-fault": "status=503; retry-after-ms=5"}
    with pytest.raises(ServerError):
        await _run(kind, _client(kind, emu.openai_v1_endpoint, max_retries=1), "create", "hi",
                   headers=always)  # fmt: skip
    span = _only_model_span(otel)
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["error.type"] == "ServerError"


async def test_content_filter_cut_keeps_the_reason(otel: Otel, emu: Emulator, kind: str) -> None:
    cut = {"x-emulator-fault": "content-filter=completion"}
    with pytest.raises(ResponseContentFilterError) as caught:
        await _run(kind, _client(kind, emu.openai_v1_endpoint), "create", "Paris?", headers=cut)
    assert caught.value.completion is None  # chat's field is not left on the Responses error
    a = dict(_only_model_span(otel).attributes)
    assert a["error.type"] == "ResponseContentFilterError"
    assert list(a["gen_ai.response.finish_reasons"]) == ["content_filter"]
    assert a["gen_ai.response.id"] == caught.value.response.id


def test_nothing_without_a_provider(emu: Emulator) -> None:
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    with InferenceClient(emu.openai_v1_endpoint, KEY, model="gpt-4o-mini") as client:
        responses = client.responses
        call = responses._prepare(False, {"self": responses, **_arguments("hi")})
        assert type(call) is Call
        assert client.responses.create("hi").output_text


def _arguments(input: Any) -> dict[str, Any]:
    import inspect

    from azure_inference_core._responses_api import Responses

    names = inspect.signature(Responses.create).parameters
    return {n: None for n in names if n != "self"} | {"input": input}
