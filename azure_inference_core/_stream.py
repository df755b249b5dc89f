"""Stream objects: thin sync and async drivers over the pure ``_StreamState``."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Iterator
from types import TracebackType
from typing import Any

from ._accumulate import StreamAccumulator
from ._deadline import Deadline
from ._errors import StreamError, StreamTooLargeError
from ._no_httpx_cli import httpx
from ._read import DecodeFailure, araw_reads, raw_reads
from ._sse import DEFAULT_MAX_EVENT_BYTES
from ._stream_state import _StreamState
from ._telemetry import STREAMS, Trace
from ._wire import ChatCompletion, ChatCompletionChunk

__all__ = ["AsyncChatCompletionStream", "ChatCompletionStream", "_StreamState"]


def _chunks(
    response: httpx.Response, state: _StreamState, trace: Trace | None = None
) -> Generator[ChatCompletionChunk, None, None]:
    due, clock = state.due, time.monotonic
    try:
        try:
            state.start(response)
            for raw in raw_reads(response):
                if clock() >= due:
                    raise state.out_of_time()
                if trace is None:
                    yield from state.feed(raw)
                else:
                    for chunk in state.feed(raw):
                        trace.chunk(chunk)
                        yield chunk
            for chunk in state.finish():
                if trace is not None:
                    trace.chunk(chunk)
                yield chunk
        except httpx.HTTPError as exc:
            raise state.broken(exc) from exc
        except (DecodeFailure, StreamTooLargeError) as exc:
            raise state.failed(exc) from None
    except BaseException as exc:
        if trace is not None:  # failed, or closed early (GeneratorExit)
            trace.stream_end(exc)
        raise
    finally:
        response.close()
    if trace is not None:
        trace.stream_end(None)


class ChatCompletionStream:
    """Iterator of ``ChatCompletionChunk`` over one streamed answer.

    Closes the HTTP response when exhausted, on error, on ``close()``, or when
    used as a context manager and the block exits. Raises ``StreamError`` for an
    error event, a malformed chunk, or an end without ``[DONE]``,
    ``StreamTimeoutError`` when a read timed out or the call's ``total_timeout``
    passed (checked after each network read), and
    ``ContentFilterError`` after the last chunk when the filter cut the answer,
    ``StreamTooLargeError`` for a line or event over ``max_event_bytes``.

    No chunk is kept unless ``accumulate`` is true: then the chunks are joined
    as they pass (``final_completion()``), and only the joined state is kept.

    Attributes:
        response: the underlying ``httpx.Response``.
        request_id: the request id to quote to support.
    """

    def __init__(
        self,
        response: httpx.Response,
        request_id: str | None,
        deadline: Deadline | None = None,
        *,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        accumulate: bool = False,
    ) -> None:
        self.response = response
        self.request_id = request_id
        self._state = _StreamState(
            request_id, deadline, max_event_bytes=max_event_bytes, accumulate=accumulate
        )
        # The generator must not hold ``self``: a stream abandoned with ``break``
        # is then freed by refcounting alone, and its connection and concurrency
        # slot come back at once rather than at the next garbage collection.
        # The call's span (_telemetry.py), ended with the stream; None when not traced.
        self._trace: Trace | None = STREAMS.pop(response, None) if STREAMS else None
        self._iterator = _chunks(response, self._state, self._trace)
        self._handed_out = False

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        # ``for chunk in stream`` keeps only the generator: from here on it owns
        # the response (and closes it when exhausted, closed or freed).
        self._handed_out = True
        return self._iterator

    def __next__(self) -> ChatCompletionChunk:
        self._handed_out = True
        return next(self._iterator)

    def final_completion(self) -> ChatCompletion:
        """The chunks received so far joined into a ``ChatCompletion`` (complete once exhausted).

        Raises:
            ConfigurationError: the stream was not opened with ``accumulate=True``.
        """
        return self._state.completion()

    def close(self) -> None:
        """Stop the stream and release the connection."""
        self._iterator.close()
        self.response.close()
        if self._trace is not None:
            self._trace.stream_end(None)

    def __enter__(self) -> ChatCompletionStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # A stream never iterated: its generator never started, so nothing else
        # would release the connection.
        response = getattr(self, "response", None)
        if not getattr(self, "_handed_out", True) and response is not None:
            response.close()
            if self._trace is not None:
                self._trace.stream_end(None)


#: What the async client's opener returns: the response, its request id, the deadline.
_Opened = tuple["httpx.Response", "str | None", "Deadline | None"]


#: Tasks closing dropped async streams (kept referenced until they finish).
_closing: set[asyncio.Task[None]] = set()


class _Opening:
    """An async stream's opener and what it produced."""

    __slots__ = (
        "accumulate",
        "closed",
        "loop",
        "max_event_bytes",
        "opener",
        "request_id",
        "response",
        "started",
        "state",
        "trace",
    )

    def __init__(
        self, opener: Callable[[], Awaitable[_Opened]], max_event_bytes: int, accumulate: bool
    ) -> None:
        self.opener: Callable[[], Awaitable[_Opened]] | None = opener
        self.response: httpx.Response | None = None
        self.request_id: str | None = None
        self.state: _StreamState | None = None
        self.closed = False
        self.started = False  # the generator ran: it closes the response itself
        self.loop: asyncio.AbstractEventLoop | None = None
        self.max_event_bytes = max_event_bytes
        self.accumulate = accumulate
        self.trace: Trace | None = None

    def __del__(self) -> None:
        """Freed opened but never iterated (stream and generator both gone): close the
        response on its loop, so its connection and concurrency slot come back.

        Nothing else would: the generator that owns the response never started.
        """
        response, loop = self.response, self.loop
        if response is None or self.started or self.closed or loop is None or loop.is_closed():
            return
        self.closed = True
        if self.trace is not None:
            self.trace.stream_end(None)

        def close() -> None:
            task = loop.create_task(response.aclose())
            _closing.add(task)
            task.add_done_callback(_closing.discard)

        # RuntimeError: the loop closed meanwhile; the client's close drops the socket.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(close)

    async def open(self) -> tuple[httpx.Response, _StreamState]:
        if self.closed:
            raise StreamError("The stream was closed; start a new one with client.stream(...).")
        if self.response is None or self.state is None:
            if self.opener is None:
                raise StreamError("The stream could not be opened.")
            opener, self.opener = self.opener, None
            self.loop = asyncio.get_running_loop()
            self.response, self.request_id, deadline = await opener()
            self.trace = STREAMS.pop(self.response, None) if STREAMS else None
            self.state = _StreamState(
                self.request_id,
                deadline,
                max_event_bytes=self.max_event_bytes,
                accumulate=self.accumulate,
            )
        return self.response, self.state


async def _achunks(box: _Opening) -> AsyncGenerator[ChatCompletionChunk, None]:
    box.started = True
    response, state = await box.open()
    due, clock, trace = state.due, time.monotonic, box.trace
    try:
        try:
            state.start(response)
            async for raw in araw_reads(response):
                if clock() >= due:
                    raise state.out_of_time()
                for chunk in state.feed(raw):
                    if trace is not None:
                        trace.chunk(chunk)
                    yield chunk
            for chunk in state.finish():
                if trace is not None:
                    trace.chunk(chunk)
                yield chunk
        except httpx.HTTPError as exc:
            raise state.broken(exc) from exc
        except (DecodeFailure, StreamTooLargeError) as exc:
            raise state.failed(exc) from None
    except BaseException as exc:
        if trace is not None:
            trace.stream_end(exc)
        raise
    finally:
        await response.aclose()
    if trace is not None:
        trace.stream_end(None)


class AsyncChatCompletionStream:
    """Async iterator of ``ChatCompletionChunk``; opens the request on first use.

    Use any of::

        async for chunk in client.stream(messages): ...
        async with client.stream(messages) as stream: ...
        stream = await client.stream(messages)   # errors such as 401 raise here

    The response is closed when exhausted, on error, on ``aclose()``, or when
    the ``async with`` block exits.
    """

    def __init__(
        self,
        opener: Callable[[], Awaitable[_Opened]],
        *,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        accumulate: bool = False,
    ) -> None:
        # Opening state lives in a box the generator shares, so the generator
        # never holds the stream (see ChatCompletionStream: no reference cycle).
        self._box = _Opening(opener, max_event_bytes, accumulate)
        self._iterator: AsyncGenerator[ChatCompletionChunk, None] | None = None

    @property
    def response(self) -> httpx.Response | None:
        """The underlying ``httpx.Response`` once opened."""
        return self._box.response

    @property
    def request_id(self) -> str | None:
        """The request id to quote to support, once opened."""
        return self._box.request_id

    async def _open(self) -> tuple[httpx.Response, _StreamState]:
        return await self._box.open()

    def __aiter__(self) -> AsyncGenerator[ChatCompletionChunk, None]:
        # The generator itself, so ``async for`` pays no extra frame per chunk.
        if self._iterator is None:
            self._iterator = _achunks(self._box)
        return self._iterator

    async def __anext__(self) -> ChatCompletionChunk:
        return await self.__aiter__().__anext__()

    def __await__(self) -> Generator[Any, None, AsyncChatCompletionStream]:
        async def opened() -> AsyncChatCompletionStream:
            await self._open()
            return self

        return opened().__await__()

    def final_completion(self) -> ChatCompletion:
        """The chunks received so far joined into a ``ChatCompletion`` (complete once exhausted)."""
        state = self._box.state
        if state is None:
            if not self._box.accumulate:
                return _StreamState(None).completion()  # raises: say how to ask for it
            return StreamAccumulator().result()
        return state.completion()

    async def aclose(self) -> None:
        """Stop the stream and release the connection."""
        self._box.closed = True
        if self._iterator is not None:
            await self._iterator.aclose()
        if self._box.response is not None:
            await self._box.response.aclose()
        if self._box.trace is not None:
            self._box.trace.stream_end(None)

    async def __aenter__(self) -> AsyncChatCompletionStream:
        await self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
