"""The core's GenAI spans seen through LlamaIndex: chat, stream_chat, a FunctionAgent.

Each model call gets exactly one span, beneath the span current where the
application called LlamaIndex (async workflow steps included).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from _li_support import KEY
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage

from azure_inference_emulator import Emulator
from llamaindex_azure_inference import AzureInference

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from core._telemetry_support import Otel, install_otel, uninstall_otel


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@pytest.fixture
def otel(monkeypatch: pytest.MonkeyPatch) -> Iterator[Otel]:
    monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)
    installed = install_otel()
    yield installed
    uninstall_otel(installed)


def _llm(emu: Emulator) -> AzureInference:
    return AzureInference(endpoint=emu.foundry_endpoint, credential=KEY, model="Mistral-Large")


def _ours_under_app(otel: Otel) -> list[Any]:
    spans = otel.spans()
    (app,) = [s for s in spans if s.name == "app"]
    ours = [s for s in spans if s.name != "app"]
    for span in ours:
        assert span.name == "chat Mistral-Large"
        assert span.parent is not None
        assert span.parent.span_id == app.context.span_id
        assert "gen_ai.input.messages" not in (span.attributes or {})
    return ours


def _chat_requests(emu: Emulator) -> int:
    return len([r for r in emu.requests if r.path.endswith("/chat/completions")])


def test_chat(otel: Otel, emu: Emulator) -> None:
    with _llm(emu) as llm, otel.tracer.start_as_current_span("app"):
        response = llm.chat([ChatMessage(role="user", content="Hello")])
    (span,) = _ours_under_app(otel)
    assert span.attributes is not None
    assert span.attributes["gen_ai.usage.output_tokens"] > 0
    assert response.message.content


def test_stream_chat(otel: Otel, emu: Emulator) -> None:
    with _llm(emu) as llm, otel.tracer.start_as_current_span("app"):
        pieces = list(llm.stream_chat([ChatMessage(role="user", content="Hello")]))
    assert pieces
    (span,) = _ours_under_app(otel)
    assert span.attributes is not None
    assert span.attributes["gen_ai.response.time_to_first_chunk"] > 0


async def test_astream_chat(otel: Otel, emu: Emulator) -> None:
    async with _llm(emu) as llm:
        with otel.tracer.start_as_current_span("app"):
            stream = await llm.astream_chat([ChatMessage(role="user", content="Hello")])
            pieces = [p async for p in stream]
    assert pieces
    (span,) = _ours_under_app(otel)
    assert span.end_time is not None


async def test_function_agent(otel: Otel, emu: Emulator) -> None:
    before = _chat_requests(emu)
    async with _llm(emu) as llm:
        agent = FunctionAgent(tools=[add], llm=llm)
        with otel.tracer.start_as_current_span("app"):
            result = await agent.run("Please compute add(a=2, b=3).")
    assert "5" in str(result)
    calls = _chat_requests(emu) - before
    assert calls >= 2  # the tool call, then the answer
    ours = _ours_under_app(otel)
    assert len(ours) == calls  # one span per model call
    reasons = {tuple(s.attributes["gen_ai.response.finish_reasons"]) for s in ours}
    assert ("tool_calls",) in reasons


def test_dropped_stream_and_content_filter(otel: Otel, emu: Emulator) -> None:
    with _llm(emu) as llm, otel.tracer.start_as_current_span("app"):
        emu.set_faults("drop-after=2; route=chat")
        try:
            with pytest.raises(Exception, match=r"(?i)stream"):
                list(llm.stream_chat([ChatMessage(role="user", content="Hello")]))
            emu.set_faults("content-filter=prompt; route=chat")
            with pytest.raises(Exception, match=r"(?i)content"):
                llm.chat([ChatMessage(role="user", content="Hello")])
        finally:
            emu.clear_faults()
    dropped, filtered = sorted(_ours_under_app(otel), key=lambda s: s.start_time)
    assert dropped.attributes["error.type"] == "StreamError"
    assert filtered.attributes["error.type"] == "ContentFilterError"


def test_chat_on_the_responses_api(otel: Otel, emu: Emulator) -> None:
    llm = AzureInference(
        endpoint=emu.foundry_endpoint, credential=KEY, model="gpt-4o-mini", use_responses_api=True
    )
    with llm, otel.tracer.start_as_current_span("app"):
        response = llm.chat([ChatMessage(role="user", content="Hello")])
        pieces = list(llm.stream_chat([ChatMessage(role="user", content="Hello")]))
    assert response.message.content
    assert pieces
    spans = otel.spans()
    (app,) = [s for s in spans if s.name == "app"]
    chatted, streamed = sorted([s for s in spans if s.name != "app"], key=lambda s: s.start_time)
    for span in (chatted, streamed):
        assert span.name == "chat gpt-4o-mini"
        assert span.parent is not None
        assert span.parent.span_id == app.context.span_id
        a = dict(span.attributes or {})
        assert a["openai.api.type"] == "responses"
        assert a["gen_ai.provider.name"] == "azure.ai.openai"
        assert a["gen_ai.usage.output_tokens"] > 0
        assert "gen_ai.input.messages" not in a
    chat_id = dict(chatted.attributes or {})["gen_ai.response.id"]
    assert chat_id == response.message.additional_kwargs["response_id"]
    assert "gen_ai.response.time_to_first_chunk" in dict(streamed.attributes or {})
