"""A raw HTTP/1.1 server on 127.0.0.1 for faults the emulator cannot produce.

The emulator answers at the ASGI level, so it cannot reset a connection
before the status line, nor split one multi-byte character across network
reads. This server works on the socket: each accepted request pops the next
scripted ``Act``:

* ``Act.reset()``: read the request, then close with ``SO_LINGER 0`` (a TCP RST,
  before any response byte);
* ``Act.json(payload)``: a complete JSON answer;
* ``Act.pieces([...])``: a 200 ``text/event-stream`` whose body is sent as one
  HTTP chunk per piece, each flushed on its own, so the client sees the
  pieces as separate reads (split wherever the test wants, mid-character too).

Every answer carries ``Connection: close``; ``hits`` counts the requests read.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Act:
    kind: str
    payload: bytes = b""
    pieces: list[bytes] = field(default_factory=list)
    pause: float = 0.0

    @classmethod
    def reset(cls) -> Act:
        return cls("reset")

    @classmethod
    def json(cls, payload: Any) -> Act:
        return cls("json", payload=json.dumps(payload).encode())

    @classmethod
    def pieces_of(cls, pieces: list[bytes], pause: float = 0.002) -> Act:
        return cls("pieces", pieces=list(pieces), pause=pause)


def completion(text: str) -> dict[str, Any]:
    """A minimal non-streamed chat completion carrying ``text``."""
    return {
        "id": "raw-1",
        "object": "chat.completion",
        "created": 1,
        "model": "raw",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": text},
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def chunk(content: str | None = None, finish: str | None = None, role: bool = False) -> str:
    """One chat completion chunk as compact JSON text."""
    delta: dict[str, Any] = {}
    if role:
        delta["role"] = "assistant"
    if content is not None:
        delta["content"] = content
    body: dict[str, Any] = {
        "id": "raw-s",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "raw",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if finish is not None:
        body["usage"] = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


class RawServer:
    """``with RawServer() as raw:``; ``raw.url``; ``raw.push(Act...)``; ``raw.hits``."""

    def __init__(self) -> None:
        self.acts: deque[Act] = deque()
        self.hits = 0
        self.bodies: list[bytes] = []
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._workers: list[threading.Thread] = []

    def push(self, *acts: Act) -> None:
        self.acts.extend(acts)

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        for worker in self._workers:
            worker.join(5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            worker = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            self._workers.append(worker)
            worker.start()

    @staticmethod
    def _read_request(conn: socket.socket) -> bytes | None:
        data = b""
        while b"\r\n\r\n" not in data:
            piece = conn.recv(65536)
            if not piece:
                return None
            data += piece
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            piece = conn.recv(65536)
            if not piece:
                return None
            body += piece
        return body

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            body = self._read_request(conn)
            if body is None:
                return
            with self._lock:
                self.hits += 1
                self.bodies.append(body)
                act = self.acts.popleft() if self.acts else Act.json({"error": "unscripted"})
            if act.kind == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if act.kind == "json":
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    b"connection: close\r\ncontent-length: %d\r\n\r\n%s"
                    % (len(act.payload), act.payload)
                )
                return
            conn.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                b"connection: close\r\ntransfer-encoding: chunked\r\n\r\n"
            )
            for piece in act.pieces:
                if piece:
                    conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                    if act.pause:
                        time.sleep(act.pause)
            conn.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        finally:
            conn.close()
