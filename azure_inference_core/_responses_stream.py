"""The Responses API event stream, pure: bytes -> typed events -> one ``Response``.

:class:`ResponseEventDecoder` turns network reads into :class:`ResponseEvent`
objects (SSE ``event:`` names and ``data:`` JSON), raising ``StreamError`` for
an ``error`` event or a malformed one. :class:`ResponseAccumulator` folds the
events into the ``Response`` the same request would have returned unstreamed.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from ._deadline import Deadline
from ._errors import APIStatusError, ContentFilterError, StreamError, StreamTimeoutError
from ._responses_wire import Response, ResponseEvent, parse_event
from ._sse import DEFAULT_MAX_EVENT_BYTES, ServerSentEvent, SSEDecoder

__all__ = [
    "TERMINAL_EVENTS",
    "ResponseAccumulator",
    "ResponseContentFilterError",
    "ResponseEventDecoder",
    "check_response",
]

#: Events that end a stream, carrying the final ``response``.
TERMINAL_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed"})
_DONE = b"[DONE]"


class ResponseContentFilterError(ContentFilterError):
    """The content filter cut a Responses answer (``incomplete_details.reason``
    ``content_filter``); the partial answer is on ``.response``."""

    def __init__(self, message: str, *, response: Response, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.response = response


def check_response(response: Response, status_code: int, request_id: str | None) -> Response:
    """Raise for an answer the content filter cut (as chat does for ``content_filter``),
    and for a ``failed`` one (its ``error`` quoted)."""
    if response.status == "failed":
        error = response.error
        raise APIStatusError(
            "The response failed: "
            + (error.message if error is not None else "no reason given")
            + ("" if error is None or error.code is None else f" ({error.code})"),
            status_code=status_code,
            code=error.code if error is not None else None,
            request_id=request_id,
            body=error.model_dump() if error is not None else None,
        )
    details = response.incomplete_details or {}
    if response.status == "incomplete" and details.get("reason") == "content_filter":
        raise ResponseContentFilterError(
            "The response was cut by the content filter (incomplete_details.reason "
            "'content_filter'); the partial answer is on .response.",
            response=response,
            status_code=status_code,
            code="content_filter",
            request_id=request_id,
            details=(response.model_extra or {}).get("content_filters"),
        )
    return response


class ResponseAccumulator:
    """Folds stream events into one ``Response``.

    Output items are built from ``output_item.added`` and the deltas (text,
    function arguments, reasoning summaries), and replaced by their
    ``output_item.done`` form; the terminal event supplies status, usage and
    the other top-level fields. ``result()`` may be called at any point.
    """

    __slots__ = ("_items", "_response")

    def __init__(self) -> None:
        self._response: dict[str, Any] | None = None
        self._items: dict[int, dict[str, Any]] = {}

    def feed(self, event: ResponseEvent) -> None:
        """Take one event (unknown types are ignored)."""
        kind = event.type
        if event.response is not None and (
            kind in TERMINAL_EVENTS or kind in ("response.created", "response.in_progress")
        ):
            self._response = event.response.model_dump(mode="json", exclude={"output"})
            if not self._items:
                for i, done in enumerate(event.response.output):
                    self._items[i] = done.model_dump(mode="json")
            return
        index = event.output_index
        if index is None:
            return
        if kind in ("response.output_item.added", "response.output_item.done"):
            if event.item is not None:
                self._items[index] = event.item.model_dump(mode="json")
            return
        item = self._items.get(index)
        if item is None:
            return
        if kind == "response.output_text.delta":
            self._part(item, event.content_index or 0)["text"] += event.delta or ""
        elif kind == "response.output_text.done" and event.text is not None:
            self._part(item, event.content_index or 0)["text"] = event.text
        elif kind == "response.content_part.added":
            part = (event.model_extra or {}).get("part")
            if isinstance(part, dict):
                self._part(item, event.content_index or 0).update(part)
        elif kind == "response.function_call_arguments.delta":
            item["arguments"] = (item.get("arguments") or "") + (event.delta or "")
        elif kind == "response.function_call_arguments.done" and event.arguments is not None:
            item["arguments"] = event.arguments
        elif kind == "response.reasoning_summary_text.delta":
            self._summary(item, event.summary_index or 0)["text"] += event.delta or ""
        elif kind == "response.reasoning_summary_text.done" and event.text is not None:
            self._summary(item, event.summary_index or 0)["text"] = event.text

    @staticmethod
    def _part(item: dict[str, Any], index: int) -> dict[str, Any]:
        content = item.setdefault("content", [])
        while len(content) <= index:
            content.append({"type": "output_text", "text": "", "annotations": []})
        part: dict[str, Any] = content[index]
        if part.get("text") is None:
            part["text"] = ""
        return part

    @staticmethod
    def _summary(item: dict[str, Any], index: int) -> dict[str, Any]:
        summary = item.setdefault("summary", [])
        while len(summary) <= index:
            summary.append({"type": "summary_text", "text": ""})
        part: dict[str, Any] = summary[index]
        return part

    def result(self) -> Response:
        """The response so far (complete after the terminal event)."""
        top: dict[str, Any] = dict(self._response) if self._response is not None else {"id": ""}
        top["output"] = [self._items[i] for i in sorted(self._items)]
        return Response.model_validate(top)


class ResponseEventDecoder:
    """Network reads in, typed events out; remembers the terminal event.

    Raises ``StreamError`` for an ``error`` event (typed, or the chat-style
    ``{"error": {...}}`` data some gateways send), and for data that is not an event.
    """

    __slots__ = ("_sse", "count", "request_id", "terminal")

    def __init__(
        self, request_id: str | None = None, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
    ) -> None:
        self._sse = SSEDecoder(max_event_bytes)
        self.count = 0
        self.terminal: ResponseEvent | None = None
        self.request_id = request_id

    def feed(self, raw: bytes) -> list[ResponseEvent]:
        """The events one read completed."""
        return self._parse(self._sse.feed_items(raw))

    def flush(self) -> list[ResponseEvent]:
        """End of input: a last unterminated event, if any."""
        return self._parse(self._sse.flush_items())

    def _parse(self, items: list[bytes | ServerSentEvent]) -> list[ResponseEvent]:
        out: list[ResponseEvent] = []
        for item in items:
            data = item if isinstance(item, bytes) else item.data_bytes
            if data == _DONE:
                continue
            try:
                event = parse_event(data)
            except ValidationError:
                raise self._bad(data) from None
            if event.type == "error":
                raise self.error({"code": event.code, "message": event.message})
            if event.type in TERMINAL_EVENTS:
                self.terminal = event
            self.count += 1
            out.append(event)
        return out

    def _bad(self, data: bytes) -> StreamError:
        try:
            payload = json.loads(data)
        except ValueError:
            preview = data[:200].decode("utf-8", errors="replace")
            return StreamError(
                f"The stream sent an event that is not valid JSON: {preview!r}",
                request_id=self.request_id,
                body=preview,
            )
        if isinstance(payload, dict) and "error" in payload:
            return self.error(payload["error"])
        return StreamError(
            "The stream sent JSON that is not a Responses event (no 'type').",
            request_id=self.request_id,
            body=payload,
        )

    def error(self, error: Any) -> StreamError:
        """The ``StreamError`` for an error the service reported mid-stream."""
        code = message = None
        if isinstance(error, dict):
            code, message = error.get("code"), error.get("message")
        return StreamError(
            f"The service reported an error in the stream after {self.count} event(s): "
            f"{message or error}",
            code=str(code) if code is not None else None,
            request_id=self.request_id,
            body=error,
        )

    def finish(self, accumulator: ResponseAccumulator) -> None:
        """Check the end: a terminal event arrived, it did not fail, no filter cut.

        Raises:
            StreamError: no ``response.completed`` / ``incomplete`` / ``failed``, or
                ``response.failed`` (its ``error`` quoted).
            ResponseContentFilterError: the filter cut the answer.
        """
        terminal = self.terminal
        if terminal is None:
            raise StreamError(
                f"The stream ended after {self.count} event(s) without response.completed; "
                "the answer is incomplete (connection cut or server error).",
                request_id=self.request_id,
            )
        if terminal.type == "response.failed":
            error = terminal.response.error if terminal.response is not None else None
            raise StreamError(
                "The response failed: "
                + (error.message if error is not None else "no reason given")
                + ("" if error is None or error.code is None else f" ({error.code})"),
                code=error.code if error is not None else None,
                request_id=self.request_id,
                body=error.model_dump() if error is not None else None,
            )
        check_response(accumulator.result(), 200, self.request_id)


def out_of_time(deadline: Deadline | None, count: int, request_id: str | None) -> StreamError:
    """The error for a stream still running when the call's ``total_timeout`` passed."""
    total = deadline.total if deadline is not None else 0.0
    return StreamTimeoutError(
        f"The stream was not over within its total_timeout of {total:g} s "
        f"({count} event(s) received); the answer is incomplete.",
        request_id=request_id,
    )
