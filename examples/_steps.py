"""The demo's five steps. Each prints what happens as it happens and returns a
one-line outcome for the summary; each raises ``StepFailed`` when what it
produced is not what the step promises (no tokens, no tool call, no source).

Frameworks are imported inside the steps, so the banner shows at once and a
missing extra fails one step with a clear message instead of the whole demo.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import json
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._png import sunset_png

__all__ = ["STEPS", "Log", "StepFailed", "Target", "preload"]

DATA_DIR = Path(__file__).resolve().parent / "data"


class StepFailed(Exception):
    """A step ran but did not produce what it promises."""


@dataclass(frozen=True)
class Target:
    """Where each kind of model lives (endpoint URL, deployment name)."""

    description: str
    endpoint: str
    credential: str | None
    chat_model: str | None
    embeddings_endpoint: str
    embeddings_model: str | None
    vision_endpoint: str
    vision_model: str | None


class Log:
    """Indented, flushed output, so each event shows the moment it happens."""

    def __init__(self, write: Callable[[str], Any] | None = None) -> None:
        self._write = write

    def raw(self, text: str) -> None:
        if self._write is not None:
            self._write(text)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()

    def line(self, label: str, text: str = "") -> None:
        prefix = f"    {label:<11}"
        body = textwrap.fill(
            " ".join(text.split()),
            width=100,
            initial_indent=prefix,
            subsequent_indent=" " * len(prefix),
        )
        self.raw((body if text else prefix.rstrip()) + "\n")


def _arguments(args: Any) -> str:
    return json.dumps(args, ensure_ascii=False)


# -- 1. LangChain: a streaming chain -----------------------------------------------


def langchain_chain(target: Target, log: Log) -> str:
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    from langchain_azure_inference import ChatAzureInference

    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "You are a concise travel guide."),
            ("user", "Give one tip for visiting {city}."),
        ]
    )
    with ChatAzureInference(
        endpoint=target.endpoint, credential=target.credential, model=target.chat_model
    ) as model:
        chain = prompt | model | StrOutputParser()
        log.line("chain", "prompt | ChatAzureInference | StrOutputParser, city=Lisbon")
        log.raw("    tokens     ")
        pieces = []
        for token in chain.stream({"city": "Lisbon"}):
            pieces.append(token)
            log.raw(token)
        log.raw("\n")
    if not "".join(pieces).strip():
        raise StepFailed("the chain streamed no text")
    return f"{sum(1 for p in pieces if p)} chunks streamed"


# -- 2. LangChain: an agent with two tools ------------------------------------------


def langchain_agent(target: Target, log: Log) -> str:
    from langchain.agents import create_agent
    from langchain_core.messages import AIMessage, ToolMessage
    from langchain_core.tools import tool

    from langchain_azure_inference import ChatAzureInference

    @tool
    def get_weather(city: str) -> str:
        """Get the current weather in a city."""
        return f"Sunny, 21 °C in {city}."

    @tool
    def get_local_time(city: str) -> str:
        """Get the local time in a city."""
        return f"It is 14:05 in {city}."

    question = (
        "What are the weather and the local time in Paris? Use get_weather and get_local_time."
    )
    calls = 0
    answer = ""
    with ChatAzureInference(
        endpoint=target.endpoint, credential=target.credential, model=target.chat_model
    ) as model:
        agent = create_agent(
            model, tools=[get_weather, get_local_time], system_prompt="You help travellers."
        )
        log.line("user", question)
        for update in agent.stream(
            {"messages": [{"role": "user", "content": question}]}, stream_mode="updates"
        ):
            for node in update.values():
                for message in (node or {}).get("messages", []):
                    if isinstance(message, AIMessage) and message.tool_calls:
                        for call in message.tool_calls:
                            calls += 1
                            log.line("→ call", f"{call['name']}({_arguments(call['args'])})")
                    elif isinstance(message, ToolMessage):
                        log.line("← result", f"{message.name}: {message.text}")
                    elif isinstance(message, AIMessage):
                        answer = message.text
                        log.line("answer", answer)
    if calls == 0:
        raise StepFailed("the agent answered without calling a tool")
    if not answer:
        raise StepFailed("the agent gave no final answer")
    return f"{calls} tool calls, then an answer"


# -- 3. LlamaIndex: a FunctionAgent with two tools ----------------------------------


def llamaindex_agent(target: Target, log: Log) -> str:
    from llama_index.core.agent.workflow import (
        AgentStream,
        FunctionAgent,
        ToolCall,
        ToolCallResult,
    )

    from llamaindex_azure_inference import AzureInference

    def get_hotel_price(city: str) -> str:
        """Get the average hotel price per night in a city."""
        return f"Hotels in {city} average 180 USD per night."

    def find_events(city: str) -> str:
        """Find concerts and events this weekend in a city."""
        return f"{city}: a jazz festival on Saturday, a farmers market on Sunday."

    question = "I am spending a weekend in Seattle. Use get_hotel_price and find_events."

    async def run() -> tuple[int, str]:
        calls, streamed = 0, False
        async with AzureInference(
            endpoint=target.endpoint, credential=target.credential, model=target.chat_model
        ) as llm:
            agent = FunctionAgent(
                tools=[get_hotel_price, find_events], llm=llm, system_prompt="You plan trips."
            )
            log.line("user", question)
            handler = agent.run(user_msg=question)
            async for event in handler.stream_events():
                if isinstance(event, ToolCallResult):
                    log.line("← result", f"{event.tool_name}: {event.tool_output.content}")
                elif isinstance(event, ToolCall):
                    calls += 1
                    log.line("→ call", f"{event.tool_name}({_arguments(event.tool_kwargs)})")
                elif isinstance(event, AgentStream) and event.delta:
                    if not streamed:
                        log.raw("    answer     ")
                        streamed = True
                    log.raw(event.delta)
            if streamed:
                log.raw("\n")
            result = await handler
        return calls, str(result)

    calls, answer = asyncio.run(run())
    if calls == 0:
        raise StepFailed("the agent answered without calling a tool")
    if not answer.strip():
        raise StepFailed("the agent gave no final answer")
    return f"{calls} tool calls, answer streamed"


# -- 4. LlamaIndex: retrieval-augmented answer ---------------------------------------


def llamaindex_rag(target: Target, log: Log) -> str:
    from llama_index.core import PromptTemplate, SimpleDirectoryReader, VectorStoreIndex

    from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding

    documents = SimpleDirectoryReader(str(DATA_DIR), required_exts=[".md"]).load_data()
    for document in documents:  # the model sees the file name (to cite it), not the local path
        document.excluded_llm_metadata_keys = [
            key for key in document.metadata if key != "file_name"
        ]
        document.excluded_embed_metadata_keys = list(document.metadata)
    log.line("indexing", ", ".join(sorted(d.metadata["file_name"] for d in documents)))
    prompt = PromptTemplate(
        "Answer the question using only the notes below, and cite the file name you used "
        "in brackets.\nNotes:\n{context_str}\nQuestion: {query_str}\n"
    )
    question = "How long does the night train from Miami to Seattle take?"
    with (
        AzureInferenceEmbedding(
            endpoint=target.embeddings_endpoint,
            credential=target.credential,
            model=target.embeddings_model,
        ) as embed_model,
        AzureInference(
            endpoint=target.endpoint, credential=target.credential, model=target.chat_model
        ) as llm,
    ):
        index = VectorStoreIndex.from_documents(documents, embed_model=embed_model)
        engine = index.as_query_engine(llm=llm, similarity_top_k=1, text_qa_template=prompt)
        log.line("question", question)
        response = engine.query(question)
    if not response.source_nodes:
        raise StepFailed("nothing was retrieved")
    for number, source in enumerate(response.source_nodes, start=1):
        text = " ".join(source.node.get_content().split())
        name = source.node.metadata.get("file_name", "?")
        log.line(f"source [{number}]", f"{name} (score {source.score or 0:.2f}): {text}")
    answer = str(response)  # the answer text (an empty query result prints "None")
    if not answer.strip() or answer == "None":
        raise StepFailed("the query engine gave no answer")
    log.line("answer", answer)
    return f"answered from {response.source_nodes[0].node.metadata.get('file_name')}"


# -- 5. An image question to a vision model ------------------------------------------


def vision(target: Target, log: Log) -> str:
    from azure_inference_core import (
        ImageContentItem,
        ImageUrl,
        InferenceClient,
        TextContentItem,
        UserMessage,
    )

    image = sunset_png()
    data_url = "data:image/png;base64," + base64.b64encode(image).decode("ascii")
    question = "What do you see in this picture?"
    log.line("image", f"PNG drawn in code, {len(image):,} bytes, sent as a data URL")
    log.line("user", question)
    with InferenceClient(
        target.vision_endpoint, target.credential, model=target.vision_model
    ) as client:
        response = client.complete(
            [
                UserMessage(
                    content=[
                        TextContentItem(text=question),
                        ImageContentItem(image_url=ImageUrl(url=data_url)),
                    ]
                )
            ],
            temperature=0,
        )
    answer = response.choices[0].message.content or ""
    if not answer.strip():
        raise StepFailed("the vision model gave no answer")
    log.line("answer", answer)
    return f"{response.model}, {response.usage.total_tokens if response.usage else '?'} tokens"


#: Modules the steps import, loaded up front by ``preload`` so that step times
#: measure the work, not Python importing the frameworks.
FRAMEWORK_MODULES = (
    "langchain_core.prompts",
    "langchain.agents",
    "langchain_azure_inference",
    "llama_index.core",
    "llama_index.core.agent.workflow",
    "llamaindex_azure_inference",
)


def preload() -> list[str]:
    """Import the frameworks; return the modules that failed (their step will say why)."""
    missing = []
    for name in FRAMEWORK_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


STEPS: list[tuple[str, Callable[[Target, Log], str]]] = [
    ("LangChain streaming chain", langchain_chain),
    ("LangChain agent, two tools", langchain_agent),
    ("LlamaIndex FunctionAgent, two tools", llamaindex_agent),
    ("LlamaIndex RAG over local notes", llamaindex_rag),
    ("Image question (vision model)", vision),
]
