"""2,000 concurrent streams with latency simulation on: every one completes, no errors.

Bounded: a fixed count on loopback, short answers (``max_tokens``), the
default latency model (time to first token and per token, see ``_latency``),
a guard timeout on the whole gather. Wall time is not asserted; memory per
open stream is measured by ``bench/emulator_streams.py``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re

import pytest

from azure_inference_emulator import Emulator

STREAMS = 2000
GUARD_SECONDS = 240

pytestmark = pytest.mark.timeout(GUARD_SECONDS + 60)


async def one_stream(port: int, payload: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            b"POST /chat/completions?api-version=2024-05-01-preview HTTP/1.1\r\n"
            b"Host: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n"
            + f"Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        await writer.drain()
        data = await reader.read(-1)
    finally:
        writer.close()
        await writer.wait_closed()
    match = re.match(rb"HTTP/1\.1 (\d{3})", data)
    return (int(match.group(1)) if match else 0), data


def test_two_thousand_concurrent_streams_with_latency(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    body = {
        "messages": [{"role": "user", "content": "Tell me about Paris"}],
        "stream": True,
        "max_tokens": 12,
    }
    payload = json.dumps(body).encode()
    with Emulator(
        "Mistral-Large",
        latency=True,
        seed=11,
        requests_per_minute=None,
        tokens_per_minute=None,
        record_limit=STREAMS,
    ) as emu:

        async def run() -> list[tuple[int, bytes] | BaseException]:
            tasks = [one_stream(emu.port, payload) for _ in range(STREAMS)]
            gathered = asyncio.gather(*tasks, return_exceptions=True)
            return list(await asyncio.wait_for(gathered, GUARD_SECONDS))

        outcomes = asyncio.run(run())
        metrics = emu.metrics
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    assert failures == []
    finished = [o for o in outcomes if not isinstance(o, BaseException)]
    assert [status for status, _ in finished] == [200] * STREAMS
    # Chunked transfer: the last event, then the zero-length chunk that ends the body.
    assert all(data.endswith(b"data: [DONE]\n\n\r\n0\r\n\r\n") for _, data in finished)
    assert not any(b'"error"' in data for _, data in finished)
    assert metrics["streams"] == STREAMS
    assert metrics["status_200"] == STREAMS
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
