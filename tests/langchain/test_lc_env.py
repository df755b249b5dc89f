"""The adapters read the core's environment variables, with its precedence and key pairing."""

from __future__ import annotations

import sys
import types
from typing import Any, NamedTuple

import httpx
import pytest

from langchain_azure_inference import ChatAzureInference

INFERENCE_KEY = "inference-key-should-stay-home"
OPENAI_KEY = "openai-key-for-its-own-host"
OPENAI_ENDPOINT = "https://res.openai.azure.com/openai/deployments/gpt-4o"
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
    """azure.identity.DefaultAzureCredential stand-in: nothing probes the network."""

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


def send(llm_kwargs: dict[str, Any]) -> httpx.Request:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=ANSWER)

    client = httpx.Client(transport=httpx.MockTransport(answer))
    with ChatAzureInference(http_client=client, max_retries=0, **llm_kwargs) as llm:
        llm.invoke("hi")
    return seen[-1]


def secrets_in(request: httpx.Request) -> str:
    return " ".join(f"{k}={v}" for k, v in request.headers.items())


def test_azure_openai_variables_pair_their_own_key(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("AZURE_OPENAI_ENDPOINT", OPENAI_ENDPOINT)
    clean_env.setenv("AZURE_OPENAI_API_KEY", OPENAI_KEY)
    clean_env.setenv("AZURE_INFERENCE_CREDENTIAL", INFERENCE_KEY)
    llm = ChatAzureInference()
    assert llm.endpoint == OPENAI_ENDPOINT
    assert llm.credential.get_secret_value() == OPENAI_KEY
    request = send({})
    assert request.url.host == "res.openai.azure.com"
    assert OPENAI_KEY in secrets_in(request)
    assert INFERENCE_KEY not in secrets_in(request)


def test_project_endpoint_signs_in_with_entra_id(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("AZURE_AI_PROJECT_ENDPOINT", PROJECT)
    clean_env.setenv("AZURE_INFERENCE_CREDENTIAL", INFERENCE_KEY)
    llm = ChatAzureInference(model="gpt-4o")
    assert llm.endpoint == PROJECT
    assert llm.credential is None  # no key variable belongs to a project endpoint
    request = send({"model": "gpt-4o"})
    assert request.url.host == "res.services.ai.azure.com"
    assert request.headers["authorization"] == "Bearer entra-token"
    assert INFERENCE_KEY not in secrets_in(request)


def test_inference_variables_come_first(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("AZURE_INFERENCE_ENDPOINT", "https://m.eastus2.models.ai.azure.com")
    clean_env.setenv("AZURE_INFERENCE_CREDENTIAL", INFERENCE_KEY)
    clean_env.setenv("AZURE_OPENAI_ENDPOINT", OPENAI_ENDPOINT)
    clean_env.setenv("AZURE_OPENAI_API_KEY", OPENAI_KEY)
    llm = ChatAzureInference()
    assert llm.endpoint == "https://m.eastus2.models.ai.azure.com"
    assert llm.credential.get_secret_value() == INFERENCE_KEY
    request = send({})
    assert INFERENCE_KEY in secrets_in(request)
    assert OPENAI_KEY not in secrets_in(request)


def test_openai_key_never_goes_to_another_host(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("AZURE_OPENAI_ENDPOINT", OPENAI_ENDPOINT)
    clean_env.setenv("AZURE_OPENAI_API_KEY", OPENAI_KEY)
    other = "https://other.openai.azure.com/openai/deployments/gpt-4o"
    llm = ChatAzureInference(endpoint=other)
    assert llm.credential is None
    request = send({"endpoint": other})
    assert request.headers["authorization"] == "Bearer entra-token"
    assert OPENAI_KEY not in secrets_in(request)
    # Given with the same host, the key is that host's.
    assert ChatAzureInference(endpoint=OPENAI_ENDPOINT).credential.get_secret_value() == OPENAI_KEY


def test_no_endpoint_anywhere_names_every_variable() -> None:
    with pytest.raises(ValueError, match="No endpoint") as info:
        ChatAzureInference()
    for name in ("AZURE_INFERENCE_ENDPOINT", "AZURE_AI_PROJECT_ENDPOINT", "AZURE_OPENAI_ENDPOINT"):
        assert name in str(info.value)
