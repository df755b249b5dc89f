"""Transports for the httpx clients we create: a slot-gated connection pool.

httpcore 1.0's ``ConnectionPool`` rescans every connection for every queued
request each time a request starts or finishes: it asks each connection
whether it expired (on asyncio a socket poll through several layers of
``get_extra_info``), and in one scan may hand one idle connection to several
waiting requests, all but one of which then fail and rescan. In a burst of a
thousand concurrent calls this bookkeeping was most of the client's CPU, and
grew with the pool size.

Our clients talk to one endpoint, so the pool can be much simpler: a
semaphore of ``max_concurrency`` slots, and a stack of idle httpcore
connections. A request takes a slot (waiting up to the pool timeout), pops the
most recently used idle connection (checking only that one for expiry) or
opens a new one, and owns it until its response is closed, when the
connection goes back on the stack (if still reusable) and the slot is freed.
Every step is O(1). The connections, HTTP/1.1 parsing and TLS are httpcore's;
httpx's transport still converts requests, responses and exceptions.

Applied only to clients we create; a caller's ``http_client`` is used as given.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar, cast

import httpcore

from ._errors import ConfigurationError
from ._guard import AsyncDeadlineBackend, DeadlineBackend, guard_client
from ._network import Verify, check_network_options, proxy_routes, ssl_context, transports
from ._no_httpx_cli import httpx

__all__ = [
    "DEFAULT_MAX_CONCURRENCY",
    "KEEPALIVE_EXPIRY",
    "PooledAsyncTransport",
    "PooledTransport",
    "check_limit",
    "check_own_client_options",
    "http_for",
    "lean_cookies",
    "limits",
    "own_client",
]

#: In-flight requests (and open streams) per client, and its most connections.
#: As many as aiohttp's and httpx's own default pools: against a remote service
#: a burst is latency-bound, so fewer slots mean proportionally longer bursts
#: (bench_core --burst 1000 --latency-ms 1000: 32 slots 35 s, 64 slots 24 s,
#: 100 slots 19 s, the official SDK 17 s), and with this pool a slot costs no
#: CPU per request (on loopback 16 to 100 slots measured within noise).
DEFAULT_MAX_CONCURRENCY = 100
#: Seconds an idle connection is kept (httpx's default).
KEEPALIVE_EXPIRY = 5.0

_NO_SLOT = "No free slot under max_concurrency in time (pool timeout)."

C = TypeVar("C", httpcore.HTTPConnection, httpcore.AsyncHTTPConnection)


def check_limit(value: int) -> int:
    """Validate ``max_concurrency``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"max_concurrency must be an int >= 1, got {value!r}.")
    return value


def limits(limit: int) -> httpx.Limits:
    """httpx limits matching the pool: ``limit`` connections, all kept alive."""
    return httpx.Limits(
        max_connections=limit, max_keepalive_connections=limit, keepalive_expiry=KEEPALIVE_EXPIRY
    )


def _pool_timeout(request: httpcore.Request) -> float | None:
    timeout = request.extensions.get("timeout")
    return timeout.get("pool") if isinstance(timeout, dict) else None


class _Idle(Generic[C]):
    """The pure bookkeeping: idle connections per origin, and every open one."""

    __slots__ = ("every", "stacks")

    def __init__(self) -> None:
        # Keyed by the origin's parts: ``httpcore.Origin`` is not hashable.
        self.stacks: dict[tuple[bytes, bytes, int], list[C]] = {}
        self.every: set[C] = set()

    def take(self, origin: httpcore.Origin) -> tuple[C | None, list[C]]:
        """A reusable idle connection (or None: open one), and the stale ones to close."""
        stale: list[C] = []
        stack = self.stacks.get((origin.scheme, origin.host, origin.port))
        while stack:
            connection = stack.pop()
            # Expired keep-alive, or the server hung up while it was idle.
            if connection.is_idle() and not connection.has_expired():
                return connection, stale
            self.every.discard(connection)
            stale.append(connection)
        return None, stale

    def add(self, connection: C) -> None:
        self.every.add(connection)

    def give_back(self, origin: httpcore.Origin, connection: C) -> None:
        """After its response closed: keep the connection if it can carry another request."""
        if connection.is_idle() and not connection.is_closed():
            key = (origin.scheme, origin.host, origin.port)
            self.stacks.setdefault(key, []).append(connection)
        else:  # httpcore already closed it (error, ``Connection: close``, abandoned body)
            self.every.discard(connection)

    def drain(self) -> list[C]:
        """Forget every connection (to close them all)."""
        connections = list(self.every)
        self.every.clear()
        self.stacks.clear()
        return connections


class _Once:
    __slots__ = ("_args", "_done", "_fn")

    def __init__(self, fn: Callable[..., None], *args: Any) -> None:
        self._fn = fn
        self._args = args
        self._done = False

    def __call__(self) -> None:
        if not self._done:
            self._done = True
            self._fn(*self._args)


class _Returning:
    """A response body that hands its connection and slot back when closed."""

    __slots__ = ("_done", "_inner")

    def __init__(self, inner: Iterable[bytes], done: Callable[[], None]) -> None:
        self._inner = inner
        self._done = done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._inner)

    def close(self) -> None:
        try:
            close = getattr(self._inner, "close", None)
            if close is not None:
                close()
        finally:
            self._done()


class _AsyncReturning:
    """The async twin of ``_Returning``."""

    __slots__ = ("_done", "_inner")

    def __init__(self, inner: Any, done: Callable[[], None]) -> None:
        self._inner = inner
        self._done = done

    def __aiter__(self) -> AsyncIterator[bytes]:
        return cast(AsyncIterator[bytes], self._inner.__aiter__())

    async def aclose(self) -> None:
        try:
            aclose = getattr(self._inner, "aclose", None)
            if aclose is not None:
                await aclose()
        finally:
            self._done()


class SlotPool:
    """The sync pool (thread-safe): a ``BoundedSemaphore`` of slots and an idle stack."""

    def __init__(self, limit: int, ssl_context: ssl.SSLContext) -> None:
        self._gate = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self._idle: _Idle[httpcore.HTTPConnection] = _Idle()
        self._ssl_context = ssl_context
        self._backend = DeadlineBackend()  # reads and writes end at the call's total_timeout

    def _release(self, origin: httpcore.Origin, connection: httpcore.HTTPConnection) -> None:
        with self._lock:
            self._idle.give_back(origin, connection)
        self._gate.release()

    def handle_request(self, request: httpcore.Request) -> httpcore.Response:
        timeout = _pool_timeout(request)
        if not self._gate.acquire(timeout=timeout):
            raise httpcore.PoolTimeout(_NO_SLOT)
        origin = request.url.origin
        try:
            with self._lock:
                connection, stale = self._idle.take(origin)
                if connection is None:
                    connection = httpcore.HTTPConnection(
                        origin,
                        ssl_context=self._ssl_context,
                        keepalive_expiry=KEEPALIVE_EXPIRY,
                        network_backend=self._backend,
                    )
                    self._idle.add(connection)
            for old in stale:
                old.close()
        except BaseException:
            self._gate.release()
            raise
        release = _Once(self._release, origin, connection)
        try:
            response = connection.handle_request(request)
        except BaseException:
            release()
            raise
        response.stream = _Returning(cast(Iterable[bytes], response.stream), release)
        return response

    def close(self) -> None:
        with self._lock:
            connections = self._idle.drain()
        for connection in connections:
            connection.close()

    def __enter__(self) -> SlotPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncSlotPool:
    """The async pool (one event loop): an ``asyncio.Semaphore`` and an idle stack."""

    def __init__(self, limit: int, ssl_context: ssl.SSLContext) -> None:
        self._gate = asyncio.Semaphore(limit)
        self._idle: _Idle[httpcore.AsyncHTTPConnection] = _Idle()
        self._ssl_context = ssl_context
        self._backend = AsyncDeadlineBackend()

    def _release(self, origin: httpcore.Origin, connection: httpcore.AsyncHTTPConnection) -> None:
        self._idle.give_back(origin, connection)
        self._gate.release()

    async def _acquire(self, request: httpcore.Request) -> None:
        if not self._gate.locked():
            await self._gate.acquire()  # a free slot: no timer needed
            return
        try:
            await asyncio.wait_for(self._gate.acquire(), _pool_timeout(request))
        except asyncio.TimeoutError:
            raise httpcore.PoolTimeout(_NO_SLOT) from None

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        await self._acquire(request)
        origin = request.url.origin
        connection, stale = self._idle.take(origin)
        if connection is None:
            connection = httpcore.AsyncHTTPConnection(
                origin,
                ssl_context=self._ssl_context,
                keepalive_expiry=KEEPALIVE_EXPIRY,
                network_backend=self._backend,
            )
            self._idle.add(connection)
        release = _Once(self._release, origin, connection)
        try:
            for old in stale:
                await old.aclose()
            response = await connection.handle_async_request(request)
        except BaseException:
            release()
            raise
        response.stream = _AsyncReturning(response.stream, release)
        return response

    async def aclose(self) -> None:
        for connection in self._idle.drain():
            await connection.aclose()

    async def __aenter__(self) -> AsyncSlotPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class _SetCookieOnly(httpx.Cookies):
    """A cookie jar that skips responses setting no cookie.

    httpx hands every response to ``http.cookiejar`` through urllib adapter
    objects, a tenth of a burst call's client CPU; the inference API sets no
    cookies, so the lookup below usually saves all of it. A response that does
    set one is handled exactly as before.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


def lean_cookies(http: httpx.Client | httpx.AsyncClient) -> None:
    """Give a client we created the jar above (``cookies=`` would copy it into a plain one)."""
    jar = _SetCookieOnly()
    jar.jar = http.cookies.jar
    http._cookies = jar  # httpx keeps ``.cookies`` here; its setter would copy the jar


class PooledTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` over a ``SlotPool``: httpx's request, response and
    exception mapping, our pool (its only use of ``_pool`` is to send and close)."""

    def __init__(self, limit: int, context: ssl.SSLContext) -> None:
        super().__init__(verify=context, limits=limits(limit))
        self._pool: Any = SlotPool(limit, context)


class PooledAsyncTransport(httpx.AsyncHTTPTransport):
    """``httpx.AsyncHTTPTransport`` over an ``AsyncSlotPool``."""

    def __init__(self, limit: int, context: ssl.SSLContext) -> None:
        super().__init__(verify=context, limits=limits(limit))
        self._pool: Any = AsyncSlotPool(limit, context)


HttpClient = TypeVar("HttpClient", httpx.Client, httpx.AsyncClient)


def own_client(
    cls: type[HttpClient],
    *,
    max_concurrency: int | None,
    timeout: httpx.Timeout,
    proxy: str | httpx.URL | httpx.Proxy | None,
    trust_env: bool,
    verify: Verify,
) -> tuple[HttpClient, Any]:
    """The httpx client a core client builds for itself: the slot pool for direct
    connections, httpx's transport through each proxy (see ``_network``); and its
    direct route (``_direct``), None when it has proxy mounts."""
    from ._direct import direct_route

    limit = DEFAULT_MAX_CONCURRENCY if max_concurrency is None else check_limit(max_concurrency)
    context = ssl_context(verify, trust_env)
    asynchronous = cls is httpx.AsyncClient
    pool: Any = (PooledAsyncTransport if asynchronous else PooledTransport)(limit, context)
    mounts = transports(
        proxy_routes(proxy, trust_env),
        asynchronous=asynchronous,
        context=context,
        limits=limits(limit),
    )
    http = cls(
        transport=pool,
        mounts=mounts or None,
        timeout=timeout,
        follow_redirects=False,
        trust_env=trust_env,
    )
    lean_cookies(http)
    if mounts:  # httpx's proxy transports: bound their reads by the call deadline too
        guard_client(http)
    return http, direct_route(http, pool, mounts)


def http_for(
    cls: type[HttpClient],
    http_client: HttpClient | None,
    *,
    max_concurrency: int | None,
    timeout: httpx.Timeout,
    proxy: str | httpx.URL | httpx.Proxy | None,
    trust_env: bool,
    verify: Verify,
) -> tuple[HttpClient, Any]:
    """What a core client sends on: the caller's httpx client (its reads bounded by
    the call's deadline) or one built here; and the direct route (None for the caller's).

    Raises:
        ConfigurationError: a network option with the caller's client, or a bad one.
    """
    check_network_options(proxy, trust_env, verify)
    check_own_client_options(http_client, max_concurrency, proxy, trust_env, verify)
    if http_client is None:
        return own_client(
            cls,
            max_concurrency=max_concurrency,
            timeout=timeout,
            proxy=proxy,
            trust_env=trust_env,
            verify=verify,
        )
    guard_client(http_client)
    return http_client, None


def check_own_client_options(
    http_client: object,
    max_concurrency: int | None,
    proxy: object,
    trust_env: bool,
    verify: object,
) -> None:
    """Options that configure the client we build make no sense with the caller's own."""
    if http_client is None:
        return
    given = [
        name
        for name, value, default in (
            ("max_concurrency", max_concurrency, None),
            ("proxy", proxy, None),
            ("trust_env", trust_env, True),
            ("verify", verify, True),
        )
        if value is not default
    ]
    if given:
        raise ConfigurationError(
            f"{', '.join(given)} configure the connection pool this client creates; with your "
            "own http_client, set them on it instead (httpx.Limits, proxy=, trust_env=, verify=)."
        )
