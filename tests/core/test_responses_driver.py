"""Responses streams on the chat streams' driver: compressed bodies decoded in bounded
steps, size limits reported with the request id, sync and async alike."""

from __future__ import annotations

import zlib
from typing import Any

import pytest

from azure_inference_core import StreamTooLargeError

from ._loopback import Reply, ScriptedServer
from ._responses_data import RESPONSE, events_for, sse
from .conftest import Driver


def _gzip(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


def _gzipped_sse(data: bytes) -> Reply:
    packed = _gzip(data)
    middle = len(packed) // 2
    headers = {"content-type": "text/event-stream", "content-encoding": "gzip"}
    return Reply(200, [packed[:middle], packed[middle:]], headers)


async def _events(driver: Driver, client: Any, **kwargs: Any) -> tuple[list[Any], Any]:
    if driver.is_async:
        async with client.responses.stream("hi", **kwargs) as stream:
            return [e async for e in stream], stream.final_response()
    with client.responses.stream("hi", **kwargs) as stream:
        return list(stream), stream.final_response()


async def test_a_compressed_stream_decodes_to_the_answer(
    driver: Driver, server: ScriptedServer
) -> None:
    server.push(_gzipped_sse(sse(events_for(RESPONSE))))
    client = driver.client(server.url + "/openai/v1", model="o3-mini")
    try:
        events, final = await _events(driver, client)
    finally:
        await driver.close(client)
    assert events[-1].type == "response.completed"
    assert final.output_text == "It is sunny in Paris."
    assert final.function_calls[0].arguments == '{"city":"Paris"}'


async def test_an_oversized_compressed_event_stops_with_the_request_id(
    driver: Driver, server: ScriptedServer
) -> None:
    # 4 MiB of one unterminated line, a few KiB on the wire: decoded step by step, the
    # limit stops it long before it is all in memory.
    server.push(_gzipped_sse(b"event: response.created\ndata: " + b"x" * (4 * 2**20)))
    client = driver.client(server.url + "/openai/v1", model="o3-mini", max_event_bytes=4096)
    try:
        with pytest.raises(StreamTooLargeError) as caught:
            await _events(driver, client)
    finally:
        await driver.close(client)
    assert caught.value.setting == "max_event_bytes"
    assert caught.value.request_id == server.seen[0].headers["x-ms-client-request-id"]
