"""Replay mode: every recording of the live service replays unchanged; misses are clear 404s."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from azure_inference_emulator import Emulator

from .conftest import TLS

RECORDINGS = Path(__file__).parent / "recordings"
FILES = sorted(p for p in RECORDINGS.glob("*.json") if p.name != "SOURCES.json")


def send(emu: Emulator, entry: dict[str, Any]) -> httpx.Response:
    uri = urlsplit(entry["RequestUri"])
    body = entry["RequestBody"]
    headers = {
        k: v
        for k, v in entry["RequestHeaders"].items()
        if k.lower() not in ("content-length", "connection", "accept-encoding")
    }
    return httpx.request(
        entry["RequestMethod"],
        f"{emu.endpoint}{uri.path}?{uri.query}",
        headers=headers,
        content=None if body is None else json.dumps(body),
        verify=TLS,
        timeout=10,
    )


@pytest.mark.parametrize("file", FILES, ids=[f.stem[-50:] for f in FILES])
def test_every_recording_replays_unchanged(file: Path) -> None:
    entries = json.loads(file.read_text())["Entries"]
    with Emulator(mode="replay", cassette=file) as emu:
        for entry in entries:
            response = send(emu, entry)
            assert response.status_code == entry["StatusCode"]
            recorded = entry["ResponseBody"]
            if isinstance(recorded, list):
                assert response.headers["content-type"].startswith("text/event-stream")
                assert response.text == "".join(recorded)
            elif isinstance(recorded, str):
                assert response.text == recorded
            else:
                assert response.json() == recorded
            for name, value in entry["ResponseHeaders"].items():
                if name.lower().startswith(("x-request-id", "x-ms-rai", "x-ratelimit")):
                    assert response.headers[name] == value
    assert json.loads(file.read_text())["Entries"] == entries, "replay never writes"


def test_unmatched_request_is_a_404_naming_the_closest(tmp_path: Path) -> None:
    file = RECORDINGS / (
        "test_chat_completions_client.pyTestChatCompletionsClienttest_chat_completions_multi_turn.json"
    )
    with Emulator(mode="replay", cassette=file) as emu:
        response = httpx.post(
            f"{emu.endpoint}/chat/completions?api-version=2024-05-01-preview",
            json={"messages": [{"role": "user", "content": "How many feet are in a km?"}]},
            verify=TLS,
        )
        other = httpx.get(f"{emu.endpoint}/info", verify=TLS)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "NoRecordingMatch"
    assert "closest recorded request is #0 POST /chat/completions" in error["message"]
    assert "body.messages" in error["message"]
    assert other.status_code == 404
    assert "method or route" in other.json()["error"]["message"]


def test_identical_requests_replay_in_recorded_order(tmp_path: Path) -> None:
    cassette = tmp_path / "twice.json"
    request = {"messages": [{"role": "user", "content": "same"}]}
    entries = [
        {
            "RequestUri": "https://Sanitized.example/chat/completions?api-version=x",
            "RequestMethod": "POST",
            "RequestHeaders": {},
            "RequestBody": request,
            "StatusCode": status,
            "ResponseHeaders": {"Content-Type": "application/json"},
            "ResponseBody": {"n": n},
        }
        for n, status in ((1, 429), (2, 200))
    ]
    cassette.write_text(json.dumps({"Entries": entries, "Variables": {}}))
    with Emulator(mode="replay", cassette=cassette) as emu, httpx.Client(verify=TLS) as client:
        url = f"{emu.endpoint}/chat/completions"
        seen = [client.post(url, json=request) for _ in range(3)]
    assert [(r.status_code, r.json()["n"]) for r in seen] == [(429, 1), (200, 2), (200, 2)]


def test_replay_needs_an_existing_cassette_and_record_an_upstream(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        Emulator(mode="replay", cassette=tmp_path / "none.json")
    with pytest.raises(ValueError, match="needs upstream"):
        Emulator(mode="record", cassette=tmp_path / "new.json")
    with pytest.raises(ValueError, match="needs a cassette"):
        Emulator(mode="replay")
    with pytest.raises(ValueError, match="mode must be one of"):
        Emulator(mode="playback", cassette=tmp_path / "x.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"entries": []}')
    with pytest.raises(ValueError, match="test-proxy format"):
        Emulator(mode="replay", cassette=bad)


def test_cli_replays_a_cassette() -> None:
    import os
    import re
    import subprocess
    import sys
    import time

    cassette = FILES[0]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "azure_inference_emulator",
            "--port",
            "0",
            "--mode",
            "replay",
            "--cassette",
            str(cassette),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", proc.stdout.readline())
        assert found is not None
        assert "mode: replay" in proc.stdout.readline()
        entry = json.loads(cassette.read_text())["Entries"][0]
        uri = urlsplit(entry["RequestUri"])
        deadline = time.monotonic() + 10
        while True:
            try:
                answer = httpx.post(
                    f"{found.group(1)}{uri.path}?{uri.query}", json=entry["RequestBody"]
                )
                break
            except httpx.ConnectError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        assert answer.status_code == entry["StatusCode"]
        assert answer.json() == entry["ResponseBody"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
