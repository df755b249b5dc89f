"""`AzureInference` against the emulator on loopback: one body per behaviour,
run through `chat`, `achat`, `stream_chat` and `astream_chat`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from _li_support import KEY, jpeg_bytes, png_bytes, wav_bytes
from llama_index.core.base.llms.types import (
    AudioBlock,
    ChatMessage,
    ChatResponse,
    ImageBlock,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from llama_index.core.tools import FunctionTool

from azure_inference_emulator import Emulator
from llamaindex_azure_inference import (
    APITimeoutError,
    AuthenticationError,
    AzureInference,
    ConfigurationError,
    ContentFilterError,
    RateLimitError,
    StreamError,
    UnsupportedFeatureError,
)

MODES = ["chat", "achat", "stream_chat", "astream_chat"]
Factory = Callable[..., AzureInference]


@pytest.fixture
async def make(emu: Emulator) -> AsyncIterator[Factory]:
    made: list[AzureInference] = []

    def factory(model: str = "Mistral-Large", **kwargs: Any) -> AzureInference:
        kwargs.setdefault("endpoint", emu.foundry_endpoint)
        kwargs.setdefault("credential", KEY)
        llm = AzureInference(model=model, **kwargs)
        made.append(llm)
        return llm

    yield factory
    for llm in made:
        await llm.aclose()


async def run(
    llm: AzureInference, mode: str, messages: list[ChatMessage], **kwargs: Any
) -> tuple[ChatResponse, list[ChatResponse]]:
    """The final response and every response seen (one per chunk when streaming)."""
    if mode == "chat":
        resp = llm.chat(messages, **kwargs)
        return resp, [resp]
    if mode == "achat":
        resp = await llm.achat(messages, **kwargs)
        return resp, [resp]
    if mode == "stream_chat":
        seen = list(llm.stream_chat(messages, **kwargs))
    else:
        seen = [r async for r in await llm.astream_chat(messages, **kwargs)]
    return seen[-1], seen


def user(*blocks: Any) -> list[ChatMessage]:
    if len(blocks) == 1 and isinstance(blocks[0], str):
        return [ChatMessage(role="user", content=blocks[0])]
    return [ChatMessage(role="user", blocks=list(blocks))]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("model", ["Mistral-Large", "gpt-4o"])
async def test_text_answer_with_usage(make: Factory, mode: str, model: str) -> None:
    """Both usage styles end with usage: Mistral's last chunk, gpt-4o's `choices: []` chunk."""
    final, seen = await run(make(model, temperature=0), mode, user("Name three rivers"))
    assert "Name three rivers" in (final.message.content or "")
    assert final.message.role == "assistant"
    usage = final.additional_kwargs
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    assert usage["model"] == model
    if mode.endswith("stream_chat"):
        assert len(seen) > 3
        assert "".join(r.delta or "" for r in seen) == final.message.content


@pytest.mark.parametrize("mode", MODES)
async def test_complete_is_derived_from_chat(make: Factory, mode: str) -> None:
    llm = make()
    if mode == "chat":
        resp = llm.complete("Say something")
    elif mode == "achat":
        resp = await llm.acomplete("Say something")
    elif mode == "stream_chat":
        resp = list(llm.stream_complete("Say something"))[-1]
    else:
        resp = [r async for r in await llm.astream_complete("Say something")][-1]
    assert "Say something" in resp.text
    assert resp.additional_kwargs["total_tokens"] > 0


@pytest.mark.parametrize("mode", MODES)
async def test_tool_calls_streamed_and_not(make: Factory, mode: str, emu: Emulator) -> None:
    def get_weather(city: str) -> str:
        """Get the weather of a city."""
        return f"Sunny in {city}"

    llm = make("Mistral-Large")
    tool = FunctionTool.from_defaults(fn=get_weather)
    kwargs = llm._prepare_chat_with_tools([tool], user_msg="Call get_weather(city='Paris') now")
    messages = kwargs.pop("messages")
    final, seen = await run(llm, mode, messages, **kwargs)
    [selection] = llm.get_tool_calls_from_response(final)
    assert (selection.tool_name, selection.tool_kwargs) == ("get_weather", {"city": "Paris"})
    assert final.additional_kwargs["finish_reason"] == "tool_calls"
    if mode.endswith("stream_chat"):
        # every streamed response already carries the call received so far
        first = next(r for r in seen if any(isinstance(b, ToolCallBlock) for b in r.message.blocks))
        assert llm.get_tool_calls_from_response(first, error_on_no_tool_call=False)
    # the answer goes back to the model as history, then the tool result
    history = [
        *messages,
        final.message,
        ChatMessage(
            role="tool",
            content="Sunny in Paris",
            additional_kwargs={"tool_call_id": selection.tool_id},
        ),
    ]
    answer, _ = await run(llm, mode, history, **kwargs)
    assert "get_weather returned Sunny in Paris" in (answer.message.content or "")
    sent = emu.requests[-1].body["messages"]
    assert sent[1]["tool_calls"][0]["function"]["arguments"] == '{"city": "Paris"}'


@pytest.mark.parametrize("mode", MODES)
async def test_reasoning_becomes_a_thinking_block(make: Factory, mode: str) -> None:
    final, seen = await run(make("DeepSeek-R1"), mode, user("Why is the sky blue?"))
    thinking = [b for b in final.message.blocks if isinstance(b, ThinkingBlock)]
    assert thinking
    assert "Why is the sky blue?" in (thinking[0].content or "")
    assert "<think>" not in (final.message.content or "")
    if mode.endswith("stream_chat"):
        assert any("thinking_delta" in r.additional_kwargs for r in seen)


@pytest.mark.parametrize("mode", MODES)
async def test_reasoning_in_think_tags_on_older_api_versions(make: Factory, mode: str) -> None:
    llm = make("DeepSeek-R1", api_version="2024-05-01-preview")
    final, seen = await run(llm, mode, user("Why is the sky blue?"))
    thinking = [b for b in final.message.blocks if isinstance(b, ThinkingBlock)]
    assert "Why is the sky blue?" in (thinking[0].content or "")
    text = final.message.content or ""
    assert "<think>" not in text
    assert "</think>" not in text
    assert "Why is the sky blue?" in text  # the answer proper, after the tags
    assert "I will answer directly" not in text  # the reasoning stayed out of it
    if mode.endswith("stream_chat"):
        assert "".join(r.delta or "" for r in seen) == text


@pytest.mark.parametrize("mode", MODES)
async def test_logprobs_when_asked(make: Factory, mode: str) -> None:
    llm = make("gpt-4o", additional_kwargs={"logprobs": True, "top_logprobs": 2})
    final, _ = await run(llm, mode, user("Hello"))
    assert final.logprobs is not None
    assert len(final.logprobs) > 3
    assert all(len(alternatives) == 2 for alternatives in final.logprobs)
    assert "".join(pos[0].token for pos in final.logprobs) == final.message.content


@pytest.mark.parametrize("mode", MODES)
async def test_image_chat_bytes_and_path(make: Factory, mode: str, tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(jpeg_bytes())
    blocks = [
        TextBlock(text="What is in these?"),
        ImageBlock(image=png_bytes(3, 2)),
        ImageBlock(path=path),
    ]
    final, _ = await run(make("gpt-4o"), mode, user(*blocks))
    text = final.message.content or ""
    assert "I see 2 images" in text
    assert "png" in text.lower()
    assert "jpeg" in text.lower()


@pytest.mark.parametrize("mode", MODES)
async def test_audio_input(make: Factory, mode: str) -> None:
    blocks = [TextBlock(text="Transcribe"), AudioBlock(audio=wav_bytes(800))]
    final, _ = await run(make("Phi-4-multimodal-instruct"), mode, user(*blocks))
    assert "I hear 1 audio clip" in (final.message.content or "")
    with pytest.raises(UnsupportedFeatureError, match="no audio input"):
        await run(make("Mistral-Large"), mode, user(*blocks))


@pytest.mark.parametrize("mode", MODES)
async def test_phi3_vision_one_image_per_turn(make: Factory, mode: str, emu: Emulator) -> None:
    llm = make("Phi-3-vision-128k-Instruct")
    final, _ = await run(llm, mode, user(TextBlock(text="Describe"), ImageBlock(image=png_bytes())))
    assert "I see 1 image" in (final.message.content or "")
    before = len(emu.requests)
    with pytest.raises(UnsupportedFeatureError, match="at most 1 image"):
        await run(llm, mode, user(ImageBlock(image=png_bytes()), ImageBlock(image=jpeg_bytes())))
    assert len(emu.requests) == before  # refused before sending


@pytest.mark.parametrize("mode", MODES)
async def test_phi3_refuses_tools_and_json_mode(make: Factory, mode: str, emu: Emulator) -> None:
    llm = make("Phi-3-mini-4k-Instruct")
    before = len(emu.requests)
    with pytest.raises(UnsupportedFeatureError, match="no JSON mode"):
        await run(llm, mode, user("x"), response_format={"type": "json_object"})
    tool = FunctionTool.from_defaults(fn=lambda: "x", name="noop", description="Does nothing.")
    kwargs = llm._prepare_chat_with_tools([tool], user_msg="x")
    with pytest.raises(UnsupportedFeatureError, match="does not support tool calling"):
        await run(llm, mode, kwargs.pop("messages"), **kwargs)
    assert len(emu.requests) == before
    # and the service agrees: forced through, it answers 422
    forced = make("Phi-3-mini-4k-Instruct", is_function_calling_model=True)
    kwargs = forced._prepare_chat_with_tools([tool], user_msg="x")
    from llamaindex_azure_inference import APIStatusError

    with pytest.raises(APIStatusError) as info:
        await run(forced, mode, kwargs.pop("messages"), **kwargs)
    assert info.value.status_code in (400, 422)


@pytest.mark.parametrize("mode", MODES)
async def test_content_filter_error_is_catchable_by_name(
    make: Factory, mode: str, emu: Emulator
) -> None:
    emu.script.on("forbidden topic", status=400, body={
        "error": {"message": "The response was filtered due to the prompt triggering Microsoft's "
                  "content management policy.", "type": None, "param": "prompt",
                  "code": "content_filter", "status": 400}})  # fmt: skip
    with pytest.raises(ContentFilterError):
        await run(make(), mode, user("tell me about the forbidden topic"))


@pytest.mark.parametrize("mode", MODES)
async def test_content_filter_cut_answer(make: Factory, mode: str, emu: Emulator) -> None:
    emu.script.on("half answer", text="This is cut", finish_reason="content_filter")
    with pytest.raises(ContentFilterError):
        await run(make(), mode, user("give me a half answer"))


@pytest.mark.parametrize("mode", MODES)
async def test_wrong_key_surfaces_the_core_error(make: Factory, mode: str) -> None:
    with pytest.raises(AuthenticationError) as info:
        await run(make(credential="wrong-key-123", max_retries=0), mode, user("hi"))
    assert "wrong-key-123" not in str(info.value)


async def test_async_client_is_closed_and_reopened(make: Factory) -> None:
    llm = make()
    await llm.achat(user("one"))
    await llm.aclose()
    await llm.achat(user("two"))  # a fresh pool after closing
    llm.chat(user("three"))
    await llm.aclose()
    await llm.aclose()  # idempotent


async def test_sync_bridge_on_a_worker_thread_loop_leaks_nothing(make: Factory) -> None:
    """LlamaIndex's `asyncio_run` runs coroutines on a throwaway loop in a thread."""
    import gc

    from llama_index.core.async_utils import asyncio_run

    llm = make()
    first = asyncio_run(llm.achat(user("from a thread")))
    second = asyncio_run(llm.achat(user("again from a thread")))
    assert "from a thread" in (first.message.content or "")
    assert "again" in (second.message.content or "")
    gc.collect()  # an unclosed socket would surface here as a ResourceWarning (an error)


@pytest.mark.parametrize("mode", MODES)
async def test_max_retries_and_default_headers_reach_the_core(
    make: Factory, mode: str, emu: Emulator
) -> None:
    fault = f"status=503; times=1; retry-after=0; id=retry-{mode}"
    final, _ = await run(
        make(max_retries=1, default_headers={"x-emulator-fault": fault}), mode, user("hi")
    )
    assert "hi" in (final.message.content or "")
    fault0 = f"status=429; times=1; retry-after=0; id=noretry-{mode}"
    with pytest.raises(RateLimitError):
        await run(
            make(max_retries=0, default_headers={"x-emulator-fault": fault0}), mode, user("hi")
        )


@pytest.mark.parametrize("mode", MODES)
async def test_timeout_reaches_the_core(make: Factory, mode: str) -> None:
    llm = make(
        timeout=0.05, max_retries=0, default_headers={"x-emulator-fault": "delay-first-byte=1"}
    )
    with pytest.raises(APITimeoutError):
        await run(llm, mode, user("slow"))


@pytest.mark.parametrize("mode", MODES)
async def test_total_timeout_and_max_concurrency_reach_the_core(make: Factory, mode: str) -> None:
    llm = make(
        total_timeout=0.3,
        max_concurrency=2,
        max_retries=0,
        default_headers={"x-emulator-fault": "delay-first-byte=3"},
    )
    with pytest.raises(APITimeoutError, match="total_timeout"):
        await run(llm, mode, user("slow"))
    # max_concurrency sizes the pool the core creates, so the core refuses it
    # next to a caller's own client: proof that the setting reached it.
    with httpx.Client() as own, pytest.raises(ConfigurationError, match="max_concurrency"):
        await run(make(max_concurrency=2, http_client=own), "chat", user("hi"))


@pytest.mark.parametrize("mode", ["stream_chat", "astream_chat"])
async def test_truncated_stream_is_an_error_not_a_short_answer(make: Factory, mode: str) -> None:
    llm = make(default_headers={"x-emulator-fault": "no-done"})
    with pytest.raises(StreamError):
        await run(llm, mode, user("a long answer please"))


async def test_token_credential() -> None:
    class Token:
        token = "entra-token-1"
        expires_on = 4_000_000_000

    class Credential:
        scopes: tuple[str, ...] = ()

        def get_token(self, *scopes: str, **kwargs: Any) -> Token:
            self.scopes = scopes
            return Token()

    credential = Credential()
    with Emulator(profile="Mistral-Large", key=KEY, tokens=["entra-token-1"]) as server:
        async with AzureInference(
            endpoint=server.foundry_endpoint, credential=credential, model="Mistral-Large"
        ) as llm:
            assert "hi" in (llm.chat(user("hi")).message.content or "")
            assert "hi" in ((await llm.achat(user("hi"))).message.content or "")
        assert server.requests[-1].headers["authorization"] == "REDACTED"
    assert credential.scopes == ("https://cognitiveservices.azure.com/.default",)


@pytest.mark.parametrize("mode", ["stream_chat", "astream_chat"])
async def test_azure_openai_route_streams_usage_whatever_the_deployment_name(
    emu: Emulator, mode: str
) -> None:
    async with AzureInference(
        endpoint=emu.openai_deployment_endpoint("gpt-4o-mini"), credential=KEY
    ) as llm:
        assert llm.metadata.model_name == "unknown"
        final, _ = await run(llm, mode, user("hi"))
    assert final.additional_kwargs["total_tokens"] > 0
    assert emu.requests[-1].body["stream_options"] == {"include_usage": True}


def test_sync_pool_released_when_the_llm_is_dropped(emu: Emulator) -> None:
    import gc

    llm = AzureInference(endpoint=emu.foundry_endpoint, credential=KEY, model="Mistral-Large")
    assert "hi" in (llm.chat(user("hi")).message.content or "")
    del llm
    gc.collect()  # an open socket left behind would raise a ResourceWarning here
