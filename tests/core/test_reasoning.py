"""Reasoning models in the core: max_completion_tokens, reasoning_effort, refused parameters."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from azure_inference_core import (
    AsyncInferenceClient,
    BadRequestError,
    InferenceClient,
    RejectedParameterError,
    UnsupportedFeatureError,
    capabilities_for,
)

AOAI = "https://res.openai.azure.com/openai/deployments/{}"
FOUNDRY = "https://res.services.ai.azure.com/models"
ANSWER = {
    "id": "c",
    "created": 0,
    "model": "m",
    "object": "chat.completion",
    "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}
    ],
}
SYSTEM_AND_USER = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]


class Sent:
    def __init__(self, status: int = 200, body: Any = None) -> None:
        self.requests: list[httpx.Request] = []
        self.status, self.body = status, ANSWER if body is None else body

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, json=self.body)

    @property
    def body_sent(self) -> dict[str, Any]:
        return dict(json.loads(self.requests[-1].content))


def client(endpoint: str, sent: Sent, **kwargs: Any) -> InferenceClient:
    transport = httpx.MockTransport(sent)
    return InferenceClient(
        endpoint, credential="k", http_client=httpx.Client(transport=transport), **kwargs
    )


@pytest.mark.parametrize("deployment", ["o3-mini", "o1", "o4-mini-2025-04-16", "gpt-5-mini", "o3"])
def test_max_tokens_goes_out_as_max_completion_tokens(deployment: str) -> None:
    sent = Sent()
    with client(AOAI.format(deployment), sent) as c:
        c.complete(SYSTEM_AND_USER, max_tokens=300, reasoning_effort="low")
    body = sent.body_sent
    assert "max_tokens" not in body
    assert body["max_completion_tokens"] == 300
    assert body["reasoning_effort"] == "low"
    assert [m["role"] for m in body["messages"]] == ["developer", "user"]


def test_other_models_keep_max_tokens_and_system() -> None:
    sent = Sent()
    with client(AOAI.format("gpt-4o"), sent) as c:
        c.complete(SYSTEM_AND_USER, max_tokens=300, temperature=0.2)
    body = sent.body_sent
    assert (body["max_tokens"], body["temperature"]) == (300, 0.2)
    assert "max_completion_tokens" not in body
    assert body["messages"][0]["role"] == "system"


def test_model_named_in_the_body_picks_the_rules_on_foundry_models() -> None:
    sent = Sent()
    with client(FOUNDRY, sent, model="o3-mini") as c:
        c.complete(SYSTEM_AND_USER, max_tokens=10)
    body = sent.body_sent
    assert body["max_completion_tokens"] == 10
    assert "max_tokens" not in body
    # Off the OpenAI routes the field is outside the inference API's schema.
    assert sent.requests[-1].headers["extra-parameters"] == "pass-through"


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"temperature": 0.2}, ["temperature"]),
        ({"top_p": 0.5, "presence_penalty": 0.1}, ["presence_penalty", "top_p"]),
        ({"frequency_penalty": 1.0}, ["frequency_penalty"]),
        ({"model_extras": {"logprobs": True, "top_logprobs": 2}}, ["logprobs", "top_logprobs"]),
    ],
)
def test_refused_parameters_raise_before_sending(params: dict[str, Any], named: list[str]) -> None:
    sent = Sent()
    with client(AOAI.format("o3-mini"), sent) as c, pytest.raises(RejectedParameterError) as info:
        c.complete(SYSTEM_AND_USER, **params)
    assert not sent.requests
    assert info.value.parameters == named
    assert isinstance(info.value, UnsupportedFeatureError)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert "o3-mini" in message
    assert all(name in message for name in named)
    assert "max_completion_tokens" in message


def test_default_temperature_passes_as_azure_takes_it() -> None:
    sent = Sent()
    with client(AOAI.format("o1"), sent) as c:
        c.complete(SYSTEM_AND_USER, temperature=1, top_p=1)
    assert sent.body_sent["temperature"] == 1


def test_reasoning_effort_on_a_model_without_it_is_refused() -> None:
    sent = Sent()
    with client(AOAI.format("gpt-4o"), sent) as c, pytest.raises(RejectedParameterError) as info:
        c.complete(SYSTEM_AND_USER, reasoning_effort="high")
    assert info.value.parameters == ["reasoning_effort"]
    assert not sent.requests


def test_both_budgets_is_an_error_and_unknown_models_are_left_alone() -> None:
    sent = Sent()
    with client(AOAI.format("my-deployment"), sent) as c:
        with pytest.raises(ValueError, match="only one"):
            c.complete(SYSTEM_AND_USER, max_tokens=1, max_completion_tokens=2)
        c.complete(SYSTEM_AND_USER, max_tokens=5, temperature=0.3, reasoning_effort="low")
    body = sent.body_sent
    assert (body["max_tokens"], body["temperature"], body["reasoning_effort"]) == (5, 0.3, "low")
    assert body["messages"][0]["role"] == "system"


async def test_async_client_applies_the_same_rules() -> None:
    sent = Sent()
    transport = httpx.MockTransport(sent)
    async with AsyncInferenceClient(
        AOAI.format("o3-mini"), credential="k", http_client=httpx.AsyncClient(transport=transport)
    ) as c:
        await c.complete(SYSTEM_AND_USER, max_tokens=7)
        with pytest.raises(RejectedParameterError):
            await c.complete(SYSTEM_AND_USER, temperature=0)
    assert sent.body_sent["max_completion_tokens"] == 7
    assert len(sent.requests) == 1


def test_azure_refusal_of_an_unrecognised_deployment_says_what_to_do() -> None:
    body = {
        "error": {
            "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            "type": "invalid_request_error",
            "param": "max_tokens",
            "code": "unsupported_parameter",
        }
    }
    sent = Sent(400, body)
    with (
        client(AOAI.format("reasoner"), sent, max_retries=0) as c,
        pytest.raises(BadRequestError) as info,
    ):
        c.complete(SYSTEM_AND_USER, max_tokens=5)
    assert info.value.code == "unsupported_parameter"
    assert "max_completion_tokens" in str(info.value)
    assert "model=" in str(info.value)


@pytest.mark.parametrize(
    ("name", "window", "output", "field", "rejects_temperature"),
    [
        ("gpt-4o-2024-08-06", 128000, 16384, "max_tokens", False),
        ("gpt-4.1-mini", 1047576, 32768, "max_tokens", False),
        ("gpt-5-nano", 400000, 128000, "max_completion_tokens", True),
        ("o3-mini", 200000, 100000, "max_completion_tokens", True),
        ("Mistral-Large-2411", 131072, 4096, "max_tokens", False),
        ("DeepSeek-R1-0528", 128000, 32768, "max_tokens", False),
        ("Llama-4-Maverick-17B-128E-Instruct-FP8", 131072, 4096, "max_tokens", False),
        ("Phi-4-mini-instruct", 131072, 4096, "max_tokens", False),
        ("cohere-command-a", 256000, 8192, "max_tokens", False),
        ("grok-3", 131072, 16384, "max_tokens", False),
        ("Codestral-2501", 262144, 4096, "max_tokens", False),
    ],
)
def test_table_rows_survive_version_suffixes(
    name: str, window: int, output: int, field: str, rejects_temperature: bool
) -> None:
    caps, matched = capabilities_for(name)
    assert caps.known
    assert matched == name
    assert (caps.context_window, caps.max_output, caps.max_tokens_field) == (window, output, field)
    assert ("temperature" in caps.rejected) is rejects_temperature


def test_embedding_rows_and_modalities() -> None:
    assert capabilities_for("text-embedding-3-large")[0].kind == "embeddings"
    assert capabilities_for("Cohere-embed-v3-english")[0].context_window == 512
    assert capabilities_for("embed-v-4-0")[0].context_window == 128000
    assert capabilities_for("gpt-4o")[0].input_modalities == ("text", "image")
    assert capabilities_for("Phi-4-multimodal-instruct")[0].input_modalities == (
        "text",
        "image",
        "audio",
    )
    assert capabilities_for("Mistral-Large")[0].structured_output_modes == ("json_object", "tool")


def test_emulator_reasoning_profiles_agree_with_the_table() -> None:
    from azure_inference_emulator import PROFILES

    for name, profile in PROFILES.items():
        if not profile.is_chat:
            continue
        caps = capabilities_for(name)[0]
        expected = caps.max_tokens_field == "max_completion_tokens"
        assert profile.reasoning_parameters is expected, name
        if expected:
            assert {"temperature", "presence_penalty", "logprobs"} <= caps.rejected


@pytest.mark.parametrize("deployment", ["o1-mini", "o1-preview"])
def test_models_without_system_or_developer_role_refuse_them(deployment: str) -> None:
    sent = Sent()
    with client(AOAI.format(deployment), sent) as c:
        with pytest.raises(RejectedParameterError, match="first user message") as info:
            c.complete(SYSTEM_AND_USER)
        c.complete([{"role": "user", "content": "hi"}], max_tokens=9)
    assert info.value.parameters == ["messages"]
    assert len(sent.requests) == 1
    assert sent.body_sent["max_completion_tokens"] == 9
