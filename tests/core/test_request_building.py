"""What goes on the wire: bodies, headers, parameters, through MockTransport."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx
import pytest

from azure_inference_core import (
    AssistantMessage,
    AudioContentItem,
    ConfigurationError,
    DeveloperMessage,
    FunctionCall,
    ImageContentItem,
    ImageEmbeddingInput,
    ImageUrl,
    InputAudio,
    SystemMessage,
    TextContentItem,
    ToolCall,
    ToolMessage,
    UserMessage,
    __version__,
)

from .conftest import MESSAGES, Driver

COMPLETION = {
    "id": "c1",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}
EMBEDDINGS = {
    "id": "e1",
    "object": "list",
    "model": "embed",
    "data": [{"index": 0, "object": "embedding", "embedding": [0.5, -1.0]}],
    "usage": {"prompt_tokens": 2, "total_tokens": 2},
}


class Capture:
    """A MockTransport handler that records requests and answers a canned body."""

    def __init__(self, payload: Any = None, status: int = 200) -> None:
        self.requests: list[httpx.Request] = []
        self.payload = COMPLETION if payload is None else payload
        self.status = status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, json=self.payload)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    @property
    def body(self) -> Any:
        return json.loads(self.last.content)


async def test_headers_on_every_call(driver: Driver) -> None:
    cap = Capture()
    client = driver.client(handler=cap)
    await driver.complete(client)
    await driver.complete(client)
    first, second = cap.requests
    assert first.headers["user-agent"] == f"azure-inference-python/{__version__}"
    assert first.headers["content-type"] == "application/json"
    assert first.headers["accept"] == "application/json"
    assert first.headers["authorization"] == "Bearer test-key"
    ids = {first.headers["x-ms-client-request-id"], second.headers["x-ms-client-request-id"]}
    assert len(ids) == 2
    assert all(uuid.UUID(i).version == 4 for i in ids)
    assert "extra-parameters" not in first.headers
    assert first.method == "POST"
    assert str(first.url) == (
        "https://my-model.eastus2.models.ai.azure.com/chat/completions"
        "?api-version=2024-05-01-preview"
    )
    await driver.close(client)


async def test_zero_and_false_values_are_sent(driver: Driver) -> None:
    cap = Capture()
    client = driver.client(handler=cap)
    await driver.complete(
        client,
        temperature=0,
        top_p=0.0,
        max_tokens=0,
        seed=0,
        presence_penalty=0,
        frequency_penalty=0.0,
        parallel_tool_calls=False,
        stop=[],
    )
    body = cap.body
    assert body == {
        "messages": MESSAGES,
        "temperature": 0,
        "top_p": 0.0,
        "max_tokens": 0,
        "seed": 0,
        "presence_penalty": 0,
        "frequency_penalty": 0.0,
        "parallel_tool_calls": False,
        "stop": [],
    }


async def test_none_means_not_sent(driver: Driver) -> None:
    cap = Capture()
    client = driver.client(handler=cap)
    await driver.complete(client, temperature=None, seed=None, stop=None, tools=None)
    assert cap.body == {"messages": MESSAGES}


async def test_stop_must_be_a_list(driver: Driver) -> None:
    client = driver.client(handler=Capture())
    with pytest.raises(TypeError, match=r"stop=\['END'\]"):
        await driver.complete(client, stop="END")
    with pytest.raises(TypeError, match="list of strings"):
        await driver.complete(client, stop=[1])


async def test_unknown_keyword_is_a_type_error(driver: Driver) -> None:
    cap = Capture()
    client = driver.client(handler=cap)
    with pytest.raises(TypeError):
        await driver.complete(client, temprature=0.5)
    with pytest.raises(TypeError):
        await driver.call(client, "embed", "x", dimension=3)
    assert cap.requests == []


async def test_model_extras_merge_into_root_with_pass_through(driver: Driver) -> None:
    cap = Capture()
    client = driver.client(handler=cap)
    await driver.complete(client, model_extras={"logprobs": True, "top_logprobs": 0, "n": 1})
    assert cap.body == {"messages": MESSAGES, "logprobs": True, "top_logprobs": 0, "n": 1}
    assert cap.last.headers["extra-parameters"] == "pass-through"


@pytest.mark.parametrize("mode", ["drop", "error", "pass-through"])
async def test_extra_parameters_mode_per_call_and_per_client(driver: Driver, mode: str) -> None:
    cap = Capture()
    client = driver.client(handler=cap)
    await driver.complete(client, model_extras={"n": 2}, extra_parameters=mode)
    assert cap.last.headers["extra-parameters"] == mode
    client = driver.client(handler=cap, extra_parameters=mode)
    await driver.complete(client)
    assert cap.last.headers["extra-parameters"] == mode
    other = "drop" if mode != "drop" else "error"
    await driver.complete(client, model_extras={"n": 2}, extra_parameters=other)
    assert cap.last.headers["extra-parameters"] == other


async def test_bad_extra_parameters_mode(driver: Driver) -> None:
    client = driver.client(handler=Capture())
    with pytest.raises(ValueError, match="pass-through, drop, error"):
        await driver.complete(client, extra_parameters="passthrough")
    with pytest.raises(ValueError, match="pass-through"):
        driver.client(handler=Capture(), extra_parameters="allow")


@pytest.mark.parametrize("key", ["temperature", "model", "messages", "stream", "tools"])
async def test_model_extras_colliding_with_defined_field(driver: Driver, key: str) -> None:
    cap = Capture()
    client = driver.client(handler=cap)
    with pytest.raises(ValueError, match=f"model_extras has {key}.*keyword"):
        await driver.complete(client, model_extras={key: 1})
    assert cap.requests == []


@pytest.mark.parametrize(
    "choice",
    ["auto", "none", "required", {"type": "function", "function": {"name": "get_weather"}}],
)
async def test_tool_choice_forms_are_sent_as_given(driver: Driver, choice: Any) -> None:
    cap = Capture()
    client = driver.client(handler=cap)
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    await driver.complete(client, tools=tools, tool_choice=choice, parallel_tool_calls=True)
    assert cap.body["tool_choice"] == choice
    assert cap.body["tools"] == tools
    assert cap.body["parallel_tool_calls"] is True


async def test_bad_tool_choice(driver: Driver) -> None:
    client = driver.client(handler=Capture())
    with pytest.raises(ValueError, match=re.escape("'function': {'name': 'get_weather'}")):
        await driver.complete(client, tool_choice="get_weather")
    with pytest.raises(ValueError, match="must look like"):
        await driver.complete(client, tool_choice={"type": "function"})
    with pytest.raises(TypeError, match="tools must be a list"):
        await driver.complete(client, tools={"type": "function"})


@pytest.mark.parametrize(
    "fmt",
    [
        {"type": "text"},
        {"type": "json_object"},
        {
            "type": "json_schema",
            "json_schema": {
                "name": "answer-v1_x",
                "schema": {"type": "object", "properties": {"a": {"type": "integer"}}},
                "description": "d",
                "strict": True,
            },
        },
    ],
)
async def test_response_format_dicts_are_sent_as_given(driver: Driver, fmt: Any) -> None:
    cap = Capture()
    client = driver.client(handler=cap)
    await driver.complete(client, response_format=fmt)
    assert cap.body["response_format"] == fmt


async def test_bad_response_format(driver: Driver) -> None:
    client = driver.client(handler=Capture())
    with pytest.raises(ValueError, match="text, json_object, json_schema"):
        await driver.complete(client, response_format={"type": "json"})
    with pytest.raises(ValueError, match="1-64 characters"):
        await driver.complete(
            client,
            response_format={"type": "json_schema", "json_schema": {"name": "has space"}},
        )
    with pytest.raises(TypeError, match="must be a dict"):
        await driver.complete(client, response_format="json_object")


async def test_typed_messages_become_wire_dicts(driver: Driver) -> None:
    cap = Capture()
    client = driver.client(handler=cap)
    messages = [
        SystemMessage(content="sys"),
        DeveloperMessage(content="dev"),
        UserMessage(
            content=[
                TextContentItem(text="look"),
                ImageContentItem(
                    image_url=ImageUrl(url="data:image/png;base64,AAAA", detail="low")
                ),
                AudioContentItem(input_audio=InputAudio(data="UklG", format="wav")),
            ],
            name="alice",
        ),
        AssistantMessage(
            content=None,
            tool_calls=[
                ToolCall(id="call_1", function=FunctionCall(name="f", arguments='{"a": 1}'))
            ],
        ),
        ToolMessage(tool_call_id="call_1", content="42"),
    ]
    await driver.complete(client, messages)
    assert cap.body["messages"] == [
        {"role": "system", "content": "sys"},
        {"role": "developer", "content": "dev"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "look"},
                {
                    "type": "image_url",
                    "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"},
                },
                {"type": "input_audio", "input_audio": {"data": "UklG", "format": "wav"}},
            ],
            "name": "alice",
        },
        {
            "role": "assistant",  # no "content": the SDKs omit it on tool-call turns
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "f", "arguments": '{"a": 1}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "42"},
    ]


async def test_bad_messages(driver: Driver) -> None:
    client = driver.client(handler=Capture())
    with pytest.raises(TypeError, match="list of messages"):
        await driver.complete(client, "hello")
    with pytest.raises(TypeError, match=r"messages\[0\] is a int"):
        await driver.complete(client, [1])
    with pytest.raises(ValueError, match="no 'role'"):
        await driver.complete(client, [{"content": "x"}])
    with pytest.raises(ValueError, match="extra"):
        UserMessage(content="x", contnet="y")  # type: ignore[call-arg]


async def test_model_from_client_and_per_call(driver: Driver) -> None:
    cap = Capture()
    client = driver.client(handler=cap, model="dep-a")
    await driver.complete(client)
    assert cap.body["model"] == "dep-a"
    await driver.complete(client, model="dep-b")
    assert cap.body["model"] == "dep-b"


async def test_per_call_headers_and_default_headers(driver: Driver) -> None:
    cap = Capture()
    client = driver.client(handler=cap, default_headers={"azureml-model-deployment": "blue"})
    await driver.complete(client, headers={"x-emulator-fault": "429"})
    assert cap.last.headers["azureml-model-deployment"] == "blue"
    assert cap.last.headers["x-emulator-fault"] == "429"
    await driver.complete(client)
    assert "x-emulator-fault" not in cap.last.headers


async def test_header_values_with_crlf_are_rejected(driver: Driver) -> None:
    cap = Capture()
    client = driver.client(handler=cap)
    with pytest.raises(ConfigurationError, match="CR or LF"):
        await driver.complete(client, headers={"x-a": "b\r\nInjected: 1"})
    with pytest.raises(ConfigurationError, match="CR or LF"):
        driver.client(handler=cap, default_headers={"x-a": "b\nc"})
    with pytest.raises(ConfigurationError, match="<redacted>"):
        driver.client(handler=cap, credential="key\r\nX: y")
    assert cap.requests == []


async def test_per_call_timeout(driver: Driver) -> None:
    cap = Capture()
    client = driver.client(handler=cap, timeout=httpx.Timeout(5.0, connect=2.0))
    await driver.complete(client)
    assert cap.last.extensions["timeout"] == {
        "connect": 2.0,
        "read": 5.0,
        "write": 5.0,
        "pool": 5.0,
    }
    await driver.complete(client, timeout=1.5)
    assert cap.last.extensions["timeout"] == {
        "connect": 1.5,
        "read": 1.5,
        "write": 1.5,
        "pool": 1.5,
    }


async def test_stream_body_and_accept(driver: Driver) -> None:
    cap_requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        cap_requests.append(request)
        return httpx.Response(200, content=b"data: [DONE]\n\n")

    client = driver.client(handler=handler)
    assert await driver.stream(client, temperature=0) == []
    body = json.loads(cap_requests[0].content)
    assert body == {"messages": MESSAGES, "temperature": 0, "stream": True}
    assert cap_requests[0].headers["accept"] == "text/event-stream"


async def test_embed_bodies(driver: Driver) -> None:
    cap = Capture(EMBEDDINGS)
    client = driver.client(handler=cap)
    result = await driver.call(
        client, "embed", ["a", "b"], dimensions=0, encoding_format="float", input_type="query"
    )
    assert str(cap.last.url).endswith("/embeddings?api-version=2024-05-01-preview")
    assert cap.body == {
        "input": ["a", "b"],
        "dimensions": 0,
        "encoding_format": "float",
        "input_type": "query",
    }
    assert result.data[0].embedding == [0.5, -1.0]
    await driver.call(client, "embed", "single", model_extras={"truncate": "END"})
    assert cap.body == {"input": ["single"], "truncate": "END"}
    assert cap.last.headers["extra-parameters"] == "pass-through"
    with pytest.raises(TypeError, match="string or a list"):
        await driver.call(client, "embed", [1, 2])
    with pytest.raises(ValueError, match="empty"):
        await driver.call(client, "embed", [])


async def test_embed_images_body(driver: Driver) -> None:
    cap = Capture(EMBEDDINGS)
    client = driver.client(handler=cap)
    await driver.call(
        client,
        "embed_images",
        [ImageEmbeddingInput(image="data:image/png;base64,AAAA", text="cat"), {"image": "data:x"}],
        dimensions=1024,
    )
    assert str(cap.last.url).endswith("/images/embeddings?api-version=2024-05-01-preview")
    assert cap.body == {
        "input": [{"image": "data:image/png;base64,AAAA", "text": "cat"}, {"image": "data:x"}],
        "dimensions": 1024,
    }
    with pytest.raises(ValueError, match="no 'image'"):
        await driver.call(client, "embed_images", [{"text": "x"}])


async def test_info_is_get_and_cached_and_never_implicit(driver: Driver) -> None:
    cap = Capture(
        {"model_name": "Phi", "model_type": "chat_completion", "model_provider_name": "MS"}
    )
    client = driver.client(handler=cap)
    assert cap.requests == []  # the constructor sends nothing
    info = await driver.call(client, "get_model_info")
    again = await driver.call(client, "get_model_info")
    assert info is again
    assert len(cap.requests) == 1
    request = cap.last
    assert request.method == "GET"
    assert request.content == b""
    assert str(request.url).endswith("/info?api-version=2024-05-01-preview")
    assert info.is_chat_model


async def test_foundry_without_model_fails_before_sending(driver: Driver) -> None:
    cap = Capture()
    client = driver.client("https://res.services.ai.azure.com/models", handler=cap)
    with pytest.raises(ConfigurationError, match=r"no_model_name.*model="):
        await driver.complete(client)
    await driver.complete(client, headers={"x-ms-model-mesh-model-name": "dep"})
    await driver.complete(client, model="dep")
    assert cap.body["model"] == "dep"
    assert cap.last.headers["api-key"] == "test-key"
    assert "authorization" not in cap.last.headers


async def test_caller_http_client_is_not_closed(driver: Driver) -> None:
    client = driver.client(handler=Capture())
    http = client._http
    await driver.close(client)
    assert not http.is_closed
    own = driver.client()
    await driver.close(own)
    assert own._http.is_closed


async def test_context_managers(driver: Driver) -> None:
    client = driver.client()
    if driver.is_async:
        async with client as entered:
            assert entered is client
    else:
        with client as entered:
            assert entered is client
    assert client._http.is_closed


def test_wrong_http_client_type() -> None:
    from azure_inference_core import AsyncInferenceClient, InferenceClient

    wrong_async = httpx.AsyncClient()
    wrong_sync = httpx.Client()
    with pytest.raises(ConfigurationError, match=r"httpx\.Client"):
        InferenceClient("https://x.models.ai.azure.com", "k", http_client=wrong_async)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"httpx\.AsyncClient"):
        AsyncInferenceClient("https://x.models.ai.azure.com", "k", http_client=wrong_sync)  # type: ignore[arg-type]
    wrong_sync.close()


async def test_caller_headers_merge_case_insensitively(driver: Driver) -> None:
    cap = Capture()
    client = driver.client(handler=cap, default_headers={"User-Agent": "my-app/1.0"})
    await driver.complete(client, headers={"X-MS-Client-Request-Id": "my-id", "Accept": "*/*"})
    request = cap.last
    assert request.headers.get_list("user-agent") == ["my-app/1.0"]
    assert request.headers.get_list("x-ms-client-request-id") == ["my-id"]
    assert request.headers.get_list("accept") == ["*/*"]


async def test_caller_client_defaults_still_apply(driver: Driver) -> None:
    cap = Capture()
    transport = httpx.MockTransport(cap)
    http = (
        httpx.AsyncClient(transport=transport, headers={"x-corp-proxy": "yes", "accept": "x/y"})
        if driver.is_async
        else httpx.Client(transport=transport, headers={"x-corp-proxy": "yes", "accept": "x/y"})
    )
    client = driver.client(http_client=http)
    await driver.complete(client)
    assert cap.last.headers["x-corp-proxy"] == "yes"
    assert cap.last.headers.get_list("accept") == ["application/json"]  # ours wins


@pytest.mark.parametrize(
    ("endpoint", "header"),
    [
        ("https://my-model.eastus2.models.ai.azure.com", "pass-through"),
        ("https://res.services.ai.azure.com/models", "pass-through"),
        ("https://res.openai.azure.com/openai/deployments/gpt-4o", None),
        ("https://res.openai.azure.com/openai/v1", None),
    ],
)
async def test_parallel_tool_calls_needs_pass_through_off_openai_routes(
    driver: Driver, endpoint: str, header: str | None
) -> None:
    cap = Capture()
    client = driver.client(endpoint, handler=cap, model="dep")
    await driver.complete(client, parallel_tool_calls=False)
    assert cap.body["parallel_tool_calls"] is False
    assert cap.last.headers.get("extra-parameters") == header
    await driver.complete(client, parallel_tool_calls=False, extra_parameters="drop")
    assert cap.last.headers["extra-parameters"] == "drop"


async def test_previous_answer_can_be_appended_to_history(driver: Driver) -> None:
    from azure_inference_core import ChatCompletion

    answer = (
        ChatCompletion.model_validate(
            {
                "choices": [
                    {
                        "message": {
                            "role": "assistant",
                            "content": "",
                            "reasoning_content": "private",
                            "tool_calls": [
                                {
                                    "id": "abc0dF1gh",
                                    "type": "function",
                                    "function": {"name": "get_flight_info", "arguments": "{}"},
                                }
                            ],
                        }
                    }
                ]
            }
        )
        .choices[0]
        .message
    )
    cap = Capture()
    client = driver.client(handler=cap)
    await driver.complete(
        client, [*MESSAGES, answer, ToolMessage(tool_call_id="abc0dF1gh", content="{}")]
    )
    assert cap.body["messages"][1] == {
        "role": "assistant",  # Mistral's "content": "" is not sent back, as the SDKs do
        "tool_calls": [
            {
                "id": "abc0dF1gh",
                "type": "function",
                "function": {"name": "get_flight_info", "arguments": "{}"},
            }
        ],
    }
