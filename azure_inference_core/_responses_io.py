"""Streamed Responses: the pure stream state, driven by the chat streams' one driver.

``ResponseStreamState`` is what the bytes of a Responses stream mean (typed
events, joined into a ``Response`` as they pass); ``_stream._drive`` / ``_adrive``
do the I/O for it exactly as for chat: the response is closed when exhausted,
on error, on close or at the end of a ``with`` block, the call's ``total_timeout``
is checked after each network read, a compressed body is decoded in bounded
steps, nothing is retried once the 200 arrived, and a traced call's span ends
with the stream (``_telemetry_responses.ResponseTrace``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from ._deadline import Deadline
from ._errors import StreamError, StreamTimeoutError, StreamTooLargeError, escape
from ._no_httpx_cli import httpx
from ._read import decode_stream
from ._responses_stream import ResponseAccumulator, ResponseEventDecoder, out_of_time
from ._responses_wire import Response, ResponseEvent
from ._sse import DEFAULT_MAX_EVENT_BYTES
from ._stream import AsyncStream, SyncStream, _Opening
from ._telemetry import STREAMS
from ._telemetry_responses import ResponseTrace

__all__ = ["AsyncResponseStream", "ResponseStream", "ResponseStreamState"]

_NEVER = float("inf")
_Opened = tuple["httpx.Response", "str | None", "Deadline | None"]


class ResponseStreamState:
    """Everything a Responses stream knows, independent of sync or async I/O."""

    __slots__ = ("_body", "accumulator", "deadline", "decoder", "due")

    def __init__(
        self,
        request_id: str | None,
        deadline: Deadline | None = None,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        self.decoder = ResponseEventDecoder(request_id, max_event_bytes)
        self.accumulator = ResponseAccumulator()
        self.deadline = deadline
        self.due = _NEVER if deadline is None else deadline.at
        self._body: Any = None  # the content-encoding decoder, when the body is compressed

    def start(self, response: httpx.Response) -> None:
        """Take the response's content-encoding (before the first read)."""
        if not response.is_stream_consumed:  # else read (and decoded) already, by a mock
            self._body = decode_stream(response.headers)

    def _take(self, events: list[ResponseEvent]) -> list[ResponseEvent]:
        feed = self.accumulator.feed
        for event in events:
            feed(event)
        return events

    def feed(self, raw: bytes) -> list[ResponseEvent]:
        """The events one network read completed (joined into the answer)."""
        body = self._body
        if body is None:
            return self._take(self.decoder.feed(raw))
        events: list[ResponseEvent] = []
        for piece in body.decode(raw):
            events += self.decoder.feed(piece)
        return self._take(events)

    def finish(self) -> Iterator[ResponseEvent]:
        """End of the body: the last events, then the terminal event's checks."""
        events: list[ResponseEvent] = []
        body = self._body
        if body is not None:
            for piece in body.flush():
                events += self.decoder.feed(piece)
        events += self.decoder.flush()
        yield from self._take(events)
        self.decoder.finish(self.accumulator)

    def broken(self, exc: Exception) -> StreamError:
        """The error for a transport failure after the 200 (never retried)."""
        decoder = self.decoder
        if isinstance(exc, httpx.TimeoutException):
            if self.deadline is not None and self.deadline.expired():
                return self.out_of_time()
            return StreamTimeoutError(
                f"The stream timed out after {decoder.count} event(s) ({type(exc).__name__}); "
                "the answer is incomplete.",
                request_id=decoder.request_id,
            )
        return StreamError(
            f"The stream broke after {decoder.count} event(s) "
            f"({type(exc).__name__}: {escape(str(exc)[:500])}); the answer is incomplete.",
            request_id=decoder.request_id,
        )

    def failed(self, exc: Exception) -> StreamError:
        """The error for a body that cannot be decoded, or an event over the size limit."""
        if isinstance(exc, StreamTooLargeError):
            exc.request_id = self.decoder.request_id
            return exc
        return StreamError(
            f"The stream could not be decoded after {self.decoder.count} event(s): "
            f"{escape(str(exc))}; a proxy may be re-encoding answers.",
            request_id=self.decoder.request_id,
        )

    def out_of_time(self) -> StreamError:
        """The error for a stream still running when the call's deadline passed."""
        return out_of_time(self.deadline, self.decoder.count, self.decoder.request_id)


class ResponseStream(SyncStream[ResponseEvent]):
    """Iterator of ``ResponseEvent`` over one streamed response.

    Closes the HTTP response when exhausted, on error, on ``close()`` or at the
    end of a ``with`` block. Raises ``StreamError`` for an ``error`` event, a
    ``response.failed``, a malformed event or an end without a terminal event;
    ``StreamTimeoutError`` when a read or the ``total_timeout`` ran out;
    ``StreamTooLargeError`` for an event over ``max_event_bytes``;
    ``ContentFilterError`` after the last event when the filter cut the answer.
    ``final_response()`` is the ``Response`` the events add up to.
    """

    def __init__(
        self,
        response: httpx.Response,
        request_id: str | None,
        deadline: Deadline | None = None,
        *,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        self._state = ResponseStreamState(request_id, deadline, max_event_bytes)
        trace = STREAMS.pop(response, None) if STREAMS else None
        traced = None if trace is None else ResponseTrace(trace)
        super().__init__(response, request_id, self._state, traced)

    def final_response(self) -> Response:
        """The events so far joined into a ``Response`` (complete once exhausted)."""
        return self._state.accumulator.result()


class AsyncResponseStream(AsyncStream[ResponseEvent]):
    """Async iterator of ``ResponseEvent``; the request is sent on first use
    (``await``, ``async with`` or ``async for``). Otherwise as ``ResponseStream``."""

    def __init__(
        self,
        opener: Callable[[], Awaitable[_Opened]],
        *,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        def make_state(request_id: str | None, deadline: Deadline | None) -> ResponseStreamState:
            return ResponseStreamState(request_id, deadline, max_event_bytes)

        super().__init__(_Opening(opener, make_state, ResponseTrace))

    def final_response(self) -> Response:
        """The events so far joined into a ``Response`` (complete once exhausted)."""
        state = self._box.state
        if state is None:
            return ResponseAccumulator().result()
        assert isinstance(state, ResponseStreamState)
        return state.accumulator.result()
