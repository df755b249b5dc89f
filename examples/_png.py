"""A small PNG drawn in code, so the image step needs no file and no download."""

from __future__ import annotations

import struct
import zlib

__all__ = ["sunset_png"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = struct.pack(">I", zlib.crc32(kind + data))
    return struct.pack(">I", len(data)) + kind + data + crc


def sunset_png(width: int = 96, height: int = 64) -> bytes:
    """Return an RGB PNG of a sun over the sea: a sky gradient, a disc, blue water.

    A PNG is a signature, an ``IHDR`` header chunk, the zlib-compressed
    scanlines (each prefixed by its filter type, 0 = none) in ``IDAT``, and ``IEND``.
    """
    horizon = height * 2 // 3
    sun_x, sun_y, radius = width // 2, horizon - height // 8, height // 5
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            if (x - sun_x) ** 2 + (y - sun_y) ** 2 <= radius**2 and y < horizon:
                pixel = (255, 200, 40)
            elif y < horizon:
                shade = y * 120 // horizon
                pixel = (255, 90 + shade, 60 + shade // 2)
            else:
                pixel = (20, 60 + (y % 3) * 8, 140)
            row += bytes(pixel)
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        _SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + _chunk(b"IEND", b"")
    )
