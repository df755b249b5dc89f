"""A minimal HTTP/1.1 server for the core benchmark, run in its own process.

It serves a canned chat completion (``POST /chat/completions`` without
``"stream": true``) and a streamed answer of ``CHUNKS`` server-sent events
(with ``"stream": true``; one flushed HTTP chunk per event, or the whole stream
at once when the request carries ``x-bench-coalesce: 1``), with keep-alive,
and nothing else. A request header ``x-bench-latency-ms: N`` delays the answer
by N ms, standing in for a remote service's latency. It is written on
raw asyncio streams so that its own cost stays out of the way; the client's
CPU time is what the benchmark measures.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import re
import socket
from collections.abc import Awaitable, Callable
from multiprocessing.process import BaseProcess
from typing import Any

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

__all__ = ["CHUNKS", "COMPLETION", "serve_in_process", "sse_body"]

CHUNKS = 2000
_LATENCY = re.compile(rb"(?i)\r\nx-bench-latency-ms: *(\d+)")

COMPLETION: dict[str, Any] = {
    "id": "0a1234b5de6789f01gh2i345j6789klm",
    "object": "chat.completion",
    "created": 1718726686,
    "model": "Phi-3-mini-4k-Instruct",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "As of now, it's estimated that there are about 7,000 languages spoken "
                "around the world. However, this number can vary as some languages become "
                "extinct and new ones develop.",
                "tool_calls": None,
            },
            "finish_reason": "stop",
            "logprobs": None,
        }
    ],
    "usage": {"prompt_tokens": 19, "total_tokens": 91, "completion_tokens": 72},
}


def _chunk(content: str, *, role: bool = False, finish: str | None = None) -> bytes:
    delta: dict[str, Any] = {"content": content}
    if role:
        delta["role"] = "assistant"
    body: dict[str, Any] = {
        "id": "23b54589eba14564ad8a2e6978775a39",
        "object": "chat.completion.chunk",
        "created": 1718726371,
        "model": "Phi-3-mini-4k-Instruct",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
    }
    if finish:
        body["usage"] = {
            "prompt_tokens": 19,
            "total_tokens": 19 + CHUNKS,
            "completion_tokens": CHUNKS,
        }
    return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"


def sse_body(chunks: int = CHUNKS) -> list[bytes]:
    """The stream's events: ``chunks`` chunks (role first, usage last), then ``[DONE]``."""
    events = [_chunk("", role=True)]
    events += [_chunk(f" word{i}") for i in range(chunks - 2)]
    events.append(_chunk("", finish="stop"))
    events.append(b"data: [DONE]\n\n")
    return events


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    completion = json.dumps(COMPLETION).encode()
    events = sse_body()
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length) if length else b""
            latency = _LATENCY.search(head)
            if latency:
                # A remote service's think time: the connection is busy, the CPU idle.
                await asyncio.sleep(int(latency.group(1)) / 1000.0)
            if b'"stream":true' in body.replace(b" ", b""):
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                    b"transfer-encoding: chunked\r\n\r\n"
                )
                if b"x-bench-coalesce: 1" in head.lower():
                    # The whole stream in one HTTP chunk: reads carry many events, so
                    # the figure is dominated by parsing rather than by socket reads.
                    whole = b"".join(events)
                    writer.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(whole), whole))
                    await writer.drain()
                    continue
                for event in events:
                    # One HTTP chunk per event, flushed, as the real service sends them.
                    writer.write(b"%x\r\n%s\r\n" % (len(event), event))
                    await writer.drain()
                writer.write(b"0\r\n\r\n")
            else:
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    b"content-length: %d\r\n\r\n%s" % (len(completion), completion)
                )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def _run(sock: socket.socket, handle: Handler) -> None:
    async def main() -> None:
        server = await asyncio.start_server(handle, sock=sock)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def serve_in_process(handle: Handler | None = None) -> tuple[BaseProcess, str]:
    """Start the server (or another ``handle`` of connections) in a child process;
    return it and its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)  # a burst opens up to max_concurrency connections at once
    port = sock.getsockname()[1]
    target = (sock, handle or _handle)
    process = multiprocessing.get_context("fork").Process(target=_run, args=target, daemon=True)
    process.start()
    sock.close()
    return process, f"http://127.0.0.1:{port}"
