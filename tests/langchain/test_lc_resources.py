"""No socket outlives its model: closed explicitly, or released when the model is dropped."""

from __future__ import annotations

import asyncio
import gc
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from _lc_mock import EMULATOR_KEY

from azure_inference_emulator import Emulator
from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference


@pytest.fixture
def unraisable() -> Iterator[list[Any]]:
    """Collect what __del__ methods raise (an unclosed socket warns there)."""
    captured: list[Any] = []
    previous = sys.unraisablehook
    sys.unraisablehook = captured.append
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ResourceWarning)
            yield captured
            gc.collect()
    finally:
        sys.unraisablehook = previous


def _use_everything(endpoint: str) -> None:
    llm = ChatAzureInference(endpoint=endpoint, credential=EMULATOR_KEY, model="Mistral-Large")
    llm.invoke("hi")
    for _ in llm.stream("a long answer please"):
        break  # abandon a stream midway

    async def go() -> None:
        await llm.ainvoke("hi")
        async for _ in llm.astream("a long answer please"):
            break

    asyncio.run(go())
    embeddings = AzureInferenceEmbeddings(
        endpoint=endpoint, credential=EMULATOR_KEY, model="Cohere-embed-v3-english"
    )
    embeddings.embed_query("x")
    asyncio.run(embeddings.aembed_query("x"))


def test_dropped_models_release_their_connections(
    emulator: Emulator, unraisable: list[Any]
) -> None:
    _use_everything(emulator.foundry_endpoint)
    gc.collect()
    assert [str(u.exc_value) for u in unraisable] == []


def test_abandoned_stream_does_not_block_the_next_call(emulator: Emulator) -> None:
    with ChatAzureInference(
        endpoint=emulator.foundry_endpoint, credential=EMULATOR_KEY, model="Mistral-Large"
    ) as llm:
        for _ in range(5):
            next(iter(llm.stream("a long answer please")))
        assert llm.invoke("still fine?").content
