"""Broken streams seen through the frameworks' own machinery: callbacks and agents.

A LangChain ``stream()`` that breaks must fire ``on_llm_error`` (never
``on_llm_end``, which would record the partial text as the answer), and an
agent run on a streaming model must raise. A LlamaIndex ``FunctionAgent``
run must raise too, rather than finishing on half an answer.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any
from uuid import UUID

import pytest

from azure_inference_emulator import Emulator

from ._support import KEY, fault_id, hits

pytest.importorskip("langchain_azure_inference")
pytest.importorskip("llamaindex_azure_inference")

PROMPT = "What is the weather in Paris today?"


def get_weather(city: str) -> str:
    """Return the weather for a city."""
    return f"It is sunny in {city}."


async def drain(items: Any, into: list[Any] | None = None) -> None:
    """Exhaust a sync or async iterator, keeping what it yields in ``into``."""
    sink = into if into is not None else []
    if hasattr(items, "__aiter__"):
        async for item in items:
            sink.append(item)
    else:
        for item in items:
            sink.append(item)


class Recorder:
    """Counts the LLM lifecycle callbacks of one run (sync and async handlers alike)."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []
        self.ends = 0
        self.tokens: list[str] = []


def _handlers(recorder: Recorder) -> tuple[Any, Any]:
    from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler

    class Sync(BaseCallbackHandler):
        def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
            recorder.tokens.append(token)

        def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
            recorder.errors.append(error)

        def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
            recorder.ends += 1

    class Async(AsyncCallbackHandler):
        async def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
            recorder.tokens.append(token)

        async def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
            recorder.errors.append(error)

        async def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
            recorder.ends += 1

    return Sync(), Async()


def _chat_model(
    emu: Emulator, fid: str, drop_after: int = 3, model: str | None = None, **fields: Any
) -> Any:
    """Mistral-Large on the bare routes, or ``model`` on the Foundry route."""
    from langchain_azure_inference import ChatAzureInference

    return ChatAzureInference(
        endpoint=emu.endpoint if model is None else emu.foundry_endpoint,
        model=model,
        credential=KEY,
        max_retries=2,
        default_headers={"x-emulator-fault": f"drop-after={drop_after}; id={fid}"},
        **fields,
    )


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_langchain_stream_error_fires_on_llm_error_not_end(
    emu: Emulator, is_async: bool
) -> None:
    from langchain_azure_inference import StreamError

    fid = fault_id()
    llm = _chat_model(emu, fid)
    recorder = Recorder()
    sync_handler, async_handler = _handlers(recorder)
    config = {"callbacks": [async_handler if is_async else sync_handler]}
    with pytest.raises(StreamError):
        await drain((llm.astream if is_async else llm.stream)(PROMPT, config=config))
    if is_async:
        await llm.aclose()
    else:
        llm.close()
    assert len(recorder.errors) == 1
    assert isinstance(recorder.errors[0], StreamError)
    assert recorder.ends == 0, "on_llm_end reported a broken stream as a finished answer"
    assert recorder.tokens, "no token reached the callbacks before the drop"
    assert hits(emu, fid) == 1


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_langchain_agent_run_on_broken_stream_raises(emu: Emulator, is_async: bool) -> None:
    from langchain.agents import create_agent

    from langchain_azure_inference import StreamError

    fid = fault_id()
    # Mistral streams a whole tool call in one final chunk, as the service does: the
    # agent's first answer is two chunks, so the connection drops after the first.
    llm = _chat_model(emu, fid, drop_after=1, streaming=True)
    agent = create_agent(model=llm, tools=[get_weather])
    request = {"messages": [{"role": "user", "content": PROMPT}]}
    with pytest.raises(StreamError):
        await (agent.ainvoke(request) if is_async else asyncio.to_thread(agent.invoke, request))
    if is_async:
        await llm.aclose()
    else:
        llm.close()
    assert hits(emu, fid) == 1


@pytest.mark.parametrize(
    "is_async",
    [
        False,
        pytest.param(
            True,
            marks=pytest.mark.skipif(
                sys.version_info < (3, 11),
                reason="before Python 3.11 LangGraph cannot hand its callbacks to a model "
                "called in an async node, so it does not stream the model at all",
            ),
        ),
    ],
    ids=["sync", "async"],
)
async def test_langchain_agent_message_stream_raises(emu: Emulator, is_async: bool) -> None:
    """``stream_mode="messages"`` relays tokens as they come; the break must still raise."""
    from langchain.agents import create_agent

    from langchain_azure_inference import StreamError

    fid = fault_id()
    # gpt-4o-mini streams tool calls in fragments, so parts are relayed before the break.
    llm = _chat_model(emu, fid, model="gpt-4o-mini")
    agent = create_agent(model=llm, tools=[get_weather])
    request = {"messages": [{"role": "user", "content": PROMPT}]}
    received: list[Any] = []
    stream = (
        agent.astream(request, stream_mode="messages")
        if is_async
        else agent.stream(request, stream_mode="messages")
    )
    with pytest.raises(StreamError):
        await drain(stream, received)
    if is_async:
        await llm.aclose()
    else:
        llm.close()
    assert received, "no message part was relayed before the break"
    assert hits(emu, fid) == 1


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_llamaindex_stream_chat_with_tools_raises(emu: Emulator, is_async: bool) -> None:
    from llama_index.core.tools import FunctionTool

    from llamaindex_azure_inference import AzureInference, StreamError

    fid = fault_id()
    llm = AzureInference(
        endpoint=emu.endpoint,
        credential=KEY,
        max_retries=2,
        default_headers={"x-emulator-fault": f"drop-after=2; id={fid}"},
    )
    tool = FunctionTool.from_defaults(get_weather)
    if is_async:
        stream: Any = await llm.astream_chat_with_tools([tool], user_msg=PROMPT)
    else:
        stream = llm.stream_chat_with_tools([tool], user_msg=PROMPT)
    with pytest.raises(StreamError):
        await drain(stream)
    if is_async:
        await llm.aclose()
    else:
        llm.close()
    assert hits(emu, fid) == 1


@pytest.mark.parametrize("fault", ["drop-after=2", "error-event-after=1", "no-done"])
async def test_llamaindex_function_agent_run_raises(emu: Emulator, fault: str) -> None:
    from llama_index.core.agent.workflow import FunctionAgent

    from llamaindex_azure_inference import AzureInference, StreamError

    fid = fault_id()
    llm = AzureInference(
        endpoint=emu.endpoint,
        credential=KEY,
        max_retries=2,
        default_headers={"x-emulator-fault": f"{fault}; id={fid}"},
    )
    agent = FunctionAgent(tools=[get_weather], llm=llm, streaming=True)
    with pytest.raises(StreamError):
        await agent.run(user_msg=PROMPT)
    await llm.aclose()
    assert hits(emu, fid) == 1
