"""Reasoning parameters, the model table and a deployment URL through `AzureInference`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from _li_support import KEY
from llama_index.core import VectorStoreIndex
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.schema import TextNode

from azure_inference_emulator import Emulator
from llamaindex_azure_inference import (
    AzureInference,
    AzureInferenceEmbedding,
    BadRequestError,
    RejectedParameterError,
)

MESSAGES = [
    ChatMessage(role=MessageRole.SYSTEM, content="Answer in one word."),
    ChatMessage(role=MessageRole.USER, content="Sky colour?"),
]


@pytest.fixture(scope="module")
def remu() -> Iterator[Emulator]:
    with Emulator(
        "o3-mini",
        key=KEY,
        deployments={"reasoner": "o3-mini"},
        requests_per_minute=None,
        tokens_per_minute=None,
    ) as server:
        yield server


def llm(endpoint: str, **kwargs: Any) -> AzureInference:
    return AzureInference(endpoint=endpoint, credential=KEY, max_retries=0, **kwargs)


@pytest.mark.parametrize("model", ["o3-mini", "o1", "gpt-5-mini"])
def test_max_tokens_reaches_a_reasoning_deployment_as_max_completion_tokens(
    remu: Emulator, model: str
) -> None:
    remu.clear_requests()
    with llm(remu.openai_deployment_endpoint(model), max_tokens=300, reasoning_effort="low") as li:
        answer = li.chat(MESSAGES)
    assert answer.message.content
    body = remu.requests[-1].body
    assert "max_tokens" not in body
    assert (body["max_completion_tokens"], body["reasoning_effort"]) == (300, "low")
    assert body["messages"][0]["role"] == "developer"


async def test_per_call_values_and_async_streams(remu: Emulator) -> None:
    remu.clear_requests()
    async with llm(remu.foundry_endpoint, model="o4-mini", max_completion_tokens=200) as li:
        gen = await li.astream_chat(MESSAGES, reasoning_effort="high")
        responses = [r async for r in gen]
    assert responses[-1].message.content
    body = remu.requests[-1].body
    assert (body["max_completion_tokens"], body["reasoning_effort"]) == (200, "high")


@pytest.mark.parametrize("kwargs", [{"temperature": 0.1}, {"frequency_penalty": 0.5}])
def test_parameters_azure_refuses_are_refused_before_sending(
    remu: Emulator, kwargs: dict[str, Any]
) -> None:
    remu.clear_requests()
    li = llm(remu.openai_deployment_endpoint("o1"), **kwargs)
    with li, pytest.raises(RejectedParameterError) as info:
        li.chat(MESSAGES)
    assert info.value.parameters == list(kwargs)
    assert not remu.requests


def test_azures_failure_for_a_deployment_the_table_cannot_name(remu: Emulator) -> None:
    li = llm(remu.openai_deployment_endpoint("reasoner"), max_tokens=40)
    with li, pytest.raises(BadRequestError) as info:
        li.chat(MESSAGES)
    assert info.value.code == "unsupported_parameter"
    assert "Use 'max_completion_tokens' instead." in str(info.value)


def test_metadata_from_the_deployment_in_the_url(remu: Emulator) -> None:
    meta = llm(remu.openai_deployment_endpoint("gpt-4o")).metadata
    assert (meta.model_name, meta.context_window, meta.num_output) == ("gpt-4o", 128000, 16384)
    reasoning = llm(remu.openai_deployment_endpoint("o3-mini"), max_completion_tokens=900).metadata
    assert (reasoning.context_window, reasoning.num_output) == (200000, 900)
    unknown = llm(remu.openai_deployment_endpoint("my-deployment")).metadata
    assert unknown.model_name == "my-deployment"
    assert unknown.context_window == 3900  # LlamaIndex's default, overridable
    assert llm(remu.foundry_endpoint, context_window=8000).metadata.context_window == 8000


def test_rag_query_packs_the_prompt_for_the_deployments_window(remu: Emulator) -> None:
    # Ten passages of ~600 tokens: more than LlamaIndex's default 3,900-token window
    # (which would split them over several refine calls), far less than gpt-4o's 128K.
    docs = [f"Passage {i}: " + " ".join(f"river{i}-{w}" for w in range(300)) for i in range(10)]
    embed = AzureInferenceEmbedding(
        endpoint=remu.foundry_endpoint, credential=KEY, model="Cohere-embed-v3-english"
    )
    with embed, llm(remu.openai_deployment_endpoint("gpt-4o")) as li:
        # Nodes as given: no splitting, so the only packing is the synthesizer's.
        index = VectorStoreIndex([TextNode(text=t) for t in docs], embed_model=embed)
        engine = index.as_query_engine(llm=li, similarity_top_k=10, response_mode="compact")
        remu.clear_requests()
        response = engine.query("Which rivers are listed?")
    assert str(response)
    chats = [r for r in remu.requests if r.path.endswith("/chat/completions")]
    assert len(chats) == 1, "one prompt holds every passage: the 128K window was used"
    prompt = json.dumps(chats[0].body["messages"])
    assert all(f"Passage {i}:" in prompt for i in range(10))
