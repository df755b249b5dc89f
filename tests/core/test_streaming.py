"""Streaming against a real loopback server: awkward network splits and broken streams."""

from __future__ import annotations

import json
from typing import Any

import pytest

from azure_inference_core import ChatCompletion, ContentFilterError, StreamError

from ._loopback import ScriptedServer, json_reply, sse_reply
from .conftest import Driver


def event(payload: dict[str, Any], sep: bytes = b"\n") -> bytes:
    return b"data: " + json.dumps(payload, ensure_ascii=False).encode() + sep + sep


def piece(content: str, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "s1",
        "object": "chat.completion.chunk",
        "created": 1718726371,
        "model": "Mistral-Large",
        "choices": [
            {"index": 0, "delta": {"content": content}, "finish_reason": finish, "logprobs": None}
        ],
        **extra,
    }


USAGE = {"prompt_tokens": 19, "completion_tokens": 3, "total_tokens": 22}


def canonical_stream(sep: bytes = b"\n") -> bytes:
    first = piece("")
    first["choices"][0]["delta"]["role"] = "assistant"
    return (
        event(first, sep)
        + b": keep-alive"
        + sep
        + event(piece("你好, "), sep)
        + event(piece("wörld 🎉"), sep)
        + event(piece("", "stop", usage=USAGE), sep)
        + b"data: [DONE]"
        + sep
        + sep
    )


def splits(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


async def collect(
    driver: Driver, server: ScriptedServer, pieces: list[bytes], **kwargs: Any
) -> Any:
    server.push(sse_reply(pieces, **kwargs))
    client = driver.client(server.url)
    try:
        return await driver.stream(client)
    finally:
        await driver.close(client)


@pytest.mark.parametrize("sep", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("size", [1, 3, 7, 4096])
async def test_stream_survives_any_split(
    driver: Driver, server: ScriptedServer, sep: bytes, size: int
) -> None:
    chunks = await collect(driver, server, splits(canonical_stream(sep), size))
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == "你好, wörld 🎉"
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == 22


async def test_usage_only_final_chunk_openai_style(driver: Driver, server: ScriptedServer) -> None:
    body = (
        event(
            {"id": "", "model": "", "choices": [], "prompt_filter_results": [{"prompt_index": 0}]}
        )
        + event(piece("hi"))
        + event(piece("", "stop"))
        + event({"id": "s1", "model": "gpt", "choices": [], "usage": USAGE})
        + b"data: [DONE]\n\n"
    )
    chunks = await collect(driver, server, [body])
    assert len(chunks) == 4
    assert chunks[0].choices == []
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.prompt_tokens == 19


async def test_error_event_after_200(driver: Driver, server: ScriptedServer) -> None:
    body = event(piece("partial")) + event(
        {"error": {"code": "server_error", "message": "model crashed"}}
    )
    with pytest.raises(StreamError, match="model crashed") as info:
        await collect(driver, server, [body])
    assert info.value.code == "server_error"
    assert info.value.request_id


async def test_named_error_event(driver: Driver, server: ScriptedServer) -> None:
    body = (
        event(piece("partial"))
        + b'event: error\ndata: {"code": "overloaded", "message": "busy"}\n\n'
    )
    with pytest.raises(StreamError, match="busy") as info:
        await collect(driver, server, [body])
    assert info.value.code == "overloaded"


async def test_malformed_chunk(driver: Driver, server: ScriptedServer) -> None:
    body = event(piece("ok")) + b'data: {"id": "s1", "choices": [\n\n' + b"data: [DONE]\n\n"
    with pytest.raises(StreamError, match="not valid JSON"):
        await collect(driver, server, [body])


async def test_chunk_of_the_wrong_shape(driver: Driver, server: ScriptedServer) -> None:
    body = b'data: {"choices": "nope"}\n\ndata: [DONE]\n\n'
    with pytest.raises(StreamError, match="not a chat completion chunk"):
        await collect(driver, server, [body])


async def test_end_without_done_is_an_error(driver: Driver, server: ScriptedServer) -> None:
    body = event(piece("half an ans"))
    with pytest.raises(StreamError, match=r"without \[DONE\]"):
        await collect(driver, server, [body])


async def test_connection_cut_is_an_error(driver: Driver, server: ScriptedServer) -> None:
    with pytest.raises(StreamError, match="incomplete"):
        await collect(driver, server, [event(piece("half"))], cut=True)


async def test_content_filter_finish_raises_after_last_chunk(
    driver: Driver, server: ScriptedServer
) -> None:
    filtered = piece("", "content_filter")
    filtered["choices"][0]["content_filter_results"] = {"hate": {"filtered": True}}
    body = event(piece("Some ")) + event(filtered) + b"data: [DONE]\n\n"
    server.push(sse_reply([body]))
    client = driver.client(server.url)
    seen: list[Any] = []
    stream = client.stream([{"role": "user", "content": "x"}], accumulate=True)

    async def consume() -> None:
        if driver.is_async:
            async for item in stream:
                seen.append(item)
        else:
            seen.extend(stream)

    with pytest.raises(ContentFilterError) as info:
        await consume()
    assert len(seen) == 2  # every chunk was delivered before the error
    assert info.value.completion is not None
    assert info.value.completion.choices[0].message.content == "Some "
    assert info.value.details == {"hate": {"filtered": True}}
    await driver.close(client)


async def test_streamed_equals_non_streamed_over_http(
    driver: Driver, server: ScriptedServer
) -> None:
    non_streamed = {
        "id": "s1",
        "object": "chat.completion",
        "created": 1718726371,
        "model": "Mistral-Large",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "你好, wörld 🎉"},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": USAGE,
    }
    server.push(json_reply(non_streamed), sse_reply(splits(canonical_stream(), 5)))
    client = driver.client(server.url)
    completed: ChatCompletion = await driver.complete(client)
    stream = client.stream([{"role": "user", "content": "x"}], accumulate=True)
    if driver.is_async:
        async for _ in stream:
            pass
    else:
        for _ in stream:
            pass
    assert stream.final_completion() == completed
    await driver.close(client)


async def test_abandoned_stream_is_closed(driver: Driver, server: ScriptedServer) -> None:
    body = [event(piece(f"w{i}")) for i in range(50)] + [b"data: [DONE]\n\n"]
    server.push(sse_reply(body), sse_reply(body))
    client = driver.client(server.url)
    messages = [{"role": "user", "content": "x"}]
    if driver.is_async:
        async with client.stream(messages) as stream:
            async for _ in stream:
                break
        assert stream.response is not None
        assert stream.response.is_closed
        other = await client.stream(messages)
        first = await other.__anext__()
        await other.aclose()
    else:
        with client.stream(messages) as stream:
            for _ in stream:
                break
        assert stream.response.is_closed
        other = client.stream(messages)
        first = next(other)
        other.close()
    assert first.choices[0].delta.content == "w0"
    assert other.response is not None
    assert other.response.is_closed
    await driver.close(client)


async def test_exhausted_stream_is_closed(driver: Driver, server: ScriptedServer) -> None:
    server.push(sse_reply([canonical_stream()]))
    client = driver.client(server.url)
    stream = client.stream([{"role": "user", "content": "x"}])
    items = [c async for c in stream] if driver.is_async else list(stream)
    assert len(items) == 4
    assert stream.response is not None
    assert stream.response.is_closed
    await driver.close(client)


async def test_stream_status_errors_raise_before_iteration(
    driver: Driver, server: ScriptedServer
) -> None:
    from azure_inference_core import AuthenticationError

    server.push(json_reply({"error": {"code": "Unauthorized", "message": "bad key"}}, 401))
    client = driver.client(server.url)
    messages = [{"role": "user", "content": "x"}]

    async def open_stream() -> Any:
        stream = client.stream(messages)
        return (await stream) if driver.is_async else stream

    with pytest.raises(AuthenticationError, match="bad key"):
        await open_stream()
    await driver.close(client)


def test_unstarted_sync_stream_is_closed_when_dropped(server: ScriptedServer) -> None:
    import gc

    from azure_inference_core import InferenceClient

    server.push(sse_reply([canonical_stream()]))
    with InferenceClient(server.url, "k") as client:
        stream = client.stream([{"role": "user", "content": "x"}])
        response = stream.response
        del stream
        gc.collect()
        assert response.is_closed


async def test_debug_log_has_request_line(
    driver: Driver, server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.DEBUG, logger="azure_inference_core")
    server.push(
        json_reply(
            {
                "id": "x",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
            }
        )
    )
    client = driver.client(server.url, "very-secret-key")
    await driver.complete(client)
    (record,) = [r for r in caplog.records if r.name == "azure_inference_core"]
    assert record.levelno == logging.DEBUG
    assert "POST" in record.getMessage()
    assert "/chat/completions?api-version=2025-05-01 -> 200" in record.getMessage()
    assert "very-secret-key" not in caplog.text
    await driver.close(client)


async def test_stream_dropped_mid_iteration_is_closed(
    driver: Driver, server: ScriptedServer
) -> None:
    import asyncio
    import gc

    body = [event(piece(f"w{i}")) for i in range(20)] + [b"data: [DONE]\n\n"]
    server.push(sse_reply(body))
    client = driver.client(server.url)
    stream = client.stream([{"role": "user", "content": "x"}])
    if driver.is_async:
        async for _ in stream:
            break
    else:
        for _ in stream:
            break
    response = stream.response
    assert response is not None
    assert not response.is_closed
    del stream
    gc.collect()
    await asyncio.sleep(0.05)  # the loop runs the async generator's finaliser
    assert response.is_closed
    await driver.close(client)


async def test_a_given_accumulator_joins_the_stream_once_and_holds_each_update(
    driver: Driver, server: ScriptedServer
) -> None:
    from azure_inference_core import StreamAccumulator

    filtered = piece("", "content_filter")
    filtered["choices"][0]["content_filter_results"] = {"hate": {"filtered": True}}
    body = event(piece("Some ")) + event(piece("words")) + event(filtered) + b"data: [DONE]\n\n"
    server.push(sse_reply([body]))
    client = driver.client(server.url)
    joined = StreamAccumulator()
    stream = client.stream([{"role": "user", "content": "x"}], accumulate=joined)
    added: list[str] = []

    async def consume() -> None:
        if driver.is_async:
            async for _chunk in stream:
                assert joined.last is not None  # fed before the chunk was handed over
                added.append(joined.last.choices[0].content or "")
        else:
            for _chunk in stream:
                assert joined.last is not None
                added.append(joined.last.choices[0].content or "")

    with pytest.raises(ContentFilterError) as info:
        await consume()
    assert added == ["Some ", "words", ""]
    assert joined.result().choices[0].message.content == "Some words"  # each chunk once
    assert info.value.completion == joined.result()  # the whole partial answer
    assert stream.final_completion() == joined.result()
    await driver.close(client)
