"""Stream objects: a pure per-read state machine plus thin sync and async drivers.

The hot path is ``_StreamState.feed``: one byte-level SSE split per network
read and one ``model_validate_json`` per event, with no logging or string
formatting per chunk.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Iterator
from types import TracebackType
from typing import Any

import httpx
from pydantic import ValidationError

from ._accumulate import StreamAccumulator
from ._errors import ContentFilterError, StreamError
from ._sse import ServerSentEvent, SSEDecoder
from ._wire import ChatCompletion, ChatCompletionChunk

__all__ = ["AsyncChatCompletionStream", "ChatCompletionStream"]

_DONE = b"[DONE]"
_validate_chunk = ChatCompletionChunk.__pydantic_validator__.validate_json


class _StreamState:
    """Everything a stream knows, independent of sync or async I/O."""

    __slots__ = ("_decoder", "_raw", "count", "done", "request_id")

    def __init__(self, request_id: str | None) -> None:
        self._decoder = SSEDecoder()
        # The chunks' JSON bytes, for final_completion() and the content-filter
        # check. Bytes are invisible to the garbage collector; thousands of
        # retained models (or joining them as they arrive) cost more per chunk
        # than parsing them did.
        self._raw: list[bytes] = []
        self.count = 0
        self.done = False
        self.request_id = request_id

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
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "broke"
        return StreamError(
            f"The stream {kind} after {self.count} chunk(s) "
            f"({type(exc).__name__}: {exc}); the answer is incomplete.",
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


class ChatCompletionStream:
    """Iterator of ``ChatCompletionChunk`` over one streamed answer.

    Closes the HTTP response when exhausted, on error, on ``close()``, or when
    used as a context manager and the block exits. Raises ``StreamError`` for an
    error event, a malformed chunk, or an end without ``[DONE]``, and
    ``ContentFilterError`` after the last chunk when the filter cut the answer.

    Attributes:
        response: the underlying ``httpx.Response``.
        request_id: the request id to quote to support.
    """

    def __init__(self, response: httpx.Response, request_id: str | None) -> None:
        self.response = response
        self.request_id = request_id
        self._state = _StreamState(request_id)
        self._iterator = self._iterate()

    def _iterate(self) -> Generator[ChatCompletionChunk, None, None]:
        state = self._state
        try:
            try:
                for raw in self.response.iter_bytes():
                    yield from state.feed(raw)
            except httpx.HTTPError as exc:
                raise state.broken(exc) from exc
            yield from state.finish()
        finally:
            self.response.close()

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        return self._iterator

    def __next__(self) -> ChatCompletionChunk:
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
        response = getattr(self, "response", None)
        if response is not None and not response.is_closed:
            response.close()


class AsyncChatCompletionStream:
    """Async iterator of ``ChatCompletionChunk``; opens the request on first use.

    Use any of::

        async for chunk in client.stream(messages): ...
        async with client.stream(messages) as stream: ...
        stream = await client.stream(messages)   # errors such as 401 raise here

    The response is closed when exhausted, on error, on ``aclose()``, or when
    the ``async with`` block exits.
    """

    def __init__(self, opener: Callable[[], Awaitable[tuple[httpx.Response, str | None]]]) -> None:
        self._opener: Callable[[], Awaitable[tuple[httpx.Response, str | None]]] | None = opener
        self.response: httpx.Response | None = None
        self.request_id: str | None = None
        self._state: _StreamState | None = None
        self._iterator: AsyncGenerator[ChatCompletionChunk, None] | None = None
        self._closed = False

    async def _open(self) -> tuple[httpx.Response, _StreamState]:
        if self._closed:
            raise StreamError("The stream was closed; start a new one with client.stream(...).")
        if self.response is None or self._state is None:
            if self._opener is None:
                raise StreamError("The stream could not be opened.")
            opener, self._opener = self._opener, None
            self.response, self.request_id = await opener()
            self._state = _StreamState(self.request_id)
        return self.response, self._state

    async def _iterate(self) -> AsyncGenerator[ChatCompletionChunk, None]:
        response, state = await self._open()
        try:
            try:
                async for raw in response.aiter_bytes():
                    for chunk in state.feed(raw):
                        yield chunk
            except httpx.HTTPError as exc:
                raise state.broken(exc) from exc
            for chunk in state.finish():
                yield chunk
        finally:
            await response.aclose()

    def __aiter__(self) -> AsyncGenerator[ChatCompletionChunk, None]:
        # The generator itself, so ``async for`` pays no extra frame per chunk.
        if self._iterator is None:
            self._iterator = self._iterate()
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
        if self._state is None:
            return StreamAccumulator().result()
        return self._state.completion()

    async def aclose(self) -> None:
        """Stop the stream and release the connection."""
        self._closed = True
        if self._iterator is not None:
            await self._iterator.aclose()
        if self.response is not None:
            await self.response.aclose()

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
