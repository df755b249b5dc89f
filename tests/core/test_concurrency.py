"""The concurrency gate on pools we create: a bound on in-flight requests and streams."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest

from azure_inference_core import (
    APITimeoutError,
    AsyncInferenceClient,
    ConfigurationError,
    InferenceClient,
)

from ._loopback import ScriptedServer, json_reply, sse_reply
from .conftest import MESSAGES, Driver

OK = {"id": "ok", "choices": [{"index": 0, "message": {"content": "x"}, "finish_reason": "stop"}]}


async def test_in_flight_requests_are_bounded(server: ScriptedServer) -> None:
    for _ in range(12):
        server.push(json_reply(OK))
    for reply in server.script:
        reply.delay = 0.05
    async with AsyncInferenceClient(server.url, "k", max_concurrency=3) as client:
        results = await asyncio.gather(*(client.complete(MESSAGES) for _ in range(12)))
    assert [r.id for r in results] == ["ok"] * 12
    assert server.peak <= 3


def test_in_flight_requests_are_bounded_across_threads(server: ScriptedServer) -> None:
    for _ in range(8):
        server.push(json_reply(OK))
    for reply in server.script:
        reply.delay = 0.05
    with InferenceClient(server.url, "k", max_concurrency=2) as client:
        threads = [threading.Thread(target=client.complete, args=(MESSAGES,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(server.seen) == 8
    assert server.peak <= 2


async def test_open_stream_holds_its_slot_until_closed(
    driver: Driver, server: ScriptedServer
) -> None:
    server.push(sse_reply([b'data: {"choices": []}\n\n', b"data: [DONE]\n\n"]), json_reply(OK))
    client = driver.client(server.url, max_concurrency=1, timeout=httpx.Timeout(5.0, pool=0.2))
    stream: Any = client.stream(MESSAGES)
    if driver.is_async:
        await stream  # opened: the only slot is taken
    with pytest.raises(APITimeoutError):
        await driver.complete(client, max_tokens=1)
    if driver.is_async:
        await stream.aclose()
    else:
        stream.close()
    result = await driver.complete(client)
    assert result.id == "ok"
    await driver.close(client)


def test_max_concurrency_validation() -> None:
    with pytest.raises(ConfigurationError, match=">= 1"):
        InferenceClient("http://127.0.0.1:1", "k", max_concurrency=0)
    with httpx.Client() as http, pytest.raises(ConfigurationError, match=r"httpx\.Limits"):
        InferenceClient("http://127.0.0.1:1", "k", http_client=http, max_concurrency=4)
