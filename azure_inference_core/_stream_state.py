"""The pure state of one stream: SSE decoding, chunk parsing, errors; no I/O.

The hot path is ``_StreamState.feed``: one byte-level SSE split per network
read and one ``model_validate_json`` per event, with no logging or string
formatting per chunk. No chunk history is kept: with ``accumulate=True`` each
chunk is fed to a ``StreamAccumulator`` as it passes (only the joined state
stays), otherwise nothing, so memory stays flat however long the stream runs.
A compressed body is decoded step by step (``_read``), and every line and
event is bounded by ``max_event_bytes`` (``SSEDecoder``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pydantic import ValidationError

from ._accumulate import StreamAccumulator
from ._deadline import Deadline
from ._errors import (
    ConfigurationError,
    ContentFilterError,
    StreamError,
    StreamTimeoutError,
    StreamTooLargeError,
    escape,
    excerpt,
    safe_loads,
)
from ._no_httpx_cli import httpx
from ._read import decode_stream
from ._sse import DEFAULT_MAX_EVENT_BYTES, ServerSentEvent, SSEDecoder
from ._wire import ChatCompletion, ChatCompletionChunk

__all__ = ["_StreamState", "joiner"]

_DONE = b"[DONE]"


def _first_chunk(data: bytes) -> Any:
    # The wire models build their validators on first use (import cost); the first
    # chunk builds this one and puts it in place, so later chunks call it directly.
    global _validate_chunk
    chunk = ChatCompletionChunk.model_validate_json(data)
    _validate_chunk = ChatCompletionChunk.__pydantic_validator__.validate_json
    return chunk


_validate_chunk: Callable[[bytes], Any] = _first_chunk
_NEVER = float("inf")


def joiner(accumulate: bool | StreamAccumulator) -> StreamAccumulator | None:
    """The accumulator a stream joins its chunks into: the one given, a new one for
    ``True``, none for ``False``."""
    if isinstance(accumulate, StreamAccumulator):
        return accumulate
    return StreamAccumulator() if accumulate else None


class _StreamState:
    """Everything a stream knows, independent of sync or async I/O."""

    __slots__ = (
        "_accumulator",
        "_body",
        "_decoder",
        "_filtered",
        "count",
        "deadline",
        "done",
        "request_id",
    )

    def __init__(
        self,
        request_id: str | None,
        deadline: Deadline | None = None,
        *,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        accumulate: bool | StreamAccumulator = False,
    ) -> None:
        self._decoder = SSEDecoder(max_event_bytes)
        self._body: Any = None  # the content-encoding decoder, when the body is compressed
        self._accumulator = joiner(accumulate)
        self._filtered: ChatCompletionChunk | None = None  # the chunk the filter cut
        self.count = 0
        self.done = False
        self.request_id = request_id
        self.deadline = deadline

    @property
    def due(self) -> float:
        """The ``time.monotonic()`` instant the stream must be over by (inf: never)."""
        return _NEVER if self.deadline is None else self.deadline.at

    def start(self, response: httpx.Response) -> None:
        """Take the response's content-encoding (before the first read)."""
        if not response.is_stream_consumed:  # else read (and decoded) already, by a mock
            self._body = decode_stream(response.headers)

    def feed(self, raw: bytes) -> Iterator[ChatCompletionChunk]:
        """Chunks completed by one network read.

        Lazy on purpose: each chunk is parsed only when the previous one was
        consumed, so a large read never holds hundreds of live models (which
        the garbage collector would then scan).
        """
        if self.done:
            return iter(())
        if self._body is not None:
            return self._decoded(raw)
        return self._parse(self._decoder.feed_items(raw))

    def _decoded(self, raw: bytes) -> Iterator[ChatCompletionChunk]:
        for piece in self._body.decode(raw):
            yield from self._parse(self._decoder.feed_items(piece))
            if self.done:
                return

    def finish(self) -> Iterator[ChatCompletionChunk]:
        """End of the body: deliver a last event, then insist on ``[DONE]``."""
        if not self.done and self._body is not None:
            for piece in self._body.flush():
                yield from self._parse(self._decoder.feed_items(piece))
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
        accumulator = self._accumulator
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
            if accumulator is not None:
                accumulator.feed(chunk)
            if b"content_filter" in data:
                self._note_filter(chunk)
            self.count += 1
            yield chunk

    def _note_filter(self, chunk: ChatCompletionChunk) -> None:
        for choice in chunk.choices:
            if choice.finish_reason == "content_filter":
                self._filtered = chunk

    def _check_filter(self) -> None:
        chunk = self._filtered
        if chunk is None:
            return
        if self._accumulator is not None:
            completion = self._accumulator.result()
        else:  # no history kept: the completion the filtering chunk alone makes
            accumulator = StreamAccumulator()
            accumulator.feed(chunk)
            completion = accumulator.result()
        for choice in completion.choices:
            if choice.finish_reason == "content_filter":
                raise ContentFilterError(
                    "The completion was cut by the content filter "
                    "(finish_reason 'content_filter'); the partial answer is on .completion "
                    "(all of it with stream(..., accumulate=True), else the last chunk's).",
                    status_code=200,
                    code="content_filter",
                    request_id=self.request_id,
                    details=(choice.model_extra or {}).get("content_filter_results"),
                    completion=completion,
                )

    def completion(self) -> ChatCompletion:
        """The chunks seen so far, joined into a ``ChatCompletion``."""
        if self._accumulator is None:
            raise ConfigurationError(
                "final_completion() needs the joined answer, which this stream does not keep; "
                "open it with client.stream(..., accumulate=True)."
            )
        return self._accumulator.result()

    def failed(self, exc: Exception) -> StreamError:
        """The error for a body that cannot be decoded, or an event over the size limit."""
        if isinstance(exc, StreamTooLargeError):
            exc.request_id = self.request_id
            return exc
        return StreamError(
            f"The stream could not be decoded after {self.count} chunk(s): {escape(str(exc))}; "
            "a proxy may be re-encoding answers.",
            request_id=self.request_id,
        )

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
            f"({type(exc).__name__}: {escape(str(exc)[:500])}); the answer is incomplete.",
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
                payload: Any = safe_loads(event.data_bytes)
            except ValueError:
                payload = excerpt(event.data)
            if isinstance(payload, dict) and "error" in payload:
                payload = payload["error"]
            raise self._error_event(payload)
        # Other named events (pings, metadata) carry no chunk: nothing to deliver.

    def _bad_chunk(self, data: bytes) -> StreamError:
        try:
            payload = safe_loads(data)
        except ValueError:
            preview = excerpt(data[:200].decode("utf-8", errors="replace"))
            return StreamError(
                f"The stream sent a chunk that is not valid JSON (or nested too deeply): "
                f"{preview!r}",
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
            f"{excerpt(str(message or error))}",
            code=excerpt(str(code), 200) if code is not None else None,
            request_id=self.request_id,
            body=error,
        )
