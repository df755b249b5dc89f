"""One emulator on loopback for the scale-out tests; worker processes connect to its URL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from faults._support import KEY

from azure_inference_emulator import Emulator

CHAT_MODEL = "Mistral-Large"
EMBEDDING_MODEL = "Cohere-embed-v3-english"


@pytest.fixture(scope="session")
def emu() -> Iterator[Emulator]:
    with Emulator(
        CHAT_MODEL, key=KEY, requests_per_minute=None, tokens_per_minute=None, record_limit=2000
    ) as server:
        yield server


def chat_model(family: str, endpoint: str) -> Any:
    if family == "langchain":
        from langchain_azure_inference import ChatAzureInference

        return ChatAzureInference(
            endpoint=endpoint, credential=KEY, model=CHAT_MODEL, max_retries=1
        )
    from llamaindex_azure_inference import AzureInference

    return AzureInference(endpoint=endpoint, credential=KEY, model=CHAT_MODEL, max_retries=1)


def embedding_model(family: str, endpoint: str) -> Any:
    if family == "langchain":
        from langchain_azure_inference import AzureInferenceEmbeddings

        return AzureInferenceEmbeddings(endpoint=endpoint, credential=KEY, model=EMBEDDING_MODEL)
    from llamaindex_azure_inference import AzureInferenceEmbedding

    return AzureInferenceEmbedding(endpoint=endpoint, credential=KEY, model=EMBEDDING_MODEL)
