"""The core's GenAI spans seen through LlamaIndex: chat, stream_chat, a FunctionAgent.

Each model call gets exactly one span, beneath the span current where the
application called LlamaIndex (async workflow steps included).
"""

from __future__ import annotations

import json
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
from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding

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


CAPTURE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"


def _content(span: Any) -> dict[str, Any]:
    return {k: v for k, v in (span.attributes or {}).items() if "messages" in k}


@pytest.mark.parametrize("variable", [None, "true"])
def test_llm_records_content_only_when_opted_in(
    otel: Otel, emu: Emulator, monkeypatch: pytest.MonkeyPatch, variable: str | None
) -> None:
    if variable:
        monkeypatch.setenv(CAPTURE, variable)
    for option in (None, True, False):
        with AzureInference(
            endpoint=emu.foundry_endpoint,
            credential=KEY,
            model="Mistral-Large",
            capture_message_content=option,
        ) as llm:
            response = llm.chat([ChatMessage(role="user", content="Content probe")])
        (span,) = otel.spans()
        otel.exporter.clear()
        content = _content(span)
        if not (option if option is not None else variable == "true"):
            assert content == {}, option
            continue
        (asked,) = json.loads(content["gen_ai.input.messages"])
        assert asked["parts"] == [{"type": "text", "content": "Content probe"}]
        (said,) = json.loads(content["gen_ai.output.messages"])
        assert said["parts"][0]["content"] == response.message.content


def test_embedding_records_texts_only_when_opted_in(
    otel: Otel, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CAPTURE, "true")
    for option in (False, True):
        with AzureInferenceEmbedding(
            endpoint=emu.foundry_endpoint,
            credential=KEY,
            model="Cohere-embed-v3-english",
            capture_message_content=option,
        ) as embed:
            embed.get_query_embedding("a text to embed")
        (span,) = otel.spans()
        otel.exporter.clear()
        assert span.name == "embeddings Cohere-embed-v3-english"
        assert ("a text to embed" in str(_content(span))) is option


def test_capture_option_survives_copies_and_reaches_the_core() -> None:
    llm = AzureInference(
        endpoint="https://unit.eastus2.models.ai.azure.com",
        credential=KEY,
        capture_message_content=True,
    )
    copy = llm.model_copy(update={"capture_message_content": False})
    assert llm._get_sync_client().capture_message_content is True
    assert copy._get_sync_client().capture_message_content is False
    with pytest.raises(ValueError, match="capture_message_content"):
        AzureInferenceEmbedding(endpoint=llm.endpoint, capture_message_content=[1])


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
