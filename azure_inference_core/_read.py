"""Reading an answer within bounds: size as it is decoded (time: see ``_guard``).

Bodies are read raw (``iter_raw``) and decoded here, never by httpx: each
decode step yields at most about ``STEP`` bytes (8 MiB for zstd), so a
compression bomb is stopped as soon as the decoded size passes the limit, in
bounded memory. Only the codings decoded here are advertised in
``Accept-Encoding`` (brotli is not, even when a brotli package is installed).

``CURRENT_DEADLINE`` carries the deadline of the call being sent to the
network streams of ``_guard``.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar

from ._deadline import Deadline
from ._errors import ConfigurationError
from ._no_httpx_cli import httpx
from ._sse import DEFAULT_MAX_EVENT_BYTES

try:  # optional, as in httpx: advertised only when installed
    import zstandard
except ImportError:  # pragma: no cover - depends on the environment
    zstandard = None  # type: ignore[assignment]

__all__ = [
    "ACCEPT_ENCODING",
    "CURRENT_DEADLINE",
    "DEFAULT_MAX_ERROR_BYTES",
    "DEFAULT_MAX_EVENT_BYTES",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "BodyReader",
    "DecodeFailure",
    "araw_reads",
    "aread_body",
    "raw_reads",
    "check_size",
    "decode_stream",
    "read_body",
]

#: Largest decoded JSON answer (chat completion, embeddings, /info) accepted.
DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024
#: Largest decoded error body read; the rest is not read (the connection is dropped).
DEFAULT_MAX_ERROR_BYTES = 1024 * 1024

#: Most bytes one decompression step produces (zlib's ``max_length``).
STEP = 64 * 1024
#: zstd input is fed this many bytes at a time: an RLE block of 4 bytes can
#: expand to 128 KiB, so one step makes at most 8 MiB.
_ZSTD_SLICE = 256

ACCEPT_ENCODING = "gzip, deflate, zstd" if zstandard is not None else "gzip, deflate"

#: The deadline of the call being sent in this context (None: no total_timeout).
CURRENT_DEADLINE: ContextVar[Deadline | None] = ContextVar("azure_inference_deadline", default=None)


def check_size(value: int, name: str) -> int:
    """Validate a size limit setting (bytes, an int >= 1).

    Raises:
        TypeError: not an int.
        ConfigurationError: zero or negative (a ``ValueError``).
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a number of bytes (an int >= 1), got {value!r}.")
    if value < 1:
        raise ConfigurationError(f"{name} must be at least 1 byte, got {value!r}.")
    return value


# -- size --------------------------------------------------------------------


class DecodeFailure(Exception):
    """The body's content-encoding is unknown, or its compressed data is corrupt."""


class _Zlib:
    __slots__ = ("_d", "_deflate", "_started")

    def __init__(self, deflate: bool) -> None:
        self._deflate = deflate
        self._started = False
        self._d = zlib.decompressobj(zlib.MAX_WBITS if deflate else zlib.MAX_WBITS | 16)

    def decode(self, data: bytes) -> Iterator[bytes]:
        if self._deflate and not self._started:
            self._started = True
            try:  # "deflate" is zlib-wrapped by the spec, often raw in practice (as in httpx)
                zlib.decompressobj().decompress(data[:1024], STEP)
            except zlib.error:
                self._d = zlib.decompressobj(-zlib.MAX_WBITS)
        d = self._d
        while data:
            try:
                out = d.decompress(data, STEP)
            except zlib.error as exc:
                raise DecodeFailure(f"corrupt compressed data ({exc})") from None
            data = d.unconsumed_tail
            if out:
                yield out
            if d.eof:
                return

    def flush(self) -> Iterator[bytes]:
        d = self._d
        while not d.eof:
            try:
                out = d.decompress(b"", STEP)
            except zlib.error as exc:  # pragma: no cover - zlib reports truncation by eof
                raise DecodeFailure(f"corrupt compressed data ({exc})") from None
            if not out:
                return
            yield out


class _Zstd:
    __slots__ = ("_d",)

    def __init__(self) -> None:
        assert zstandard is not None
        self._d = zstandard.ZstdDecompressor().decompressobj()

    def decode(self, data: bytes) -> Iterator[bytes]:
        assert zstandard is not None
        parts: list[bytes] = []
        size = 0
        for start in range(0, len(data), _ZSTD_SLICE):
            piece = data[start : start + _ZSTD_SLICE]
            while piece:
                try:
                    out = self._d.decompress(piece)
                except zstandard.ZstdError as exc:
                    raise DecodeFailure(f"corrupt compressed data ({exc})") from None
                piece = b""
                if self._d.eof:  # another frame may follow
                    piece = self._d.unused_data
                    self._d = zstandard.ZstdDecompressor().decompressobj()
                if out:
                    parts.append(out)
                    size += len(out)
                    if size >= STEP:
                        yield b"".join(parts)
                        parts, size = [], 0
        if parts:
            yield b"".join(parts)

    def flush(self) -> Iterator[bytes]:
        return iter(())


_Decoder = _Zlib | _Zstd


def _decoder(headers: httpx.Headers) -> _Decoder | None:
    """The decoder for a response's ``Content-Encoding`` (None: identity)."""
    value = headers.get("content-encoding")
    if not value:
        return None
    codings = [c.strip().lower() for c in value.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return None
    if len(codings) > 1:
        raise DecodeFailure(f"content-encoding {value!r} stacks codings, which was not asked for")
    coding = codings[0]
    if coding in ("gzip", "x-gzip"):
        return _Zlib(deflate=False)
    if coding == "deflate":
        return _Zlib(deflate=True)
    if coding == "zstd" and zstandard is not None:
        return _Zstd()
    raise DecodeFailure(
        f"content-encoding {coding!r} was not asked for (Accept-Encoding: {ACCEPT_ENCODING})"
    )


class BodyReader:
    """Decodes raw body reads step by step, keeping at most ``limit`` decoded bytes.

    ``add`` returns False as soon as the decoded size passes the limit; the
    caller then stops reading (and drops the connection).
    """

    __slots__ = ("_decoder", "_parts", "limit", "size")

    def __init__(self, headers: httpx.Headers, limit: int) -> None:
        self._decoder = _decoder(headers)
        self._parts: list[bytes] = []
        self.limit = limit
        self.size = 0

    @property
    def decoding(self) -> bool:
        return self._decoder is not None

    def add(self, raw: bytes) -> bool:
        decoder = self._decoder
        if decoder is None:
            return self._keep(raw)
        return all(self._keep(piece) for piece in decoder.decode(raw))

    def finish(self) -> bool:
        decoder = self._decoder
        if decoder is not None:
            for piece in decoder.flush():
                if not self._keep(piece):
                    return False
        return True

    def _keep(self, piece: bytes) -> bool:
        self.size += len(piece)
        if self.size > self.limit:
            room = self.limit - (self.size - len(piece))
            if room > 0:
                self._parts.append(piece[:room])
            return False
        self._parts.append(piece)
        return True

    def body(self) -> bytes:
        parts = self._parts
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def head(self, size: int = 65536) -> bytes:
        """The first ``size`` bytes kept (for an excerpt of a body over the limit)."""
        out = bytearray()
        for part in self._parts:
            out += part[: size - len(out)]
            if len(out) >= size:
                break
        return bytes(out)


def decode_stream(headers: httpx.Headers) -> _Decoder | None:
    """The decoder for a streamed body (None when it is not encoded)."""
    return _decoder(headers)


def raw_reads(response: httpx.Response) -> Iterator[bytes]:
    """The body's reads as they arrive, not decoded (the whole body if already read)."""
    if response.is_stream_consumed:
        return iter((response.content,))
    return response.iter_raw()


def araw_reads(response: httpx.Response) -> AsyncIterator[bytes]:
    """The async twin of ``raw_reads``."""
    if response.is_stream_consumed:
        return _one(response.content)
    return response.aiter_raw()


async def _one(content: bytes) -> AsyncIterator[bytes]:
    yield content


def _already_read(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    content = response.content  # decoded by httpx when it was read
    return content[:limit], len(content) <= limit


def read_body(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """Read, decode and close a body.

    Returns:
        The decoded body (when longer than ``limit``, its first 64 KiB), and whether it fit.
    """
    if response.is_stream_consumed:  # read already (a mock transport, a caller's hook)
        return _already_read(response, limit)
    try:
        reader = BodyReader(response.headers, limit)
        for raw in response.iter_raw():
            if not reader.add(raw):
                return reader.head(), False
        fits = reader.finish()
        return reader.body(), fits
    finally:
        response.close()


async def aread_body(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """The async twin of ``read_body``."""
    if response.is_stream_consumed:
        return _already_read(response, limit)
    try:
        reader = BodyReader(response.headers, limit)
        async for raw in response.aiter_raw():
            if not reader.add(raw):
                return reader.head(), False
        fits = reader.finish()
        return reader.body(), fits
    finally:
        await response.aclose()
