"""Writing answers: JSON and error responses, and the SSE stream with its faults.

A streamed answer is a list of chunks written by :class:`SSEResponse`. It yields
to the event loop between writes, so a client that hangs up is noticed at
once: nothing more is written to the dead socket (no "socket.send() raised
exception." warnings from asyncio) and the generator stops.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ._errors import ServiceError, error_body
from ._faults import FaultSpec
from ._state import RecordedRequest

__all__ = [
    "DropConnection",
    "SSEResponse",
    "StreamPlan",
    "encode_event",
    "error_response",
    "json_response",
    "sse_events",
]

COMPACT = (",", ":")


class DropConnection(Exception):
    """Raised inside a stream to make uvicorn close the socket mid-response."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DropConnection)


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


def encode_event(data: str) -> bytes:
    """One server-sent event: ``data: ...`` and a blank line."""
    return f"data: {data}\n\n".encode()


def json_response(body: Any, headers: Mapping[str, str], status: int = 200) -> Response:
    """A JSON answer."""
    return Response(json.dumps(body), status, dict(headers), media_type="application/json")


def error_response(error: ServiceError, base_headers: Mapping[str, str]) -> Response:
    """An error answer; a string body is sent as ``text/plain`` (as the service does)."""
    headers = {**base_headers, **error.headers}
    if isinstance(error.body, str):
        return Response(error.body, error.status, headers, media_type="text/plain")
    if "x-ms-error-code" not in {k.lower() for k in headers}:
        body = error.body if isinstance(error.body, Mapping) else {}
        inner = body.get("error") if isinstance(body.get("error"), Mapping) else body
        code = inner.get("code") if isinstance(inner, Mapping) else None
        if isinstance(code, str):
            headers["x-ms-error-code"] = code
    return json_response(error.body, headers, error.status)


class StreamPlan:
    """How a stream is paced and broken: delays, and the faults that fire on it."""

    def __init__(
        self,
        faults: list[FaultSpec],
        *,
        first_delay: float = 0.0,
        chunk_delay: Callable[[], float] | float = 0.0,
    ) -> None:
        self.drop = next((f.drop_after for f in faults if f.drop_after is not None), None)
        self.malformed = next(
            (f.malformed_after for f in faults if f.malformed_after is not None), None
        )
        self.error_at = next(
            (f.error_event_after for f in faults if f.error_event_after is not None), None
        )
        self.no_done = any(f.no_done for f in faults)
        self.first_delay = first_delay
        self._delay = chunk_delay

    def delay(self) -> float:
        """Seconds before the next chunk."""
        return self._delay() if callable(self._delay) else self._delay


async def sse_events(
    chunks: list[Any], plan: StreamPlan, done: bool, record: RecordedRequest
) -> AsyncIterator[bytes]:
    """The encoded events of ``chunks`` with the plan's pacing and faults applied."""
    done = done and not plan.no_done
    if plan.first_delay > 0:
        await asyncio.sleep(plan.first_delay)
    for sent, chunk in enumerate(chunks):
        if sent:
            pause = plan.delay()
            if pause > 0:
                await asyncio.sleep(pause)
        if plan.drop is not None and sent >= plan.drop:
            raise DropConnection
        if plan.malformed is not None and sent == plan.malformed:
            yield b'data: {"id": "malformed", "choices": [{"delta": {"content": "tr\n\n'
        if plan.error_at is not None and sent == plan.error_at:
            body = error_body("server_error", "The model failed while streaming (emulated).")
            yield encode_event(json.dumps(body))
            return
        if isinstance(chunk, bytes):
            yield chunk
        else:
            yield encode_event(
                chunk if isinstance(chunk, str) else json.dumps(chunk, separators=COMPACT)
            )
        record.chunks_sent += 1
    if plan.drop is not None and len(chunks) >= plan.drop:
        raise DropConnection
    if done:
        yield b"data: [DONE]\n\n"


class SSEResponse:
    """A minimal streaming response that notices a client hanging up, and can drop."""

    status_code: int = 200

    def __init__(self, events: AsyncIterator[bytes], headers: Mapping[str, str]) -> None:
        self.events = events
        self.headers = dict(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = [(k.lower().encode(), v.encode()) for k, v in self.headers.items()]
        if not any(k == b"content-type" for k, _ in raw):
            raw.append((b"content-type", b"text/event-stream; charset=utf-8"))
        raw.append((b"cache-control", b"no-cache"))
        gone = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        # A client that hangs up must not keep its stream generating (and sleeping).
        watcher = asyncio.create_task(watch())
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": raw})
            async for piece in self.events:
                if gone.is_set():
                    return
                await send({"type": "http.response.body", "body": piece, "more_body": True})
                # Let the loop run the transport's connection_lost before the next write:
                # writing on to a reset socket is what makes asyncio log
                # "socket.send() raised exception." once per write.
                await asyncio.sleep(0)
            if not gone.is_set():
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.cancel()
            aclose = getattr(self.events, "aclose", None)
            if aclose is not None:
                await aclose()
