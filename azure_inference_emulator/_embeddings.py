"""Deterministic embeddings and the ``/embeddings`` answers.

Vectors are bag-of-words hashes: every word adds +-1 to a hashed dimension,
then the vector is normalised. Equal texts give equal vectors and texts
sharing words have a higher cosine similarity. ``input_type`` ``query`` and
``document`` mix in a small type-specific component, so they differ a little
as Cohere's do.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import struct
from collections.abc import Mapping, Sequence
from typing import Any

from ._errors import bad_request, parameter_not_supported
from ._media import decode_image_bytes
from ._profiles import ModelProfile
from ._text import count_tokens

__all__ = ["embed_images", "embed_texts", "text_vector"]

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_TYPE_WEIGHT = 0.15


def _add_hashed(vec: list[float], token: str, weight: float) -> None:
    digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    index = value % len(vec)
    vec[index] += weight if (value >> 63) & 1 else -weight


def _normalise(vec: list[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in vec))
    if norm == 0:
        vec[0] = 1.0
        return vec
    return [v / norm for v in vec]


def text_vector(text: str, dimensions: int, input_type: str | None) -> list[float]:
    """The unit vector for ``text``.

    Args:
        text: any text; words are compared case-insensitively.
        dimensions: vector length.
        input_type: ``query`` / ``document`` shift the vector slightly.

    Returns:
        A list of ``dimensions`` floats with norm 1.
    """
    vec = [0.0] * dimensions
    words = [w.lower() for w in _WORD.findall(text)] or [text]
    for word in words:
        _add_hashed(vec, word, 1.0)
    if input_type in ("query", "document"):
        strength = _TYPE_WEIGHT * math.sqrt(len(words))
        for i in range(4):
            _add_hashed(vec, f"\x00input_type:{input_type}:{i}", strength / 2)
    return _normalise(vec)


def _image_vector(data: bytes, text: str | None, dimensions: int) -> list[float]:
    vec = [0.0] * dimensions
    for start in range(0, max(len(data), 1), 64):
        _add_hashed(vec, "img:" + data[start : start + 64].hex(), 1.0)
    if text:
        words = _normalise(text_vector(text, dimensions, None))
        scale = math.sqrt(sum(v * v for v in vec)) or 1.0
        vec = [a + b * scale for a, b in zip(vec, words, strict=True)]
    return _normalise(vec)


def _encode(vec: list[float], fmt: str) -> Any:
    if fmt == "float":
        return vec
    if fmt == "base64":
        return base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode("ascii")
    scale = max(abs(v) for v in vec) or 1.0
    if fmt == "int8":
        return [max(-128, min(127, round(v / scale * 127))) for v in vec]
    if fmt == "uint8":
        return [max(0, min(255, round((v / scale + 1) * 127.5))) for v in vec]
    packed: list[int] = []
    for start in range(0, len(vec), 8):
        byte = 0
        for bit, v in enumerate(vec[start : start + 8]):
            if v > 0:
                byte |= 1 << (7 - bit)
        packed.append(byte - 128 if fmt == "binary" else byte)
    return packed


def _options(body: Mapping[str, Any], profile: ModelProfile) -> tuple[int, str, str | None]:
    dims = body.get("dimensions")
    if dims is None:
        dims = profile.default_dimensions
    elif not isinstance(dims, int) or isinstance(dims, bool):
        raise bad_request("dimensions must be an integer.", param="dimensions")
    elif profile.embedding_dimensions:
        if dims not in profile.embedding_dimensions:
            raise parameter_not_supported(["dimensions"], dims)
    elif not 1 <= dims <= profile.default_dimensions:
        raise parameter_not_supported(["dimensions"], dims)
    fmt = body.get("encoding_format")
    if fmt is None:
        fmt = "float"
    elif fmt not in profile.encoding_formats:
        raise parameter_not_supported(["encoding_format"], fmt)
    if fmt in ("binary", "ubinary") and dims % 8:
        raise bad_request("binary encodings need dimensions divisible by 8.", param="dimensions")
    input_type = body.get("input_type")
    if input_type is not None and input_type not in profile.embedding_input_types:
        raise parameter_not_supported(["input_type"], input_type)
    return dims, str(fmt), input_type


def _result(
    profile: ModelProfile, vectors: list[list[float]], fmt: str, tokens: int, request_id: str
) -> dict[str, Any]:
    return {
        "id": request_id,
        "object": "list",
        "model": profile.name,
        "data": [
            {"index": i, "object": "embedding", "embedding": _encode(v, fmt)}
            for i, v in enumerate(vectors)
        ],
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def embed_texts(body: Mapping[str, Any], profile: ModelProfile, request_id: str) -> dict[str, Any]:
    """Answer a ``/embeddings`` request body.

    Raises:
        ServiceError: 400 for a malformed ``input``, 422 for unsupported options.
    """
    raw = body.get("input")
    texts: Sequence[Any] = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    if not texts or not all(isinstance(t, str) for t in texts):
        raise bad_request("input must be a string or a non-empty list of strings.", param="input")
    dims, fmt, input_type = _options(body, profile)
    for i, text in enumerate(texts):
        if count_tokens(text) > profile.context_window:
            raise bad_request(
                f"input[{i}] has {count_tokens(text)} tokens; {profile.name} accepts at most "
                f"{profile.context_window}. Split the text into smaller pieces.",
                param="input",
            )
    vectors = [text_vector(t, dims, input_type) for t in texts]
    tokens = sum(max(1, count_tokens(t)) for t in texts)
    return _result(profile, vectors, fmt, tokens, request_id)


def embed_images(body: Mapping[str, Any], profile: ModelProfile, request_id: str) -> dict[str, Any]:
    """Answer an ``/images/embeddings`` request body.

    Raises:
        ServiceError: 400 for malformed input, 422 for unsupported options.
    """
    items = body.get("input")
    if not isinstance(items, list) or not items:
        raise bad_request(
            "input must be a non-empty list of {'image': data URL, 'text': optional}.",
            param="input",
        )
    dims, fmt, _ = _options(body, profile)
    vectors: list[list[float]] = []
    tokens = 0
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or not isinstance(item.get("image"), str):
            raise bad_request(f"input[{i}] needs an 'image' data URL.", param="input")
        data = decode_image_bytes(item["image"], f"input[{i}].image")
        text = item.get("text")
        if text is not None and not isinstance(text, str):
            raise bad_request(f"input[{i}].text must be a string.", param="input")
        vectors.append(_image_vector(data, text, dims))
        tokens += 1000 + (count_tokens(text) if text else 0)
    return _result(profile, vectors, fmt, tokens, request_id)
