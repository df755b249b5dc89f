"""1,000 concurrent streaming requests on one emulator (loopback, bounded).

The client side uses plain asyncio sockets: httpx's pool costs O(connections)
per request, so with 1,000 connections in the same process it, not the
emulator, would dominate the run time.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from azure_inference_emulator import Emulator

STREAMS = 1000


def dechunk(raw: bytes) -> bytes:
    """Undo HTTP/1.1 chunked transfer encoding."""
    out = b""
    while raw:
        size_line, _, rest = raw.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        out += rest[:size]
        raw = rest[size + 2 :]
    return out


@pytest.mark.timeout(120)
async def test_a_thousand_concurrent_streams() -> None:
    async with Emulator(
        "Mistral-Large", requests_per_minute=None, tokens_per_minute=None, chunk_delay=0.05
    ) as emu:
        open_now = 0
        peak = 0

        async def one(i: int) -> str:
            nonlocal open_now, peak
            reader, writer = await asyncio.open_connection("127.0.0.1", emu.port)
            body = json.dumps(
                {
                    "messages": [{"role": "user", "content": f"stream {i}"}],
                    "stream": True,
                    "temperature": 0,
                    "max_tokens": 4,
                }
            ).encode()
            writer.write(
                b"POST /chat/completions?api-version=2025-05-01 HTTP/1.1\r\nHost: emulator\r\n"
                b"Content-Type: application/json\r\nConnection: close\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200"), head
            open_now += 1
            peak = max(peak, open_now)
            raw = await reader.read()
            open_now -= 1
            writer.close()
            await writer.wait_closed()
            return dechunk(raw).decode()

        results = await asyncio.gather(*(one(i) for i in range(STREAMS)))
    for i, text in enumerate(results):
        events = [block[6:] for block in text.split("\n\n") if block]
        assert events[-1] == "[DONE]"
        chunks = [json.loads(e) for e in events[:-1]]
        content = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
        assert f'"stream {i}"' in content
    assert peak >= STREAMS // 2, f"only {peak} streams were open at once"
