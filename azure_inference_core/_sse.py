"""A pure server-sent-events decoder: bytes in, events out.

Follows the WHATWG HTML spec, "9.2.6 Interpreting an event stream"
(https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):

* a line ends at CRLF, LF or CR; a CR at the end of one read is held until the
  next read shows whether an LF follows;
* lines starting with ``:`` are comments (keep-alives);
* ``data``, ``event``, ``id`` and ``retry`` fields, one optional space after the colon;
* several ``data`` lines join with LF; a blank line dispatches the event.

Lines are split as bytes. CR and LF never occur inside a multi-byte UTF-8
sequence, so a character split across reads is simply completed by the next
read before its line is looked at; ``data`` stays bytes so the JSON parser can
take it without a decode/encode round trip.

One deliberate leniency: at end of input (``flush``) an event whose blank line
never came is still delivered, because several servers close the connection
right after ``data: [DONE]``.
"""

from __future__ import annotations

from ._errors import StreamTooLargeError

__all__ = ["DEFAULT_MAX_EVENT_BYTES", "SSEDecoder", "ServerSentEvent"]

_BOM = b"\xef\xbb\xbf"
#: Longest server-sent-events line, and largest event (data lines joined), accepted.
DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024


class ServerSentEvent:
    """One dispatched event.

    Attributes:
        event: the event type (``message`` unless an ``event:`` field said otherwise).
        data_bytes: the joined ``data`` lines, as UTF-8 bytes.
        id: the last event id seen (spec: it persists across events).
        retry: the reconnection time in ms, if this event set one.
    """

    __slots__ = ("data_bytes", "event", "id", "retry")

    def __init__(
        self, data_bytes: bytes, event: str = "message", id: str = "", retry: int | None = None
    ) -> None:
        self.data_bytes = data_bytes
        self.event = event
        self.id = id
        self.retry = retry

    @property
    def data(self) -> str:
        """The data as text (invalid UTF-8 replaced, as the spec requires)."""
        return self.data_bytes.decode("utf-8", errors="replace")

    def __repr__(self) -> str:
        return (
            f"ServerSentEvent(event={self.event!r}, data={self.data!r}, id={self.id!r}, "
            f"retry={self.retry!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ServerSentEvent):
            return NotImplemented
        return (self.data_bytes, self.event, self.id, self.retry) == (
            other.data_bytes,
            other.event,
            other.id,
            other.retry,
        )

    __hash__ = None  # type: ignore[assignment]


class SSEDecoder:
    """Incremental decoder. Feed it reads in order; it returns complete events.

    Linear in its input however the bytes are split: an unfinished line is kept
    as a list of reads and joined once, when its end arrives.

    Args:
        max_event_bytes: the longest line, and the largest event (its data lines
            joined), accepted; a longer one raises ``StreamTooLargeError`` as soon
            as it passes the limit (before the rest is read).

    Example::

        decoder = SSEDecoder()
        for read in reads:
            for event in decoder.feed(read):
                ...
        for event in decoder.flush():
            ...
    """

    __slots__ = (
        "_buffer",
        "_data",
        "_data_size",
        "_event",
        "_last_id",
        "_max",
        "_partial",
        "_parts",
        "_pending_cr",
        "_retry",
        "_started",
    )

    def __init__(self, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        self._buffer = b""  # the start of an unfinished line (never holds a line end)
        self._parts: list[bytes] = []  # reads that continued it, not joined yet
        self._partial = 0  # len(_buffer) + the lengths of _parts
        self._pending_cr = False
        self._started = False
        self._data: list[bytes] = []
        self._data_size = 0
        self._event = ""
        self._last_id = ""
        self._retry: int | None = None
        self._max = max_event_bytes

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode one read; return the events it completed (possibly none)."""
        return [_as_event(item) for item in self.feed_items(chunk)]

    def flush(self) -> list[ServerSentEvent]:
        """End of input: finish a last unterminated line and deliver a pending event."""
        return [_as_event(item) for item in self.flush_items()]

    def feed_items(self, chunk: bytes) -> list[bytes | ServerSentEvent]:
        """Like ``feed``, but a plain event (type ``message``, no id, no retry) comes
        back as its data bytes alone.

        This is what the stream parser uses: it saves an object per event, and
        bytes are invisible to the garbage collector, which otherwise scans
        every batch of events a large read produces.
        """
        if not chunk:
            return []
        if not self._started:
            self._started = True
            if chunk.startswith(_BOM):
                chunk = chunk[3:]
        if self._pending_cr:
            self._pending_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
                if not chunk:
                    return []
        has_cr = b"\r" in chunk
        if not has_cr and b"\n" not in chunk:
            # No line ends here: the unfinished line grows, nothing is re-scanned.
            self._parts.append(chunk)
            self._partial += len(chunk)
            if self._partial > self._max:
                raise self._too_large("line")
            return []
        if self._parts:
            self._parts.append(chunk)
            buffer = b"".join([self._buffer, *self._parts])
            self._parts = []
        else:
            buffer = self._buffer + chunk if self._buffer else chunk
        if has_cr:
            if buffer[-1:] == b"\r":
                # Held CR: it ends this line, and an LF starting the next read belongs to it.
                self._pending_cr = True
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        elif not self._data and not self._event and self._retry is None and not self._last_id:
            return self._feed_blocks(buffer)
        return self._feed_lines(buffer, [])

    def flush_items(self) -> list[bytes | ServerSentEvent]:
        """Like ``flush``, with plain events as bytes (see ``feed_items``)."""
        items: list[bytes | ServerSentEvent] = []
        if self._buffer or self._parts:
            line = b"".join([self._buffer, *self._parts])
            self._buffer, self._parts, self._partial = b"", [], 0
            self._line(line)
        item = self._dispatch()
        if item is not None:
            items.append(item)
        return items

    def _feed_lines(
        self, buffer: bytes, items: list[bytes | ServerSentEvent]
    ) -> list[bytes | ServerSentEvent]:
        """Every complete line of ``buffer``; its unfinished last line is kept."""
        lines = buffer.split(b"\n")
        tail = lines.pop()
        limit = self._max
        for line in lines:
            if line[:5] == b"data:":
                if len(line) > limit:
                    raise self._too_large("line")
                self._add_data(line[6:] if line[5:6] == b" " else line[5:])
            elif line:
                if len(line) > limit:
                    raise self._too_large("line")
                self._line(line)
            else:
                item = self._dispatch()
                if item is not None:
                    items.append(item)
        self._buffer = tail
        self._partial = len(tail)
        if self._partial > limit:
            raise self._too_large("line")
        return items

    def _feed_blocks(self, buffer: bytes) -> list[bytes | ServerSentEvent]:
        """Fast path for LF-only input with no event state in progress.

        Cuts at blank lines and takes a block that is a single ``data:`` line as
        is, and one that is an ``event:`` line and a ``data:`` line as their
        event; any other block goes through the line-by-line path, and so do
        the complete lines of the unfinished last block.
        """
        blocks = buffer.split(b"\n\n")
        tail = blocks.pop()
        items: list[bytes | ServerSentEvent] = []
        limit = self._max
        for block in blocks:
            if block[:5] == b"data:" and b"\n" not in block and not self._last_id:
                if len(block) > limit:
                    raise self._too_large("line")
                items.append(block[6:] if block[5:6] == b" " else block[5:])
                continue
            if block[:6] == b"event:" and not self._last_id:
                # ``event: name`` then one ``data:`` line (every Responses API event).
                name, _, data = block.partition(b"\n")
                if data[:5] == b"data:" and b"\n" not in data:
                    if len(name) > limit or len(data) > limit:
                        raise self._too_large("line")
                    data = data[6:] if data[5:6] == b" " else data[5:]
                    if len(data) + 1 > limit:
                        raise self._too_large("event")
                    name = name[7:] if name[6:7] == b" " else name[6:]
                    kind = name.decode("utf-8", errors="replace")
                    items.append(ServerSentEvent(data, kind) if kind else data)
                    continue
            self._feed_lines(block + b"\n", items)
            item = self._dispatch()
            if item is not None:
                items.append(item)
        return self._feed_lines(tail, items)

    def _add_data(self, value: bytes) -> None:
        self._data_size += len(value) + 1
        if self._data_size > self._max:
            raise self._too_large("event")
        self._data.append(value)

    def _line(self, line: bytes) -> None:
        """One non-blank line: a field or a comment."""
        if line[:1] == b":":
            return
        name, colon, value = line.partition(b":")
        if colon and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._add_data(value)
        elif name == b"event":
            self._event = value.decode("utf-8", errors="replace")
        elif name == b"id":
            if b"\x00" not in value:
                self._last_id = value.decode("utf-8", errors="replace")
        elif name == b"retry" and value and value.isdigit():
            self._retry = int(value)

    def _dispatch(self) -> bytes | ServerSentEvent | None:
        """A blank line: deliver the pending event (spec: none without data)."""
        data = self._data
        event, retry = self._event, self._retry
        self._event = ""
        self._retry = None
        if not data:
            return None
        self._data = []
        self._data_size = 0
        payload = data[0] if len(data) == 1 else b"\n".join(data)
        if not event and not self._last_id and retry is None:
            return payload
        return ServerSentEvent(payload, event or "message", self._last_id, retry)

    def _too_large(self, what: str) -> StreamTooLargeError:
        self._buffer, self._parts, self._partial = b"", [], 0
        self._data, self._data_size = [], 0
        return StreamTooLargeError(
            f"The stream sent a server-sent-events {what} longer than max_event_bytes="
            f"{self._max} bytes (decoded); the answer is incomplete. If the service really "
            "sends events this large, raise max_event_bytes= on the client.",
            limit=self._max,
            setting="max_event_bytes",
        )


def _as_event(item: bytes | ServerSentEvent) -> ServerSentEvent:
    return ServerSentEvent(item) if isinstance(item, bytes) else item
