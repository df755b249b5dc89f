"""The core's GenAI spans seen through LangChain: invoke, stream, an agent with a tool.

A LangChain callback handler that opens an OpenTelemetry span per chat-model
run and makes it current (what OpenTelemetry-based LangChain tracers do) stands
in for the framework tracer: the core's span must sit beneath it, once per
model call, and never twice.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

pytest.importorskip("opentelemetry.sdk")

from _lc_mock import EMULATOR_KEY
from langchain.agents import create_agent
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.tools import tool
from opentelemetry import context, trace

from azure_inference_emulator import Emulator
from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from core._telemetry_support import Otel, install_otel, uninstall_otel


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"Sunny, 21 C in {city}."


class OtelRunTracer(BaseCallbackHandler):
    """One span per chat-model run, current while the model runs."""

    def __init__(self, tracer: trace.Tracer) -> None:
        self.tracer = tracer
        self.open: dict[UUID, tuple[Any, Any]] = {}

    def on_chat_model_start(
        self, serialized: Any, messages: Any, *, run_id: UUID, **kwargs: Any
    ) -> None:
        span = self.tracer.start_span("langchain.chat_model")
        self.open[run_id] = (span, context.attach(trace.set_span_in_context(span)))

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        span, token = self.open.pop(run_id)
        context.detach(token)
        span.end()


@pytest.fixture
def otel(monkeypatch: pytest.MonkeyPatch) -> Iterator[Otel]:
    monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)
    installed = install_otel()
    yield installed
    uninstall_otel(installed)


@pytest.fixture
def llm(fresh_emulator: Emulator) -> Iterator[ChatAzureInference]:
    with ChatAzureInference(
        endpoint=fresh_emulator.foundry_endpoint,
        credential=EMULATOR_KEY,
        model="gpt-4o-mini",
        temperature=0,
    ) as model:
        yield model


def _check_tree(otel: Otel, model_calls: int, provider: str = "azure.ai.inference") -> list[Any]:
    spans = otel.spans()
    ours = [s for s in spans if s.name == "chat gpt-4o-mini"]
    runs = {s.context.span_id: s for s in spans if s.name == "langchain.chat_model"}
    (app,) = [s for s in spans if s.name == "app"]
    assert len(ours) == model_calls  # one span per model call, none duplicated
    assert len(runs) == model_calls
    for span in ours:  # each beneath its LangChain run, beneath the app's span
        assert span.parent is not None
        run = runs[span.parent.span_id]
        assert run.parent is not None
        assert run.parent.span_id == app.context.span_id
        assert span.attributes is not None
        assert span.attributes["gen_ai.provider.name"] == provider
        assert span.attributes["gen_ai.request.temperature"] == 0
        assert "gen_ai.input.messages" not in span.attributes  # content off by default
    return ours


def test_invoke(otel: Otel, llm: ChatAzureInference) -> None:
    with otel.tracer.start_as_current_span("app"):
        answer = llm.invoke("Hello there", config={"callbacks": [OtelRunTracer(otel.tracer)]})
    (span,) = _check_tree(otel, 1)
    assert span.attributes["gen_ai.response.id"] == answer.id
    assert answer.usage_metadata is not None
    assert span.attributes["gen_ai.usage.output_tokens"] == answer.usage_metadata["output_tokens"]


def test_stream(otel: Otel, llm: ChatAzureInference) -> None:
    with otel.tracer.start_as_current_span("app"):
        chunks = list(llm.stream("Hello there", config={"callbacks": [OtelRunTracer(otel.tracer)]}))
    assert chunks
    (span,) = _check_tree(otel, 1)
    assert "gen_ai.response.time_to_first_chunk" in span.attributes


async def test_astream(otel: Otel, llm: ChatAzureInference) -> None:
    with otel.tracer.start_as_current_span("app"):
        chunks = [c async for c in llm.astream("Hello", config={"callbacks": []})]
    assert chunks
    (span,) = [s for s in otel.spans() if s.name.startswith("chat")]
    (app,) = [s for s in otel.spans() if s.name == "app"]
    assert span.parent is not None
    assert span.parent.span_id == app.context.span_id


def test_agent_with_a_tool(otel: Otel, llm: ChatAzureInference) -> None:
    agent = create_agent(llm, tools=[get_weather])
    with otel.tracer.start_as_current_span("app"):
        result = agent.invoke(
            {"messages": [("user", "Use get_weather for 'Paris'.")]},
            config={"callbacks": [OtelRunTracer(otel.tracer)]},
        )
    model_turns = [m for m in result["messages"] if m.type == "ai"]
    assert len(model_turns) >= 2  # a tool call, then the answer
    ours = _check_tree(otel, len(model_turns))
    reasons = sorted(tuple(s.attributes["gen_ai.response.finish_reasons"]) for s in ours)
    assert ("tool_calls",) in reasons
    assert ("stop",) in reasons


def test_retried_429_and_exhausted_503(otel: Otel, fresh_emulator: Emulator) -> None:
    with ChatAzureInference(
        endpoint=fresh_emulator.foundry_endpoint,
        credential=EMULATOR_KEY,
        model="gpt-4o-mini",
        max_retries=1,
    ) as llm:
        fresh_emulator.set_faults("status=429; retry-after-ms=10; times=1; route=chat")
        llm.invoke("Hello")
        fresh_emulator.set_faults("status=503; retry-after-ms=10; route=chat")
        try:
            with pytest.raises(Exception, match="503"):
                llm.invoke("Hello")
        finally:
            fresh_emulator.clear_faults()
    ok, failed = sorted(otel.spans(), key=lambda s: s.start_time)
    assert [e.attributes["http.response.status_code"] for e in ok.events] == [429]
    assert "error.type" not in ok.attributes
    assert failed.attributes["error.type"] == "ServerError"
    assert [e.attributes["http.response.status_code"] for e in failed.events] == [503]


CAPTURE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"


def _content(span: Any) -> dict[str, Any]:
    return {k: v for k, v in (span.attributes or {}).items() if "messages" in k}


@pytest.mark.parametrize("variable", [None, "true"])
def test_chat_records_content_only_when_opted_in(
    otel: Otel, fresh_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, variable: str | None
) -> None:
    if variable:
        monkeypatch.setenv(CAPTURE, variable)
    for option in (None, True, False):
        with ChatAzureInference(
            endpoint=fresh_emulator.foundry_endpoint,
            credential=EMULATOR_KEY,
            model="gpt-4o-mini",
            capture_message_content=option,
        ) as llm:
            answer = llm.invoke("Hello there, content probe")
        (span,) = otel.spans()
        otel.exporter.clear()
        recorded = option if option is not None else variable == "true"
        content = _content(span)
        if not recorded:
            assert content == {}, option
            continue
        (asked,) = json.loads(content["gen_ai.input.messages"])
        assert asked["parts"] == [{"type": "text", "content": "Hello there, content probe"}]
        (said,) = json.loads(content["gen_ai.output.messages"])
        assert said["parts"][0]["content"] == answer.content


def test_embeddings_record_texts_only_when_opted_in(
    otel: Otel, fresh_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CAPTURE, "true")
    for option in (False, True):
        with AzureInferenceEmbeddings(
            endpoint=fresh_emulator.foundry_endpoint,
            credential=EMULATOR_KEY,
            model="Cohere-embed-v3-english",
            capture_message_content=option,
        ) as emb:
            emb.embed_query("a text to embed")
        (span,) = otel.spans()
        otel.exporter.clear()
        assert span.name == "embeddings Cohere-embed-v3-english"
        assert ("a text to embed" in str(_content(span))) is option


def test_capture_option_is_checked_and_serialized() -> None:
    with pytest.raises(ValueError, match="capture_message_content"):
        ChatAzureInference(
            endpoint="https://unit.eastus2.models.ai.azure.com", capture_message_content="maybe"
        )
    llm = ChatAzureInference(
        endpoint="https://unit.eastus2.models.ai.azure.com",
        credential="k",
        capture_message_content=True,
    )
    assert llm.model_dump()["capture_message_content"] is True
    assert llm._get_sync_client().capture_message_content is True


def test_invoke_and_stream_on_the_responses_api(otel: Otel, fresh_emulator: Emulator) -> None:
    with ChatAzureInference(
        endpoint=fresh_emulator.foundry_endpoint,
        credential=EMULATOR_KEY,
        model="gpt-4o-mini",
        temperature=0,
        use_responses_api=True,
    ) as llm:
        tracer = OtelRunTracer(otel.tracer)
        with otel.tracer.start_as_current_span("app"):
            answer = llm.invoke("Hello there", config={"callbacks": [tracer]})
            chunks = list(llm.stream("Hello there", config={"callbacks": [tracer]}))
    assert chunks
    assert [r.path for r in fresh_emulator.requests][-2:] == ["/openai/v1/responses"] * 2
    invoked, streamed = sorted(_check_tree(otel, 2, "azure.ai.openai"), key=lambda s: s.start_time)
    for span in (invoked, streamed):
        assert span.attributes["gen_ai.operation.name"] == "chat"
        assert span.attributes["openai.api.type"] == "responses"
        assert list(span.attributes["gen_ai.response.finish_reasons"]) == ["stop"]
    assert invoked.attributes["gen_ai.response.id"] == answer.response_metadata["id"]
    assert answer.usage_metadata is not None
    assert (
        invoked.attributes["gen_ai.usage.output_tokens"] == answer.usage_metadata["output_tokens"]
    )
    assert "gen_ai.response.time_to_first_chunk" in streamed.attributes
