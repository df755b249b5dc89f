"""LlamaIndex agents end to end on the emulator: a two-tool task."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from _li_support import KEY
from llama_index.core.agent.workflow import (
    AgentStream,
    AgentWorkflow,
    FunctionAgent,
    ReActAgent,
    ToolCallResult,
)

from azure_inference_emulator import Emulator
from llamaindex_azure_inference import AzureInference

TASK = "Please compute add(a=2, b=3) and multiply(a=4, b=5)."


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


@pytest.fixture
async def llm(emu: Emulator) -> AsyncIterator[AzureInference]:
    async with AzureInference(
        endpoint=emu.foundry_endpoint, credential=KEY, model="Mistral-Large"
    ) as model:
        yield model


async def run_and_collect(handler: object) -> tuple[object, list[ToolCallResult], int]:
    results: list[ToolCallResult] = []
    stream_events = 0
    async for event in handler.stream_events():  # type: ignore[attr-defined]
        if isinstance(event, ToolCallResult):
            results.append(event)
        elif isinstance(event, AgentStream):
            stream_events += 1
    return await handler, results, stream_events  # type: ignore[misc]


async def test_streaming_function_agent_solves_a_two_tool_task(
    llm: AzureInference, emu: Emulator
) -> None:
    agent = FunctionAgent(tools=[add, multiply], llm=llm)
    assert agent.streaming  # its default: the streamed tool-call path is what runs
    before = len(emu.requests)
    output, results, streamed = await run_and_collect(agent.run(TASK))
    calls = {
        (r.tool_name, tuple(sorted(r.tool_kwargs.items())), r.tool_output.content) for r in results
    }
    assert calls == {("add", (("a", 2), ("b", 3)), "5"), ("multiply", (("a", 4), ("b", 5)), "20")}
    text = str(output)
    assert "add returned 5" in text
    assert "multiply returned 20" in text
    assert streamed > 2
    requests = emu.requests[before:]
    assert all(r.body["stream"] is True for r in requests)
    assert "parallel_tool_calls" not in requests[0].body  # never sent unasked
    # the second request carried both results back with their call ids
    second = requests[1].body["messages"]
    ids = {c["id"] for c in second[-3]["tool_calls"]}
    assert {m["tool_call_id"] for m in second[-2:]} == ids


async def test_agent_workflow_picks_function_agent(llm: AzureInference) -> None:
    workflow = AgentWorkflow.from_tools_or_functions([add, multiply], llm=llm)
    [agent] = workflow.agents.values()
    assert isinstance(agent, FunctionAgent)
    output, results, _ = await run_and_collect(workflow.run(TASK))
    assert sorted(r.tool_output.content for r in results) == ["20", "5"]
    assert "multiply returned 20" in str(output)


async def test_non_streaming_function_agent_one_call_at_a_time(
    llm: AzureInference, emu: Emulator
) -> None:
    agent = FunctionAgent(
        tools=[add, multiply], llm=llm, streaming=False, allow_parallel_tool_calls=False
    )
    before = len(emu.requests)
    output, results, _ = await run_and_collect(agent.run(TASK))
    assert [r.tool_output.content for r in results] == ["5"]  # one call per answer
    assert "parallel_tool_calls" not in emu.requests[before].body  # never sent unasked
    assert "add returned 5" in str(output)


async def test_react_agent_with_scripted_reasoning(llm: AzureInference, emu: Emulator) -> None:
    emu.script.queue('Thought: I need to add first.\nAction: add\nAction Input: {"a": 2, "b": 3}')
    emu.script.queue('Thought: Now the product.\nAction: multiply\nAction Input: {"a": 4, "b": 5}')
    emu.script.queue("Thought: I can answer without using any more tools.\nAnswer: 5 and 20")
    agent = ReActAgent(tools=[add, multiply], llm=llm)
    output, results, _ = await run_and_collect(agent.run(TASK))
    assert [(r.tool_name, r.tool_output.content) for r in results] == [
        ("add", "5"),
        ("multiply", "20"),
    ]
    assert str(output).strip() == "5 and 20"
    assert emu.script.pending == 0
