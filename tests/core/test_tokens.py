"""Offline token counting (issue 14, item 5), with the suite's network guard on."""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from azure_inference_core import _tokens as tokens_module
from azure_inference_core import token_counter

O200K = "fb374d419588a4632f3f557e76b4b70aebbca790"  # tiktoken's cache name of o200k_base
CL100K = "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"
TEXTS = [
    "Hello world, how are you today?",
    "The quick brown fox jumps over the lazy dog. " * 5,
    "def add(a: int, b: int) -> int:\n    return a + b\n",
    "Azure AI Foundry deployments take max_completion_tokens on o-series models.",
]


def bundled(name: str) -> Path:
    """A BPE file shipped inside a wheel (llama-index-core's), found on disk."""
    try:
        spec = importlib.util.find_spec("llama_index.core")
    except ModuleNotFoundError:  # no llama_index package at all (the core-only install)
        spec = None
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llama-index-core is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "_static" / "tiktoken_cache" / name


@pytest.fixture(autouse=True)
def no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No tiktoken cache anywhere tiktoken would look, and nothing remembered."""
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(empty))
    tokens_module._LOADED.clear()
    yield tmp_path
    tokens_module._LOADED.clear()


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    directory = tmp_path / "cache"
    directory.mkdir()
    for name in (O200K, CL100K):
        shutil.copy(bundled(name), directory / name)
    return directory


def test_without_a_cached_encoding_counts_are_estimates() -> None:
    for name in ("gpt-4o", "Mistral-Large", "DeepSeek-R1", "my-deployment", None):
        counter = token_counter(name)
        assert not counter.exact
        assert counter.ids("hi") is None
        assert counter.count("") == 0
        # one token per word or mark, or per four characters, whichever is more
        assert counter.count("Hello, world") == 3
        assert counter.count("x" * 40) == 10


def test_a_cached_encoding_gives_exact_counts_offline(cache: Path) -> None:
    import tiktoken.load

    counter = token_counter(
        "https://r.openai.azure.com/openai/deployments/gpt-4o", cache_dirs=[str(cache)]
    )
    assert counter.exact
    ranks = tiktoken.load.load_tiktoken_bpe(str(cache / O200K))
    for text in TEXTS:
        ids = counter.ids(text)
        assert ids is not None
        assert counter.count(text) == len(ids)
        assert all(0 <= i < len(ranks) + 1000 for i in ids)
    assert token_counter("gpt-35-turbo", cache_dirs=[str(cache)]).encoding.name == "cl100k_base"
    # Other families have no public offline tokenizer: estimated.
    assert not token_counter("Mistral-Large", cache_dirs=[str(cache)]).exact


def test_tiktokens_own_cache_variable_is_read(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    assert token_counter("o3-mini").exact


def test_a_corrupt_cache_file_is_not_used_and_nothing_is_downloaded(tmp_path: Path) -> None:
    directory = tmp_path / "bad"
    directory.mkdir()
    (directory / O200K).write_bytes(b"not a BPE file")
    counter = token_counter("gpt-4o", cache_dirs=[str(directory)])
    assert not counter.exact  # tiktoken would have re-downloaded it; the guard would fail
    assert (directory / O200K).read_bytes() == b"not a BPE file"


def test_without_tiktoken_no_import_error(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tiktoken", None)
    counter = token_counter("gpt-4o", cache_dirs=[str(cache)])
    assert not counter.exact
    assert counter.count("Hello, world") == 3


def test_estimates_err_on_the_high_side_of_the_real_tokenizer(cache: Path) -> None:
    exact = token_counter("gpt-4o", cache_dirs=[str(cache)])
    estimate = token_counter("Mistral-Large")
    for text in TEXTS:
        assert estimate.count(text) >= exact.count(text)


def test_messages_count_framing_tool_calls_images_and_tools() -> None:
    counter = token_counter("Mistral-Large")
    user = {"role": "user", "content": "Weather in Paris?"}
    base = counter.count_messages([user])
    assert base == 3 + 3 + counter.count("user") + counter.count("Weather in Paris?")
    call = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "c1",
                "type": "function",
                "function": {"name": "weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    }
    image = {
        "role": "user",
        "content": [
            {"type": "text", "text": "and this?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}},
        ],
    }
    assert counter.count_messages([user, call]) > base + 3
    assert counter.count_messages([image]) >= 85
    tool = {"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}
    assert counter.count_messages([user], [tool]) > base
