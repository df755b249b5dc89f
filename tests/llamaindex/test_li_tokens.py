"""`AzureInference.tokenizer`: LlamaIndex's tokenizer hook, offline (issue 14, item 5)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import tiktoken.load
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.memory import ChatMemoryBuffer

from azure_inference_core import _tokens as tokens_module
from llamaindex_azure_inference import AzureInference
from llamaindex_azure_inference._tokens import BUNDLED_TIKTOKEN_CACHE

AOAI = "https://res.openai.azure.com/openai/deployments/{}"
O200K = "fb374d419588a4632f3f557e76b4b70aebbca790"


@pytest.fixture(autouse=True)
def no_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    tokens_module._LOADED.clear()
    yield
    tokens_module._LOADED.clear()


def test_openai_deployments_count_exactly_from_the_bundled_encoding() -> None:
    llm = AzureInference(endpoint=AOAI.format("gpt-4o"), credential="k")
    text = "Azure AI Foundry, offline token counts."
    ids = llm.tokenizer(text)
    ranks = tiktoken.load.load_tiktoken_bpe(str(Path(BUNDLED_TIKTOKEN_CACHE) / O200K))
    decoded = b"".join({v: k for k, v in ranks.items()}[i] for i in ids).decode()
    assert decoded == text


def test_other_models_get_the_estimate_as_placeholder_ids() -> None:
    llm = AzureInference(
        endpoint="https://res.services.ai.azure.com/models", model="Mistral-Large", credential="k"
    )
    assert llm.tokenizer("Hello, world") == [0, 0, 0]


def test_memory_buffer_trims_with_the_models_tokenizer() -> None:
    llm = AzureInference(
        endpoint="https://res.services.ai.azure.com/models", model="DeepSeek-R1", credential="k"
    )
    memory = ChatMemoryBuffer.from_defaults(token_limit=50, tokenizer_fn=llm.tokenizer)
    for i in range(10):
        memory.put(ChatMessage(role=MessageRole.USER, content=f"message {i} " + "word " * 10))
    kept = memory.get()
    assert 0 < len(kept) < 10
    assert str(kept[-1].content).startswith("message 9")
