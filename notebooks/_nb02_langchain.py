"""Notebook 02: the LangChain integration."""

from __future__ import annotations

from ._cells import NotebookSpec, code, framework_setup, image_cell, md

NOTEBOOK = NotebookSpec(
    "02_langchain.ipynb",
    "LangChain: ChatAzureInference for chat, an LCEL chain streaming its tokens, tools "
    "and an agent, structured output (function_calling, json_mode, and json_schema where "
    "the model has it), an "
    "image question, AzureInferenceEmbeddings in a vector store, and callbacks.",
)
add = NOTEBOOK.cells.append

add(
    md("""
# LangChain with the Azure AI Model Inference API

`langchain_azure_inference` provides `ChatAzureInference` (a LangChain chat model)
and `AzureInferenceEmbeddings`, built on this project's core client.

**Where it runs.** With `AZURE_INFERENCE_ENDPOINT` set (plus
`AZURE_INFERENCE_CREDENTIAL` or an Entra ID login, and the deployment names in
`AZURE_INFERENCE_CHAT_MODEL`, `AZURE_INFERENCE_EMBEDDINGS_MODEL`,
`AZURE_INFERENCE_VISION_MODEL`), the cells call your endpoint. Otherwise the first
cell starts the local emulator in this process: its Foundry-style `/models` route
serves Mistral-Large (chat, tools), Cohere-embed-v3-english and
Phi-3-vision-128k-Instruct. Every output below is real.
""")
)

add(framework_setup())

add(
    md("""
## Chat

Parameters are sent exactly as given (`temperature=0` too). The answer carries
token usage in `usage_metadata` and the service's details in `response_metadata`.
""")
)

add(
    code(
        """
from langchain_core.messages import HumanMessage, SystemMessage

from langchain_azure_inference import ChatAzureInference

llm = ChatAzureInference(endpoint=endpoint, credential=credential, model=chat_model, temperature=0)
answer = llm.invoke(
    [
        SystemMessage("You are a helpful assistant."),
        HumanMessage("How many languages are in the world?"),
    ]
)
print(answer.content)
print("usage:", answer.usage_metadata)
print("metadata:", answer.response_metadata)
""",
        tag="chat",
    )
)

add(
    md("""
## A chain that streams

An LCEL chain: prompt, model, parser. `stream()` yields text as the model writes
it; here each piece is printed the moment it arrives, separated by `|` so you can
see the pieces.
""")
)

add(
    code(
        r"""
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

prompt = ChatPromptTemplate.from_messages(
    [("system", "You are a concise travel guide."), ("user", "Give one tip for visiting {city}.")]
)
chain = prompt | llm | StrOutputParser()

pieces = []
for piece in chain.stream({"city": "Lisbon"}):
    pieces.append(piece)
    print(piece, end="|", flush=True)
print(f"\n\n{len(pieces)} pieces streamed")
""",
        tag="stream",
    )
)

add(
    md("""
## Tools

`bind_tools` accepts LangChain tools, pydantic models, functions or OpenAI-style
dicts; `tool_choice` may name a tool. The model answers with `tool_calls`; we run
the tool and send the result back in a `ToolMessage`.
""")
)

add(
    code(
        '''
from langchain_core.messages import ToolMessage
from langchain_core.tools import tool


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"Sunny, 21 °C in {city}."


@tool
def get_local_time(city: str) -> str:
    """Get the local time in a city."""
    return f"It is 14:05 in {city}."


llm_with_tools = llm.bind_tools([get_weather, get_local_time])
history = [HumanMessage("What's the weather like in Paris right now?")]
ai = llm_with_tools.invoke(history)
print("tool calls:", ai.tool_calls)

history.append(ai)
for call in ai.tool_calls:
    result = {"get_weather": get_weather, "get_local_time": get_local_time}[call["name"]].invoke(
        call
    )
    print("result:", result.content)
    history.append(result)
print("answer:", llm_with_tools.invoke(history).content)
''',
        tag="tools",
    )
)

add(
    md("""
## An agent

`langchain.agents.create_agent` loops for you: call the model, run the tools it
asks for, call it again with the results. Streaming the agent's updates shows
each step.
""")
)

add(
    code(
        """
from langchain.agents import create_agent
from langchain_core.messages import AIMessage

agent = create_agent(llm, tools=[get_weather, get_local_time], system_prompt="You help travellers.")
question = "What are the weather and the local time in Paris? Use get_weather and get_local_time."
for update in agent.stream({"messages": [HumanMessage(question)]}, stream_mode="updates"):
    for step, state in update.items():
        for message in state["messages"]:
            if isinstance(message, AIMessage) and message.tool_calls:
                for call in message.tool_calls:
                    print(f"[{step}] call {call['name']}({call['args']})")
            elif isinstance(message, ToolMessage):
                print(f"[{step}] {message.name} -> {message.content}")
            else:
                print(f"[{step}] answer: {message.content}")
""",
        tag="agent",
    )
)

add(
    md("""
## Structured output, three ways

`with_structured_output` returns instances of your schema:

- `json_schema` (the default where the model has structured outputs, e.g.
  gpt-4o): the service constrains the answer to the schema
  (`response_format: json_schema`);
- `function_calling` (the default elsewhere, e.g. Mistral-Large, which has
  JSON mode but not `json_schema`): the schema becomes a tool the model is
  forced to call;
- `json_mode`: the model must answer with a JSON object
  (`response_format: json_object`), whose shape only your prompt describes;
  without a schema you get a dict.

A method the model does not have is refused before anything is sent, with an
`UnsupportedFeatureError` that says what to use. (The emulator fills the keys a
prompt names with placeholder text; a model fills them with values.)
""")
)

add(
    code(
        r'''
from typing import Literal

from pydantic import BaseModel, Field

from langchain_azure_inference import UnsupportedFeatureError


class Trip(BaseModel):
    """A trip the user asked for."""

    origin: str = Field(description="city of departure")
    destination: str = Field(description="city of arrival")
    nights: int = Field(description="number of nights away")
    travel_mode: Literal["train", "plane", "car"]


request = "Book me a train from Lisbon to Porto for 3 nights."
trip = llm.with_structured_output(Trip).invoke(request)
print(f"{'default':17} {trip!r}")
try:
    trip = llm.with_structured_output(Trip, method="json_schema").invoke(request)
    print(f"{'json_schema':17} {trip!r}")
except UnsupportedFeatureError as error:
    print(f"{'json_schema':17} refused before sending: {error}"[:110])

as_json = llm.with_structured_output(method="json_mode").invoke(
    "Return a JSON object with 'origin' and 'destination' keys for: " + request
)
print(f"{'json_mode':17} {as_json}")
if emulator:
    sent = [
        r.body.get("response_format", r.body.get("tool_choice")) for r in emulator.requests[-2:]
    ]
    print("\nwhat was asked of the service:")
    for item in sent:
        print(" ", str(item)[:110])
''',
        tag="structured",
    )
)

add(
    md("""
## Images

Image content blocks (LangChain's standard `{"type": "image", "base64": ...}`,
or OpenAI-style `image_url`) are sent as data URLs. Phi-3-vision takes one image
per turn; more raise a clear error before anything is sent.
""")
)

add(image_cell())

add(
    code(
        """
vision = ChatAzureInference(endpoint=vision_endpoint, credential=credential, model=vision_model)
reply = vision.invoke(
    [
        HumanMessage(
            content=[
                {"type": "text", "text": "What do you see in this picture?"},
                {"type": "image", "base64": image_b64, "mime_type": "image/png"},
            ]
        )
    ]
)
print(reply.content)
""",
        tag="image",
    )
)

add(
    md("""
## Embeddings

`AzureInferenceEmbeddings` works in any LangChain vector store. For Cohere models
documents are embedded with `input_type="document"` and queries with `"query"`,
as the model expects.
""")
)

add(
    code(
        """
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_azure_inference import AzureInferenceEmbeddings

embeddings = AzureInferenceEmbeddings(
    endpoint=embeddings_endpoint, credential=credential, model=embeddings_model
)
store = InMemoryVectorStore.from_texts(
    [
        "The night train from Miami to Seattle takes 62 hours.",
        "Seattle's bike share costs 15 USD a day.",
        "Museums in Miami open at 11:00.",
    ],
    embeddings,
)
print("vector length:", len(embeddings.embed_query("hello")))
for doc, score in store.similarity_search_with_score("How long is the train ride to Seattle?", k=2):
    print(f"{score:.3f}  {doc.page_content}")
""",
        tag="embeddings",
    )
)

add(
    md("""
## Callbacks

A callback handler sees every call: here one counts streamed tokens and reports
each call's usage, and `get_usage_metadata_callback` adds up tokens per model
across a whole run.
""")
)

add(
    code(
        """
from langchain_core.callbacks import BaseCallbackHandler, get_usage_metadata_callback


class Reporter(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens = 0

    def on_chat_model_start(self, serialized, messages, **kwargs) -> None:
        print(f"start: {len(messages[0])} message(s)")

    def on_llm_new_token(self, token: str, **kwargs) -> None:
        self.tokens += 1

    def on_llm_end(self, response, **kwargs) -> None:
        message = response.generations[0][0].message
        print(f"end: {self.tokens} streamed chunks, usage {message.usage_metadata}")


with get_usage_metadata_callback() as usage:
    for _ in chain.stream({"city": "Porto"}, config={"callbacks": [Reporter()]}):
        pass
    chain.invoke({"city": "Madrid"}, config={"callbacks": [Reporter()]})
print("total usage by model:", usage.usage_metadata)
""",
        tag="callbacks",
    )
)

add(
    md("""
## The Responses API

Newer deployments (the codex family, o3-pro) answer only on the Responses API;
`ChatAzureInference` goes there for them without being asked (the core's model
table knows them), and for any model with `use_responses_api=True`. Everything
above works the same. The reasoning summary is a `reasoning` content block, the
usage counts reasoning tokens, and a second turn sends the first answer's
encrypted reasoning back, so nothing has to be stored by the service
(`store: false`); `use_previous_response_id=True` lets the service keep the
history instead. With your own endpoint, set `AZURE_INFERENCE_RESPONSES_MODEL`.
""")
)

add(
    code(
        """
import os

responses_model = os.environ.get("AZURE_INFERENCE_RESPONSES_MODEL", "codex-mini")
coder = ChatAzureInference(
    endpoint=endpoint, credential=credential, model=responses_model, reasoning_summary="auto"
)
question = HumanMessage("Write hello world in Rust")
first = coder.invoke([question])
print("blocks:", [block["type"] for block in first.content_blocks])
print("reasoning:", first.additional_kwargs["reasoning_content"].splitlines()[0])
print("reasoning tokens:", first.usage_metadata["output_token_details"]["reasoning"])
second = coder.invoke([question, first, HumanMessage("Now in Go")])
print("second turn:", second.content[:60])

weather_coder = coder.bind_tools([get_weather])
call = weather_coder.invoke("What is the weather in Paris?").tool_calls[0]
print("tool call:", call["name"], call["args"])
coder.close()
""",
        tag="responses",
    )
)

add(
    code(
        """
llm.close()
vision.close()
embeddings.close()
if emulator:
    emulator.stop()
""",
        tag="cleanup",
    )
)
