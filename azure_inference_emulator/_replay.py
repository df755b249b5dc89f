"""Record mode (forward to a real endpoint, save what it saw) and replay mode (serve it).

Record: each request goes to ``upstream`` + the same path and query, with the
caller's credential (or the one given to the emulator); the answer streams
back unchanged as it arrives and is appended to the cassette afterwards, with
keys, tokens and host names sanitized. Replay: see :mod:`._cassette` for the
matching rules; SSE bodies are sent piece by piece as recorded.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import Response

from ._cassette import Cassette, sanitize_headers, sanitize_uri
from ._errors import ServiceError, error_body
from ._http import SSEResponse

__all__ = ["Recorder", "replay"]

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-length",
        "content-encoding",
        "host",
        "te",
        "trailer",
        "upgrade",
        "proxy-authorization",
        "proxy-authenticate",
        "accept-encoding",
        "date",
        "server",
    }
)


def _body_value(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _pass_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}


def replay(cassette: Cassette, request: Request, raw: bytes) -> Response | SSEResponse:
    """The recorded answer to ``request``.

    Raises:
        ServiceError: 404 ``NoRecordingMatch`` naming the closest recorded request.
    """
    match = cassette.find(request.method, request.url.path, _body_value(raw))
    if match.entry is None:
        where = f"{request.method} {request.url.path}"
        if match.closest is None:
            hint = "the cassette is empty"
        else:
            differs = ", ".join(match.differences[:5]) or "nothing"
            hint = (
                f"the closest recorded request is {cassette.describe(match.closest)} "
                f"(differs in: {differs})"
            )
        raise ServiceError(
            404,
            error_body(
                "NoRecordingMatch",
                f"No recorded request in {cassette.path.name} matches {where}; {hint}. "
                "Record it (--mode record) or change the request.",
                status=404,
            ),
        )
    entry = match.entry
    status = int(entry.get("StatusCode", 200))
    headers = _pass_headers(dict(entry.get("ResponseHeaders") or {}))
    body = entry.get("ResponseBody")
    if isinstance(body, list):
        pieces = [p.encode() if isinstance(p, str) else json.dumps(p).encode() for p in body]

        async def events() -> AsyncIterator[bytes]:
            for piece in pieces:
                yield piece

        response = SSEResponse(events(), headers)
        response.status_code = status
        return response
    if isinstance(body, str):
        return Response(body, status, headers)
    content = b"" if body is None else json.dumps(body).encode()
    return Response(content, status, headers)


class Recorder:
    """Forwards requests to ``upstream`` and appends what it saw to the cassette."""

    def __init__(
        self,
        upstream: str,
        cassette: Cassette,
        *,
        upstream_key: str | None = None,
        sanitize: bool = True,
    ) -> None:
        parts = urlsplit(upstream)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"upstream must be an http(s) URL; got {upstream!r}")
        self.upstream = upstream.rstrip("/")
        self.cassette = cassette
        self._key = upstream_key
        self.sanitize = sanitize

    def __repr__(self) -> str:
        return f"Recorder(upstream={self.upstream!r}, cassette={str(self.cassette.path)!r})"

    async def forward(self, request: Request, raw: bytes) -> Response | SSEResponse:
        """Send the request upstream; stream the answer back while recording it."""
        path = request.url.path
        query = request.url.query
        url = f"{self.upstream}{path}" + (f"?{query}" if query else "")
        headers = _pass_headers(dict(request.headers))
        if self._key is not None:
            for name in [k for k in headers if k.lower() in ("api-key", "authorization")]:
                del headers[name]
            if self._key.lower().startswith("bearer "):
                headers["Authorization"] = self._key  # an Entra ID token, as given
            else:
                headers["api-key"] = self._key
        # One client per request: it lives on the server's loop only while it is used.
        client = httpx.AsyncClient(timeout=httpx.Timeout(600, connect=30))
        try:
            upstream = await client.send(
                client.build_request(request.method, url, headers=headers, content=raw),
                stream=True,
            )
        except httpx.HTTPError as exc:
            await client.aclose()
            raise ServiceError(
                502,
                error_body(
                    "UpstreamUnreachable",
                    f"The emulator could not reach the upstream {self.upstream}: "
                    f"{type(exc).__name__}. Check --upstream and the network.",
                    status=502,
                ),
            ) from None
        entry: dict[str, Any] = {
            "RequestUri": sanitize_uri(url) if self.sanitize else url,
            "RequestMethod": request.method,
            "RequestHeaders": sanitize_headers(dict(request.headers))
            if self.sanitize
            else dict(request.headers),
            "RequestBody": _body_value(raw),
            "StatusCode": upstream.status_code,
            "ResponseHeaders": dict(upstream.headers),
            "ResponseBody": None,
        }
        back_headers = _pass_headers(dict(upstream.headers))
        if upstream.headers.get("content-type", "").startswith("text/event-stream"):
            return self._stream_back(client, upstream, entry, back_headers)
        try:
            content = await upstream.aread()
        finally:
            await upstream.aclose()
            await client.aclose()
        entry["ResponseBody"] = _body_value(content)
        self.cassette.append(entry)
        return Response(content, upstream.status_code, back_headers)

    def _stream_back(
        self,
        client: httpx.AsyncClient,
        upstream: httpx.Response,
        entry: dict[str, Any],
        headers: dict[str, str],
    ) -> SSEResponse:
        pieces: list[str] = []

        async def events() -> AsyncIterator[bytes]:
            buffer = ""
            try:
                async for text in upstream.aiter_text():
                    yield text.encode()
                    buffer += text
                    while "\n\n" in buffer:
                        piece, buffer = buffer.split("\n\n", 1)
                        pieces.append(piece + "\n\n")
                if buffer:
                    pieces.append(buffer)
            finally:
                await upstream.aclose()
                await client.aclose()
                entry["ResponseBody"] = pieces
                self.cassette.append(entry)

        response = SSEResponse(events(), headers)
        response.status_code = upstream.status_code
        return response
