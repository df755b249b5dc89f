"""Network streams whose every read and write ends at the call's ``total_timeout``.

httpx's timeouts bound one socket operation each, so a server that trickles a
byte just inside the read timeout keeps a call alive for ever (headers, bodies
and error bodies alike). The backends here cut every read and write of a
connection to the time left before the deadline of the call using it: the
client puts the call's ``Deadline`` in ``CURRENT_DEADLINE`` while it sends, a
connection's stream takes it when a request is written (every request on a
connection starts with a write) and applies it to each read after that, also
when the body is read later from another context (a stream). At the deadline
the next read fails at once with a read timeout, which the client turns into
its typed error. Used by the pools the clients create (``_transport``) and
installed on a caller's httpx client (``guard_client``).
"""

from __future__ import annotations

import time
from typing import Any

import httpcore

from ._deadline import Deadline
from ._no_httpx_cli import httpx
from ._read import CURRENT_DEADLINE

__all__ = ["AsyncDeadlineBackend", "DeadlineBackend", "guard_client"]

_clock = time.monotonic


def _cut(timeout: float | None, deadline: Deadline, error: type[Exception]) -> float | None:
    left = deadline.at - _clock()
    if left <= 0:
        raise error("total_timeout reached")
    return left if timeout is None or timeout > left else timeout


class _Stream(httpcore.NetworkStream):
    """A network stream whose reads and writes end at the current call's deadline."""

    __slots__ = ("_deadline", "_inner")

    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline | None = None) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        deadline = self._deadline
        if deadline is not None:
            timeout = _cut(timeout, deadline, httpcore.ReadTimeout)
        return self._inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        deadline = self._deadline = CURRENT_DEADLINE.get()
        if deadline is not None:
            timeout = _cut(timeout, deadline, httpcore.WriteTimeout)
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, timeout)
        return _Stream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _AsyncStream(httpcore.AsyncNetworkStream):
    """The async twin of ``_Stream``."""

    __slots__ = ("_deadline", "_inner")

    def __init__(
        self, inner: httpcore.AsyncNetworkStream, deadline: Deadline | None = None
    ) -> None:
        self._inner = inner
        self._deadline = deadline

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        deadline = self._deadline
        if deadline is not None:
            timeout = _cut(timeout, deadline, httpcore.ReadTimeout)
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        deadline = self._deadline = CURRENT_DEADLINE.get()
        if deadline is not None:
            timeout = _cut(timeout, deadline, httpcore.WriteTimeout)
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        inner = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        return _AsyncStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync backend (or ``inner``), its streams bounded by the call's deadline."""

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner if inner is not None else httpcore.SyncBackend()

    def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_tcp(*args, **kwargs))

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(*args, **kwargs))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _auto_backend() -> httpcore.AsyncNetworkBackend:
    try:
        from httpcore._backends.auto import AutoBackend
    except ImportError:  # pragma: no cover - older or newer httpcore layout
        return httpcore.AnyIOBackend()
    return AutoBackend()


class AsyncDeadlineBackend(httpcore.AsyncNetworkBackend):
    """httpcore's async backend (or ``inner``), its streams bounded by the call's deadline."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner if inner is not None else _auto_backend()

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return _AsyncStream(await self._inner.connect_tcp(*args, **kwargs))

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return _AsyncStream(await self._inner.connect_unix_socket(*args, **kwargs))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guard_client(http: httpx.Client | httpx.AsyncClient) -> None:
    """Bound a caller's httpx client's connections by the call deadline too.

    Wraps the network backend of each httpcore connection pool behind the
    client's transports (httpx's own ``HTTPTransport``, proxies included);
    connections opened from now on honour ``total_timeout`` on every read. A
    custom transport is left as it is (its reads are bounded by ``timeout`` only).
    """
    transports = [getattr(http, "_transport", None), *getattr(http, "_mounts", {}).values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(pool, httpcore.ConnectionPool) and isinstance(
            backend, httpcore.NetworkBackend
        ):
            if not isinstance(backend, DeadlineBackend):
                pool._network_backend = DeadlineBackend(backend)
        elif (
            isinstance(pool, httpcore.AsyncConnectionPool)
            and isinstance(backend, httpcore.AsyncNetworkBackend)
            and not isinstance(backend, AsyncDeadlineBackend)
        ):
            pool._network_backend = AsyncDeadlineBackend(backend)
