"""Embedding vectors out of an ``EmbeddingsResult``, written once for both adapters."""

from __future__ import annotations

import base64
import binascii
import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._wire import EmbeddingsResult

__all__ = ["vectors_from"]


def _decode(encoded: str, position: int) -> list[float]:
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raw = None
    if raw is None or len(raw) % 4:
        raise ValueError(
            f"The service returned embedding {position} as a string that is not base64 "
            "float32 data; it cannot be turned into a vector of floats."
        )
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def vectors_from(result: EmbeddingsResult, expected: int) -> list[list[float]]:
    """One list of floats per input, in input order.

    Items are ordered by their ``index``; a base64 embedding (``encoding_format``
    ``base64``: little-endian float32) is decoded, so a service that answers in
    base64 still gives floats.

    Raises:
        ValueError: the count differs from ``expected``, or an embedding is neither
            numbers nor base64 float32.
    """
    items = sorted(result.data, key=lambda item: item.index)
    if len(items) != expected:
        raise ValueError(f"The service returned {len(items)} embeddings for {expected} inputs.")
    vectors: list[list[float]] = []
    for position, item in enumerate(items):
        embedding = item.embedding
        if isinstance(embedding, str):
            vectors.append(_decode(embedding, position))
        else:
            vectors.append([float(x) for x in embedding])
    return vectors
