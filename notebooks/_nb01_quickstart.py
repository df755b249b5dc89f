"""Notebook 01: the core client, following the seeds' quickstart walkthrough."""

from __future__ import annotations

from ._cells import NotebookSpec, code, md

NOTEBOOK = NotebookSpec(
    "01_quickstart_core.ipynb",
    "The core client step by step, as in Azure's quickstart: key and Entra ID clients, "
    "model info, chat and usage, streaming, parameters, extra parameters, JSON output, a "
    "tool round trip, content-safety errors and an image question.",
)
add = NOTEBOOK.cells.append

add(
    md("""
# Quickstart: the core client

`azure_inference_core` is a small typed client (httpx + pydantic) for the
Azure AI Model Inference API. This notebook follows the walkthrough of Azure's
own quickstart, step by step.

**Where it runs.** With `AZURE_INFERENCE_ENDPOINT` (and `AZURE_INFERENCE_CREDENTIAL`,
or an Entra ID login) set, every cell talks to your endpoint. Otherwise the first
cell starts the local emulator in this process on a free loopback port, serving
`Mistral-Large`, so the notebook runs offline and every output below is real.
Optional: `AZURE_INFERENCE_CHAT_MODEL` (deployment name, needed on Foundry
endpoints), `AZURE_INFERENCE_VISION_ENDPOINT` and `AZURE_INFERENCE_VISION_MODEL`
(a model that accepts images, such as Phi-3-vision).
""")
)

add(
    code(
        """
import os

from azure_inference_emulator import Emulator

if os.environ.get("AZURE_INFERENCE_ENDPOINT"):
    emulator = None
    endpoint = os.environ["AZURE_INFERENCE_ENDPOINT"]
    credential = os.environ.get("AZURE_INFERENCE_CREDENTIAL")  # None: Entra ID
    chat_model = os.environ.get("AZURE_INFERENCE_CHAT_MODEL")
    vision_endpoint = os.environ.get("AZURE_INFERENCE_VISION_ENDPOINT", endpoint)
    vision_model = os.environ.get("AZURE_INFERENCE_VISION_MODEL")
else:
    # The emulator's content filter blocks the phrase of the content-safety example
    # below, as the service's filter does in Azure's walkthrough; seed=7 fixes the wording.
    emulator = Emulator(
        "Mistral-Large",
        key="emulator-key",
        seed=7,
        content_filter_phrases=["chopping tomatoes"],
    ).start()
    emulator.wait_started()
    endpoint, credential = emulator.endpoint, "emulator-key"
    chat_model = None  # the bare (serverless-style) routes serve one model
    vision_endpoint = emulator.foundry_endpoint  # body "model" picks the deployment
    vision_model = "Phi-3-vision-128k-Instruct"

print("endpoint:", endpoint, "(local emulator)" if emulator else "")
""",
        tag="setup",
    )
)

add(
    md("""
## Create a client

With a key. The key can also come from `AZURE_INFERENCE_CREDENTIAL`; it is kept
in a `SecretStr` and never shown in the client's repr.
""")
)

add(
    code(
        """
from azure_inference_core import InferenceClient

client = InferenceClient(endpoint, credential, model=chat_model)
client
""",
        tag="client",
    )
)

add(
    md("""
With **Microsoft Entra ID**, pass an azure-identity credential. The client picks
the token scope from the URL (the official SDK leaves that to you). This cell
runs only when you configured an endpoint without a key.
""")
)

add(
    code(
        """
from azure_inference_core import resolve_endpoint

if os.environ.get("AZURE_INFERENCE_ENDPOINT") and not credential:
    from azure.identity import DefaultAzureCredential

    entra_client = InferenceClient(endpoint, DefaultAzureCredential(), model=chat_model)
    print("Signed in with Entra ID:", entra_client)
else:
    print("Skipped: no Entra ID login configured for this run.")
print("Token scope this endpoint would use:", resolve_endpoint(endpoint).scopes)
""",
        tag="entra",
    )
)

add(
    md("""
## Get the model's capabilities

`/info` names the model behind a serverless or managed-compute endpoint
(Foundry and Azure OpenAI endpoints have no such route: you get a `NotFoundError`
saying so).
""")
)

add(
    code(
        """
from azure_inference_core import NotFoundError

try:
    model_info = client.get_model_info()
    print("Model name:", model_info.model_name)
    print("Model type:", model_info.model_type.value)
    print("Model provider name:", model_info.model_provider_name)
except NotFoundError as exc:
    print("No /info route on this endpoint:", exc.message)
""",
        tag="model-info",
    )
)

add(
    md("""
## Create a chat completion request
""")
)

add(
    code(
        r"""
from azure_inference_core import SystemMessage, UserMessage

messages = [
    SystemMessage(content="You are a helpful assistant."),
    UserMessage(content="How many languages are in the world?"),
]
response = client.complete(messages)

print("Response:", response.choices[0].message.content)
print("Model:", response.model)
print("Usage:")
print("\tPrompt tokens:", response.usage.prompt_tokens)
print("\tTotal tokens:", response.usage.total_tokens)
print("\tCompletion tokens:", response.usage.completion_tokens)
""",
        tag="chat",
    )
)

add(
    md("""
### Stream content

`stream()` sends the same request with `"stream": true` and yields chunks as
they arrive; the text is in each chunk's `delta`. The usage comes with the last
chunk.
""")
)

add(
    code(
        '''
def print_stream(stream):
    """Print the streamed text as it arrives; return the usage of the last chunk."""
    usage = None
    with stream:
        for update in stream:
            if update.choices and update.choices[0].delta.content:
                print(update.choices[0].delta.content, end="", flush=True)
            usage = update.usage or usage
    print()
    return usage


usage = print_stream(client.stream(messages, temperature=0, top_p=1, max_tokens=2048))
print("Usage:", usage)
''',
        tag="stream",
    )
)

add(
    md("""
### Explore more parameters

Every parameter you give is sent, zero included (`temperature=0` is a real
value, not "unset"). With the emulator we can look at the body it received.
""")
)

add(
    code(
        """
response = client.complete(
    messages,
    presence_penalty=0.1,
    frequency_penalty=0.8,
    max_tokens=2048,
    stop=["<|endoftext|>"],
    temperature=0,
    top_p=1,
    response_format={"type": "text"},
)
print(response.choices[0].message.content)
if emulator:
    sent = emulator.requests[-1].body
    print("Sent:", {k: v for k, v in sent.items() if k != "messages"})
""",
        tag="params",
    )
)

add(
    md("""
## Pass extra parameters to the model

Parameters outside the API go in `model_extras`: they are merged into the body
and the client sends the header `extra-parameters: pass-through`. Mistral-Large
accepts `safe_prompt`; a parameter the model does not support comes back as a
422, raised as `UnsupportedParameterError` naming the parameter.
""")
)

add(
    code(
        """
from azure_inference_core import UnsupportedParameterError

response = client.complete(messages, model_extras={"safe_prompt": True})
print(response.choices[0].message.content)
if emulator:
    print("extra-parameters header:", emulator.requests[-1].headers["extra-parameters"])

try:
    client.complete(messages, model_extras={"logprobs": True})
except UnsupportedParameterError as exc:
    print(f"{exc.status_code}: not supported by this model: {exc.parameters}")
""",
        tag="extras",
    )
)

add(
    md("""
## Create JSON outputs

`response_format={"type": "json_object"}` makes the model answer with valid JSON
(ask for JSON in the prompt too). Models without JSON mode, such as Phi-3,
answer 422.
""")
)

add(
    code(
        """
import json

response = client.complete(
    [
        SystemMessage(
            content="You are a helpful assistant that always answers in JSON, "
            'using the format {"answer": "response"}.'
        ),
        UserMessage(content="How many languages are in the world?"),
    ],
    response_format={"type": "json_object"},
)
answer = json.loads(response.choices[0].message.content)
print(json.dumps(answer, indent=2))
""",
        tag="json",
    )
)

add(
    md("""
## Use tools

A tool is a function the model may ask you to call. Here: flight information
between two cities, as in Azure's walkthrough.
""")
)

add(
    code(
        """
tools = [
    {
        "type": "function",
        "function": {
            "name": "get_flight_info",
            "description": "Returns information about the next flight between two "
            "cities. This includes the name of the airline, flight number and the "
            "date and time of the next flight",
            "parameters": {
                "type": "object",
                "properties": {
                    "origin_city": {
                        "type": "string",
                        "description": "The name of the city where the flight originates",
                    },
                    "destination_city": {
                        "type": "string",
                        "description": "The flight destination city",
                    },
                },
                "required": ["origin_city", "destination_city"],
            },
        },
    }
]


def get_flight_info(origin_city: str, destination_city: str) -> dict[str, str]:
    return {
        "info": f"There are no flights available from {origin_city} to "
        f"{destination_city}. You should take a train, specially if it helps to "
        "reduce CO2 emissions."
    }


messages = [
    SystemMessage(
        content="You are a helpful assistant that helps users find information about "
        "traveling, how to get to places and the different transportation options."
    ),
    UserMessage(content="When is the next flight from Miami to Seattle?"),
]
response = client.complete(messages, tools=tools, tool_choice="auto")
response_message = response.choices[0].message

print("Finish reason:", response.choices[0].finish_reason)
for tool_call in response_message.tool_calls or []:
    print("Tool call:", tool_call.function.name, tool_call.function.arguments)
""",
        tag="tool-call",
    )
)

add(
    md("""
Append the assistant's message to the history (the response message can go back
as it is), run each requested function, send its result back in a `ToolMessage`,
and ask again.
""")
)

add(
    code(
        """
from azure_inference_core import ToolMessage

messages.append(response_message)
available = {"get_flight_info": get_flight_info}
for tool_call in response_message.tool_calls or []:
    function_args = json.loads(tool_call.function.arguments)
    print(f"Calling `{tool_call.function.name}` with arguments {function_args}")
    result = available[tool_call.function.name](**function_args)
    print("->", result)
    messages.append(ToolMessage(tool_call_id=tool_call.id, content=json.dumps(result)))

response = client.complete(messages, tools=tools)
print("Answer:", response.choices[0].message.content)
""",
        tag="tool-result",
    )
)

add(
    md("""
## Apply content safety

When the content filter blocks a prompt, the service answers 400 with code
`content_filter`; the client raises `ContentFilterError` with the filter's
verdict per category in `.details`. (When it cuts an answer midway instead,
the same error carries the partial completion in `.completion`.)
""")
)

add(
    code(
        r"""
from azure_inference_core import ContentFilterError

try:
    response = client.complete(
        [
            SystemMessage(content="You are an AI assistant that helps people find information."),
            UserMessage(
                content="Chopping tomatoes and cutting them into cubes or wedges are "
                "great ways to practice your knife skills."
            ),
        ]
    )
    print(response.choices[0].message.content)
except ContentFilterError as exc:
    print(f"Your request triggered a {exc.code} error ({exc.status_code}):")
    print("\t", exc.message)
    flagged = {k: v for k, v in (exc.details or {}).items() if v.get("filtered")}
    print("Filtered categories:", flagged)
""",
        tag="content-filter",
    )
)

add(
    md("""
## Use chat completions with images

Models with vision read images sent as data URLs. We draw a tiny bar chart in
code (no download, no plotting library: a PNG is a header plus zlib-compressed
rows of pixels), show it, and ask Phi-3-vision about it.
""")
)

add(
    code(
        r'''
import base64
import struct
import zlib

from IPython.display import Image, display


def bar_chart_png(values: list[float], width: int = 120, height: int = 80) -> bytes:
    """Draw blue bars on white, one per value, and encode the pixels as a PNG."""
    slot, top = width // len(values), max(values)
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # each scanline starts with its filter type (none)
        for x in range(width):
            bar = min(x // slot, len(values) - 1)
            in_bar = 3 < x % slot < slot - 3 and height - y <= values[bar] / top * (height - 6)
            row += bytes((76, 114, 176) if in_bar else (255, 255, 255))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


image_bytes = bar_chart_png([3.8, 7, 14])  # Phi-3 mini, small, medium: billions of parameters
data_url = "data:image/png;base64," + base64.b64encode(image_bytes).decode()
display(Image(image_bytes))
''',
        tag="image-make",
    )
)

add(
    code(
        r"""
from azure_inference_core import ImageContentItem, ImageUrl, TextContentItem

with InferenceClient(vision_endpoint, credential, model=vision_model) as vision:
    response = vision.complete(
        [
            UserMessage(
                content=[
                    TextContentItem(text="Which conclusion can be extracted from this chart?"),
                    ImageContentItem(image_url=ImageUrl(url=data_url)),
                ]
            )
        ],
        temperature=0,
        top_p=1,
        max_tokens=2048,
    )
print(f"{response.choices[0].message.role}:\n\t{response.choices[0].message.content}")
print("Model:", response.model)
print("Usage:", response.usage)
""",
        tag="image",
    )
)

add(
    md("""
Close the client (and stop the emulator) when done.
""")
)

add(
    code(
        """
client.close()
if emulator:
    emulator.stop()
""",
        tag="cleanup",
    )
)
