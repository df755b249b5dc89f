"""Reasoning parameters through ChatAzureInference against the emulator's reasoning profiles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from azure_inference_emulator import Emulator
from langchain_azure_inference import (
    BadRequestError,
    ChatAzureInference,
    RejectedParameterError,
)

KEY = "lc-reasoning-key-0123"
MESSAGES = [SystemMessage("Answer in one word."), HumanMessage("Sky colour?")]


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(
        "o3-mini",
        key=KEY,
        deployments={"reasoner": "o3-mini"},
        requests_per_minute=None,
        tokens_per_minute=None,
    ) as server:
        yield server


def llm(endpoint: str, **kwargs: Any) -> ChatAzureInference:
    return ChatAzureInference(endpoint=endpoint, credential=KEY, max_retries=0, **kwargs)


@pytest.mark.parametrize("model", ["o3-mini", "o1", "o4-mini", "gpt-5-mini"])
def test_max_tokens_reaches_a_reasoning_deployment_as_max_completion_tokens(
    emu: Emulator, model: str
) -> None:
    emu.clear_requests()
    with llm(emu.openai_deployment_endpoint(model), max_tokens=400, reasoning_effort="low") as chat:
        answer = chat.invoke(MESSAGES)
    assert answer.content
    body = emu.requests[-1].body
    assert "max_tokens" not in body
    assert (body["max_completion_tokens"], body["reasoning_effort"]) == (400, "low")
    assert body["messages"][0]["role"] == "developer"
    assert answer.usage_metadata is not None
    assert answer.usage_metadata["output_token_details"]["reasoning"] > 0


def test_fields_and_per_call_values_on_foundry_models_and_streams(emu: Emulator) -> None:
    emu.clear_requests()
    with llm(emu.foundry_endpoint, model="o3-mini", max_completion_tokens=300) as chat:
        text = "".join(str(c.content) for c in chat.stream(MESSAGES, reasoning_effort="high"))
        chat.invoke(MESSAGES, max_completion_tokens=99)
    assert text
    streamed, called = (r.body for r in emu.requests[-2:])
    assert (streamed["max_completion_tokens"], streamed["reasoning_effort"]) == (300, "high")
    assert called["max_completion_tokens"] == 99


@pytest.mark.parametrize(
    "kwargs",
    [{"temperature": 0.2}, {"top_p": 0.5}, {"presence_penalty": 1.0}, {"logprobs": True}],
)
def test_parameters_azure_refuses_are_refused_before_sending(
    emu: Emulator, kwargs: dict[str, Any]
) -> None:
    emu.clear_requests()
    chat = llm(emu.openai_deployment_endpoint("o3-mini"), **kwargs)
    with chat, pytest.raises(RejectedParameterError) as info:
        chat.invoke(MESSAGES)
    assert info.value.parameters == list(kwargs)
    assert not emu.requests


def test_azures_failure_for_a_deployment_the_table_cannot_name(emu: Emulator) -> None:
    # "reasoner" serves o3-mini; nothing in its name says so, so max_tokens goes
    # out and the service answers as Azure does.
    chat = llm(emu.openai_deployment_endpoint("reasoner"), max_tokens=50)
    with chat, pytest.raises(BadRequestError) as info:
        chat.invoke(MESSAGES)
    assert info.value.status_code == 400
    assert info.value.code == "unsupported_parameter"
    assert "Use 'max_completion_tokens' instead." in str(info.value)
    assert "model='o3-mini'" in str(info.value)
    # Naming the model fixes it without touching the deployment.
    with llm(emu.openai_deployment_endpoint("reasoner"), model="o3-mini", max_tokens=50) as chat:
        assert chat.invoke(MESSAGES).content
    chat = llm(emu.openai_deployment_endpoint("reasoner"), temperature=0.5)
    with chat, pytest.raises(BadRequestError) as refused:
        chat.invoke(MESSAGES)
    assert refused.value.code == "unsupported_value"


def test_profile_of_reasoning_models(emu: Emulator) -> None:
    profile = llm(emu.openai_deployment_endpoint("o3-mini")).profile
    assert profile is not None
    assert profile["reasoning_output"] is True
    assert profile["max_input_tokens"] == 200000
    assert profile["image_inputs"] is False
