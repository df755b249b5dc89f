"""LangChain's own agent constructor and an LCEL chain, end to end on the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from _lc_mock import EMULATOR_KEY, clients
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, AIMessageChunk, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool

from azure_inference_emulator import Emulator
from langchain_azure_inference import ChatAzureInference

QUESTION = "Use get_weather and get_time for 'Paris', then summarise."


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"Sunny, 21 C in {city}."


@tool
def get_time(city: str) -> str:
    """Get the local time in a city."""
    return f"It is 12:00 in {city}."


@pytest.fixture(params=["gpt-4o-mini", "Mistral-Large", "Cohere-command-r-plus"])
def llm(request: Any, fresh_emulator: Emulator) -> Iterator[ChatAzureInference]:
    with ChatAzureInference(
        endpoint=fresh_emulator.foundry_endpoint,
        credential=EMULATOR_KEY,
        model=request.param,
        temperature=0,
    ) as model:
        yield model


def _check_run(messages: list[Any]) -> None:
    tool_messages = [m for m in messages if isinstance(m, ToolMessage)]
    assert sorted(m.name for m in tool_messages) == ["get_time", "get_weather"]
    assert "Sunny, 21 C in Paris." in [m.content for m in tool_messages]
    final = messages[-1]
    assert isinstance(final, AIMessage)
    assert final.content
    assert not final.tool_calls


def test_agent_invoke_calls_both_tools(llm: ChatAzureInference) -> None:
    agent = create_agent(llm, tools=[get_weather, get_time])
    result = agent.invoke({"messages": [("user", QUESTION)]})
    _check_run(result["messages"])


def test_agent_stream_messages_and_updates(llm: ChatAzureInference) -> None:
    agent = create_agent(llm, tools=[get_weather, get_time])
    tokens: list[AIMessageChunk] = []
    updates: list[dict[str, Any]] = []
    for mode, data in agent.stream(
        {"messages": [("user", QUESTION)]}, stream_mode=["messages", "updates"]
    ):
        if mode == "messages":
            chunk, _meta = data
            if isinstance(chunk, AIMessageChunk):
                tokens.append(chunk)
        else:
            updates.append(data)
    assert len(tokens) > 3  # streamed token by token, not one blob
    streamed_calls = [c["name"] for t in tokens for c in t.tool_call_chunks if c.get("name")]
    assert sorted(streamed_calls) == ["get_time", "get_weather"]
    messages = [m for update in updates for node in update.values() for m in node["messages"]]
    _check_run(messages)


async def test_agent_ainvoke(fresh_emulator: Emulator) -> None:
    async with ChatAzureInference(
        endpoint=fresh_emulator.foundry_endpoint, credential=EMULATOR_KEY, model="gpt-4o-mini"
    ) as model:
        agent = create_agent(model, tools=[get_weather, get_time])
        result = await agent.ainvoke({"messages": [("user", QUESTION)]})
        _check_run(result["messages"])
        assert clients(model)[0] is None


def test_lcel_chain_streams(llm: ChatAzureInference) -> None:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You answer in one sentence."), ("human", "Tell me about {topic}.")]
    )
    chain = prompt | llm | StrOutputParser()
    pieces = list(chain.stream({"topic": "Lisbon"}))
    assert len([p for p in pieces if p]) > 1
    assert all(isinstance(p, str) for p in pieces)
    assert "".join(pieces) == chain.invoke({"topic": "Lisbon"})


async def test_lcel_chain_astreams(fresh_emulator: Emulator) -> None:
    async with ChatAzureInference(
        endpoint=fresh_emulator.foundry_endpoint, credential=EMULATOR_KEY, model="Mistral-Large"
    ) as model:
        chain = ChatPromptTemplate.from_template("Say hi to {name}.") | model | StrOutputParser()
        pieces: AsyncIterator[str] = chain.astream({"name": "Ana"})
        collected = [p async for p in pieces]
        assert len([p for p in collected if p]) > 1
