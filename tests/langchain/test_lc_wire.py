"""What ChatAzureInference puts on the wire, per endpoint flavour and model family.

Pinned against the recorded traffic of the official SDK (the shapes are
transcribed here): a plain chat sends ``messages`` (and ``model`` where set),
a stream adds ``stream``, a tool call adds ``tools`` (and ``tool_choice`` when
given); ``extra-parameters`` goes out only with fields the route does not
define; ``stream_options`` and ``parallel_tool_calls`` only when asked.
"""

from __future__ import annotations

from typing import Any

import pytest
from _lc_mock import KEY, Recorder, sse, streaming, text_stream
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from langchain_azure_inference import ChatAzureInference

FLAVOURS = {
    # name: (endpoint, key header the flavour reads, OpenAI route)
    "serverless": ("https://mistral-x.eastus2.models.ai.azure.com", "authorization", False),
    "managed": ("https://phi.eastus2.inference.ml.azure.com", "authorization", False),
    "foundry": ("https://res.services.ai.azure.com/models", "api-key", False),
    "azure_openai": ("https://res.openai.azure.com/openai/deployments/d", "api-key", True),
    "openai_v1": ("https://res.openai.azure.com/openai/v1", "api-key", True),
}
FAMILIES = ["Mistral-Large", "gpt-4o", "Cohere-command-r-plus", "Phi-3-mini-4k-Instruct"]
TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
USAGE_STREAM = sse(
    {"id": "s", "model": "m", "choices": [{"index": 0, "delta": {"content": "a"}}]},
    {"id": "s", "model": "m", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    {
        "id": "s",
        "model": "m",
        "choices": [],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    },
)


def _model(flavour: str, family: str, recorder: Recorder, **kwargs: Any) -> ChatAzureInference:
    endpoint, _, _ = FLAVOURS[flavour]
    return ChatAzureInference(
        endpoint=endpoint,
        credential=KEY,
        model=family,
        max_retries=0,
        http_client=recorder.client(),
        **kwargs,
    )


def _common_headers(recorder: Recorder, flavour: str, *, stream: bool) -> dict[str, str]:
    headers = recorder.last_headers
    _, key_header, _ = FLAVOURS[flavour]
    assert headers[key_header] in (KEY, f"Bearer {KEY}")
    assert headers["content-type"] == "application/json"
    assert headers["accept"] == ("text/event-stream" if stream else "application/json")
    return dict(headers)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_plain_chat_sends_only_messages_and_model(flavour: str, family: str) -> None:
    recorder = Recorder()
    _model(flavour, family, recorder).invoke("hi")
    assert set(recorder.last_body) == {"messages", "model"}
    headers = _common_headers(recorder, flavour, stream=False)
    assert "extra-parameters" not in headers


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_stream_sends_no_stream_options_unasked(flavour: str, family: str) -> None:
    recorder = Recorder(streaming(text_stream("a", "b")))
    list(_model(flavour, family, recorder).stream("hi"))
    assert set(recorder.last_body) == {"messages", "model", "stream"}
    assert "extra-parameters" not in _common_headers(recorder, flavour, stream=True)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_stream_usage_asked(flavour: str, family: str) -> None:
    recorder = Recorder(streaming(USAGE_STREAM))
    chunks = list(_model(flavour, family, recorder, stream_usage=True).stream("hi"))
    assert chunks[-1].usage_metadata is not None
    openai_route = FLAVOURS[flavour][2]
    opt_in = family == "gpt-4o"  # the others report usage unasked
    assert ("stream_options" in recorder.last_body) is opt_in
    headers = _common_headers(recorder, flavour, stream=True)
    assert ("extra-parameters" in headers) is (opt_in and not openai_route)


@pytest.mark.parametrize("family", ["Mistral-Large", "gpt-4o", "Cohere-command-r-plus"])
@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_tool_call_turn(flavour: str, family: str) -> None:
    recorder = Recorder()
    history = [
        HumanMessage("weather?"),
        AIMessage("", tool_calls=[{"id": "c1", "name": "f", "args": {"city": "Zürich"}}]),
        ToolMessage('{"temp": 12}', tool_call_id="c1"),
    ]
    _model(flavour, family, recorder).bind_tools([TOOL]).invoke(history)
    body = recorder.last_body
    assert set(body) == {"messages", "model", "tools"}  # no parallel_tool_calls, no tool_choice
    assert body["messages"][1] == {  # as the SDKs send it: no "content"
        "role": "assistant",
        "tool_calls": [
            {
                "id": "c1",
                "type": "function",
                "function": {"name": "f", "arguments": '{"city": "Zürich"}'},
            }
        ],
    }
    assert body["messages"][2] == {"role": "tool", "tool_call_id": "c1", "content": '{"temp": 12}'}
    assert "extra-parameters" not in _common_headers(recorder, flavour, stream=False)


@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_parallel_tool_calls_only_when_given(flavour: str) -> None:
    recorder = Recorder()
    llm = _model(flavour, "Mistral-Large", recorder)
    llm.bind_tools([TOOL], tool_choice="f", parallel_tool_calls=False).invoke("hi")
    body = recorder.last_body
    assert body["parallel_tool_calls"] is False
    assert body["tool_choice"] == {"type": "function", "function": {"name": "f"}}
    headers = _common_headers(recorder, flavour, stream=False)
    # A field of the OpenAI routes only: elsewhere it needs pass-through.
    assert headers.get("extra-parameters") == (None if FLAVOURS[flavour][2] else "pass-through")


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_a_stream_is_joined_once(joined_chunks: list[Any], mode: str) -> None:
    fed = joined_chunks
    recorder = Recorder(streaming(text_stream("a", "b", "c")))
    model = _model(next(iter(FLAVOURS)), "Mistral-Large", recorder)
    if mode == "stream":
        chunks = list(model.stream("hi"))
    else:
        model.async_http_client = recorder.async_client()
        chunks = [c async for c in model.astream("hi")]
    assert "".join(str(c.content) for c in chunks) == "abc"
    assert len(fed) == len({id(chunk) for chunk in fed})  # no chunk joined twice
    assert fed  # and joined at all
