"""Import cost of the adapters (issue 12): importing either loads neither httpx nor the
core's Responses models, and the first calls still work in a fresh interpreter.

Fresh interpreters, since this test process imported everything already. The time
budget itself is the benchmark's (``bench/_imports.py``), never a test's.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from azure_inference_emulator import Emulator

HEAVY = (
    "httpx",
    "httpcore",
    "azure_inference_core._responses_wire",
    "azure_inference_core._responses",
    "httpx._main",
    "rich",
    "click",
)
LOADED = f"print(json.dumps(sorted(m for m in {HEAVY!r} if sys.modules.get(m) is not None)))\n"

ADAPTERS = {
    "langchain": (
        "from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference\n"
    ),
    "llamaindex": (
        "from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding\n"
    ),
}

FIRST_CALLS = {
    "langchain": (
        "chat = ChatAzureInference(endpoint=endpoint, credential='k', model='gpt-4o-mini')\n"
        "print(bool(chat.invoke('hi').content))\n"
        "print(len([c for c in chat.stream('hi') if c.content]) > 1)\n"
        "embed = AzureInferenceEmbeddings(endpoint=endpoint, credential='k',\n"
        "                                 model='text-embedding-3-small')\n"
        "print(len(embed.embed_documents(['a', 'b'])))\n"
        "chat = ChatAzureInference(endpoint=endpoint, credential='k', model='codex-mini')\n"
        "print(bool(chat.invoke('hi').content))\n"
    ),
    "llamaindex": (
        "from llama_index.core.llms import ChatMessage\n"
        "llm = AzureInference(endpoint=endpoint, credential='k', model='gpt-4o-mini')\n"
        "hi = [ChatMessage(role='user', content='hi')]\n"
        "print(bool(llm.chat(hi).message.content))\n"
        "print(len([r for r in llm.stream_chat(hi) if r.delta]) > 1)\n"
        "embed = AzureInferenceEmbedding(endpoint=endpoint, credential='k',\n"
        "                                model='text-embedding-3-small')\n"
        "print(len(embed.get_text_embedding_batch(['a', 'b'])))\n"
        "llm = AzureInference(endpoint=endpoint, credential='k', model='codex-mini')\n"
        "print(bool(llm.chat(hi).message.content))\n"
    ),
}


def fresh(code: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", "import json, sys\n" + code],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_importing_an_adapter_loads_no_httpx_and_no_responses_models(adapter: str) -> None:
    pytest.importorskip(f"{adapter}_azure_inference")
    assert fresh(ADAPTERS[adapter] + LOADED) == ["[]"]


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
@pytest.mark.azure_inference_emulator(profile="gpt-4o-mini", key="k", latency=False)
def test_an_adapters_first_calls_work_in_a_fresh_interpreter(
    adapter: str, azure_inference_emulator: Emulator
) -> None:
    # Chat, stream, embeddings and the Responses API (codex-mini is Responses-only), each
    # the first of its kind: the models they need load and build on the way.
    pytest.importorskip(f"{adapter}_azure_inference")
    endpoint = azure_inference_emulator.foundry_endpoint
    code = ADAPTERS[adapter] + f"endpoint = {endpoint!r}\n" + FIRST_CALLS[adapter]
    assert fresh(code) == ["True", "True", "2", "True"]
