"""``total_timeout``: one bound on a whole call, retries and streams included.

Elapsed-time checks here only show that a deadline was honoured: a lower bound
(the call did wait) and an upper bound with a wide margin (it did not wait for
the slow server), never a speed target.
"""

from __future__ import annotations

import math
import time
from typing import Any

import httpx
import pytest

from azure_inference_core import (
    APITimeoutError,
    ChatCompletionChunk,
    ConfigurationError,
    InferenceClient,
    ServerError,
    StreamError,
    StreamTimeoutError,
)
from azure_inference_core._deadline import Deadline, check_total_timeout

from ._loopback import Reply, ScriptedServer, json_reply, sse_reply
from .conftest import MESSAGES, Driver

OK = {"id": "ok", "choices": [{"index": 0, "message": {"content": "x"}, "finish_reason": "stop"}]}
EMBEDDINGS = {
    "id": "e",
    "data": [{"index": 0, "embedding": [0.5, 0.25]}],
    "usage": {"prompt_tokens": 1, "total_tokens": 1},
}
INFO = {"model_name": "m", "model_type": "chat-completion", "model_provider_name": "p"}
BUSY = {"error": {"code": "busy", "message": "overloaded"}}


def slow(payload: Any, delay: float) -> Reply:
    reply = json_reply(payload)
    reply.delay = delay
    return reply


def events(count: int) -> list[bytes]:
    pieces = [
        b'data: {"id":"s","choices":[{"index":0,"delta":{"content":"w%d"}}]}\n\n' % i
        for i in range(count)
    ]
    return [*pieces, b"data: [DONE]\n\n"]


def slow_stream(count: int, gap: float) -> Reply:
    reply = sse_reply(events(count))
    reply.piece_delay = gap
    return reply


async def drain(driver: Driver, stream: Any, into: list[ChatCompletionChunk]) -> None:
    if driver.is_async:
        async for chunk in stream:
            into.append(chunk)
    else:
        for chunk in stream:
            into.append(chunk)


# -- the pure deadline ----------------------------------------------------------------------


def test_deadline_shrinks_every_timeout_to_the_time_left() -> None:
    deadline = Deadline(0.5)
    ext = {"timeout": {"connect": 0.1, "read": 60.0, "write": None, "pool": 5.0}, "other": 1}
    shrunk = deadline.shrink(ext)
    timeouts = shrunk["timeout"]
    assert timeouts["connect"] == 0.1  # already shorter than the time left: kept
    assert all(0.4 < timeouts[name] <= 0.5 for name in ("read", "write", "pool"))
    assert shrunk["other"] == 1
    assert ext["timeout"]["read"] == 60.0  # the call's own extensions are not rewritten


def test_deadline_retry_window_and_expiry() -> None:
    deadline = Deadline(0.2)
    assert deadline.allows(0.05)
    assert not deadline.allows(0.5)
    assert not deadline.expired()
    past = Deadline(1e-9)
    time.sleep(0.01)
    assert past.expired()
    assert past.remaining() < 0
    assert past.shrink({"timeout": {"read": 5.0}})["timeout"]["read"] == 0.0
    assert Deadline.start(None) is None
    assert Deadline.start(math.inf) is None


@pytest.mark.parametrize("bad", [0, -1.0, math.nan])
def test_total_timeout_must_be_positive(bad: float) -> None:
    with pytest.raises(ConfigurationError, match="total_timeout must be > 0"):
        check_total_timeout(bad)
    with pytest.raises(ConfigurationError, match="total_timeout"):
        InferenceClient("http://127.0.0.1:1", "k", total_timeout=bad)


@pytest.mark.parametrize("bad", ["5", True])
def test_total_timeout_must_be_a_number(bad: Any) -> None:
    with pytest.raises(TypeError, match="total_timeout must be seconds"):
        InferenceClient("http://127.0.0.1:1", "k", total_timeout=bad)


async def test_per_call_total_timeout_is_checked_before_sending(
    driver: Driver, server: ScriptedServer
) -> None:
    client = driver.client(server.url)
    with pytest.raises(ValueError, match="total_timeout"):
        await driver.complete(client, total_timeout=-2)
    assert server.seen == []
    await driver.close(client)


# -- non-streamed calls -----------------------------------------------------------------------


async def test_slow_server_past_the_deadline_times_out_quickly(
    driver: Driver, server: ScriptedServer
) -> None:
    server.push(slow(OK, 3.0))
    client = driver.client(server.url, timeout=60.0, total_timeout=0.3, max_retries=3)
    started = time.perf_counter()
    with pytest.raises(APITimeoutError, match=r"total_timeout of 0\.3 s") as caught:
        await driver.complete(client)
    elapsed = time.perf_counter() - started
    assert 0.25 <= elapsed < 2.0  # the 60 s read timeout was cut to the deadline
    assert not isinstance(caught.value, StreamError)
    assert caught.value.request_id == server.seen[0].headers["x-ms-client-request-id"]
    assert len(server.seen) == 1  # no retry could start in time
    await driver.close(client)


async def test_retries_stop_at_the_deadline(driver: Driver, server: ScriptedServer) -> None:
    for _ in range(10):
        server.push(json_reply(BUSY, 503, **{"retry-after-ms": "150"}))
    client = driver.client(server.url, max_retries=9, total_timeout=0.4)
    started = time.perf_counter()
    with pytest.raises(ServerError, match="overloaded"):
        await driver.complete(client)
    elapsed = time.perf_counter() - started
    # 150 ms apart: the 2nd and 3rd attempts fit in 0.4 s, the 4th would start past it.
    assert 2 <= len(server.seen) <= 3
    assert elapsed < 1.2
    await driver.close(client)


async def test_a_retry_after_beyond_the_deadline_is_not_waited_for(
    driver: Driver, server: ScriptedServer
) -> None:
    server.push(json_reply(BUSY, 503, **{"retry-after": "5"}), json_reply(OK))
    client = driver.client(server.url, max_retries=2)
    started = time.perf_counter()
    with pytest.raises(ServerError):
        await driver.complete(client, total_timeout=1.0)
    assert time.perf_counter() - started < 0.9  # raised at once, not after sleeping 5 s
    assert len(server.seen) == 1
    await driver.close(client)


async def test_timed_out_attempts_are_retried_within_the_deadline(
    driver: Driver, server: ScriptedServer
) -> None:
    for _ in range(6):
        server.push(slow(OK, 0.5))
    client = driver.client(server.url, timeout=0.15, max_retries=5, total_timeout=0.6)
    client._retry.backoff_factor = 0.01
    started = time.perf_counter()
    with pytest.raises(APITimeoutError):
        await driver.complete(client)
    elapsed = time.perf_counter() - started
    assert 2 <= len(server.seen) <= 5  # retried, but not all five retries fit
    assert 0.3 <= elapsed < 1.8
    await driver.close(client)


async def test_a_call_can_loosen_or_lift_the_clients_deadline(
    driver: Driver, server: ScriptedServer
) -> None:
    server.push(slow(OK, 0.4), slow(OK, 0.4))
    client = driver.client(server.url, total_timeout=0.1)
    assert (await driver.complete(client, total_timeout=5.0)).id == "ok"
    assert (await driver.complete(client, total_timeout=math.inf)).id == "ok"
    await driver.close(client)


async def test_a_generous_deadline_changes_nothing(driver: Driver, server: ScriptedServer) -> None:
    server.push(
        json_reply(BUSY, 503, **{"retry-after": "0"}),
        json_reply(OK),
        sse_reply(events(3)),
        json_reply(EMBEDDINGS),
        json_reply(EMBEDDINGS),
        json_reply(
            {"model_name": "m", "model_type": "chat-completion", "model_provider_name": "p"}
        ),
    )
    client = driver.client(server.url, total_timeout=30.0)
    assert (await driver.complete(client)).choices[0].message.content == "x"
    assert len(server.seen) == 2  # the retry still happened
    chunks: list[ChatCompletionChunk] = []
    await drain(driver, client.stream(MESSAGES), chunks)
    assert [c.choices[0].delta.content for c in chunks] == ["w0", "w1", "w2"]
    assert (await driver.call(client, "embed", "hi")).data[0].embedding == [0.5, 0.25]
    image = [{"image": "data:image/png;base64,iVBORw0KGgo="}]
    assert (await driver.call(client, "embed_images", image, total_timeout=20.0)).data
    info = await driver.call(client, "get_model_info", total_timeout=20.0)
    assert info.model_name == "m"
    for seen in server.seen:  # httpx timeouts were cut to the time left, never raised
        assert seen.method in ("GET", "POST")
    await driver.close(client)


async def test_pool_wait_counts_against_the_deadline(
    driver: Driver, server: ScriptedServer
) -> None:
    server.push(sse_reply(events(1)))
    client = driver.client(server.url, max_concurrency=1, timeout=httpx.Timeout(30.0))
    stream: Any = client.stream(MESSAGES)
    if driver.is_async:
        await stream  # holds the only slot
    started = time.perf_counter()
    with pytest.raises(APITimeoutError, match="total_timeout"):
        await driver.complete(client, total_timeout=0.2)
    assert time.perf_counter() - started < 2.0  # not the 30 s pool timeout
    if driver.is_async:
        await stream.aclose()
    else:
        stream.close()
    await driver.close(client)


# -- streams --------------------------------------------------------------------------------


async def test_opening_a_stream_is_bounded(driver: Driver, server: ScriptedServer) -> None:
    reply = sse_reply(events(2))
    reply.delay = 3.0
    server.push(reply)
    client = driver.client(server.url, max_retries=2)
    started = time.perf_counter()
    chunks: list[ChatCompletionChunk] = []
    with pytest.raises(APITimeoutError, match="total_timeout"):
        await drain(driver, client.stream(MESSAGES, total_timeout=0.3), chunks)
    assert time.perf_counter() - started < 2.0
    assert chunks == []
    await driver.close(client)


async def test_a_stream_slower_than_its_deadline_raises(
    driver: Driver, server: ScriptedServer
) -> None:
    server.push(slow_stream(20, 0.05))  # about a second in all
    client = driver.client(server.url, total_timeout=0.3)
    stream = client.stream(MESSAGES)
    chunks: list[ChatCompletionChunk] = []
    started = time.perf_counter()
    with pytest.raises(StreamTimeoutError, match=r"total_timeout of 0\.3 s") as caught:
        await drain(driver, stream, chunks)
    assert time.perf_counter() - started < 0.9
    assert isinstance(caught.value, APITimeoutError)
    assert isinstance(caught.value, StreamError)
    assert 0 < len(chunks) < 20  # some arrived, the rest was never passed off as complete
    assert stream.response.is_closed
    await driver.close(client)


async def test_a_stalled_stream_is_cut_at_the_deadline(
    driver: Driver, server: ScriptedServer
) -> None:
    reply = slow_stream(2, 3.0)  # the second event comes 3 s after the first
    server.push(reply)
    client = driver.client(server.url, timeout=60.0)
    chunks: list[ChatCompletionChunk] = []
    started = time.perf_counter()
    with pytest.raises(StreamTimeoutError, match="total_timeout"):
        await drain(driver, client.stream(MESSAGES, total_timeout=0.4), chunks)
    # The read timeout was cut to the time left when the request was sent.
    assert time.perf_counter() - started < 2.0
    assert [c.choices[0].delta.content for c in chunks] == ["w0"]
    await driver.close(client)


async def test_a_read_timeout_mid_stream_is_a_stream_timeout(
    driver: Driver, server: ScriptedServer
) -> None:
    server.push(slow_stream(2, 1.0))
    client = driver.client(server.url, timeout=0.2)
    chunks: list[ChatCompletionChunk] = []
    with pytest.raises(StreamTimeoutError, match="timed out after 1 chunk") as caught:
        await drain(driver, client.stream(MESSAGES), chunks)
    assert isinstance(caught.value, APITimeoutError)
    assert "total_timeout" not in str(caught.value)
    await driver.close(client)
