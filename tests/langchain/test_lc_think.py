"""DeepSeek-R1's <think> reasoning split off the content in LangChain (issue 14, item 6)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langchain_core.messages import AIMessageChunk

from azure_inference_emulator import Emulator
from langchain_azure_inference import ChatAzureInference

KEY = "lc-think-key-012345678"
QUESTION = "Why is the sky blue?"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator("DeepSeek-R1", key=KEY, requests_per_minute=None, tokens_per_minute=None) as e:
        yield e


def llm(emu: Emulator, api_version: str) -> ChatAzureInference:
    return ChatAzureInference(
        endpoint=emu.foundry_endpoint,
        credential=KEY,
        model="DeepSeek-R1",
        api_version=api_version,
        seed=7,  # the same wording for the streamed and the whole answer
        max_retries=0,
    )


@pytest.mark.parametrize("api_version", ["2024-05-01-preview", "2025-05-01"])
def test_invoke_keeps_reasoning_out_of_the_content(emu: Emulator, api_version: str) -> None:
    with llm(emu, api_version) as chat:
        answer = chat.invoke(QUESTION)
    assert "<think>" not in str(answer.content)
    assert "</think>" not in str(answer.content)
    assert answer.content
    assert QUESTION in answer.additional_kwargs["reasoning_content"]


@pytest.mark.parametrize("api_version", ["2024-05-01-preview", "2025-05-01"])
def test_stream_splits_the_same_way(emu: Emulator, api_version: str) -> None:
    with llm(emu, api_version) as chat:
        chunks = list(chat.stream(QUESTION))
        whole = chat.invoke(QUESTION)
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged = merged + chunk
    assert isinstance(merged, AIMessageChunk)
    assert "<think>" not in str(merged.content)
    assert merged.content == whole.content
    reasoning = merged.additional_kwargs["reasoning_content"]
    assert reasoning.strip() == whole.additional_kwargs["reasoning_content"].strip()
    assert not any("<think>" in str(c.content) or "</think>" in str(c.content) for c in chunks)
