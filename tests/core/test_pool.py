"""The slot pool behind clients we create: reuse, replacement, release, cookies."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import httpcore
import httpx
import pytest

from azure_inference_core import APIConnectionError, AsyncInferenceClient
from azure_inference_core._transport import _Idle

from ._loopback import Reply, ScriptedServer, json_reply, sse_reply
from .conftest import MESSAGES, Driver
from .test_retry import closed_port

OK = {"id": "ok", "choices": [{"index": 0, "message": {"content": "x"}, "finish_reason": "stop"}]}
ORIGIN = httpcore.Origin(b"https", b"example.com", 443)


class FakeConnection:
    def __init__(self, *, idle: bool = True, expired: bool = False, closed: bool = False) -> None:
        self.idle, self.expired, self.closed = idle, expired, closed

    def is_idle(self) -> bool:
        return self.idle

    def has_expired(self) -> bool:
        return self.expired

    def is_closed(self) -> bool:
        return self.closed


def test_idle_stack_reuses_the_latest_and_hands_back_stale_ones() -> None:
    idle: Any = _Idle()
    old, expired, fresh = FakeConnection(), FakeConnection(expired=True), FakeConnection()
    for connection in (old, expired, fresh):
        idle.add(connection)
        idle.give_back(ORIGIN, connection)
    assert idle.take(ORIGIN) == (fresh, [])  # most recently used first
    assert idle.take(ORIGIN) == (old, [expired])  # the expired one is to be closed
    assert idle.take(ORIGIN) == (None, [])  # nothing left: open a new one
    assert idle.every == {old, fresh}
    other = httpcore.Origin(b"https", b"other.example.com", 443)
    idle.give_back(ORIGIN, old)
    assert idle.take(other) == (None, [])  # connections never cross origins


def test_idle_stack_drops_connections_that_cannot_carry_another_request() -> None:
    idle: Any = _Idle()
    closed, busy = FakeConnection(closed=True), FakeConnection(idle=False)
    for connection in (closed, busy):
        idle.add(connection)
        idle.give_back(ORIGIN, connection)
    assert idle.take(ORIGIN) == (None, [])
    assert idle.every == set()
    keep = FakeConnection()
    idle.add(keep)
    assert idle.drain() == [keep]
    assert idle.every == set()


async def test_sequential_calls_share_one_connection(
    driver: Driver, server: ScriptedServer
) -> None:
    server.push(json_reply(OK), json_reply(OK), json_reply(OK))
    client = driver.client(server.url)
    for _ in range(3):
        assert (await driver.complete(client)).id == "ok"
    assert len({seen.peer for seen in server.seen}) == 1
    await driver.close(client)


async def test_a_connection_the_server_closes_is_replaced(
    driver: Driver, server: ScriptedServer
) -> None:
    closing = json_reply(OK)
    closing.headers["connection"] = "close"
    server.push(closing, json_reply(OK), json_reply(OK))
    client = driver.client(server.url, max_concurrency=1, max_retries=0)
    for _ in range(3):
        assert (await driver.complete(client)).id == "ok"
    peers = [seen.peer for seen in server.seen]
    assert peers[0] != peers[1]
    assert peers[1] == peers[2]
    await driver.close(client)


async def test_slots_come_back_after_errors_and_abandoned_streams(
    driver: Driver, server: ScriptedServer
) -> None:
    server.push(
        json_reply({"error": {"code": "x", "message": "bad"}}, 400),
        sse_reply([b'data: {"choices": []}\n\n'] * 3 + [b"data: [DONE]\n\n"]),
        Reply(200, [b"data: {"], {"content-type": "text/event-stream"}, cut=True),
        json_reply(OK),
    )
    client = driver.client(server.url, max_concurrency=1, max_retries=0)
    with pytest.raises(Exception, match="bad"):
        await driver.complete(client)
    stream: Any = client.stream(MESSAGES)
    if driver.is_async:
        await stream.__anext__()
        await stream.aclose()  # abandoned after one chunk
    else:
        next(stream)
        stream.close()
    with pytest.raises(Exception, match="stream"):
        await driver.stream(client)  # cut mid-body
    assert (await driver.complete(client)).id == "ok"  # the single slot is free again
    await driver.close(client)


async def test_connection_refused_frees_the_slot(driver: Driver) -> None:
    client = driver.client(f"http://127.0.0.1:{closed_port()}", max_concurrency=1, max_retries=0)
    for _ in range(2):
        with pytest.raises(APIConnectionError):
            await driver.complete(client)
    await driver.close(client)


async def test_cookies_set_by_the_service_are_still_kept(
    driver: Driver, server: ScriptedServer
) -> None:
    server.push(json_reply(OK, **{"set-cookie": "affinity=abc; Path=/"}), json_reply(OK))
    client = driver.client(server.url)
    await driver.complete(client)
    await driver.complete(client)
    assert "cookie" not in server.seen[0].headers
    assert server.seen[1].headers["cookie"] == "affinity=abc"
    await driver.close(client)


async def test_a_burst_completes_without_errors(server: ScriptedServer) -> None:
    server.default = json_reply(OK)
    async with AsyncInferenceClient(server.url, "k", max_concurrency=4) as client:
        results = await asyncio.gather(*(client.complete(MESSAGES) for _ in range(60)))
    assert [r.id for r in results] == ["ok"] * 60
    assert server.peak <= 4
    assert len({seen.peer for seen in server.seen}) <= 4  # connections were reused


async def test_a_stream_abandoned_with_break_frees_its_slot(
    driver: Driver, server: ScriptedServer
) -> None:
    server.push(sse_reply([b'data: {"choices": []}\n\n'] * 3 + [b"data: [DONE]\n\n"]))
    server.push(json_reply(OK))
    client = driver.client(
        server.url, max_concurrency=1, max_retries=0, timeout=httpx.Timeout(5.0, pool=0.5)
    )
    gc.disable()  # the slot must come back by refcounting alone, not at a collection
    try:
        if driver.is_async:
            async for _chunk in client.stream(MESSAGES):
                break
            for _ in range(3):  # the loop's async-generator finalizer closes it
                await asyncio.sleep(0)
        else:
            for _chunk in client.stream(MESSAGES):
                break
        assert (await driver.complete(client)).id == "ok"
    finally:
        gc.enable()
    await driver.close(client)
