"""A client that hangs up mid-stream leaves no noise: asyncio logs nothing, the stream stops."""

from __future__ import annotations

import logging
import threading

import httpx
import pytest

from azure_inference_emulator import Emulator

from .conftest import API_VERSION, TLS

LONG = " ".join(["word"] * 3000)


def test_abandoned_streams_log_no_socket_send_warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    with Emulator("Mistral-Large", requests_per_minute=None, tokens_per_minute=None) as emu:
        url = f"{emu.endpoint}/chat/completions?api-version={API_VERSION}"
        body = {"messages": [{"role": "user", "content": LONG}], "stream": True}

        def abandon() -> None:
            with httpx.Client(verify=TLS) as client:
                for _ in range(5):
                    with client.stream("POST", url, json=body) as response:
                        assert response.status_code == 200
                        for _line in response.iter_lines():
                            break  # hang up after the first event

        workers = [threading.Thread(target=abandon) for _ in range(6)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        with httpx.Client(verify=TLS) as client:  # still serving
            assert client.post(url, json={**body, "stream": False}).status_code == 200
        records = emu.requests
    noise = [r for r in caplog.records if "socket.send() raised exception" in r.getMessage()]
    assert noise == []
    streamed = [r for r in records if isinstance(r.body, dict) and r.body.get("stream")]
    assert len(streamed) == 30
    # Each abandoned stream stopped well before its ~3,000 chunks were all written.
    assert all(r.chunks_sent < 3000 for r in streamed)
