"""Streamed Responses: thin sync and async drivers over the pure decoder and accumulator.

Like the chat streams, they close the HTTP response when exhausted, on error,
on close or at the end of a ``with`` block, check the call's ``total_timeout``
after each network read, and never retry once the 200 arrived.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Iterator
from types import TracebackType
from typing import Any

from ._deadline import Deadline
from ._errors import StreamError, StreamTimeoutError
from ._no_httpx_cli import httpx
from ._responses_stream import ResponseAccumulator, ResponseEventDecoder, out_of_time
from ._responses_wire import Response, ResponseEvent
from ._sse import DEFAULT_MAX_EVENT_BYTES

__all__ = ["AsyncResponseStream", "ResponseStream"]

_NEVER = float("inf")
_Opened = tuple["httpx.Response", "str | None", "Deadline | None"]


def _broken(
    exc: httpx.HTTPError, deadline: Deadline | None, decoder: ResponseEventDecoder
) -> StreamError:
    if isinstance(exc, httpx.TimeoutException):
        if deadline is not None and deadline.expired():
            return out_of_time(deadline, decoder.count, decoder.request_id)
        return StreamTimeoutError(
            f"The stream timed out after {decoder.count} event(s) ({type(exc).__name__}); "
            "the answer is incomplete.",
            request_id=decoder.request_id,
        )
    return StreamError(
        f"The stream broke after {decoder.count} event(s) ({type(exc).__name__}: {exc}); "
        "the answer is incomplete.",
        request_id=decoder.request_id,
    )


def _events(
    response: httpx.Response,
    decoder: ResponseEventDecoder,
    accumulator: ResponseAccumulator,
    deadline: Deadline | None,
) -> Generator[ResponseEvent, None, None]:
    due = _NEVER if deadline is None else deadline.at
    try:
        try:
            for raw in response.iter_bytes():
                if time.monotonic() >= due:
                    raise out_of_time(deadline, decoder.count, decoder.request_id)
                for event in decoder.feed(raw):
                    accumulator.feed(event)
                    yield event
        except httpx.HTTPError as exc:
            raise _broken(exc, deadline, decoder) from exc
        for event in decoder.flush():
            accumulator.feed(event)
            yield event
        decoder.finish(accumulator)
    finally:
        response.close()


class ResponseStream:
    """Iterator of ``ResponseEvent`` over one streamed response.

    Closes the HTTP response when exhausted, on error, on ``close()`` or at the
    end of a ``with`` block. Raises ``StreamError`` for an ``error`` event, a
    ``response.failed``, a malformed event or an end without a terminal event;
    ``StreamTimeoutError`` when a read or the ``total_timeout`` ran out;
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
        self.response = response
        self.request_id = request_id
        self._decoder = ResponseEventDecoder(request_id, max_event_bytes)
        self._accumulator = ResponseAccumulator()
        # The generator never holds ``self``: an abandoned stream is freed by
        # refcounting alone, and its connection and pool slot come back at once.
        self._iterator = _events(response, self._decoder, self._accumulator, deadline)
        self._handed_out = False

    def __iter__(self) -> Iterator[ResponseEvent]:
        self._handed_out = True
        return self._iterator

    def __next__(self) -> ResponseEvent:
        self._handed_out = True
        return next(self._iterator)

    def final_response(self) -> Response:
        """The events so far joined into a ``Response`` (complete once exhausted)."""
        return self._accumulator.result()

    def close(self) -> None:
        """Stop the stream and release the connection."""
        self._iterator.close()
        self.response.close()

    def __enter__(self) -> ResponseStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # Never iterated: the generator never started, so nothing else would close it.
        response = getattr(self, "response", None)
        if not getattr(self, "_handed_out", True) and response is not None:
            response.close()


class _Box:
    __slots__ = ("accumulator", "closed", "deadline", "decoder", "opener", "response")

    def __init__(self, opener: Callable[[], Awaitable[_Opened]], max_event_bytes: int) -> None:
        self.opener: Callable[[], Awaitable[_Opened]] | None = opener
        self.response: httpx.Response | None = None
        self.decoder = ResponseEventDecoder(None, max_event_bytes)
        self.accumulator = ResponseAccumulator()
        self.deadline: Deadline | None = None
        self.closed = False

    async def open(self) -> httpx.Response:
        if self.closed:
            raise StreamError("The stream was closed; start a new one with responses.stream().")
        if self.response is None:
            if self.opener is None:
                raise StreamError("The stream could not be opened.")
            opener, self.opener = self.opener, None
            self.response, self.decoder.request_id, self.deadline = await opener()
        return self.response


async def _aevents(box: _Box) -> AsyncGenerator[ResponseEvent, None]:
    response = await box.open()
    decoder, accumulator, deadline = box.decoder, box.accumulator, box.deadline
    due = _NEVER if deadline is None else deadline.at
    try:
        try:
            async for raw in response.aiter_bytes():
                if time.monotonic() >= due:
                    raise out_of_time(deadline, decoder.count, decoder.request_id)
                for event in decoder.feed(raw):
                    accumulator.feed(event)
                    yield event
        except httpx.HTTPError as exc:
            raise _broken(exc, deadline, decoder) from exc
        for event in decoder.flush():
            accumulator.feed(event)
            yield event
        decoder.finish(accumulator)
    finally:
        await response.aclose()


class AsyncResponseStream:
    """Async iterator of ``ResponseEvent``; the request is sent on first use
    (``await``, ``async with`` or ``async for``). Otherwise as ``ResponseStream``."""

    def __init__(
        self,
        opener: Callable[[], Awaitable[_Opened]],
        *,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        self._box = _Box(opener, max_event_bytes)
        self._iterator: AsyncGenerator[ResponseEvent, None] | None = None

    @property
    def response(self) -> httpx.Response | None:
        """The underlying ``httpx.Response`` once opened."""
        return self._box.response

    @property
    def request_id(self) -> str | None:
        """The request id to quote to support, once opened."""
        return self._box.decoder.request_id

    def __aiter__(self) -> AsyncGenerator[ResponseEvent, None]:
        if self._iterator is None:
            self._iterator = _aevents(self._box)
        return self._iterator

    async def __anext__(self) -> ResponseEvent:
        return await self.__aiter__().__anext__()

    def __await__(self) -> Generator[Any, None, AsyncResponseStream]:
        async def opened() -> AsyncResponseStream:
            await self._box.open()
            return self

        return opened().__await__()

    def final_response(self) -> Response:
        """The events so far joined into a ``Response`` (complete once exhausted)."""
        return self._box.accumulator.result()

    async def aclose(self) -> None:
        """Stop the stream and release the connection."""
        self._box.closed = True
        if self._iterator is not None:
            await self._iterator.aclose()
        if self._box.response is not None:
            await self._box.response.aclose()

    async def __aenter__(self) -> AsyncResponseStream:
        await self._box.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
