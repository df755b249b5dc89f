"""Stream objects: one driver, sync and async, over a stream's pure state.

``_drive`` / ``_adrive`` do the I/O of every stream (reads, deadline checks,
transport errors, the trace, closing); what the bytes mean is the state's
(``StreamState``): chat's ``_StreamState`` here, the Responses API's
``ResponseStreamState`` in ``_responses_io.py``. ``SyncStream`` / ``AsyncStream``
are the stream objects both APIs' streams subclass.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Iterable, Iterator
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

from ._accumulate import StreamAccumulator
from ._deadline import Deadline
from ._errors import StreamError, StreamTooLargeError
from ._no_httpx_cli import httpx
from ._read import DecodeFailure, araw_reads, raw_reads
from ._sse import DEFAULT_MAX_EVENT_BYTES
from ._stream_state import _StreamState, joiner
from ._telemetry import STREAMS, Trace
from ._wire import ChatCompletion, ChatCompletionChunk

__all__ = [
    "AsyncChatCompletionStream",
    "ChatCompletionStream",
    "StreamState",
    "StreamTrace",
    "_StreamState",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class StreamState(Protocol[T_co]):
    """What the one stream driver needs of a stream's pure state (chat: ``_StreamState``;
    Responses: ``_responses_io.ResponseStreamState``)."""

    @property
    def due(self) -> float: ...  # the time.monotonic() instant the stream must end by

    def start(self, response: httpx.Response) -> None: ...

    def feed(self, raw: bytes) -> Iterable[T_co]: ...

    def finish(self) -> Iterable[T_co]: ...

    def broken(self, exc: Exception) -> StreamError: ...

    def failed(self, exc: Exception) -> StreamError: ...

    def out_of_time(self) -> StreamError: ...


class StreamTrace(Protocol):
    """A stream's span: ``_telemetry.Trace``, or an adapter that feeds it (Responses)."""

    def chunk(self, chunk: Any) -> None: ...

    def stream_end(self, exc: BaseException | None) -> None: ...


def _drive(
    response: httpx.Response, state: StreamState[T], trace: StreamTrace | None = None
) -> Generator[T, None, None]:
    """The one stream driver (sync): reads, decodes through ``state``, checks the
    deadline after each read, maps transport failures, ends the trace, closes."""
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


S = TypeVar("S", bound="SyncStream[Any]")


class SyncStream(Generic[T]):
    """An iterator over one streamed answer, driven by ``_drive`` (base of the sync streams).

    Closes the HTTP response when exhausted, on error, on ``close()``, or when
    used as a context manager and the block exits.

    Attributes:
        response: the underlying ``httpx.Response``.
        request_id: the request id to quote to support.
    """

    def __init__(
        self,
        response: httpx.Response,
        request_id: str | None,
        state: StreamState[T],
        trace: StreamTrace | None,
    ) -> None:
        self.response = response
        self.request_id = request_id
        # The generator must not hold ``self``: a stream abandoned with ``break``
        # is then freed by refcounting alone, and its connection and concurrency
        # slot come back at once rather than at the next garbage collection.
        # The call's span (_telemetry.py), ended with the stream; None when not traced.
        self._trace = trace
        self._iterator = _drive(response, state, trace)
        self._handed_out = False

    def __iter__(self) -> Iterator[T]:
        # ``for chunk in stream`` keeps only the generator: from here on it owns
        # the response (and closes it when exhausted, closed or freed).
        self._handed_out = True
        return self._iterator

    def __next__(self) -> T:
        self._handed_out = True
        return next(self._iterator)

    def close(self) -> None:
        """Stop the stream and release the connection."""
        self._iterator.close()
        self.response.close()
        if self._trace is not None:
            self._trace.stream_end(None)

    def __enter__(self: S) -> S:
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


class ChatCompletionStream(SyncStream[ChatCompletionChunk]):
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
        accumulate: bool | StreamAccumulator = False,
    ) -> None:
        self._state = _StreamState(
            request_id, deadline, max_event_bytes=max_event_bytes, accumulate=accumulate
        )
        trace = STREAMS.pop(response, None) if STREAMS else None
        super().__init__(response, request_id, self._state, trace)

    def final_completion(self) -> ChatCompletion:
        """The chunks received so far joined into a ``ChatCompletion`` (complete once exhausted).

        Raises:
            ConfigurationError: the stream was not opened with ``accumulate=True``.
        """
        return self._state.completion()


#: What the async client's opener returns: the response, its request id, the deadline.
_Opened = tuple["httpx.Response", "str | None", "Deadline | None"]
#: Builds an async stream's state once the response is there: (request id, deadline) -> state.
StateFactory = Callable[["str | None", "Deadline | None"], StreamState[T]]


#: Tasks closing dropped async streams (kept referenced until they finish).
_closing: set[asyncio.Task[None]] = set()


class _Opening(Generic[T]):
    """An async stream's opener and what it produced."""

    __slots__ = (
        "closed",
        "loop",
        "make_state",
        "opener",
        "request_id",
        "response",
        "started",
        "state",
        "trace",
        "wrap",
    )

    def __init__(
        self,
        opener: Callable[[], Awaitable[_Opened]],
        make_state: StateFactory[T],
        wrap: Callable[[Trace], StreamTrace] | None = None,
    ) -> None:
        self.opener: Callable[[], Awaitable[_Opened]] | None = opener
        self.make_state = make_state
        self.wrap = wrap  # adapts the call's trace to this stream's items (None: as it is)
        self.response: httpx.Response | None = None
        self.request_id: str | None = None
        self.state: StreamState[T] | None = None
        self.closed = False
        self.started = False  # the generator ran: it closes the response itself
        self.loop: asyncio.AbstractEventLoop | None = None
        self.trace: StreamTrace | None = None

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

    async def open(self) -> tuple[httpx.Response, StreamState[T]]:
        if self.closed:
            raise StreamError("The stream was closed; start a new one (the same call again).")
        if self.response is None or self.state is None:
            if self.opener is None:
                raise StreamError("The stream could not be opened.")
            opener, self.opener = self.opener, None
            self.loop = asyncio.get_running_loop()
            self.response, self.request_id, deadline = await opener()
            trace = STREAMS.pop(self.response, None) if STREAMS else None
            if trace is not None:
                self.trace = trace if self.wrap is None else self.wrap(trace)
            self.state = self.make_state(self.request_id, deadline)
        return self.response, self.state


async def _adrive(box: _Opening[T]) -> AsyncGenerator[T, None]:
    """The one stream driver (async): as ``_drive``, opening the request first."""
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


A = TypeVar("A", bound="AsyncStream[Any]")


class AsyncStream(Generic[T]):
    """Async iterator over one streamed answer; opens the request on first use
    (``await``, ``async with`` or ``async for``; errors such as a 401 raise there).

    The response is closed when exhausted, on error, on ``aclose()``, or when
    the ``async with`` block exits.
    """

    def __init__(self, box: _Opening[T]) -> None:
        # Opening state lives in a box the generator shares, so the generator
        # never holds the stream (see SyncStream: no reference cycle).
        self._box = box
        self._iterator: AsyncGenerator[T, None] | None = None

    @property
    def response(self) -> httpx.Response | None:
        """The underlying ``httpx.Response`` once opened."""
        return self._box.response

    @property
    def request_id(self) -> str | None:
        """The request id to quote to support, once opened."""
        return self._box.request_id

    async def _open(self) -> tuple[httpx.Response, StreamState[T]]:
        return await self._box.open()

    def __aiter__(self) -> AsyncGenerator[T, None]:
        # The generator itself, so ``async for`` pays no extra frame per chunk.
        if self._iterator is None:
            self._iterator = _adrive(self._box)
        return self._iterator

    async def __anext__(self) -> T:
        return await self.__aiter__().__anext__()

    def __await__(self: A) -> Generator[Any, None, A]:
        async def opened() -> A:
            await self._open()
            return self

        return opened().__await__()

    async def aclose(self) -> None:
        """Stop the stream and release the connection."""
        self._box.closed = True
        if self._iterator is not None:
            await self._iterator.aclose()
        if self._box.response is not None:
            await self._box.response.aclose()
        if self._box.trace is not None:
            self._box.trace.stream_end(None)

    async def __aenter__(self: A) -> A:
        await self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class AsyncChatCompletionStream(AsyncStream[ChatCompletionChunk]):
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
        accumulate: bool | StreamAccumulator = False,
    ) -> None:
        self._accumulate = accumulate

        def make_state(request_id: str | None, deadline: Deadline | None) -> _StreamState:
            return _StreamState(
                request_id, deadline, max_event_bytes=max_event_bytes, accumulate=accumulate
            )

        super().__init__(_Opening(opener, make_state))

    def final_completion(self) -> ChatCompletion:
        """The chunks received so far joined into a ``ChatCompletion`` (complete once exhausted)."""
        state = self._box.state
        if state is None:
            joined = joiner(self._accumulate)
            if joined is None:
                return _StreamState(None).completion()  # raises: say how to ask for it
            return joined.result()
        assert isinstance(state, _StreamState)
        return state.completion()
