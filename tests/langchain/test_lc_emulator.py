"""ChatAzureInference against the emulator on loopback: profiles, streams, errors."""

from __future__ import annotations

import asyncio
import base64
import json
import pickle
import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from _lc_mock import EMULATOR_KEY, clients
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool

from azure_inference_emulator import Emulator
from langchain_azure_inference import (
    APITimeoutError,
    AuthenticationError,
    ChatAzureInference,
    ContentFilterError,
    RateLimitError,
    UnsupportedFeatureError,
    UnsupportedParameterError,
)


def _png(width: int = 2, height: int = 2) -> str:
    """A real (tiny, red) PNG as base64, built here so no file is downloaded."""

    def block(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    png = (
        b"\x89PNG\r\n\x1a\n"
        + block(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + block(b"IDAT", zlib.compress(rows))
        + block(b"IEND", b"")
    )
    return base64.b64encode(png).decode()


PNG = _png()
IMAGE_BLOCKS = [
    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
    {"type": "image", "base64": PNG, "mime_type": "image/png"},
    {"type": "image", "source_type": "base64", "data": PNG, "mime_type": "image/png"},
]


@pytest.fixture
async def chat(fresh_emulator: Emulator) -> AsyncIterator[Any]:
    made: list[ChatAzureInference] = []

    def factory(model: str, **kwargs: Any) -> ChatAzureInference:
        llm = ChatAzureInference(
            endpoint=fresh_emulator.foundry_endpoint,
            credential=kwargs.pop("credential", EMULATOR_KEY),
            model=model,
            max_retries=kwargs.pop("max_retries", 0),
            **kwargs,
        )
        made.append(llm)
        return llm

    yield factory
    for llm in made:
        await llm.aclose()


def merge(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    total = chunks[0]
    for c in chunks[1:]:
        total = total + c
    return total


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"Sunny in {city}."


@tool
def get_time(city: str) -> str:
    """Get the local time in a city."""
    return f"It is noon in {city}."


# -- invoke vs stream ------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["gpt-4o-mini", "Mistral-Large"])
def test_merged_stream_equals_invoke_text(chat: Any, model: str) -> None:
    llm = chat(model, temperature=0, seed=1, stream_usage=True)
    invoked = llm.invoke("Tell me about Paris")
    chunks = list(llm.stream("Tell me about Paris"))
    streamed = merge(chunks)
    assert len(chunks) > 2
    assert chunks[-1].chunk_position == "last"
    assert streamed.content == invoked.content
    assert streamed.usage_metadata == invoked.usage_metadata
    ignore = {"id"}
    assert {k: v for k, v in streamed.response_metadata.items() if k not in ignore} == {
        k: v for k, v in invoked.response_metadata.items() if k not in ignore
    }


@pytest.mark.parametrize("model", ["gpt-4o-mini", "Mistral-Large"])
def test_merged_stream_equals_invoke_tool_calls(chat: Any, model: str) -> None:
    llm = chat(model, temperature=0, stream_usage=True).bind_tools(
        [get_weather, get_time], tool_choice="required"
    )
    question = "What is the weather in 'Paris'?"
    invoked = llm.invoke(question)
    streamed = merge(list(llm.stream(question)))
    assert invoked.tool_calls
    assert [(c["name"], c["args"]) for c in streamed.tool_calls] == [
        (c["name"], c["args"]) for c in invoked.tool_calls
    ]
    assert streamed.usage_metadata == invoked.usage_metadata


async def test_async_stream_matches_sync_stream(chat: Any) -> None:
    llm = chat("Mistral-Large", temperature=0)
    sync = merge(list(llm.stream("hello there")))
    chunks = [c async for c in llm.astream("hello there")]
    assert merge(chunks).content == sync.content
    assert chunks[-1].chunk_position == "last"
    assert clients(llm)[1] is not None


# -- usage in both stream shapes -----------------------------------------------------------


def test_openai_style_usage_needs_stream_options(chat: Any, fresh_emulator: Emulator) -> None:
    with_usage = merge(list(chat("gpt-4o-mini", stream_usage=True).stream("hi")))
    assert with_usage.usage_metadata is not None
    assert with_usage.usage_metadata["input_tokens"] > 0
    sent = fresh_emulator.requests[-1]
    assert sent.body["stream_options"] == {"include_usage": True}
    assert sent.headers["extra-parameters"] == "pass-through"  # not a field of /models
    without = merge(list(chat("gpt-4o-mini").stream("hi")))  # not asked: nothing sent
    assert without.usage_metadata is None
    assert "stream_options" not in fresh_emulator.requests[-1].body
    assert "extra-parameters" not in fresh_emulator.requests[-1].headers


def test_mistral_style_usage_on_last_chunk_without_asking(chat: Any) -> None:
    chunks = list(chat("Mistral-Large", stream_usage=False).stream("hi"))
    assert chunks[-1].usage_metadata is not None
    assert all(c.usage_metadata is None for c in chunks[:-1])


# -- content ------------------------------------------------------------------------------------


@pytest.mark.parametrize("block", IMAGE_BLOCKS, ids=["openai", "standard", "v0"])
def test_image_by_base64(chat: Any, fresh_emulator: Emulator, block: dict[str, Any]) -> None:
    message = HumanMessage([{"type": "text", "text": "Describe this image."}, block])
    result = chat("gpt-4o-mini").invoke([message])
    assert isinstance(result, AIMessage)
    assert result.content
    part = fresh_emulator.requests[-1].body["messages"][0]["content"][1]
    assert part == {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}}


@pytest.mark.parametrize("block", IMAGE_BLOCKS[:2], ids=["openai", "standard"])
def test_image_returned_by_a_tool(
    chat: Any, fresh_emulator: Emulator, block: dict[str, Any]
) -> None:
    messages = [
        HumanMessage("get a random diagram using the tool and describe it"),
        AIMessage(
            [], tool_calls=[{"type": "tool_call", "id": "1", "name": "random_image", "args": {}}]
        ),
        ToolMessage([block], tool_call_id="1", name="random_image"),
    ]

    def random_image() -> str:
        """Return a random image."""
        return ""

    result = chat("gpt-4o-mini").bind_tools([random_image]).invoke(messages)
    assert isinstance(result, AIMessage)
    sent = fresh_emulator.requests[-1].body["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "user"]
    assert sent[3]["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")


def _wav(seconds: float = 0.1, rate: int = 8000) -> str:
    """A real (silent, mono, 8-bit) WAV as base64, built here so nothing is downloaded."""
    frames = b"\x80" * int(seconds * rate)
    header = b"RIFF" + struct.pack("<I", 36 + len(frames)) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, rate, rate, 1, 8) + b"data"
    return base64.b64encode(header + struct.pack("<I", len(frames)) + frames).decode()


@pytest.mark.parametrize(
    "block",
    [
        {"type": "audio", "base64": _wav(), "mime_type": "audio/wav"},
        {"type": "input_audio", "input_audio": {"data": _wav(), "format": "wav"}},
    ],
    ids=["standard", "openai"],
)
def test_audio_input_where_the_model_takes_it(
    chat: Any, fresh_emulator: Emulator, block: dict[str, Any]
) -> None:
    message = HumanMessage([{"type": "text", "text": "Describe this audio."}, block])
    assert chat("Phi-4-multimodal-instruct").invoke([message]).content
    part = fresh_emulator.requests[-1].body["messages"][0]["content"][1]
    assert part == {"type": "input_audio", "input_audio": {"data": _wav(), "format": "wav"}}
    with pytest.raises(UnsupportedFeatureError, match="no audio"):  # refused before sending
        chat("gpt-4o-mini").invoke([message])


def test_reasoning_content_surfaced_in_invoke_and_stream(chat: Any) -> None:
    llm = chat("DeepSeek-R1")
    invoked = llm.invoke("What is 2 + 2?")
    assert invoked.additional_kwargs["reasoning_content"]
    assert invoked.content_blocks[0]["type"] == "reasoning"
    streamed = merge(list(llm.stream("What is 2 + 2?")))
    assert (
        streamed.additional_kwargs["reasoning_content"]
        == invoked.additional_kwargs["reasoning_content"]
    )


def test_logprobs_and_several_choices(chat: Any) -> None:
    llm = chat("gpt-4o-mini", logprobs=True, top_logprobs=2, n=2)
    result = llm.generate([[HumanMessage("hi")]])
    generations = result.generations[0]
    assert len(generations) == 2
    assert generations[0].message.response_metadata["logprobs"]["content"]


def test_streaming_with_n_above_one_fails_clearly(chat: Any) -> None:
    with pytest.raises(ValueError, match="n=2 cannot be streamed"):
        list(chat("gpt-4o-mini", n=2).stream("hi"))


# -- model profiles ----------------------------------------------------------------------------


def test_phi3_json_mode_refused_before_sending(chat: Any, fresh_emulator: Emulator) -> None:
    llm = chat("Phi-3-mini-4k-Instruct")
    with pytest.raises(UnsupportedFeatureError, match=r"Phi-3-mini-4k-Instruct.*no JSON mode"):
        llm.invoke("answer in JSON", response_format={"type": "json_object"})
    with pytest.raises(UnsupportedFeatureError, match="tool calling"):
        llm.bind_tools([get_weather]).invoke("weather?")
    assert fresh_emulator.requests == []
    assert llm.invoke("plain question").content  # the model itself works


def test_phi3_vision_one_image_works_two_fail(chat: Any, fresh_emulator: Emulator) -> None:
    llm = chat("Phi-3-vision-128k-Instruct")
    one = HumanMessage([{"type": "text", "text": "What is in this image?"}, IMAGE_BLOCKS[1]])
    assert llm.invoke([one]).content
    two = HumanMessage([{"type": "text", "text": "Compare."}, IMAGE_BLOCKS[0], IMAGE_BLOCKS[1]])
    sent_before = len(fresh_emulator.requests)
    with pytest.raises(UnsupportedFeatureError, match=r"at most 1 image\(s\) per turn"):
        llm.invoke([two])
    assert len(fresh_emulator.requests) == sent_before


@pytest.mark.parametrize("model", ["Cohere-command-r-plus", "Cohere-command-r"])
def test_cohere_tool_loop(chat: Any, fresh_emulator: Emulator, model: str) -> None:
    llm = chat(model).bind_tools([get_weather])
    history: list[Any] = [HumanMessage("What is the weather in 'Lisbon'?")]
    call = llm.invoke(history)
    assert call.tool_calls
    history += [call, get_weather.invoke(call.tool_calls[0])]
    answer = llm.invoke(history)
    assert answer.content
    assert not answer.tool_calls
    sent_tool = fresh_emulator.requests[-1].body["messages"][2]
    assert json.loads(sent_tool["content"]) == {"result": "Sunny in Lisbon."}


def test_cohere_json_requirement_is_real(fresh_emulator: Emulator) -> None:
    """Without our encoding the emulated Cohere model refuses plain-text tool results."""
    from azure_inference_core import InferenceClient

    with InferenceClient(
        fresh_emulator.foundry_endpoint, EMULATOR_KEY, model="Cohere-command-r-plus", max_retries=0
    ) as client:
        messages = [
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c", "type": "function", "function": {"name": "w", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "c", "content": "Sunny."},
        ]
        with pytest.raises(Exception, match="JSON"):
            client.complete(messages)


# -- errors --------------------------------------------------------------------------------------


def test_content_filter_prompt_error_by_name(chat: Any) -> None:
    llm = chat("gpt-4o-mini", default_headers={"x-emulator-fault": "content-filter=prompt"})
    with pytest.raises(ContentFilterError) as info:
        llm.invoke("hi")
    assert info.value.status_code == 400


def test_content_filter_completion_cut(chat: Any) -> None:
    llm = chat("gpt-4o-mini", default_headers={"x-emulator-fault": "content-filter=completion"})
    with pytest.raises(ContentFilterError) as info:
        llm.invoke("hi")
    assert info.value.completion is not None
    with pytest.raises(ContentFilterError):
        list(llm.stream("hi"))


def test_rate_limit_mapped_after_retries(chat: Any, fresh_emulator: Emulator) -> None:
    llm = chat(
        "gpt-4o-mini",
        max_retries=1,
        default_headers={"x-emulator-fault": "status=429; retry-after=0"},
    )
    with pytest.raises(RateLimitError):
        llm.invoke("hi")
    assert len(fresh_emulator.requests) == 2


def test_wrong_key_is_authentication_error_without_the_key(chat: Any) -> None:
    with pytest.raises(AuthenticationError) as info:
        chat("gpt-4o-mini", credential="wrong-key-value").invoke("hi")
    assert "wrong-key-value" not in str(info.value)


def test_unsupported_parameter_422(chat: Any) -> None:
    with pytest.raises(UnsupportedParameterError) as info:
        chat("o3-mini", temperature=0).invoke("hi")
    assert "temperature" in info.value.parameters


# -- lifecycle ---------------------------------------------------------------------------------


def test_pickled_model_works(chat: Any) -> None:
    llm = chat("Mistral-Large")
    llm.invoke("hi")
    clone = pickle.loads(pickle.dumps(llm))
    assert clients(clone)[0] is None
    assert clone.invoke("hi again").content
    clone.close()


def test_async_client_follows_the_event_loop(fresh_emulator: Emulator) -> None:
    llm = ChatAzureInference(
        endpoint=fresh_emulator.foundry_endpoint, credential=EMULATOR_KEY, model="Mistral-Large"
    )

    async def once() -> str:
        return str((await llm.ainvoke("hi")).content)

    async def once_and_close() -> str:
        text = await once()
        await llm.aclose()
        return text

    first = asyncio.run(once())  # no aclose(): the loop's shutdown closes the client
    leftover = clients(llm)[1]
    assert leftover is not None
    assert leftover._http.is_closed
    second = asyncio.run(once_and_close())  # a new loop gets a new client
    assert first
    assert second
    assert clients(llm)[1] is None


async def test_async_path_never_touches_the_sync_client(chat: Any) -> None:
    llm = chat("Mistral-Large")
    await llm.ainvoke("hi")
    async for _ in llm.astream("hi"):
        pass
    await llm.bind_tools([get_weather]).ainvoke("weather in 'Oslo'?")
    assert clients(llm)[0] is None


class _Token:
    def __init__(self, token: str) -> None:
        self.token = token
        self.expires_on = 4_000_000_000


class FakeCredential:
    """Stands in for an azure.identity credential."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> _Token:
        self.scopes.append(scopes)
        return _Token("entra-token-abc")


class FakeAsyncCredential(FakeCredential):
    async def get_token(self, *scopes: str, **kwargs: Any) -> _Token:  # type: ignore[override]
        self.scopes.append(scopes)
        return _Token("entra-token-abc")


def test_token_credentials_sync_and_async() -> None:
    with Emulator(profile="Mistral-Large", tokens=["entra-token-abc"]) as emu:
        credential = FakeCredential()
        llm = ChatAzureInference(endpoint=emu.endpoint, credential=credential)
        assert llm.credential is credential
        assert llm.invoke("hi").content
        assert credential.scopes
        llm.close()

        async_credential = FakeAsyncCredential()

        async def go() -> str:
            async with ChatAzureInference(endpoint=emu.endpoint, credential=async_credential) as a:
                return str((await a.ainvoke("hi")).content)

        assert asyncio.run(go())
        assert async_credential.scopes


def test_credential_type_checked() -> None:
    with pytest.raises(ValueError, match="credential must be"):
        ChatAzureInference(endpoint="https://x.models.ai.azure.com", credential=42)


def test_messages_and_chunks_serialize(chat: Any) -> None:
    """Everything we put on messages is plain JSON (LangGraph checkpoints serialize them)."""
    from langchain_core.load import dumps, loads

    llm = chat("gpt-4o-mini", logprobs=True).bind_tools([get_weather])
    invoked = llm.invoke("weather in 'Rome'?")
    chunks = list(llm.stream("weather in 'Rome'?"))
    for message in [invoked, *chunks, merge(chunks)]:
        text = dumps(message)
        assert loads(text, allowed_objects="messages") == message


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_total_timeout_bounds_the_whole_call(fresh_emulator: Emulator, mode: str) -> None:
    slow = ChatAzureInference(
        endpoint=fresh_emulator.foundry_endpoint,
        credential=EMULATOR_KEY,
        model="Mistral-Large",
        total_timeout=0.3,
        max_retries=0,
        default_headers={"x-emulator-fault": "delay-first-byte=3"},
    )
    call = (lambda: slow.invoke("Hello")) if mode == "invoke" else (lambda: list(slow.stream("Hi")))
    with pytest.raises(APITimeoutError, match="total_timeout"):
        call()
