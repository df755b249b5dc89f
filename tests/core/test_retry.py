"""Retry decisions (pure) and retries against a real loopback server."""

from __future__ import annotations

import socket
import time
from email.utils import formatdate

import pytest

from azure_inference_core import (
    APIConnectionError,
    APITimeoutError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    StreamError,
)
from azure_inference_core._retry import parse_retry_after

from ._loopback import Reply, ScriptedServer, json_reply, sse_reply
from .conftest import Driver

COMPLETION = {
    "id": "ok",
    "choices": [{"index": 0, "message": {"content": "fine"}, "finish_reason": "stop"}],
}


def no_jitter() -> float:
    return 0.0


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retryable_statuses(status: int) -> None:
    assert RetryPolicy(2, jitter=no_jitter).delay(0, status=status) == 0.5


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 501])
def test_not_retryable_statuses(status: int) -> None:
    assert RetryPolicy(2).delay(0, status=status) is None


def test_connection_failures_are_retried() -> None:
    assert RetryPolicy(1, jitter=no_jitter).delay(0) == 0.5


def test_max_retries() -> None:
    policy = RetryPolicy(2, jitter=no_jitter)
    assert policy.delay(1, status=503) == 1.0
    assert policy.delay(2, status=503) is None
    assert RetryPolicy(0).delay(0, status=503) is None
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(-1)


def test_backoff_grows_is_capped_and_jittered() -> None:
    policy = RetryPolicy(20, jitter=no_jitter)
    assert [policy.backoff(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    jittery = RetryPolicy(20, jitter=lambda: 0.999)
    assert 0.375 <= jittery.backoff(0) < 0.5


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"x-ms-retry-after-ms": "1200"}, 1.2),
        ({"retry-after-ms": "100", "retry-after": "9"}, 0.1),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "-4"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers) == expected


def test_retry_after_http_date() -> None:
    now = 1_700_000_000.0
    headers = {"retry-after": formatdate(now + 30, usegmt=True)}
    assert parse_retry_after(headers, now=now) == pytest.approx(30.0)
    assert parse_retry_after({"retry-after": formatdate(now - 30, usegmt=True)}, now=now) == 0.0


def test_retry_after_wins_over_backoff_and_is_capped() -> None:
    policy = RetryPolicy(2, jitter=no_jitter, max_retry_after=60)
    assert policy.delay(0, status=429, headers={"retry-after": "2"}) == 2.0
    assert policy.delay(0, status=429, headers={"retry-after": "3600"}) == 60.0
    assert policy.delay(0, status=429, headers={}) == 0.5


def fast(client: object, retries: int) -> None:
    client._retry = RetryPolicy(retries, backoff_factor=0.001)  # type: ignore[attr-defined]


async def test_retries_then_succeeds(driver: Driver, server: ScriptedServer) -> None:
    server.push(
        json_reply(
            {"error": {"code": "busy", "message": "overloaded"}}, 503, **{"retry-after-ms": "10"}
        ),
        json_reply({"error": {"code": "429", "message": "slow"}}, 429, **{"retry-after": "0"}),
        json_reply(COMPLETION),
    )
    client = driver.client(server.url, max_retries=2)
    result = await driver.complete(client)
    assert result.id == "ok"
    assert len(server.seen) == 3
    ids = {seen.headers["x-ms-client-request-id"] for seen in server.seen}
    assert len(ids) == 1  # one call, one client request id across its attempts
    await driver.close(client)


async def test_gives_up_after_max_retries(driver: Driver, server: ScriptedServer) -> None:
    for _ in range(3):
        server.push(
            json_reply({"error": {"code": "429", "message": "slow"}}, 429, **{"retry-after": "0"})
        )
    client = driver.client(server.url, max_retries=2)
    with pytest.raises(RateLimitError) as info:
        await driver.complete(client)
    assert info.value.retry_after == 0.0
    assert len(server.seen) == 3
    await driver.close(client)


async def test_no_retry_when_disabled_or_not_retryable(
    driver: Driver, server: ScriptedServer
) -> None:
    server.push(json_reply({"error": {"code": "x", "message": "down"}}, 500))
    client = driver.client(server.url, max_retries=0)
    with pytest.raises(ServerError):
        await driver.complete(client)
    await driver.close(client)
    server.push(json_reply({"error": {"code": "x", "message": "bad"}}, 400))
    client = driver.client(server.url, max_retries=3)
    with pytest.raises(Exception, match="bad"):
        await driver.complete(client)
    assert len(server.seen) == 2
    await driver.close(client)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_connection_refused_is_retried_then_raised(driver: Driver) -> None:
    client = driver.client(f"http://127.0.0.1:{closed_port()}")
    fast(client, 2)
    started = time.perf_counter()
    with pytest.raises(APIConnectionError, match="ConnectError"):
        await driver.complete(client)
    assert time.perf_counter() - started < 5
    await driver.close(client)


async def test_read_timeout(driver: Driver) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # accepts connections, never answers
        client = driver.client(f"http://127.0.0.1:{listener.getsockname()[1]}", timeout=0.2)
        fast(client, 1)
        with pytest.raises(APITimeoutError):
            await driver.complete(client)
        await driver.close(client)


async def test_stream_connect_is_retried(driver: Driver, server: ScriptedServer) -> None:
    server.push(
        json_reply(
            {"error": {"code": "busy", "message": "overloaded"}}, 503, **{"retry-after": "0"}
        ),
        sse_reply(
            [
                b'data: {"id":"s","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n',
                b"data: [DONE]\n\n",
            ]
        ),
    )
    client = driver.client(server.url)
    chunks = await driver.stream(client)
    assert [c.choices[0].delta.content for c in chunks] == ["hi"]
    assert len(server.seen) == 2
    await driver.close(client)


async def test_stream_never_retried_after_data(driver: Driver, server: ScriptedServer) -> None:
    server.push(
        sse_reply(
            [b'data: {"id":"s","choices":[{"index":0,"delta":{"content":"par"}}]}\n\n'], cut=True
        ),
        Reply(200, b"should never be requested"),
    )
    client = driver.client(server.url, max_retries=3)
    with pytest.raises(StreamError):
        await driver.stream(client)
    assert len(server.seen) == 1
    await driver.close(client)
