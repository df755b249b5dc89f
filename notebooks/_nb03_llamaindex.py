"""Notebook 03: the LlamaIndex integration."""

from __future__ import annotations

from ._cells import NotebookSpec, code, framework_setup, image_cell, md

NOTEBOOK = NotebookSpec(
    "03_llamaindex.ipynb",
    "LlamaIndex: AzureInference for chat and streaming, a FunctionAgent calling tools, "
    "RAG over a VectorStoreIndex with AzureInferenceEmbedding, structured_predict into a "
    "pydantic model, and an image question.",
)
add = NOTEBOOK.cells.append

add(
    md("""
# LlamaIndex with the Azure AI Model Inference API

`llamaindex_azure_inference` provides `AzureInference` (a function-calling LLM)
and `AzureInferenceEmbedding` (text and image embeddings), built on this project's
core client. Model capabilities (context window, tool calling) come from a table
keyed by the model name: nothing is fetched from the service to learn them.

**Where it runs.** With `AZURE_INFERENCE_ENDPOINT` set (plus
`AZURE_INFERENCE_CREDENTIAL` or an Entra ID login, and the deployment names in
`AZURE_INFERENCE_CHAT_MODEL`, `AZURE_INFERENCE_EMBEDDINGS_MODEL`,
`AZURE_INFERENCE_VISION_MODEL`), the cells call your endpoint. Otherwise the first
cell starts the local emulator in this process, serving Mistral-Large,
Cohere-embed-v3-english and Phi-3-vision-128k-Instruct. Every output is real.
""")
)

add(framework_setup())

add(
    md("""
## Chat
""")
)

add(
    code(
        """
from llama_index.core.llms import ChatMessage

from llamaindex_azure_inference import AzureInference

llm = AzureInference(endpoint=endpoint, credential=credential, model=chat_model, temperature=0)
print(llm.metadata)

response = llm.chat(
    [
        ChatMessage(role="system", content="You are a helpful assistant."),
        ChatMessage(role="user", content="How many languages are in the world?"),
    ]
)
print(response.message.content)
print(
    "usage:",
    {
        k: response.additional_kwargs[k]
        for k in ("prompt_tokens", "completion_tokens", "total_tokens")
    },
)
""",
        tag="chat",
    )
)

add(
    md("""
## Streaming

`stream_chat` yields the text as it arrives (`delta`); the last piece carries
the usage.
""")
)

add(
    code(
        r"""
pieces = 0
for partial in llm.stream_chat(
    [ChatMessage(role="user", content="Give one tip for visiting Lisbon.")]
):
    if partial.delta:
        pieces += 1
        print(partial.delta, end="|", flush=True)
total = partial.additional_kwargs.get("total_tokens")
print(f"\n\n{pieces} pieces; usage on the last one: total_tokens={total}")
""",
        tag="stream",
    )
)

add(
    md("""
## A FunctionAgent with tools

Plain Python functions become tools (their docstrings describe them). The agent
streams events: each tool call with its arguments, each result, then the answer
token by token.
""")
)

add(
    code(
        r'''
from llama_index.core.agent.workflow import AgentStream, FunctionAgent, ToolCall, ToolCallResult


def get_hotel_price(city: str) -> str:
    """Get the average hotel price per night in a city."""
    return f"Hotels in {city} average 180 USD per night."


def find_events(city: str) -> str:
    """Find concerts and events this weekend in a city."""
    return f"{city}: a jazz festival on Saturday, a farmers market on Sunday."


agent = FunctionAgent(
    tools=[get_hotel_price, find_events], llm=llm, system_prompt="You plan trips."
)
handler = agent.run(
    user_msg="I am spending a weekend in Seattle. Use get_hotel_price and find_events."
)
async for event in handler.stream_events():
    if isinstance(event, ToolCallResult):
        print(f"result: {event.tool_name} -> {event.tool_output.content}")
    elif isinstance(event, ToolCall):
        print(f"call:   {event.tool_name}({event.tool_kwargs})")
    elif isinstance(event, AgentStream) and event.delta:
        print(event.delta, end="", flush=True)
result = await handler
print("\n\nfinal:", str(result)[:120], "...")
''',
        tag="agent",
    )
)

add(
    md("""
## Retrieval-augmented generation

A `VectorStoreIndex` embeds the documents with `AzureInferenceEmbedding` (for
Cohere models, documents as `input_type="document"`, the question as `"query"`),
retrieves the closest one, and the LLM answers from it. The source nodes say what
the answer was built on. (The emulator's answer quotes the prompt it received,
so you can see the retrieved note arrive inside LlamaIndex's question-answering
prompt.)
""")
)

add(
    code(
        r"""
from llama_index.core import Document, VectorStoreIndex

from llamaindex_azure_inference import AzureInferenceEmbedding

embed_model = AzureInferenceEmbedding(
    endpoint=embeddings_endpoint, credential=credential, model=embeddings_model
)
notes = {
    "night-train.md": "The Contoso night train from Miami to Seattle takes 62 hours "
    "and leaves Miami Central daily at 21:40.",
    "seattle-hotels.md": "Hotels near King Street Station cost about 180 USD a night in summer.",
    "seattle-bikes.md": "Seattle's bike share has 2,000 bikes; a day pass costs 15 USD.",
    "miami-museums.md": "The Pérez Art Museum opens at 11:00 and is free on first Thursdays.",
}
documents = [Document(text=text, metadata={"source": name}) for name, text in notes.items()]
index = VectorStoreIndex.from_documents(documents, embed_model=embed_model)
engine = index.as_query_engine(llm=llm, similarity_top_k=1)

answer = engine.query("How long does the night train from Miami to Seattle take?")
for node in answer.source_nodes:
    print(f"retrieved [{node.metadata['source']}] score {node.score:.2f}: {node.get_content()}")
print("\nanswer:", answer.response)
""",
        tag="rag",
    )
)

add(
    md("""
## Structured prediction

`structured_predict` fills a pydantic model. `AzureInference` is a function-calling
LLM, so LlamaIndex forces a call to a tool shaped like the model (no text parsing).
""")
)

add(
    code(
        '''
from typing import Literal

from llama_index.core import PromptTemplate
from pydantic import BaseModel, Field


class Trip(BaseModel):
    """A trip the user asked for."""

    origin: str = Field(description="city of departure")
    destination: str = Field(description="city of arrival")
    nights: int = Field(description="number of nights away")
    travel_mode: Literal["train", "plane", "car"]


trip = llm.structured_predict(
    Trip,
    PromptTemplate("Extract the trip from: {text}"),
    text="A train from Lisbon to Porto for 3 nights.",
)
print(repr(trip))
if emulator:
    print("tool_choice sent:", emulator.requests[-1].body.get("tool_choice"))
''',
        tag="structured",
    )
)

add(
    md("""
## Images

`ImageBlock`s in a `ChatMessage` are sent as data URLs to a vision model.
""")
)

add(image_cell())

add(
    code(
        """
from llama_index.core.llms import ImageBlock, TextBlock

vision = AzureInference(endpoint=vision_endpoint, credential=credential, model=vision_model)
reply = vision.chat(
    [
        ChatMessage(
            role="user",
            blocks=[
                TextBlock(text="What do you see in this picture?"),
                ImageBlock(image=image_bytes, image_mimetype="image/png"),
            ],
        )
    ]
)
print(reply.message.content)
""",
        tag="image",
    )
)

add(
    md("""
## The Responses API

Newer deployments (the codex family, o3-pro) answer only on the Responses API;
`AzureInference` goes there for them without being asked (the core's model
table knows them), and for any model with `use_responses_api=True`. Chat,
streaming, agents and `structured_predict` work the same; reasoning comes back
as a `ThinkingBlock` whose `additional_information` holds the encrypted
reasoning, sent back with the message on the next turn (nothing stored by the
service; `use_previous_response_id=True` lets it keep the history instead).
With your own endpoint, set `AZURE_INFERENCE_RESPONSES_MODEL`.
""")
)

add(
    code(
        """
import os

from llama_index.core.base.llms.types import ThinkingBlock

responses_model = os.environ.get("AZURE_INFERENCE_RESPONSES_MODEL", "codex-mini")
coder = AzureInference(
    endpoint=endpoint, credential=credential, model=responses_model, reasoning_summary="auto"
)
question = ChatMessage(role="user", content="Write hello world in Rust")
first = coder.chat([question])
thinking = next(b for b in first.message.blocks if isinstance(b, ThinkingBlock))
print("thinking:", thinking.content.splitlines()[0])
print("reasoning tokens:", first.additional_kwargs["reasoning_tokens"])
second = coder.chat([question, first.message, ChatMessage(role="user", content="Now in Go")])
print("second turn:", second.message.content[:60])

agent = FunctionAgent(tools=[get_hotel_price], llm=coder)
handler = agent.run(user_msg="What do hotels cost in Seattle? Use get_hotel_price.")
async for event in handler.stream_events():
    if isinstance(event, ToolCall):
        print(f"call:   {event.tool_name}({event.tool_kwargs})")
print("final:", str(await handler)[:60], "...")
await coder.aclose()
""",
        tag="responses",
    )
)

add(
    code(
        """
await llm.aclose()  # the agent used the async client; this closes both
vision.close()
embed_model.close()
if emulator:
    emulator.stop()
""",
        tag="cleanup",
    )
)
