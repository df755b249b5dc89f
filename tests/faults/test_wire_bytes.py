"""Byte-level stream decoding through a real socket: split UTF-8, CRLF, keep-alive comments.

The emulator writes whole events, so these streams come from ``RawServer``,
which sends each piece as its own HTTP chunk: the client reads exactly
these pieces, with multi-byte characters and ``\\r\\n`` pairs cut in half.
Every client must hand back exactly the text that was sent.
"""

from __future__ import annotations

import pytest

from ._raw import Act, RawServer, chunk
from ._support import Target

# Two- to four-byte characters (the last word lies outside the BMP).
WORDS = ["Grüße", " 你好世界", " мир", " 🌍🚀", " café", " ✓", " \U0001d518\U0001d52b\U0001d526"]
EXPECTED = "".join(WORDS)


def sse_body(eol: str = "\r\n") -> bytes:
    """A stream with CRLF endings, comments, id/retry fields and a two-line data event."""
    events: list[str] = [f": keep-alive{eol}{eol}", f"retry: 1000{eol}"]
    events.append(f"id: 0{eol}data: {chunk('', role=True)}{eol}{eol}")
    for i, word in enumerate(WORDS):
        data = chunk(word)
        if i == 2:
            # One event spread over two data lines (joined with "\n": still valid JSON).
            head, sep, tail = data.partition(',"object"')
            events.append(f"data: {head},{eol}data: {sep[1:]}{tail}{eol}{eol}")
        else:
            events.append(f"event: message{eol}id: {i + 1}{eol}data: {data}{eol}{eol}")
        events.append(f":{eol}")  # an empty comment line inside the stream
    events.append(f"data: {chunk('', finish='stop')}{eol}{eol}")
    events.append(f": trailing keep-alive{eol}{eol}data: [DONE]{eol}{eol}")
    return "".join(events).encode("utf-8")


def split_every(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def cuts_inside_characters(pieces: list[bytes]) -> int:
    """How many piece boundaries fall inside a multi-byte UTF-8 character."""
    return sum(1 for p in pieces[1:] if p and (p[0] & 0xC0) == 0x80)


@pytest.mark.parametrize("size", [1, 3, 7])
async def test_split_utf8_crlf_and_comments_decode_exactly(
    target: Target, raw: RawServer, size: int
) -> None:
    pieces = split_every(sse_body(), size)
    assert cuts_inside_characters(pieces) > 0
    raw.push(Act.pieces_of(pieces, pause=0))
    text = await target.run(raw.url, "hi", streamed=True, max_retries=0)
    assert text == EXPECTED
    assert raw.hits == 1


@pytest.mark.parametrize("eol", ["\n", "\r"], ids=["lf", "cr"])
async def test_other_line_endings_decode_exactly(target: Target, raw: RawServer, eol: str) -> None:
    pieces = split_every(sse_body(eol), 5)
    raw.push(Act.pieces_of(pieces, pause=0))
    assert await target.run(raw.url, "hi", streamed=True, max_retries=0) == EXPECTED


async def test_crlf_pair_cut_between_reads(target: Target, raw: RawServer) -> None:
    """Every ``\\r\\n`` arrives as ``...\\r`` then ``\\n...``: one line end, not two."""
    body = sse_body()
    pieces: list[bytes] = []
    start = 0
    for i in range(len(body) - 1):
        if body[i : i + 2] == b"\r\n":
            pieces.append(body[start : i + 1])
            start = i + 1
    pieces.append(body[start:])
    raw.push(Act.pieces_of(pieces, pause=0))
    assert await target.run(raw.url, "hi", streamed=True, max_retries=0) == EXPECTED
