"""Sending on an httpx client we built, without ``httpx.Client``'s per-request layers.

``Client.send`` on top of the transport merges the client's default headers
and cookies into a new request (``build_request``), then walks the auth,
redirect and hook layers, each a generator or a function call, for features
a client we built does not use: no auth, no hooks, no redirects, one
transport (the slot pool of ``_transport``). On loopback that is about a
quarter of a call's client CPU. Here the request is built once with the
client's defaults already merged and handed to the pool's transport; the
response comes back as ``_send_single_request`` leaves it: its request set,
cookies extracted, ``elapsed`` set at close, httpx's INFO log line written.

Used only when nothing above applies: not for a caller's ``http_client``, not
through a proxy (httpx's mounts pick the transport), and an attempt takes the
ordinary ``Client.send`` when the jar holds a cookie (merged by
``build_request``) or the client is closed (httpx raises its own error).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

from ._no_httpx_cli import httpx

__all__ = ["AsyncDirect", "Direct", "direct_route"]

_httpx_log = logging.getLogger("httpx")


class _Timed(httpx.SyncByteStream):
    """The response body as the transport gives it; ``elapsed`` set when it closes."""

    __slots__ = ("_response", "_started", "_stream")

    def __init__(self, stream: Any, response: httpx.Response, started: float) -> None:
        self._stream = stream
        self._response = response
        self._started = started

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._stream)

    def close(self) -> None:
        self._response.elapsed = timedelta(seconds=time.perf_counter() - self._started)
        self._stream.close()


class _AsyncTimed(httpx.AsyncByteStream):
    """The async twin of ``_Timed``."""

    __slots__ = ("_response", "_started", "_stream")

    def __init__(self, stream: Any, response: httpx.Response, started: float) -> None:
        self._stream = stream
        self._response = response
        self._started = started

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._stream.__aiter__()  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        self._response.elapsed = timedelta(seconds=time.perf_counter() - self._started)
        await self._stream.aclose()


def _finish(http: httpx.Client | httpx.AsyncClient, request: httpx.Request,
            response: httpx.Response) -> None:  # fmt: skip
    response.request = request
    http.cookies.extract_cookies(response)  # our jar looks for set-cookie first (_transport)
    if _httpx_log.isEnabledFor(logging.INFO):
        _httpx_log.info(
            'HTTP Request: %s %s "%s %d %s"',
            request.method,
            request.url,
            response.http_version,
            response.status_code,
            response.reason_phrase,
        )


class _Route:
    """What both routes share: the merged default headers and ``ready``."""

    __slots__ = ("_http", "_transport", "defaults")

    def __init__(self, http: Any, transport: Any) -> None:
        self._http = http
        self._transport = transport
        #: The client's default headers, lower-cased so ours replace them by name.
        self.defaults = {name.lower(): value for name, value in http.headers.items()}

    def ready(self) -> bool:
        """Whether this attempt can skip ``Client.send`` (no cookie to merge, not closed)."""
        return not self._http.is_closed and not self._http.cookies


class Direct(_Route):
    """The sync route."""

    __slots__ = ()

    def send(self, request: httpx.Request) -> httpx.Response:
        """Send through the pool; the response unread (a stream), as ``send(stream=True)``."""
        started = time.perf_counter()
        try:
            response: httpx.Response = self._transport.handle_request(request)
        except httpx.RequestError as exc:
            exc.request = request
            raise
        response.stream = _Timed(response.stream, response, started)
        _finish(self._http, request, response)
        return response


class AsyncDirect(_Route):
    """The async route."""

    __slots__ = ()

    async def asend(self, request: httpx.Request) -> httpx.Response:
        """The async twin of ``send``."""
        started = time.perf_counter()
        try:
            response: httpx.Response = await self._transport.handle_async_request(request)
        except httpx.RequestError as exc:
            exc.request = request
            raise
        response.stream = _AsyncTimed(response.stream, response, started)
        _finish(self._http, request, response)
        return response


def direct_route(http: Any, transport: Any, mounts: object) -> Direct | AsyncDirect | None:
    """The direct route for a client we built, None when a proxy mount may pick another."""
    if mounts:
        return None
    return (AsyncDirect if isinstance(http, httpx.AsyncClient) else Direct)(http, transport)
