"""Transient faults against the emulator: throttling, server errors, resets, timeouts.

Each test body runs six times: the core, the LangChain and the LlamaIndex
clients, sync and async. Retry waits are kept short with small
``Retry-After`` values; what is asserted is behaviour a user sees: the call
succeeds after the retries it needed, waits at least as long as the service
asked, or gives up with the error class its package exports.
"""

from __future__ import annotations

import time

import pytest

import azure_inference_core as core
from azure_inference_emulator import Emulator

from ._raw import Act, RawServer, completion
from ._support import Target, fault_id, hits

PROMPT = "Name three rivers of Europe"


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_429_storm_succeeds_after_waiting_as_told(
    target: Target, emu: Emulator, streamed: bool
) -> None:
    fid = fault_id()
    fault = f"status=429; retry-after=0.15; times=2; id={fid}"
    started = time.monotonic()
    text = await target.run(emu.endpoint, PROMPT, streamed=streamed, fault=fault, max_retries=2)
    elapsed = time.monotonic() - started
    assert PROMPT in text
    assert hits(emu, fid) == 3  # two 429s, then the answer
    assert elapsed >= 2 * 0.15, f"retried after {elapsed:.3f}s, before the Retry-After waits"


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_429_gives_up_after_max_retries_with_retry_after(
    target: Target, emu: Emulator, streamed: bool
) -> None:
    fid = fault_id()
    fault = f"status=429; retry-after-ms=40; id={fid}"
    with pytest.raises(target.errors.RateLimitError) as caught:
        await target.run(emu.endpoint, PROMPT, streamed=streamed, fault=fault, max_retries=2)
    assert caught.value.status_code == 429
    assert caught.value.retry_after == pytest.approx(0.04)
    assert hits(emu, fid) == 3  # the first attempt and max_retries=2 retries


@pytest.mark.parametrize("status", [500, 503])
async def test_server_error_is_retried_then_succeeds(
    target: Target, emu: Emulator, status: int
) -> None:
    fid = fault_id()
    fault = f"status={status}; retry-after-ms=10; times=2; id={fid}"
    text = await target.run(emu.endpoint, PROMPT, streamed=False, fault=fault, max_retries=2)
    assert PROMPT in text
    assert hits(emu, fid) == 3


@pytest.mark.parametrize("status", [500, 503])
async def test_server_error_exhausted_raises_server_error(
    target: Target, emu: Emulator, status: int
) -> None:
    fid = fault_id()
    fault = f"status={status}; retry-after-ms=10; id={fid}; message=backend down"
    with pytest.raises(core.ServerError) as caught:
        await target.run(emu.endpoint, PROMPT, streamed=True, fault=fault, max_retries=1)
    if target.family == "langchain":
        assert isinstance(caught.value, target.errors.ServerError)
    assert caught.value.status_code == status
    assert "backend down" in str(caught.value)
    assert hits(emu, fid) == 2


async def test_connection_reset_before_response_is_retried(target: Target, raw: RawServer) -> None:
    raw.push(Act.reset(), Act.json(completion("recovered after a reset")))
    text = await target.run(raw.url, PROMPT, streamed=False, max_retries=1)
    assert text == "recovered after a reset"
    assert raw.hits == 2


async def test_connection_reset_every_time_raises_connection_error(
    target: Target, raw: RawServer
) -> None:
    raw.push(Act.reset())
    with pytest.raises(target.errors.APIConnectionError) as caught:
        await target.run(raw.url, PROMPT, streamed=False, max_retries=0)
    assert not isinstance(caught.value, target.errors.APITimeoutError)
    assert raw.hits == 1


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_slow_first_byte_past_read_timeout(
    target: Target, emu: Emulator, streamed: bool
) -> None:
    fid = fault_id()
    client = target.make(
        emu.endpoint, fault=f"delay-first-byte=2.0; id={fid}", max_retries=0, timeout=0.25
    )
    try:
        started = time.monotonic()
        call = target.stream if streamed else target.complete
        with pytest.raises(target.errors.APITimeoutError):
            await call(client, PROMPT)
        elapsed = time.monotonic() - started
    finally:
        await target.close(client)
    assert elapsed < 1.5, f"the call waited {elapsed:.2f}s for the slow answer"
    assert hits(emu, fid) == 1


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_retry_after_in_whole_seconds_alone_is_honoured(
    emu: Emulator, is_async: bool
) -> None:
    """Azure often sends only ``Retry-After: <seconds>`` (no ``retry-after-ms``)."""
    target = Target("core", is_async)
    emu.script.clear()
    emu.script.queue(
        status=429,
        body={"error": {"code": "429", "message": "Rate limit is exceeded."}},
        headers={"Retry-After": "1"},
    )
    started = time.monotonic()
    text = await target.run(emu.endpoint, PROMPT, streamed=False, max_retries=1)
    elapsed = time.monotonic() - started
    emu.script.clear()
    assert PROMPT in text
    assert elapsed >= 1.0, f"retried after {elapsed:.3f}s although the service asked for 1 s"
