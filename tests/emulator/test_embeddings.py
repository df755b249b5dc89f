"""Embeddings: deterministic, similarity-preserving, Cohere options enforced."""

from __future__ import annotations

import base64
import math
import struct
from collections.abc import Iterator

import httpx
import pytest

from azure_inference_emulator import Emulator

from .conftest import KEY, client_for, image_data_url


@pytest.fixture(scope="module")
def cohere() -> Iterator[httpx.Client]:
    with Emulator("Cohere-embed-v3-english", key=KEY) as emu, client_for(emu) as client:
        yield client


def embed(client: httpx.Client, texts: list[str], **options: object) -> list:
    response = client.post("/embeddings", json={"input": texts, **options})
    assert response.status_code == 200, response.text
    return [item["embedding"] for item in response.json()["data"]]


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(
        sum(x * x for x in a) * sum(y * y for y in b)
    )


def test_shape_usage_and_info(cohere: httpx.Client) -> None:
    response = cohere.post("/embeddings", json={"input": ["text one", "text two words"]})
    data = response.json()
    assert data["object"] == "list"
    assert data["model"] == "Cohere-embed-v3-english"
    assert [d["index"] for d in data["data"]] == [0, 1]
    assert all(d["object"] == "embedding" and len(d["embedding"]) == 1024 for d in data["data"])
    # Recorded on serverless embeddings: usage carries completion_tokens too.
    assert data["usage"] == {"completion_tokens": 0, "prompt_tokens": 5, "total_tokens": 5}
    assert cohere.get("/info").json()["model_type"] == "embedding"
    single = cohere.post("/embeddings", json={"input": "just a string"}).json()
    assert len(single["data"]) == 1


def test_equal_texts_equal_vectors_similar_texts_closer(cohere: httpx.Client) -> None:
    a, b, c, d = embed(
        cohere,
        [
            "the cat sat on the mat",
            "the cat sat on the mat",
            "a cat sat on a mat today",
            "quarterly revenue grew strongly",
        ],
    )
    assert a == b
    assert abs(math.sqrt(sum(x * x for x in a)) - 1) < 1e-9
    assert cosine(a, c) > 0.4
    assert abs(cosine(a, d)) < 0.1


def test_query_and_document_differ_slightly(cohere: httpx.Client) -> None:
    (query,) = embed(cohere, ["climate change effects"], input_type="query")
    (doc,) = embed(cohere, ["climate change effects"], input_type="document")
    (text,) = embed(cohere, ["climate change effects"], input_type="text")
    assert query != doc
    assert 0.9 < cosine(query, doc) < 0.9999
    assert cosine(text, query) > 0.9


def test_unsupported_options_are_422(cohere: httpx.Client) -> None:
    for options, loc in (
        ({"dimensions": 256}, "dimensions"),
        ({"input_type": "search"}, "input_type"),
        ({"encoding_format": "float16"}, "encoding_format"),
    ):
        response = cohere.post("/embeddings", json={"input": ["x"], **options})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", loc]
    assert cohere.post("/embeddings", json={"input": ["x"], "dimensions": 1024}).status_code == 200
    assert cohere.post("/embeddings", json={"input": []}).status_code == 400
    assert cohere.post("/embeddings", json={"input": [1, 2]}).status_code == 400


def test_encoding_formats_agree_with_float(cohere: httpx.Client) -> None:
    text = ["encode this sentence in many ways please"]
    (floats,) = embed(cohere, text)
    (b64,) = embed(cohere, text, encoding_format="base64")
    decoded = struct.unpack("<1024f", base64.b64decode(b64))
    assert all(abs(x - y) < 1e-6 for x, y in zip(floats, decoded, strict=True))
    (int8,) = embed(cohere, text, encoding_format="int8")
    (uint8,) = embed(cohere, text, encoding_format="uint8")
    (binary,) = embed(cohere, text, encoding_format="binary")
    (ubinary,) = embed(cohere, text, encoding_format="ubinary")
    assert all(-128 <= v <= 127 for v in int8)
    assert all(0 <= v <= 255 for v in uint8)
    top = max(range(1024), key=lambda i: abs(floats[i]))
    assert int8[top] == (127 if floats[top] > 0 else -127)
    assert len(binary) == len(ubinary) == 128
    for i in range(128):
        assert binary[i] == ubinary[i] - 128
        for bit in range(8):
            assert bool(ubinary[i] >> (7 - bit) & 1) == (floats[i * 8 + bit] > 0)


def test_openai_embeddings_dimensions_range() -> None:
    with Emulator("text-embedding-3-small") as emu, client_for(emu, key=None) as client:
        (vec,) = embed(client, ["hello"], dimensions=256)
        assert len(vec) == 256
        (default,) = embed(client, ["hello"])
        assert len(default) == 1536
        assert (
            client.post("/embeddings", json={"input": ["x"], "dimensions": 4096}).status_code == 422
        )
        assert (
            client.post("/embeddings", json={"input": ["x"], "input_type": "query"}).status_code
            == 422
        )


def test_image_embeddings(cohere: httpx.Client) -> None:
    red = image_data_url("PNG", 4, 4)
    other = image_data_url("PNG", 8, 3)
    response = cohere.post(
        "/images/embeddings",
        json={
            "input": [
                {"image": red},
                {"image": red},
                {"image": other},
                {"image": red, "text": "a red square"},
            ]
        },
    )
    assert response.status_code == 200, response.text
    vectors = [d["embedding"] for d in response.json()["data"]]
    assert vectors[0] == vectors[1]
    assert vectors[0] != vectors[2]
    assert 0 < cosine(vectors[0], vectors[3]) < 1
    bad = cohere.post("/images/embeddings", json={"input": [{"image": "https://x/y.png"}]})
    assert bad.status_code == 400
    assert "data URL" in bad.json()["error"]["message"]
