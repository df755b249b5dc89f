"""get_num_tokens*, get_token_ids and trim_messages(token_counter=llm), offline (issue 14)."""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.messages import (
    AIMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    trim_messages,
)
from langchain_core.tools import tool

from azure_inference_core import _tokens as tokens_module
from langchain_azure_inference import ChatAzureInference

O200K = "fb374d419588a4632f3f557e76b4b70aebbca790"
ENDPOINT = "https://res.services.ai.azure.com/models"


@pytest.fixture(autouse=True)
def no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(empty))
    tokens_module._LOADED.clear()
    yield
    tokens_module._LOADED.clear()


def llm(model: str) -> ChatAzureInference:
    return ChatAzureInference(endpoint=ENDPOINT, credential="k", model=model)


def conversation() -> list[object]:
    return [
        SystemMessage("You are terse."),
        HumanMessage("word " * 200),
        AIMessage("", tool_calls=[{"id": "c1", "name": "weather", "args": {"city": "Paris"}}]),
        ToolMessage("Sunny", tool_call_id="c1"),
        HumanMessage("And tomorrow?"),
    ]


@pytest.mark.parametrize(
    "model",
    ["Mistral-Large", "DeepSeek-R1", "Llama-4-Scout-17B-16E-Instruct", "gpt-4o", "unknown-x"],
)
def test_counts_work_for_every_model_without_network_or_transformers(model: str) -> None:
    chat = llm(model)
    assert chat.get_num_tokens("Hello, world") == 3
    total = chat.get_num_tokens_from_messages(conversation())  # type: ignore[arg-type]
    assert total > 200  # the 200-word message alone


def test_tools_add_their_definitions() -> None:
    @tool
    def weather(city: str) -> str:
        """The weather in a city."""
        return city

    chat = llm("Mistral-Large")
    messages = [HumanMessage("hi")]
    assert chat.get_num_tokens_from_messages(
        messages, tools=[weather]
    ) > chat.get_num_tokens_from_messages(messages)


def test_token_ids_need_an_offline_tokenizer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(NotImplementedError, match="No offline tokenizer for 'Mistral-Large'"):
        llm("Mistral-Large").get_token_ids("hi")
    spec = importlib.util.find_spec("llama_index.core")  # only as a source of the BPE file
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("no tiktoken BPE file on this machine")
    cache = tmp_path / "cache"
    cache.mkdir()
    source = Path(next(iter(spec.submodule_search_locations))) / "_static" / "tiktoken_cache"
    shutil.copy(source / O200K, cache / O200K)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    chat = llm("gpt-4o")
    ids = chat.get_token_ids("Hello, world")
    assert ids
    assert chat.get_num_tokens("Hello, world") == len(ids)


def test_custom_token_ids_still_win() -> None:
    chat = ChatAzureInference(
        endpoint=ENDPOINT,
        credential="k",
        model="Mistral-Large",
        custom_get_token_ids=lambda t: [1] * len(t),
    )
    assert chat.get_num_tokens("abcdef") == 6
    assert chat.get_token_ids("ab") == [1, 1]


def test_trim_messages_with_the_model_as_counter() -> None:
    chat = llm("Mistral-Large")
    messages = conversation()
    trimmed = trim_messages(
        messages,
        max_tokens=60,
        token_counter=chat,
        strategy="last",
        include_system=True,
        start_on="human",
    )
    assert trimmed[0].type == "system"
    assert trimmed[-1].content == "And tomorrow?"
    assert len(trimmed) < len(messages)
    assert chat.get_num_tokens_from_messages(trimmed) <= 60  # type: ignore[arg-type]
