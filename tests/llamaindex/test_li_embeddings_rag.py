"""`AzureInferenceEmbedding` on the emulator, and a RAG pipeline with both classes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from _li_support import KEY, jpeg_bytes, png_bytes
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.base.embeddings.base import similarity

from azure_inference_emulator import Emulator
from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding

MODEL = "Cohere-embed-v3-english"


@pytest.fixture
def embed(emu: Emulator) -> Iterator[AzureInferenceEmbedding]:
    with AzureInferenceEmbedding(
        endpoint=emu.foundry_endpoint, credential=KEY, model=MODEL, embed_batch_size=2
    ) as model:
        yield model


@pytest.fixture
async def aembed(emu: Emulator) -> AsyncIterator[AzureInferenceEmbedding]:
    async with AzureInferenceEmbedding(
        endpoint=emu.foundry_endpoint, credential=KEY, model=MODEL, embed_batch_size=2
    ) as model:
        yield model


def sent(emu: Emulator, before: int) -> list[dict[str, Any]]:
    return [r.body for r in emu.requests[before:]]


def test_defaults_follow_the_model(emu: Emulator) -> None:
    cohere = AzureInferenceEmbedding(endpoint=emu.endpoint, model=MODEL)
    assert (cohere.model_name, cohere.query_input_type, cohere.document_input_type) == (
        MODEL,
        "query",
        "document",
    )
    openai = AzureInferenceEmbedding(endpoint=emu.endpoint, model="text-embedding-3-small")
    assert (openai.query_input_type, openai.document_input_type) == (None, None)
    chosen = AzureInferenceEmbedding(
        endpoint=emu.endpoint, model=MODEL, query_input_type=None, model_name="mine"
    )
    assert (chosen.query_input_type, chosen.model_name) == (None, "mine")


def test_key_not_in_repr_or_dump(emu: Emulator) -> None:
    model = AzureInferenceEmbedding(endpoint=emu.endpoint, credential="embed-secret-77")
    for text in (repr(model), str(model), model.to_json(), json.dumps(model.to_dict())):
        assert "embed-secret-77" not in text


def test_query_and_document_input_types(embed: AzureInferenceEmbedding, emu: Emulator) -> None:
    before = len(emu.requests)
    q = embed.get_query_embedding("rivers of Europe")
    d = embed.get_text_embedding("rivers of Europe")
    bodies = sent(emu, before)
    assert [b["input_type"] for b in bodies] == ["query", "document"]
    assert all(b["model"] == MODEL for b in bodies)
    assert len(q) == len(d) == 1024
    assert q != d  # the model embeds queries and documents differently
    assert similarity(q, d) > 0.9


def test_batches_are_one_request_each(embed: AzureInferenceEmbedding, emu: Emulator) -> None:
    texts = [f"text number {i}" for i in range(5)]
    before = len(emu.requests)
    vectors = embed.get_text_embedding_batch(texts)
    assert [len(b["input"]) for b in sent(emu, before)] == [2, 2, 1]
    assert len(vectors) == 5
    assert vectors[3] == embed.get_text_embedding("text number 3")


async def test_async_twins(aembed: AzureInferenceEmbedding, emu: Emulator) -> None:
    before = len(emu.requests)
    q = await aembed.aget_query_embedding("hello")
    vectors = await aembed.aget_text_embedding_batch(["a b", "c d", "e f"])
    bodies = sent(emu, before)
    assert [b["input_type"] for b in bodies] == ["query", "document", "document"]
    assert len(vectors) == 3
    assert len(q) == 1024


def test_dimensions_and_no_input_type(emu: Emulator) -> None:
    with AzureInferenceEmbedding(
        endpoint=emu.foundry_endpoint,
        credential=KEY,
        model="text-embedding-3-small",
        dimensions=256,
    ) as model:
        before = len(emu.requests)
        vector = model.get_query_embedding("hello")
        [body] = sent(emu, before)
    assert len(vector) == 256
    assert body["dimensions"] == 256
    assert "input_type" not in body


def test_image_embeddings_path_and_bytes(
    embed: AzureInferenceEmbedding, emu: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(png_bytes(4, 4))
    before = len(emu.requests)
    vectors = embed.get_image_embedding_batch([str(path), BytesIO(jpeg_bytes()), str(path)])
    requests = emu.requests[before:]
    assert [r.path for r in requests] == ["/models/images/embeddings"] * 2
    first = requests[0].body["input"]
    assert first[0]["image"].startswith("data:image/png;base64,")
    assert first[1]["image"].startswith("data:image/jpeg;base64,")
    assert vectors[0] == vectors[2] != vectors[1]


def test_image_by_web_url_is_refused(embed: AzureInferenceEmbedding) -> None:
    with pytest.raises(ValueError, match="inline"):
        embed.get_image_embedding("https://example.com/cat.png")


DOCS = [
    "The Danube flows through ten countries and ends in the Black Sea.",
    "Sourdough bread rises thanks to wild yeast and lactic acid bacteria.",
    "Jupiter is the largest planet of the solar system, with at least 95 moons.",
]


def test_rag_pipeline_cites_the_retrieved_text(
    embed: AzureInferenceEmbedding, emu: Emulator
) -> None:
    index = VectorStoreIndex.from_documents([Document(text=t) for t in DOCS], embed_model=embed)
    with AzureInference(
        endpoint=emu.foundry_endpoint, credential=KEY, model="Mistral-Large", temperature=0
    ) as llm:
        engine = index.as_query_engine(llm=llm, similarity_top_k=1)
        before = len(emu.requests)
        response = engine.query("How many moons does Jupiter have?")
    top = response.source_nodes[0]
    assert "Jupiter" in top.node.get_content()
    assert DOCS[2] in str(response)  # the answer quotes the retrieved passage
    bodies = sent(emu, before)
    assert bodies[0]["input_type"] == "query"
    assert DOCS[2] in json.dumps(bodies[-1]["messages"], ensure_ascii=False)
    assert DOCS[0] not in json.dumps(bodies[-1]["messages"], ensure_ascii=False)


async def test_async_rag_query(aembed: AzureInferenceEmbedding, emu: Emulator) -> None:
    index = VectorStoreIndex.from_documents(
        [Document(text=t) for t in DOCS], embed_model=aembed, use_async=True
    )
    async with AzureInference(endpoint=emu.foundry_endpoint, credential=KEY, model="gpt-4o") as llm:
        engine = index.as_query_engine(llm=llm, similarity_top_k=1, streaming=True)
        response = await engine.aquery("What makes sourdough rise?")
        text = "".join([t async for t in response.async_response_gen()])
    assert DOCS[1] in text
