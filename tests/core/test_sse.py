"""The pure SSE decoder: spec examples, awkward splits, and property tests."""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azure_inference_core import ServerSentEvent, SSEDecoder, StreamTooLargeError


def decode(*reads: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for read in reads:
        events.extend(decoder.feed(read))
    events.extend(decoder.flush())
    return events


def datas(events: list[ServerSentEvent]) -> list[str]:
    return [event.data for event in events]


def test_basic_and_done() -> None:
    events = decode(b'data: {"a":1}\n\ndata: [DONE]\n\n')
    assert datas(events) == ['{"a":1}', "[DONE]"]
    assert events[0].event == "message"
    assert isinstance(events[0].data_bytes, bytes)


def test_line_endings_crlf_cr_lf() -> None:
    for sep in (b"\n", b"\r\n", b"\r"):
        assert datas(decode(b"data: x" + sep + sep + b"data: y" + sep + sep)) == ["x", "y"]


def test_cr_at_end_of_read_is_held() -> None:
    # CR ends one read and LF starts the next: one line end, not two (a blank line
    # here would dispatch "a" on its own).
    assert datas(decode(b"data: a\r", b"\ndata: b\r\n\r\n")) == ["a\nb"]
    assert datas(decode(b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n")) == ["a", "b"]
    # A lone CR followed by a read that does not start with LF still ends the line.
    assert datas(decode(b"data: a\r", b"\r")) == ["a"]


def test_comments_fields_and_multiline_data() -> None:
    stream = (
        b": keep-alive\n"
        b"event: delta\n"
        b"id: 7\n"
        b"retry: 1500\n"
        b"data: first\n"
        b"data:second\n"
        b"data\n"
        b"\n"
        b"data: next\n\n"
    )
    first, second = decode(stream)
    assert first.event == "delta"
    assert first.id == "7"
    assert first.retry == 1500
    assert first.data == "first\nsecond\n"
    assert second.event == "message"
    assert second.id == "7"  # the last event id persists
    assert second.retry is None


def test_spec_examples() -> None:
    # From the WHATWG spec, 9.2.6: a blank-data event and unknown fields.
    assert datas(decode(b"data\n\ndata\ndata\n\ndata:\n")) == ["", "\n", ""]
    assert datas(decode(b"data:test\n\ndata: test\n\n")) == ["test", "test"]
    assert decode(b"event: only-type\n\n") == []  # no data: nothing dispatched
    assert decode(b"foo: bar\nretry: abc\nid: a\x00b\n\n") == []


def test_event_type_resets_after_dispatch() -> None:
    events = decode(b"event: error\ndata: x\n\ndata: y\n\n")
    assert [e.event for e in events] == ["error", "message"]


def test_bom_is_stripped() -> None:
    assert datas(decode(b"\xef\xbb\xbfdata: x\n\n")) == ["x"]


def test_multibyte_split_across_reads() -> None:
    text = "你好, мир, ä 🎉".encode()
    payload = b"data: " + text + b"\n\n"
    for cut in range(1, len(payload)):
        assert datas(decode(payload[:cut], payload[cut:])) == ["你好, мир, ä 🎉"]


def test_unterminated_last_event_delivered_on_flush() -> None:
    assert datas(decode(b"data: [DONE]")) == ["[DONE]"]
    assert datas(decode(b"data: [DONE]\n")) == ["[DONE]"]


def test_empty_reads_change_nothing() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"") == []
    assert datas(decoder.feed(b"\n\n")) == ["a"]


# -- properties ----------------------------------------------------------------

_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=20
)
_line_end = st.sampled_from([b"\n", b"\r\n", b"\r"])


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    """Events with mixed line endings, comments, multi-line and multi-byte data."""
    expected: list[str] = []
    out = b""
    previous = b""

    def end() -> bytes:
        nonlocal previous
        # After a bare CR, an LF would merge with it into one CRLF line end.
        choice = draw(_line_end)
        if previous == b"\r" and choice == b"\n":
            choice = b"\r\n"
        previous = choice
        return choice

    for _ in range(draw(st.integers(1, 6))):
        lines = draw(st.lists(_text, min_size=1, max_size=3))
        if draw(st.booleans()):
            out += b":" + draw(_text).encode()
            out += end()
        for line in lines:
            out += b"data: " + line.encode()
            out += end()
        out += end()
        expected.append("\n".join(lines))
    return out, expected


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


@settings(max_examples=300, deadline=None)
@given(streams(), st.lists(st.integers(0, 10_000), max_size=12))
def test_random_splits_give_the_expected_events(
    stream: tuple[bytes, list[str]], cuts: list[int]
) -> None:
    data, expected = stream
    assert datas(decode(data)) == expected
    assert datas(decode(*split_at(data, cuts))) == expected


@settings(max_examples=100, deadline=None)
@given(streams())
def test_every_byte_split(stream: tuple[bytes, list[str]]) -> None:
    data, expected = stream
    whole = datas(decode(data))
    assert whole == expected
    assert datas(decode(*[data[i : i + 1] for i in range(len(data))])) == whole
    for cut in range(len(data) + 1):
        assert datas(decode(data[:cut], data[cut:])) == whole


# -- the stream state machine on top of the decoder ----------------------------

_CHUNK_TEXTS = st.lists(st.text(max_size=8), min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(_CHUNK_TEXTS, st.sampled_from([b"\n", b"\r\n", b"\r"]), st.lists(st.integers(0, 5000)))
def test_stream_state_any_split_same_chunks(texts: list[str], sep: bytes, cuts: list[int]) -> None:
    import json

    from azure_inference_core._stream import _StreamState

    body = b"".join(
        b"data: "
        + json.dumps({"id": "x", "choices": [{"index": 0, "delta": {"content": t}}]}).encode()
        + sep
        + b": ping"
        + sep
        + sep
        for t in texts
    )
    body += b"data: [DONE]" + sep + sep
    state = _StreamState(None, accumulate=True)
    out = []
    for piece in split_at(body, cuts):
        out.extend(state.feed(piece))
    out.extend(state.finish())
    assert [c.choices[0].delta.content for c in out] == texts
    assert state.completion().choices[0].message.content == "".join(texts)


# -- linear time and the size limit (issue 18) ---------------------------------


def _cost(reads: list[bytes], tail: bytes) -> float:
    """Best of three: CPU seconds to decode ``reads`` then ``tail`` (which ends the event)."""
    best = float("inf")
    for _ in range(3):
        decoder = SSEDecoder(max_event_bytes=64 << 20)
        started = time.process_time()
        for read in reads:
            decoder.feed_items(read)
        events = decoder.feed_items(tail)
        best = min(best, time.process_time() - started)
        assert len(events) == 1
    return best


@settings(max_examples=6, deadline=None)
@given(
    st.sampled_from([1024, 4096, 65536]),
    st.sampled_from(["one line", "many lines"]),
)
def test_decoding_is_linear_however_the_bytes_are_split(read_size: int, shape: str) -> None:
    """An 8 MB event fed in many reads costs about what it costs in one read (the old
    decoder re-joined its buffer on every read: quadratic, 28 s for 40 MB)."""
    if shape == "one line":
        data = b"data: " + b"x" * (8 << 20)
    else:  # one event of 100-byte data lines
        data = (b"data: " + b"y" * 94 + b"\n") * (80_000) + b"data: end"
    split = [data[i : i + read_size] for i in range(0, len(data), read_size)]
    whole = _cost([data], b"\n\n")
    pieces = _cost(split, b"\n\n")
    assert pieces < 10 * whole + 0.05, (pieces, whole)


def test_a_line_over_max_event_bytes_stops_before_the_rest_is_read() -> None:
    decoder = SSEDecoder(max_event_bytes=1 << 20)
    decoder.feed(b"data: ")
    fed: list[int] = []

    def feed_64_mb() -> None:
        for _ in range(1000):
            decoder.feed(b"z" * 65536)
            fed.append(1)

    with pytest.raises(StreamTooLargeError) as caught:
        feed_64_mb()
    assert len(fed) == 15  # the 16th read took the line past 1 MiB
    assert caught.value.limit == 1 << 20
    assert "max_event_bytes" in str(caught.value)


def test_an_event_over_max_event_bytes_raises() -> None:
    decoder = SSEDecoder(max_event_bytes=10_000)
    lines = (b"data: " + b"q" * 100 + b"\n") * 1000
    with pytest.raises(StreamTooLargeError, match="event"):
        decoder.feed(lines)


def test_events_up_to_the_limit_pass() -> None:
    decoder = SSEDecoder(max_event_bytes=1000)
    line = b"data: " + b"a" * 994
    assert datas(decoder.feed(line[:500]) + decoder.feed(line[500:] + b"\n\n")) == ["a" * 994]
