"""Read image and audio inputs far enough to describe them.

Images arrive as data URLs (``data:image/png;base64,...``) or http(s) URLs.
The emulator decodes data URLs and reads the format and pixel size from the
file header (PNG, JPEG, GIF, WEBP); it never fetches a remote URL.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass

from ._errors import bad_request

__all__ = ["AudioInfo", "ImageInfo", "describe_audio", "describe_image", "decode_image_bytes"]

_DATA_URL = re.compile(r"^data:([\w/+.-]*)((?:;[\w=.-]+)*?)(;base64)?,(.*)$", re.DOTALL)


@dataclass(frozen=True)
class ImageInfo:
    """What the emulator could tell about one image."""

    format: str | None
    width: int | None
    height: int | None
    url: str | None = None
    data: bytes = b""

    def describe(self) -> str:
        """A short phrase: ``PNG 2x3 pixels`` or ``not fetched: https://...``."""
        if self.url is not None:
            return f"a remote image at {self.url} (not fetched)"
        return f"{self.format} {self.width}x{self.height} pixels"


def _size(data: bytes) -> tuple[str, int, int] | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "PNG", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "GIF", width, height
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    return None


def _jpeg(data: bytes) -> tuple[str, int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return "JPEG", width, height
        i += 2 + length
    return None


def _webp(data: bytes) -> tuple[str, int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return "WEBP", width, height
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return "WEBP", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return "WEBP", width & 0x3FFF, height & 0x3FFF
    return None


def decode_image_bytes(url: str, where: str) -> bytes:
    """The bytes of a base64 data URL.

    Raises:
        ServiceError: 400 when the URL is not a base64 data URL or does not decode.
    """
    match = _DATA_URL.match(url)
    if match is None or match.group(3) is None:
        raise bad_request(
            f"{where}: expected a base64 data URL such as 'data:image/png;base64,...'.",
            code="invalid_image_url",
        )
    try:
        return base64.b64decode(match.group(4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise bad_request(
            f"{where}: the data URL's base64 payload does not decode ({exc}).",
            code="invalid_image_url",
        ) from None


def describe_image(url: str, where: str) -> ImageInfo:
    """Decode a data URL's header, or note a remote URL without fetching it.

    Raises:
        ServiceError: 400 for a malformed data URL or an unrecognised image format.
    """
    if url.startswith(("http://", "https://")):
        return ImageInfo(None, None, None, url=url)
    data = decode_image_bytes(url, where)
    found = _size(data)
    if found is None:
        raise bad_request(
            f"{where}: the image is not a PNG, JPEG, GIF or WEBP file the model can read.",
            code="invalid_image",
        )
    return ImageInfo(found[0], found[1], found[2], data=data)


@dataclass(frozen=True)
class AudioInfo:
    """What the emulator could tell about one audio clip."""

    format: str
    size: int
    seconds: float | None
    url: str | None = None

    def describe(self) -> str:
        """A short phrase: ``wav audio, 1.50 s``."""
        if self.url is not None:
            return f"{self.format} audio at {self.url} (not fetched)"
        if self.seconds is not None:
            return f"{self.format} audio, {self.seconds:.2f} s"
        return f"{self.format} audio, {self.size} bytes"


def describe_audio(data_b64: str, fmt: str, where: str) -> AudioInfo:
    """Decode base64 audio; read a WAV header's duration.

    Raises:
        ServiceError: 400 when the data is not base64.
    """
    try:
        data = base64.b64decode(data_b64, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(f"{where}: input_audio.data is not valid base64.") from None
    seconds: float | None = None
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE" and len(data) >= 44:
        byte_rate = struct.unpack("<I", data[28:32])[0]
        if byte_rate:
            seconds = (len(data) - 44) / byte_rate
    return AudioInfo(fmt, len(data), seconds)
