"""Stream objects: a pure per-read state machine plus thin sync and async drivers.

The hot path is ``_StreamState.feed``: one byte-level SSE split per network
read and one ``model_validate_json`` per event, with no logging or string
formatting per chunk.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Iterator
from types import TracebackType
from typing import Any

import httpx
from pydantic import ValidationError

from ._accumulate import StreamAccumulator
from ._deadline import Deadline
from ._errors import ContentFilterError, StreamError, StreamTimeoutError
from ._sse import ServerSentEvent, SSEDecoder
from ._wire import ChatCompletion, ChatCompletionChunk

__all__ = ["AsyncChatCompletionStream", "ChatCompletionStream"]

_DONE = b"[DONE]"
_validate_chunk = ChatCompletionChunk.__pydantic_validator__.validate_json
_NEVER = float("inf")


class _StreamState:
    """Everything a stream knows, independent of sync or async I/O."""

    __slots__ = ("_decoder", "_raw", "count", "deadline", "done", "request_id")

    def __init__(self, request_id: str | None, deadline: Deadline | None = None) -> None:
        self._decoder = SSEDecoder()
        # The chunks' JSON bytes, for final_completion() and the content-filter
        # check. Bytes are invisible to the garbage collector; thousands of
        # retained models (or joining them as they arrive) cost more per chunk
        # than parsing them did.
        self._raw: list[bytes] = []
        self.count = 0
        self.done = False
        self.request_id = request_id
        self.deadline = deadline

    @property
    def due(self) -> float:
        """The ``time.monotonic()`` instant the stream must be over by (inf: never)."""
        return _NEVER if self.deadline is None else self.deadline.at

    def feed(self, raw: bytes) -> Iterator[ChatCompletionChunk]:
        """Chunks completed by one network read.

        Lazy on purpose: each chunk is parsed only when the previous one was
        consumed, so a large read never holds hundreds of live models (which
        the garbage collector would then scan).
        """
        if self.done:
            return iter(())
        return self._parse(self._decoder.feed_items(raw))

    def finish(self) -> Iterator[ChatCompletionChunk]:
        """End of the body: deliver a last event, then insist on ``[DONE]``."""
        if not self.done:
            yield from self._parse(self._decoder.flush_items())
        if not self.done:
            raise StreamError(
                f"The stream ended after {self.count} chunk(s) without [DONE]; "
                "the answer is incomplete (connection cut or server error).",
                request_id=self.request_id,
            )
        self._check_filter()

    def _parse(self, items: list[bytes | ServerSentEvent]) -> Iterator[ChatCompletionChunk]:
        keep = self._raw.append
        for item in items:
            if isinstance(item, bytes):
                data = item
            else:
                if item.event != "message":
                    self._other_event(item)
                    continue
                data = item.data_bytes
            if data == _DONE:
                self.done = True
                return
            try:
                chunk: ChatCompletionChunk = _validate_chunk(data)
            except ValidationError:
                raise self._bad_chunk(data) from None
            extra = chunk.__pydantic_extra__
            if extra and "error" in extra:
                raise self._error_event(extra["error"])
            keep(data)
            self.count += 1
            yield chunk

    def _check_filter(self) -> None:
        if b"content_filter" not in b"".join(self._raw):
            return
        completion = self.completion()
        for choice in completion.choices:
            if choice.finish_reason == "content_filter":
                raise ContentFilterError(
                    "The completion was cut by the content filter "
                    "(finish_reason 'content_filter'); the partial answer is on .completion.",
                    status_code=200,
                    code="content_filter",
                    request_id=self.request_id,
                    details=(choice.model_extra or {}).get("content_filter_results"),
                    completion=completion,
                )

    def completion(self) -> ChatCompletion:
        """The chunks seen so far, joined into a ``ChatCompletion``."""
        accumulator = StreamAccumulator()
        for data in self._raw:
            accumulator.feed(_validate_chunk(data))
        return accumulator.result()

    def broken(self, exc: Exception) -> StreamError:
        """The error for a transport failure after the 200 (never retried)."""
        if isinstance(exc, httpx.TimeoutException):
            if self.deadline is not None and self.deadline.expired():
                return self.out_of_time()
            return StreamTimeoutError(
                f"The stream timed out after {self.count} chunk(s) "
                f"({type(exc).__name__}); the answer is incomplete.",
                request_id=self.request_id,
            )
        return StreamError(
            f"The stream broke after {self.count} chunk(s) "
            f"({type(exc).__name__}: {exc}); the answer is incomplete.",
            request_id=self.request_id,
        )

    def out_of_time(self) -> StreamTimeoutError:
        """The error for a stream still running when the call's deadline passed."""
        total = self.deadline.total if self.deadline is not None else 0.0
        return StreamTimeoutError(
            f"The stream was not over within its total_timeout of {total:g} s "
            f"({self.count} chunk(s) received); the answer is incomplete.",
            request_id=self.request_id,
        )

    def _other_event(self, event: ServerSentEvent) -> None:
        if event.event == "error":
            try:
                payload: Any = json.loads(event.data_bytes)
            except ValueError:
                payload = event.data
            if isinstance(payload, dict) and "error" in payload:
                payload = payload["error"]
            raise self._error_event(payload)
        # Other named events (pings, metadata) carry no chunk: nothing to deliver.

    def _bad_chunk(self, data: bytes) -> StreamError:
        try:
            payload = json.loads(data)
        except ValueError:
            preview = data[:200].decode("utf-8", errors="replace")
            return StreamError(
                f"The stream sent a chunk that is not valid JSON: {preview!r}",
                request_id=self.request_id,
                body=preview,
            )
        if isinstance(payload, dict) and "error" in payload:
            return self._error_event(payload["error"])
        return StreamError(
            "The stream sent a JSON chunk that is not a chat completion chunk.",
            request_id=self.request_id,
            body=payload,
        )

    def _error_event(self, error: Any) -> StreamError:
        code = message = None
        if isinstance(error, dict):
            code = error.get("code")
            message = error.get("message")
        elif isinstance(error, str):
            message = error
        return StreamError(
            f"The service reported an error in the stream after {self.count} chunk(s): "
            f"{message or error}",
            code=str(code) if code is not None else None,
            request_id=self.request_id,
            body=error,
        )


def _chunks(
    response: httpx.Response, state: _StreamState
) -> Generator[ChatCompletionChunk, None, None]:
    due, clock = state.due, time.monotonic
    try:
        try:
            for raw in response.iter_bytes():
                if clock() >= due:
                    raise state.out_of_time()
                yield from state.feed(raw)
        except httpx.HTTPError as exc:
            raise state.broken(exc) from exc
        yield from state.finish()
    finally:
        response.close()


class ChatCompletionStream:
    """Iterator of ``ChatCompletionChunk`` over one streamed answer.

    Closes the HTTP response when exhausted, on error, on ``close()``, or when
    used as a context manager and the block exits. Raises ``StreamError`` for an
    error event, a malformed chunk, or an end without ``[DONE]``,
    ``StreamTimeoutError`` when a read timed out or the call's ``total_timeout``
    passed (checked after each network read), and
    ``ContentFilterError`` after the last chunk when the filter cut the answer.

    Attributes:
        response: the underlying ``httpx.Response``.
        request_id: the request id to quote to support.
    """

    def __init__(
        self, response: httpx.Response, request_id: str | None, deadline: Deadline | None = None
    ) -> None:
        self.response = response
        self.request_id = request_id
        self._state = _StreamState(request_id, deadline)
        # The generator must not hold ``self``: a stream abandoned with ``break``
        # is then freed by refcounting alone, and its connection and concurrency
        # slot come back at once rather than at the next garbage collection.
        self._iterator = _chunks(response, self._state)
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
        """The chunks received so far joined into a ``ChatCompletion`` (complete once exhausted)."""
        return self._state.completion()

    def close(self) -> None:
        """Stop the stream and release the connection."""
        self._iterator.close()
        self.response.close()

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


#: What the async client's opener returns: the response, its request id, the deadline.
_Opened = tuple[httpx.Response, "str | None", "Deadline | None"]


class _Opening:
    """An async stream's opener and what it produced."""

    __slots__ = ("closed", "opener", "request_id", "response", "state")

    def __init__(self, opener: Callable[[], Awaitable[_Opened]]) -> None:
        self.opener: Callable[[], Awaitable[_Opened]] | None = opener
        self.response: httpx.Response | None = None
        self.request_id: str | None = None
        self.state: _StreamState | None = None
        self.closed = False

    async def open(self) -> tuple[httpx.Response, _StreamState]:
        if self.closed:
            raise StreamError("The stream was closed; start a new one with client.stream(...).")
        if self.response is None or self.state is None:
            if self.opener is None:
                raise StreamError("The stream could not be opened.")
            opener, self.opener = self.opener, None
            self.response, self.request_id, deadline = await opener()
            self.state = _StreamState(self.request_id, deadline)
        return self.response, self.state


async def _achunks(box: _Opening) -> AsyncGenerator[ChatCompletionChunk, None]:
    response, state = await box.open()
    due, clock = state.due, time.monotonic
    try:
        try:
            async for raw in response.aiter_bytes():
                if clock() >= due:
                    raise state.out_of_time()
                for chunk in state.feed(raw):
                    yield chunk
        except httpx.HTTPError as exc:
            raise state.broken(exc) from exc
        for chunk in state.finish():
            yield chunk
    finally:
        await response.aclose()


class AsyncChatCompletionStream:
    """Async iterator of ``ChatCompletionChunk``; opens the request on first use.

    Use any of::

        async for chunk in client.stream(messages): ...
        async with client.stream(messages) as stream: ...
        stream = await client.stream(messages)   # errors such as 401 raise here

    The response is closed when exhausted, on error, on ``aclose()``, or when
    the ``async with`` block exits.
    """

    def __init__(self, opener: Callable[[], Awaitable[_Opened]]) -> None:
        # Opening state lives in a box the generator shares, so the generator
        # never holds the stream (see ChatCompletionStream: no reference cycle).
        self._box = _Opening(opener)
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
            return StreamAccumulator().result()
        return state.completion()

    async def aclose(self) -> None:
        """Stop the stream and release the connection."""
        self._box.closed = True
        if self._iterator is not None:
            await self._iterator.aclose()
        if self._box.response is not None:
            await self._box.response.aclose()

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
