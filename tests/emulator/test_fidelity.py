"""The emulator answers like the live service: each recorded exchange, same shape.

For every request in ``recordings/`` (Azure SDK test-proxy recordings of the
real service), the emulator, set up as that deployment, gets the same request;
its answer must have the recorded status, the headers a client reads, the same
JSON keys and value types at each level and, for streams, the same sequence of
chunk shapes (runs of alike chunks folded) with usage in the same place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from azure_inference_emulator import Emulator

from .conftest import TLS

RECORDINGS = Path(__file__).parent / "recordings"
FILES = sorted(p for p in RECORDINGS.glob("*.json") if p.name != "SOURCES.json")
READ_HEADERS = ("x-request-id", "x-ms-rai-invoked")
RATE_HEADERS = ("x-ratelimit-remaining-requests", "x-ratelimit-remaining-tokens")
HARM = {"hate", "self_harm", "sexual", "violence"}
KEY = "the-right-key"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def shape_differences(recorded: Any, emulated: Any, where: str = "$") -> list[str]:
    """Where the two JSON values differ in keys or value types (values themselves ignored)."""
    if isinstance(recorded, dict) and isinstance(emulated, dict):
        out: list[str] = []
        keys = set(recorded) | set(emulated)
        if where.endswith("content_filter_results"):
            # Which optional categories appear varies between recordings of one deployment.
            keys = (set(recorded) & set(emulated)) | (HARM & set(recorded))
        for key in sorted(keys):
            if key not in emulated:
                out.append(f"{where}.{key} missing")
            elif key not in recorded:
                out.append(f"{where}.{key} not in the recording")
            else:
                out.extend(shape_differences(recorded[key], emulated[key], f"{where}.{key}"))
        return out
    if isinstance(recorded, list) and isinstance(emulated, list):
        if bool(recorded) != bool(emulated):
            return [f"{where}: list empty in one only"]
        if recorded and emulated:
            return shape_differences(recorded[0], emulated[0], f"{where}[0]")
        return []
    if _kind(recorded) != _kind(emulated):
        return [f"{where}: {_kind(recorded)} recorded, {_kind(emulated)} emulated"]
    return []


def _signature(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _signature(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", _signature(value[0])) if value else ("list",)
    return _kind(value)


def chunk_sequence(pieces: list[str]) -> list[Any]:
    """Chunk shapes in order, runs of alike chunks folded into one."""
    events: list[Any] = []
    for piece in pieces:
        for block in piece.split("\n\n"):
            if not block.strip():
                continue
            data = block[len("data: ") :] if block.startswith("data: ") else block
            events.append("[DONE]" if data == "[DONE]" else _signature(json.loads(data)))
    folded: list[Any] = []
    for event in events:
        if not folded or folded[-1] != event:
            folded.append(event)
    return folded


def _profile(name: str, entry: dict[str, Any]) -> str:
    if "audio" in name:
        return "Phi-4-multimodal-instruct"
    if "embeddings_client" in name:
        return "Cohere-embed-v3-english"
    return "gpt-4o" if "openai.azure.com" in entry["RequestUri"] else "Mistral-Large"


def exchanges() -> Iterator[Any]:
    for file in FILES:
        entries = json.loads(file.read_text())["Entries"]
        for i, entry in enumerate(entries):
            yield pytest.param(file.name, entry, id=f"{file.stem[-60:]}#{i}")


@pytest.mark.parametrize(("name", "entry"), list(exchanges()))
def test_recorded_exchange_has_the_same_shape(name: str, entry: dict[str, Any]) -> None:
    uri = urlsplit(entry["RequestUri"])
    failing_auth = entry["StatusCode"] == 401
    profile = _profile(name, entry)
    with Emulator(
        profile,
        key=KEY if failing_auth else None,
        deployments={"gpt-4o-deployment": "gpt-4o"},
    ) as emu:
        query = re.sub(r"api-version=yyyy-mm-dd-preview", "api-version=2024-10-21", uri.query)
        headers = {
            k: v
            for k, v in entry["RequestHeaders"].items()
            if k.lower() in ("api-key", "extra-parameters", "content-type")
        }
        body = entry["RequestBody"]
        response = httpx.request(
            entry["RequestMethod"],
            f"{emu.endpoint}{uri.path}?{query}",
            headers=headers,
            content=None if body is None else json.dumps(body),
            verify=TLS,
            timeout=10,
        )
    recorded_headers = {k.lower(): v for k, v in entry["ResponseHeaders"].items()}
    assert response.status_code == entry["StatusCode"], response.text
    recorded_type = recorded_headers.get("content-type", "").split(";")[0]
    assert response.headers.get("content-type", "").split(";")[0] == recorded_type
    for header in (*READ_HEADERS, *RATE_HEADERS):
        if header in recorded_headers:
            assert header in response.headers, f"{header} missing"
    if "x-request-id" not in recorded_headers:
        assert "x-request-id" not in response.headers
    recorded = entry["ResponseBody"]
    if isinstance(recorded, list):
        assert chunk_sequence(
            [p + "\n\n" for p in response.text.split("\n\n") if p]
        ) == chunk_sequence(recorded)
    elif isinstance(recorded, str):
        assert response.text == recorded
    else:
        assert shape_differences(recorded, response.json()) == []


def test_the_comparison_notices_a_changed_shape() -> None:
    recorded = {"choices": [{"message": {"content": "", "call_id": None}}], "usage": {"n": 1}}
    assert shape_differences(recorded, recorded) == []
    changed = {"choices": [{"message": {"content": None}}], "usage": {"n": 1}, "logprobs": None}
    assert shape_differences(recorded, changed) == [
        "$.choices[0].message.call_id missing",
        "$.choices[0].message.content: string recorded, null emulated",
        "$.logprobs not in the recording",
    ]
    first = 'data: {"choices": [], "id": "a"}\n\n'
    assert chunk_sequence([first, first, "data: [DONE]\n\n"]) != chunk_sequence(
        ['data: {"choices": []}\n\n', "data: [DONE]\n\n"]
    )
