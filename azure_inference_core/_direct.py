"""Sending on an httpx client we built, straight to its connection pool.

``Client.send`` merges the client's default headers and cookies into a new
``httpx.Request`` (``build_request``), walks the auth, redirect and hook
layers, and its transport then turns the request into httpcore's and the
answer back into an ``httpx.Response``: for a client we built (no auth, no
hooks, no redirects, one transport: the slot pool of ``_transport``) that is
a fifth of a call's client CPU on loopback. Here the httpcore request is
built from the call's own parts and handed to the pool; the answer is the
``httpx.Response`` httpx would give: httpcore's errors mapped to httpx's (as
httpx maps them, on sending and on every read), its request set (built when
first read: most calls never read it), cookies extracted, ``elapsed`` set at
close, httpx's INFO log line written.

Used only when nothing above applies: not for a caller's ``http_client``, not
through a proxy (httpx's mounts pick the transport), and an attempt takes the
ordinary ``Client.send`` when the jar holds a cookie (merged by
``build_request``), the client is closed (httpx raises its own error), or
httpx's ``Client.send`` or transport method is wrapped or replaced (tracing
integrations, mocks): they still see every request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NoReturn

import httpcore

from ._no_httpx_cli import httpx

if TYPE_CHECKING:
    from ._call import Call

__all__ = ["AsyncDirect", "Direct", "direct_route"]

_httpx_log = logging.getLogger("httpx")

#: httpcore's errors and the httpx errors httpx raises for them.
_ERRORS: dict[type[Exception], type[httpx.HTTPError]] = {
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.ProxyError: httpx.ProxyError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.ProtocolError: httpx.ProtocolError,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
}


def _reraise(exc: Exception, request: Callable[[], httpx.Request]) -> NoReturn:
    """Raise httpcore's ``exc`` as the httpx error httpx would (the most specific), with
    the request on it; anything else unchanged."""
    for cls in type(exc).__mro__:
        target = _ERRORS.get(cls)
        if target is not None:
            error = target(str(exc))
            if isinstance(error, httpx.RequestError):
                error.request = request()
            raise error from exc
    raise exc


Recipe = tuple[str, "httpx.URL", "bytes | None", dict[str, str], dict[str, Any]]


def _build(recipe: Recipe) -> httpx.Request:
    method, url, content, headers, extensions = recipe
    return httpx.Request(method, url, content=content, headers=headers, extensions=extensions)


class _Answer(httpx.Response):
    """An ``httpx.Response`` whose ``request`` is built the first time it is read."""

    _recipe: Recipe | None = None

    @property
    def request(self) -> httpx.Request:
        if self._request is None and self._recipe is not None:
            self._request = _build(self._recipe)
        return super().request

    @request.setter
    def request(self, value: httpx.Request) -> None:
        self._request = value

    def raise_for_status(self) -> httpx.Response:
        self.request  # noqa: B018 (built: httpx reads the private attribute)
        return super().raise_for_status()


class _Timing:
    """What both bodies share: the answer they belong to and when it was sent."""

    def __init__(self, stream: Any, started: float) -> None:
        self._stream = stream
        self._response: httpx.Response | None = None  # set once the answer is built
        self._started = started

    def _request(self) -> httpx.Request:
        assert self._response is not None
        return self._response.request

    def _done(self) -> None:
        if self._response is not None:
            self._response.elapsed = timedelta(seconds=time.perf_counter() - self._started)


class _Body(_Timing, httpx.SyncByteStream):
    """httpcore's body as httpx's: errors mapped on every read; ``elapsed`` set at close."""

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._stream
        except Exception as exc:
            _reraise(exc, self._request)

    def close(self) -> None:
        self._done()
        self._stream.close()


class _AsyncBody(_Timing, httpx.AsyncByteStream):
    """The async twin of ``_Body``."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._stream:
                yield part
        except Exception as exc:
            _reraise(exc, self._request)

    async def aclose(self) -> None:
        self._done()
        await self._stream.aclose()


def _as_shipped(method: Any, module: str) -> bool:
    """Whether an httpx method is httpx's own, not wrapped or replaced (as tracing
    integrations and mocks do: OpenTelemetry's and respx on the transport, Sentry's
    and others on ``Client.send``)."""
    shipped = getattr(method, "__module__", None) == module
    return shipped and not hasattr(method, "__wrapped__")


class _Route:
    """What both routes share: the client's default headers, ``ready``, the request."""

    __slots__ = ("_http", "_last_url", "_method", "_pool", "defaults")

    def __init__(self, http: Any, transport: Any, method: str) -> None:
        self._http = http
        self._pool = transport._pool
        #: Where httpx's transport method is looked up on each attempt.
        self._method = (type(transport), method)
        self._last_url: tuple[httpx.URL, httpcore.URL] | None = None
        #: The client's default headers, lower-cased so ours replace them by name.
        self.defaults = {name.lower(): value for name, value in http.headers.items()}

    def ready(self) -> bool:
        """Whether this attempt can skip ``Client.send``: not when the jar holds a cookie
        (``build_request`` merges it), the client is closed (httpx raises its error), or
        httpx's ``send`` or transport is instrumented or mocked (it must see the request)."""
        http = self._http
        cls, name = self._method
        return (
            not http.is_closed
            and not http.cookies
            and _as_shipped(getattr(cls, name), "httpx._transports.default")
            and _as_shipped(type(http).send, "httpx._client")
        )

    def _target(self, url: httpx.URL) -> httpcore.URL:
        last = self._last_url  # one endpoint URL per call site: remember the last one
        if last is not None and last[0] is url:
            return last[1]
        target = httpcore.URL(
            scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
        )
        self._last_url = (url, target)
        return target

    def prepare(
        self, call: Call, auth: Mapping[str, str] | None
    ) -> tuple[httpcore.Request, Recipe]:
        """httpcore's request for one attempt, and what builds the same ``httpx.Request``."""
        headers, extensions = call.attempt(auth)
        merged = {**self.defaults, **headers}
        url, content = call.url, call.content
        # As httpx.Request lays them out: Host first, then the headers, then the length
        # (each unless the caller's headers hold it).
        raw = [] if "host" in merged else [(b"Host", url.netloc)]
        raw.extend((k.encode("ascii"), v.encode("ascii")) for k, v in merged.items())
        if content is not None and "content-length" not in merged:
            raw.append((b"Content-Length", b"%d" % len(content)))
        request = httpcore.Request(
            call.method, self._target(url), headers=raw, content=content, extensions=extensions
        )
        return request, (call.method, url, content, merged, extensions)

    def answer(self, response: httpcore.Response, body: _Body | _AsyncBody,
               recipe: Recipe) -> httpx.Response:  # fmt: skip
        """The ``httpx.Response`` httpx's transport and client would give."""
        answer = _Answer(
            response.status, headers=response.headers, stream=body, extensions=response.extensions
        )
        answer._recipe = recipe
        body._response = answer
        self._http.cookies.extract_cookies(answer)  # our jar looks for set-cookie first
        if _httpx_log.isEnabledFor(logging.INFO):
            _httpx_log.info(
                'HTTP Request: %s %s "%s %d %s"',
                recipe[0],
                recipe[1],
                answer.http_version,
                answer.status_code,
                answer.reason_phrase,
            )
        return answer


class Direct(_Route):
    """The sync route."""

    __slots__ = ()

    def send(self, call: Call, auth: Mapping[str, str] | None) -> httpx.Response:
        """One attempt of ``call``; the response unread (a stream), as ``send(stream=True)``."""
        request, recipe = self.prepare(call, auth)
        started = time.perf_counter()
        try:
            response = self._pool.handle_request(request)
        except Exception as exc:
            _reraise(exc, lambda: _build(recipe))
        return self.answer(response, _Body(response.stream, started), recipe)


class AsyncDirect(_Route):
    """The async route."""

    __slots__ = ()

    async def asend(self, call: Call, auth: Mapping[str, str] | None) -> httpx.Response:
        """The async twin of ``Direct.send``."""
        request, recipe = self.prepare(call, auth)
        started = time.perf_counter()
        try:
            response = await self._pool.handle_async_request(request)
        except Exception as exc:
            _reraise(exc, lambda: _build(recipe))
        return self.answer(response, _AsyncBody(response.stream, started), recipe)


def direct_route(http: Any, transport: Any, mounts: object) -> Direct | AsyncDirect | None:
    """The direct route for a client we built (``transport``: its slot pool's), None
    when a proxy mount may pick another transport."""
    if mounts:
        return None
    if isinstance(http, httpx.AsyncClient):
        return AsyncDirect(http, transport, "handle_async_request")
    return Direct(http, transport, "handle_request")
