"""langchain 1.x agents that read ``ChatAzureInference.profile`` (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import SummarizationMiddleware
from langchain_core.tools import tool
from pydantic import BaseModel

from azure_inference_emulator import Emulator
from langchain_azure_inference import ChatAzureInference

KEY = "lc-profile-key-0123456"


class City(BaseModel):
    name: str
    country: str


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny in {city}"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator("gpt-4o", key=KEY, requests_per_minute=None, tokens_per_minute=None) as server:
        yield server


def chat(emu: Emulator, model: str) -> ChatAzureInference:
    return ChatAzureInference(
        endpoint=emu.foundry_endpoint, credential=KEY, model=model, max_retries=0
    )


@pytest.mark.parametrize(
    ("model", "window", "native"), [("gpt-4o", 128000, True), ("Mistral-Large", 131072, False)]
)
def test_profile_has_what_agents_read(emu: Emulator, model: str, window: int, native: bool) -> None:
    profile = chat(emu, model).profile
    assert profile is not None
    assert profile["max_input_tokens"] == window
    assert profile["tool_calling"] is True
    assert profile["structured_output"] is native  # Mistral: JSON mode only, no json_schema
    assert profile["reasoning_output"] is False


@pytest.mark.parametrize("model", ["gpt-4o", "Mistral-Large"])
def test_summarization_middleware_with_a_fraction_runs_an_agent(emu: Emulator, model: str) -> None:
    llm = chat(emu, model)
    middleware = SummarizationMiddleware(model=llm, trigger=("fraction", 0.8))
    with llm:
        agent = create_agent(llm, tools=[get_weather], middleware=[middleware])
        out = agent.invoke({"messages": [("user", "What is the weather in Paris?")]})
    assert any(m.type == "tool" and "Sunny in Paris" in str(m.content) for m in out["messages"])
    assert out["messages"][-1].type == "ai"


def test_the_fraction_is_of_the_tables_window(emu: Emulator) -> None:
    # Phi-3-mini-4k: 4,096 tokens; six ~300-word turns pass half of it, so the
    # middleware summarizes before the agent's call.
    llm = chat(emu, "Phi-3-mini-4k-Instruct")
    middleware = SummarizationMiddleware(model=llm, trigger=("fraction", 0.5), keep=("messages", 2))
    history: list[Any] = []
    for i in range(6):
        history += [("user", "word " * 300 + f"question {i}"), ("assistant", f"answer {i}")]
    history.append(("user", "last question"))
    emu.clear_requests()
    with llm:
        out = create_agent(llm, tools=[], middleware=[middleware]).invoke({"messages": history})
    assert len(emu.requests) == 2  # the summary, then the answer
    assert "summary" in str(out["messages"][0].content).lower()
    assert len(out["messages"]) < len(history)


@pytest.mark.parametrize(("model", "native"), [("gpt-4o", True), ("Mistral-Large", False)])
def test_create_agent_response_format(emu: Emulator, model: str, native: bool) -> None:
    llm = chat(emu, model)
    emu.clear_requests()
    with llm:
        agent = create_agent(llm, tools=[], response_format=City)
        out = agent.invoke(
            {"messages": [("user", "Paris is in France. Which city?")]}, {"recursion_limit": 6}
        )
    assert out["structured_response"] == City(name="Paris", country="France")
    body = emu.requests[-1].body
    if native:  # provider strategy: json_schema, and no empty tools array
        assert body["response_format"]["type"] == "json_schema"
        assert "tools" not in body
    else:  # tool strategy: one forced tool call
        assert body["tools"][0]["function"]["name"] == "City"
        assert body["tool_choice"] == "required"


def test_unknown_deployment_gets_a_conservative_profile_the_user_can_override(
    emu: Emulator,
) -> None:
    unknown = chat(emu, "my-own-deployment").profile
    assert unknown is not None
    assert (unknown["max_input_tokens"], unknown["max_output_tokens"]) == (4096, 1024)
    assert "tool_calling" not in unknown  # nothing claimed
    custom = ChatAzureInference(
        endpoint=emu.foundry_endpoint,
        credential=KEY,
        model="my-own-deployment",
        profile={"max_input_tokens": 64000, "tool_calling": True},
    )
    assert custom.profile == {"max_input_tokens": 64000, "tool_calling": True}


def test_the_deployment_in_the_url_names_the_profile(emu: Emulator) -> None:
    llm = ChatAzureInference(
        endpoint=emu.openai_deployment_endpoint("gpt-4.1-mini"), credential=KEY
    )
    profile = llm.profile
    assert profile is not None
    assert profile["max_input_tokens"] == 1047576
    assert profile["image_inputs"] is True
