"""Transports for the httpx clients we create: a concurrency gate in front of the pool.

httpcore 1.0's connection pool rescans every connection for every queued
request on each request start and finish (quadratic in pool size and queue
length): a burst of a thousand concurrent calls spends seconds of CPU there,
or times out. Waiting on a semaphore first keeps httpcore's queue empty, and a
semaphore wakes waiters in O(1). A permit is held from sending a request until
its response is closed (for a stream: until it is exhausted or closed), which
is also how long the connection is busy.

Applied only to clients we create; a caller's ``http_client`` is used as given.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import cast

import httpx

from ._errors import ConfigurationError

__all__ = [
    "DEFAULT_MAX_CONCURRENCY",
    "GatedAsyncTransport",
    "GatedTransport",
    "check_limit",
    "limits",
]

#: In-flight requests (and open streams) per client, and its pool size.
DEFAULT_MAX_CONCURRENCY = 16


def check_limit(value: int) -> int:
    """Validate ``max_concurrency``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"max_concurrency must be an int >= 1, got {value!r}.")
    return value


def limits(limit: int) -> httpx.Limits:
    """A pool exactly as large as the gate: every admitted request finds a connection."""
    return httpx.Limits(max_connections=limit, max_keepalive_connections=limit)


def _pool_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout")
    return timeout.get("pool") if isinstance(timeout, dict) else None


class _Once:
    __slots__ = ("_done", "_release")

    def __init__(self, release: Callable[[], None]) -> None:
        self._release = release
        self._done = False

    def __call__(self) -> None:
        if not self._done:
            self._done = True
            self._release()


class _ReleasingStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release = release

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._inner)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._release()


class _AsyncReleasingStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release = release

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._inner.__aiter__()

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._release()


class GatedTransport(httpx.BaseTransport):
    """``httpx.HTTPTransport`` behind a ``threading.BoundedSemaphore``."""

    def __init__(self, inner: httpx.BaseTransport, limit: int) -> None:
        self._inner = inner
        self._gate = threading.BoundedSemaphore(limit)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        timeout = _pool_timeout(request)
        if not self._gate.acquire(timeout=timeout):
            raise httpx.PoolTimeout("No free slot under max_concurrency in time.", request=request)
        release = _Once(self._gate.release)
        try:
            response = self._inner.handle_request(request)
        except BaseException:
            release()
            raise
        response.stream = _ReleasingStream(cast(httpx.SyncByteStream, response.stream), release)
        return response

    def close(self) -> None:
        self._inner.close()


class GatedAsyncTransport(httpx.AsyncBaseTransport):
    """``httpx.AsyncHTTPTransport`` behind an ``asyncio.Semaphore``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limit: int) -> None:
        self._inner = inner
        self._gate = asyncio.Semaphore(limit)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self._gate.locked():
            await self._gate.acquire()  # free slot: no timer needed
        else:
            try:
                await asyncio.wait_for(self._gate.acquire(), _pool_timeout(request))
            except asyncio.TimeoutError:
                raise httpx.PoolTimeout(
                    "No free slot under max_concurrency in time.", request=request
                ) from None
        release = _Once(self._gate.release)
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException:
            release()
            raise
        response.stream = _AsyncReleasingStream(
            cast(httpx.AsyncByteStream, response.stream), release
        )
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
