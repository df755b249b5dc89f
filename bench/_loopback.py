"""A minimal HTTP/1.1 server on loopback that serves canned chat answers.

It runs in its own process (``python -m bench._loopback``), so its CPU never
shows up in a client's ``time.process_time``. Every answer is encoded once and
cached; per request the server only splits headers, reads the body, and writes
bytes, so it stays far cheaper than any client under test and the ratios
compare clients, not servers.

Streams use chunked transfer encoding. Under ``/b/`` and ``/t/`` the events
are packed into HTTP chunks of about 16 KiB (a stream that arrives faster than
it is read, as in the anchors' measurements); under ``/e/`` every event is its
own HTTP chunk, so each client also pays its HTTP layer's per-chunk framing.
The whole answer is written at once in both cases. Under ``/d/{ms}/`` the
non-streamed answer is held back ``ms`` milliseconds, like a model's latency.

The server counts open connections (current and peak since the last reset),
which the harness reads through two control routes:
``GET /_stats`` and ``POST /_reset``.

Stdlib only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from typing import Any

from . import _payloads as payloads

__all__ = ["Handler", "main", "serve"]

_PACK = 16 * 1024
_STREAM_FLAG = re.compile(rb'"stream"\s*:\s*true')
_INFO = {
    "model_name": payloads.MODEL,
    "model_type": "chat-completion",
    "model_provider_name": "MistralAI",
}


def _response(status: str, body: bytes, content_type: str = "application/json") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\n"
        f"content-type: {content_type}\r\n"
        f"content-length: {len(body)}\r\n"
        "x-request-id: bench\r\n"
        "\r\n"
    )
    return head.encode("ascii") + body


def _sse(events: list[dict[str, Any]], *, per_event: bool) -> bytes:
    parts = [
        b"HTTP/1.1 200 OK\r\n"
        b"content-type: text/event-stream; charset=utf-8\r\n"
        b"transfer-encoding: chunked\r\n"
        b"cache-control: no-cache\r\n"
        b"x-request-id: bench\r\n"
        b"\r\n"
    ]
    lines = [f"data: {json.dumps(e, separators=(',', ':'))}\n\n".encode() for e in events]
    lines.append(b"data: [DONE]\n\n")
    if not per_event:
        body = b"".join(lines)
        lines = [body[i : i + _PACK] for i in range(0, len(body), _PACK)]
    for line in lines:
        parts.append(f"{len(line):x}\r\n".encode("ascii") + line + b"\r\n")
    parts.append(b"0\r\n\r\n")
    return b"".join(parts)


class Stats:
    """Open-connection counters, shared by every connection of one server."""

    def __init__(self) -> None:
        self.open = 0
        self.peak = 0
        self.requests = 0

    def as_json(self) -> bytes:
        return json.dumps(
            {"open": self.open, "peak": self.peak, "requests": self.requests}
        ).encode()


class Handler(asyncio.Protocol):
    """One keep-alive connection; requests are answered in arrival order."""

    cache: dict[tuple[str, int, bool], bytes] = {}  # noqa: RUF012 - shared on purpose

    def __init__(self, stats: Stats) -> None:
        self.stats = stats
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.stats.open += 1
        self.stats.peak = max(self.stats.peak, self.stats.open)

    def connection_lost(self, exc: Exception | None) -> None:
        self.stats.open -= 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None and not self.transport.is_closing():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).decode("latin-1")
            request_line, _, header_block = head.partition("\r\n")
            headers = {}
            for line in header_block.split("\r\n"):
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if "chunked" in headers.get("transfer-encoding", "").lower():
                self._finish(_response("411 Length Required", b'{"error":"send content-length"}'))
                return
            length = int(headers.get("content-length", "0") or 0)
            if len(self.buffer) < end + 4 + length:
                return
            body = bytes(self.buffer[end + 4 : end + 4 + length])
            del self.buffer[: end + 4 + length]
            method, _, rest = request_line.partition(" ")
            path = rest.rpartition(" ")[0].partition("?")[0]
            self.stats.requests += 1
            data = self.answer(method, path, body)
            close = headers.get("connection", "").lower() == "close"
            delay = _delay(path)
            if delay:
                asyncio.get_running_loop().call_later(delay, self._send, data, close)
            else:
                self._send(data, close)

    def _send(self, data: bytes, close: bool) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.transport.write(data)
        if close:
            self.transport.close()

    def _finish(self, data: bytes) -> None:
        if self.transport is not None:
            self.transport.write(data)
            self.transport.close()

    def answer(self, method: str, path: str, body: bytes) -> bytes:
        """The bytes for one request: control routes, ``/info``, chat completions."""
        if path == "/_stats":
            return _response("200 OK", self.stats.as_json())
        if path == "/_reset":
            self.stats.peak = self.stats.open
            self.stats.requests = 0
            return _response("200 OK", self.stats.as_json())
        if method == "GET" and path.endswith("/info"):
            return _response("200 OK", json.dumps(_INFO).encode())
        segments = path.split("/")
        if (
            method != "POST"
            or not path.endswith("/chat/completions")
            or len(segments) < 5
            or segments[1] not in ("b", "d", "e", "t")
            or not segments[2].isdigit()
        ):
            error = {"error": {"code": "NotFound", "message": f"no route {method} {path}"}}
            return _response("404 Not Found", json.dumps(error).encode())
        key = (segments[1], int(segments[2]), bool(_STREAM_FLAG.search(body)))
        cached = self.cache.get(key)
        if cached is None:
            cached = self.cache[key] = _build(*key)
        return cached


def _delay(path: str) -> float:
    """Seconds to hold the answer: ``/d/{ms}/...`` plays a model that takes ``ms`` to reply."""
    if path.startswith("/d/"):
        ms = path.split("/")[2]
        return int(ms) / 1000 if ms.isdigit() else 0.0
    return 0.0


def _build(kind: str, n: int, stream: bool) -> bytes:
    if not stream:
        return _response("200 OK", json.dumps(payloads.completion_body()).encode())
    if kind == "t":
        return _sse(payloads.tool_stream_events(n), per_event=False)
    return _sse(payloads.stream_events(n), per_event=kind == "e")


async def serve(port: int = 0, ready: asyncio.Future[int] | None = None) -> None:
    """Serve forever on 127.0.0.1:``port``; report the bound port through ``ready``."""
    stats = Stats()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Handler(stats), "127.0.0.1", port, backlog=4096)
    bound = server.sockets[0].getsockname()[1]
    if ready is not None:
        ready.set_result(bound)
    else:
        print(bound, flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    """CLI: print the bound port on one line, then serve until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
