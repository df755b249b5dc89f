"""A hostile HTTP/1.1 server on 127.0.0.1: slow, huge, broken or malicious answers.

It works on the raw socket, so it can do what no well-behaved server does:
trickle the status line and headers one byte at a time, send an endless body,
a compression bomb, a body nested 100,000 deep, a redirect to another origin.
Each accepted connection pops the next scripted ``Act`` (a function of the
socket and the request read from it); ``seen`` records every request, and
``closed`` is set each time a client hangs up on an act that waits for it.
Every answer ends the connection.

Also runnable as a script (``python -m tests.core._hostile``) for the
memory-bounded subprocess cases.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass
class Request:
    line: str
    headers: dict[str, str]
    body: bytes


Act = Callable[[socket.socket, Request], None]


def head(status: int = 200, length: int | None = None, **headers: str) -> bytes:
    """A status line and headers; without ``length`` the body runs until the connection closes."""
    reason = {200: "OK", 307: "Temporary Redirect", 400: "Bad Request"}.get(status, "Status")
    lines = [f"HTTP/1.1 {status} {reason}", "connection: close"]
    if length is not None:
        lines.append(f"content-length: {length}")
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def answer(status: int, body: bytes, **headers: str) -> Act:
    """A complete answer sent at once."""

    def act(sock: socket.socket, request: Request) -> None:
        sock.sendall(head(status, len(body), **headers) + body)

    return act


def json_answer(payload: Any, status: int = 200) -> Act:
    return answer(status, json.dumps(payload).encode(), content_type="application/json")


def trickle(data: bytes, every: float, prefix: bytes = b"") -> Act:
    """``prefix`` at once, then ``data`` one byte per ``every`` seconds (until the client goes)."""

    def act(sock: socket.socket, request: Request) -> None:
        if prefix:
            sock.sendall(prefix)
        for i in range(len(data)):
            time.sleep(every)
            sock.sendall(data[i : i + 1])

    return act


def endless(prefix: bytes, piece: bytes, first: bytes = b"") -> Act:
    """``prefix`` + ``first``, then ``piece`` again and again until the client hangs up."""

    def act(sock: socket.socket, request: Request) -> None:
        sock.sendall(prefix + first)
        while True:
            sock.sendall(piece)

    return act


def hold(prefix: bytes) -> Act:
    """Send ``prefix``, then wait (sending nothing) until the client hangs up."""

    def act(sock: socket.socket, request: Request) -> None:
        sock.sendall(prefix)
        sock.settimeout(30)
        while sock.recv(1024):
            pass
        raise ConnectionAbortedError("the client hung up")  # sets ``closed``

    return act


def completion(text: str = "ok") -> dict[str, Any]:
    return {
        "id": "h1",
        "object": "chat.completion",
        "created": 1,
        "model": "hostile",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
        ],
    }


def chunk(content: str, finish: str | None = None) -> bytes:
    payload = {
        "id": "h1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "hostile",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def deep(depth: int = 100_000) -> bytes:
    return b"[" * depth + b"]" * depth


SSE = {"content_type": "text/event-stream"}


class Hostile:
    """``with Hostile() as server:``; ``server.url``, ``server.push(act)``, ``server.seen``."""

    def __init__(self) -> None:
        self.acts: deque[Act] = deque()
        self.seen: list[Request] = []
        self.closed = threading.Event()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def push(self, *acts: Act) -> None:
        self.acts.extend(acts)

    def __enter__(self) -> Hostile:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(30)
            try:
                request = _read_request(conn)
            except OSError:
                return
            if request is None:
                return
            self.seen.append(request)
            act = self.acts.popleft() if self.acts else json_answer({"error": "unscripted"}, 500)
            try:
                act(conn, request)
            except OSError:  # the client hung up, as it should on a hostile answer
                self.closed.set()
                return
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_WR)


def _read_request(conn: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return None
        data += piece
    head_bytes, _, rest = data.partition(b"\r\n\r\n")
    line, *header_lines = head_bytes.decode("latin-1").split("\r\n")
    headers = {}
    for header in header_lines:
        name, _, value = header.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length") or 0)
    while len(rest) < length:
        piece = conn.recv(65536)
        if not piece:
            break
        rest += piece
    return Request(line, headers, rest[:length])


def zero_stream(size: int, piece: int = 1 << 20) -> Iterator[bytes]:
    block = b"a" * piece
    for _ in range(size // piece):
        yield block


def bomb(coding: str, prefix: bytes, decoded_mib: int) -> bytes:
    """``prefix`` and then ``decoded_mib`` MiB of ``a`` compressed with ``coding``: about
    1 KiB per MiB (zstd: far less). Built from one repeated block, so it is instant;
    the trailer is left off (a bounded client never gets that far)."""
    block = b"a" * (1 << 20)
    if coding == "zstd":
        import zstandard

        compressor = zstandard.ZstdCompressor(level=3)
        return compressor.compress(prefix + block) + compressor.compress(block) * (decoded_mib - 1)
    wbits = {"gzip": 31, "deflate": 15, "raw-deflate": -15}[coding]
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    first = compressor.compress(prefix + block) + compressor.flush(zlib.Z_FULL_FLUSH)
    middle = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first + middle * (decoded_mib - 1)


def main() -> None:
    """Subprocess case: a 1 GiB bomb per advertised coding, complete and stream, sync and
    async, under an address-space cap (argv 1, MiB) with the size limits at argv 2 MiB;
    prints the peak RSS in MiB and what each call raised."""
    import asyncio
    import resource
    import sys

    from azure_inference_core import AsyncInferenceClient, InferenceClient
    from azure_inference_core._read import ACCEPT_ENCODING

    cap = int(sys.argv[1]) << 20
    limits = {
        "max_response_bytes": int(sys.argv[2]) << 20,
        "max_event_bytes": int(sys.argv[2]) << 20,
    }
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    codings = [c.strip() for c in ACCEPT_ENCODING.split(",")]
    messages = [{"role": "user", "content": "x"}]
    results = []
    with Hostile() as server:
        for coding in codings:
            encoded = bomb(coding, b'{"id": "', 1024)
            server.push(
                answer(200, encoded, content_encoding=coding, content_type="application/json")
            )
            sse = bomb(coding, b'data: {"id": "', 1024)
            server.push(answer(200, sse, content_encoding=coding, **SSE))
            with InferenceClient(server.url, "k", max_retries=0, **limits) as client:
                try:
                    client.complete(messages)
                except Exception as exc:
                    results.append(f"{coding} complete {type(exc).__name__}")
                try:
                    for _ in client.stream(messages):
                        pass
                except Exception as exc:
                    results.append(f"{coding} stream {type(exc).__name__}")

        async def run_async() -> None:
            for coding in codings:
                server.push(answer(200, bomb(coding, b'{"id": "', 1024), content_encoding=coding))
                async with AsyncInferenceClient(server.url, "k", max_retries=0, **limits) as client:
                    try:
                        await client.complete(messages)
                    except Exception as exc:
                        results.append(f"{coding} async-complete {type(exc).__name__}")

        asyncio.run(run_async())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"peak_mib": peak, "results": results}))


if __name__ == "__main__":
    main()
