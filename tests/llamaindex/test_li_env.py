"""AzureInference reads the core's environment variables, never sending a key to another host."""

from __future__ import annotations

import sys
import types
from typing import Any, NamedTuple

import httpx
import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from llamaindex_azure_inference import AzureInference

INFERENCE_KEY = "inference-key-should-stay-home"
PROJECT = "https://res.services.ai.azure.com/api/projects/proj"
ANSWER = {
    "id": "c",
    "created": 0,
    "model": "gpt-4o",
    "object": "chat.completion",
    "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}
    ],
}


class _Token(NamedTuple):
    token: str
    expires_on: int


class _FakeDefaultCredential:
    def get_token(self, *scopes: str, **kwargs: Any) -> _Token:
        return _Token("entra-token", 4102444800)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (
        "AZURE_INFERENCE_ENDPOINT",
        "AZURE_INFERENCE_CREDENTIAL",
        "AZURE_AI_PROJECT_ENDPOINT",
        "AZURE_OPENAI_ENDPOINT",
        "AZURE_OPENAI_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    identity = types.ModuleType("azure.identity")
    identity.DefaultAzureCredential = _FakeDefaultCredential  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "azure.identity", identity)
    return monkeypatch


def sent(**kwargs: Any) -> httpx.Request:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=ANSWER)

    client = httpx.Client(transport=httpx.MockTransport(answer))
    with AzureInference(http_client=client, max_retries=0, **kwargs) as llm:
        llm.chat([ChatMessage(role=MessageRole.USER, content="hi")])
    return seen[-1]


def test_project_endpoint_from_its_variable_uses_entra_id(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("AZURE_AI_PROJECT_ENDPOINT", PROJECT)
    clean_env.setenv("AZURE_INFERENCE_CREDENTIAL", INFERENCE_KEY)
    request = sent(model="gpt-4o")
    assert request.url.host == "res.services.ai.azure.com"
    assert request.headers["authorization"] == "Bearer entra-token"
    assert INFERENCE_KEY not in " ".join(request.headers.values())


def test_openai_variables_pair_their_key(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv(
        "AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com/openai/deployments/gpt-4o"
    )
    clean_env.setenv("AZURE_OPENAI_API_KEY", "openai-key-1234")
    clean_env.setenv("AZURE_INFERENCE_CREDENTIAL", INFERENCE_KEY)
    llm = AzureInference()
    assert llm.metadata.model_name == "gpt-4o"
    request = sent()
    assert "openai-key-1234" in " ".join(request.headers.values())
    assert INFERENCE_KEY not in " ".join(request.headers.values())
