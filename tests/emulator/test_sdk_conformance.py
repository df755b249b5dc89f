"""The official azure-ai-inference SDK, used as the seed documents use it, against the emulator.

If the real SDK parses our answers and errors, the emulator speaks the real protocol.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from azure.ai.inference import ChatCompletionsClient, EmbeddingsClient, ImageEmbeddingsClient
from azure.ai.inference.aio import ChatCompletionsClient as AsyncChatCompletionsClient
from azure.ai.inference.models import (
    AssistantMessage,
    ChatCompletionsToolDefinition,
    CompletionsFinishReason,
    EmbeddingInputType,
    FunctionDefinition,
    ImageContentItem,
    ImageEmbeddingInput,
    ImageUrl,
    JsonSchemaFormat,
    SystemMessage,
    TextContentItem,
    ToolMessage,
    UserMessage,
)
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError

from azure_inference_emulator import Emulator

from .conftest import image_data_url

KEY = "sdk-key"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(
        "Mistral-Large",
        key=KEY,
        content_filter_phrases=["tomatoes"],
        requests_per_minute=None,
        tokens_per_minute=None,
    ) as emulator:
        yield emulator


@pytest.fixture
def client(emu: Emulator) -> Iterator[ChatCompletionsClient]:
    with ChatCompletionsClient(endpoint=emu.endpoint, credential=AzureKeyCredential(KEY)) as c:
        yield c


def test_model_info(client: ChatCompletionsClient) -> None:
    info = client.get_model_info()
    assert info.model_name == "Mistral-Large"
    assert info.model_type == "chat-completion"
    assert info.model_provider_name == "MistralAI"


def test_chat_and_parameters(client: ChatCompletionsClient) -> None:
    response = client.complete(
        messages=[
            SystemMessage(content="You are a helpful assistant."),
            UserMessage(content="How many languages are in the world?"),
        ],
        presence_penalty=0.1,
        frequency_penalty=0.8,
        max_tokens=2048,
        stop=["<|endoftext|>"],
        temperature=0,
        top_p=1,
        seed=42,
    )
    assert response.choices[0].finish_reason == CompletionsFinishReason.STOPPED
    assert "How many languages are in the world?" in response.choices[0].message.content
    assert response.model == "Mistral-Large"
    assert response.usage.total_tokens == response.usage.prompt_tokens + (
        response.usage.completion_tokens
    )


def test_streaming(client: ChatCompletionsClient) -> None:
    result = client.complete(
        messages=[UserMessage(content="Stream this please")], temperature=0, stream=True
    )
    pieces = [
        u.choices[0].delta.content for u in result if u.choices and u.choices[0].delta.content
    ]
    assert len(pieces) > 3
    whole = client.complete(messages=[UserMessage(content="Stream this please")], temperature=0)
    assert "".join(pieces) == whole.choices[0].message.content


async def test_async_streaming(emu: Emulator) -> None:
    async with AsyncChatCompletionsClient(
        endpoint=emu.endpoint, credential=AzureKeyCredential(KEY)
    ) as client:
        result = await client.complete(messages=[UserMessage(content="async")], stream=True)
        # Closed explicitly: left to the garbage collector, the SDK's aiohttp
        # connection warns as unclosed in whichever later test collects it.
        async with result:
            text = "".join([u.choices[0].delta.content or "" async for u in result if u.choices])
    assert '"async"' in text


def test_extra_parameters_through_model_extras(emu: Emulator) -> None:
    with ChatCompletionsClient(endpoint=emu.endpoint, credential=AzureKeyCredential(KEY)) as c:
        response = c.complete(
            messages=[UserMessage(content="hi")], model_extras={"safe_prompt": True}
        )
        assert response.choices[0].message.content
        with pytest.raises(HttpResponseError) as caught:
            c.complete(messages=[UserMessage(content="hi")], model_extras={"logprobs": True})
    assert caught.value.status_code == 422


def test_json_output(client: ChatCompletionsClient, emu: Emulator) -> None:
    response = client.complete(
        messages=[
            SystemMessage(content='Respond in JSON: { "answer": "response" }'),
            UserMessage(content="How many languages are in the world?"),
        ],
        response_format="json_object",
    )
    answer = json.loads(response.choices[0].message.content)
    assert list(answer) == ["answer"], "keys follow the system message's template"
    assert "How many languages are in the world?" in answer["answer"]
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    }
    place = JsonSchemaFormat(name="place", schema=schema, strict=True)
    question = [UserMessage(content="Tell me about Paris.")]
    # Mistral on Azure has JSON mode but not json_schema: the service's 422.
    with pytest.raises(HttpResponseError) as refused:
        client.complete(messages=question, response_format=place)
    assert refused.value.status_code == 422
    with ChatCompletionsClient(
        endpoint=emu.foundry_endpoint, credential=AzureKeyCredential(KEY), model="gpt-4o-mini"
    ) as gpt:
        structured = gpt.complete(messages=question, response_format=place)
    assert json.loads(structured.choices[0].message.content) == {"city": "Paris"}


def test_tools_full_round_trip(client: ChatCompletionsClient) -> None:
    flight_info = ChatCompletionsToolDefinition(
        function=FunctionDefinition(
            name="get_flight_info",
            description="Returns information about the next flight between two cities.",
            parameters={
                "type": "object",
                "properties": {
                    "origin_city": {"type": "string"},
                    "destination_city": {"type": "string"},
                },
                "required": ["origin_city", "destination_city"],
            },
        )
    )
    messages = [
        SystemMessage(content="You help travellers."),
        UserMessage(content="When is the next flight from Miami to Seattle?"),
    ]
    response = client.complete(messages=messages, tools=[flight_info], tool_choice="auto")
    assert response.choices[0].finish_reason == CompletionsFinishReason.TOOL_CALLS
    message = response.choices[0].message
    messages.append(AssistantMessage(tool_calls=message.tool_calls))
    for call in message.tool_calls:
        args = json.loads(call.function.arguments)
        assert args == {"origin_city": "Miami", "destination_city": "Seattle"}
        result = {"info": f"No flights from {args['origin_city']} to {args['destination_city']}."}
        messages.append(ToolMessage(tool_call_id=call.id, content=json.dumps(result)))
    final = client.complete(messages=messages, tools=[flight_info])
    assert "No flights from Miami to Seattle." in final.choices[0].message.content


def test_images(emu: Emulator) -> None:
    with ChatCompletionsClient(
        endpoint=emu.foundry_endpoint, credential=AzureKeyCredential(KEY), model="gpt-4o-mini"
    ) as c:
        response = c.complete(
            messages=[
                UserMessage(
                    content=[
                        TextContentItem(
                            text="Which conclusion can be extracted from the following chart?"
                        ),
                        ImageContentItem(image_url=ImageUrl(url=image_data_url("JPEG", 64, 48))),
                    ]
                )
            ],
            temperature=0,
            top_p=1,
            max_tokens=2048,
        )
    assert "I see 1 image: JPEG 64x48 pixels." in response.choices[0].message.content


def test_content_filter(client: ChatCompletionsClient) -> None:
    with pytest.raises(HttpResponseError) as caught:
        client.complete(
            messages=[
                SystemMessage(
                    content="You are an AI assistant that helps people find information."
                ),
                UserMessage(
                    content="Chopping tomatoes and cutting them into cubes or wedges are "
                    "great ways to practice your knife skills."
                ),
            ]
        )
    error = caught.value
    assert error.status_code == 400
    assert error.error is not None
    assert error.error.code == "content_filter"
    body = error.response.json()
    assert body["error"]["param"] == "prompt"


def test_unsupported_parameter_is_422_for_phi() -> None:
    with (
        Emulator("Phi-3-mini-4k-Instruct", key=KEY) as emu,
        ChatCompletionsClient(endpoint=emu.endpoint, credential=AzureKeyCredential(KEY)) as client,
        pytest.raises(HttpResponseError) as caught,
    ):
        client.complete(messages=[UserMessage(content="x")], response_format="json_object")
    assert caught.value.status_code == 422
    assert caught.value.response.json()["code"] == "parameter_not_supported"


def test_embeddings() -> None:
    with Emulator("Cohere-embed-v3-english", key=KEY) as emu:
        with EmbeddingsClient(endpoint=emu.endpoint, credential=AzureKeyCredential(KEY)) as client:
            assert client.get_model_info().model_type == "embedding"
            result = client.embed(
                input=["first phrase", "second phrase", "third phrase"],
                input_type=EmbeddingInputType.QUERY,
            )
            assert [len(item.embedding) for item in result.data] == [1024] * 3
            assert result.usage.prompt_tokens == 6
            encoded = client.embed(input=["first phrase"], encoding_format="base64")
            assert isinstance(encoded.data[0].embedding, str)
        with ImageEmbeddingsClient(
            endpoint=emu.endpoint, credential=AzureKeyCredential(KEY)
        ) as images:
            result = images.embed(input=[ImageEmbeddingInput(image=image_data_url("PNG", 3, 3))])
            assert len(result.data[0].embedding) == 1024
