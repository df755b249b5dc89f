"""Streams abandoned after a chunk or two give their connection back.

A caller that stops reading (``break``, an exception in its loop, leaving a
``with`` block) must not keep the connection or the client's concurrency
permit: with a small pool, many more abandoned streams than slots are
followed by ordinary calls that must still go through (a leaked slot makes
them wait for the pool timeout and fail). Afterwards no descriptor and no
ESTABLISHED connection is left.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from typing import Any

import pytest
from faults._support import KEY

import azure_inference_core as core
from azure_inference_emulator import Emulator

from .test_concurrent_streams import established, open_fds, settle

ABANDONED = 60
MESSAGES = [{"role": "user", "content": "tell me a long story about the sea"}]


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(
        "Mistral-Large", key=KEY, requests_per_minute=None, tokens_per_minute=None
    ) as server:
        yield server


async def check_released(emu: Emulator, fds_before: set[int]) -> None:
    gc.collect()
    await settle(lambda: established(emu.port) == 0 and len(open_fds()) <= len(fds_before))
    assert established(emu.port) == 0, "connections to the emulator are still open"
    assert sorted(open_fds() - fds_before) == [], "file descriptors left open"


HOW = [
    "with-block",
    "close",
    "break",
]


@pytest.mark.parametrize("how", HOW)
async def test_core_sync_abandoned_streams_release_their_slot(emu: Emulator, how: str) -> None:
    fds_before = open_fds()
    client = core.InferenceClient(emu.endpoint, KEY, max_concurrency=4, timeout=2.0, max_retries=0)
    try:
        for _ in range(ABANDONED // 4):
            if how == "with-block":
                with client.stream(MESSAGES) as stream:
                    next(iter(stream))
            elif how == "close":
                stream = client.stream(MESSAGES)
                next(iter(stream))
                stream.close()
            else:
                for _chunk in client.stream(MESSAGES):
                    break
        answer = client.complete(MESSAGES)
        assert "long story" in str(answer.choices[0].message.content)
    finally:
        client.close()
    await check_released(emu, fds_before)


@pytest.mark.parametrize("how", HOW)
async def test_core_async_abandoned_streams_release_their_slot(emu: Emulator, how: str) -> None:
    fds_before = open_fds()
    client = core.AsyncInferenceClient(
        emu.endpoint, KEY, max_concurrency=4, timeout=2.0, max_retries=0
    )

    async def abandon() -> None:
        if how == "with-block":
            async with client.stream(MESSAGES) as stream:
                async for _chunk in stream:
                    break
        elif how == "close":
            stream = client.stream(MESSAGES)
            await stream.__anext__()
            await stream.aclose()
        else:
            async for _chunk in client.stream(MESSAGES):
                break

    try:
        await asyncio.gather(*(abandon() for _ in range(ABANDONED)))
        answers = await asyncio.gather(*(client.complete(MESSAGES) for _ in range(8)))
        assert all("long story" in str(a.choices[0].message.content) for a in answers)
    finally:
        await client.aclose()
    await check_released(emu, fds_before)


@pytest.mark.parametrize("how", ["close", "break"])
@pytest.mark.parametrize("family", ["langchain", "llamaindex"])
async def test_adapter_abandoned_streams_release_their_slot(
    emu: Emulator, family: str, how: str
) -> None:
    fds_before = open_fds()
    prompt = MESSAGES[0]["content"]
    llm: Any
    if family == "langchain":
        from langchain_azure_inference import ChatAzureInference

        llm = ChatAzureInference(
            endpoint=emu.endpoint, credential=KEY, max_concurrency=4, timeout=2.0
        )

        async def abandon() -> None:
            stream = llm.astream(prompt)
            async for _chunk in stream:
                break
            if how == "close":
                await stream.aclose()

        async def ask() -> str:
            return str((await llm.ainvoke(prompt)).content)

    else:
        from llama_index.core.llms import ChatMessage

        from llamaindex_azure_inference import AzureInference

        llm = AzureInference(endpoint=emu.endpoint, credential=KEY, timeout=2.0)
        chat = [ChatMessage(role="user", content=prompt)]

        async def abandon() -> None:
            stream = await llm.astream_chat(chat)
            async for _chunk in stream:
                break
            if how == "close":
                await stream.aclose()

        async def ask() -> str:
            return str((await llm.achat(chat)).message.content)

    try:
        await asyncio.gather(*(abandon() for _ in range(ABANDONED)))
        answers = await asyncio.gather(*(ask() for _ in range(8)))
        assert all("long story" in a for a in answers)
    finally:
        await llm.aclose()
    await check_released(emu, fds_before)
