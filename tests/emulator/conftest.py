"""Shared helpers for the emulator tests: loopback emulators, images, SSE parsing."""

from __future__ import annotations

import base64
import io
import json
import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from azure_inference_emulator import Emulator

API_VERSION = "2024-05-01-preview"
KEY = "test-key-0123456789"
TLS = ssl.create_default_context()
"""Shared so each httpx client skips loading the CA bundle (~0.1 s); loopback is plain http."""


def image_data_url(fmt: str, width: int, height: int) -> str:
    """A real image file of the given format and size, as a data URL."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format=fmt)
    mime = {"JPEG": "jpeg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}[fmt]
    return f"data:image/{mime};base64," + base64.b64encode(buffer.getvalue()).decode()


def sse_events(text: str) -> list[Any]:
    """Parse a streamed body into JSON chunks; ``[DONE]`` kept as the string."""
    events: list[Any] = []
    assert text.endswith("\n\n"), "every event ends with a blank line"
    for block in text.split("\n\n"):
        if not block:
            continue
        assert block.startswith("data: "), block
        data = block[len("data: ") :]
        events.append(data if data == "[DONE]" else json.loads(data))
    return events


def client_for(
    emu: Emulator,
    *,
    key: str | None = KEY,
    version: str | None = API_VERSION,
    base: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Client:
    """An httpx client for one of the emulator's endpoints."""
    all_headers = dict(headers or {})
    if key is not None:
        all_headers["api-key"] = key
    params = {"api-version": version} if version is not None else {}
    return httpx.Client(
        base_url=base or emu.endpoint, headers=all_headers, params=params, timeout=10, verify=TLS
    )


def chat(client: httpx.Client, content: str = "Hello there", **body: Any) -> httpx.Response:
    """POST a one-message chat request."""
    payload = {"messages": [{"role": "user", "content": content}], **body}
    headers = payload.pop("headers", None)
    return client.post("/chat/completions", json=payload, headers=headers)


@pytest.fixture(scope="module")
def mistral() -> Iterator[Emulator]:
    with Emulator(
        "Mistral-Large", key=KEY, requests_per_minute=None, tokens_per_minute=None
    ) as emu:
        yield emu


@pytest.fixture
def mc(mistral: Emulator) -> Iterator[httpx.Client]:
    mistral.script.clear()
    with client_for(mistral) as client:
        yield client


@pytest.fixture(scope="module")
def phi() -> Iterator[Emulator]:
    with Emulator("Phi-3-mini-4k-Instruct", key=KEY) as emu:
        yield emu


@pytest.fixture
def pc(phi: Emulator) -> Iterator[httpx.Client]:
    with client_for(phi) as client:
        yield client


@pytest.fixture(scope="module")
def gpt() -> Iterator[Emulator]:
    with Emulator("gpt-4o-mini", key=KEY) as emu:
        yield emu


@pytest.fixture
def gc(gpt: Emulator) -> Iterator[httpx.Client]:
    with client_for(gpt, headers={"extra-parameters": "pass-through"}) as client:
        yield client
