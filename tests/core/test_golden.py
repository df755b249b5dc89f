"""Golden tests: the seeds' REST request bodies are what the client sends, and their
response bodies parse into the typed models without losing a field.

Fixtures in ``golden/`` are copies of the seeds' JSON blocks (regenerate with
``python -m tests.core.golden.extract SEEDS_DIR``); the last test checks they
still match the seeds when ``$AZURE_INFERENCE_SEEDS`` names their folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from azure_inference_core import (
    ChatCompletion,
    ChatCompletionChunk,
    ContentFilterError,
    ModelInfo,
    ModelType,
)
from azure_inference_core._errors import error_from_response
from azure_inference_core._request import CHAT_FIELDS

from .conftest import Driver
from .golden.extract import blocks, seeds_dir

GOLDEN = Path(__file__).parent / "golden"
REQUESTS = sorted((GOLDEN / "requests").glob("*.json"))
RESPONSES = sorted((GOLDEN / "responses").glob("*.json"))


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_fixtures_cover_every_kind_of_request() -> None:
    bodies = [load(p) for p in REQUESTS]
    assert len(bodies) >= 20
    assert any(b.get("stream") is True for b in bodies)
    assert any("logprobs" in b for b in bodies)
    assert any(b.get("response_format") == {"type": "json_object"} for b in bodies)
    assert any("tools" in b and any(m["role"] == "tool" for m in b["messages"]) for b in bodies)
    assert any(isinstance(m["content"], list) for b in bodies for m in b["messages"])


@pytest.mark.parametrize("path", REQUESTS, ids=[p.stem for p in REQUESTS])
async def test_request_bodies_match_the_seeds(driver: Driver, path: Path) -> None:
    expected = load(path)
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if json.loads(request.content).get("stream"):
            return httpx.Response(200, content=b"data: [DONE]\n\n")
        return httpx.Response(
            200,
            json={
                "id": "x",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
            },
        )

    client = driver.client(handler=handler)
    params = {
        k: v for k, v in expected.items() if k in CHAT_FIELDS and k not in ("messages", "stream")
    }
    extras = {k: v for k, v in expected.items() if k not in CHAT_FIELDS}
    if extras:
        params["model_extras"] = extras
    if expected.get("stream"):
        await driver.stream(client, expected["messages"], **params)
    else:
        await driver.complete(client, expected["messages"], **params)
    (request,) = sent
    assert json.loads(request.content) == expected
    assert request.headers.get("extra-parameters") == ("pass-through" if extras else None)
    await driver.close(client)


@pytest.mark.parametrize("path", RESPONSES, ids=[p.stem for p in RESPONSES])
def test_response_bodies_parse_without_loss(path: Path) -> None:
    body = load(path)
    raw = json.dumps(body).encode()
    if "model_name" in body:
        info = ModelInfo.model_validate_json(raw)
        assert info.model_name == body["model_name"]
        assert info.model_type is ModelType.CHAT_COMPLETION
        assert info.model_provider_name == body["model_provider_name"]
    elif "error" in body:
        error = error_from_response(400, {}, raw)
        assert isinstance(error, ContentFilterError)
        assert error.message == body["error"]["message"]
    elif body["choices"] and "delta" in body["choices"][0]:
        chunk = ChatCompletionChunk.model_validate_json(raw)
        assert chunk.model_dump(mode="json", exclude_unset=True) == body
    else:
        completion = ChatCompletion.model_validate_json(raw)
        assert completion.model_dump(mode="json", exclude_unset=True) == body
        assert completion.usage is not None
        assert completion.usage.total_tokens == body["usage"]["total_tokens"]


def test_tool_definition_is_accepted_as_given() -> None:
    (tool_path,) = sorted((GOLDEN / "tools").glob("*.json"))
    tool = load(tool_path)
    with_tools = [load(p) for p in REQUESTS if "tools" in load(p)]
    assert with_tools
    assert all(
        body["tools"][0]["function"]["name"] == tool["function"]["name"] for body in with_tools
    )


@pytest.mark.skipif(seeds_dir() is None, reason="AZURE_INFERENCE_SEEDS not set")
def test_fixtures_are_in_sync_with_the_seeds() -> None:
    seeds = seeds_dir()
    assert seeds is not None
    extracted = blocks(seeds)
    on_disk = {
        p.stem: load(p)
        for kind in ("requests", "responses", "tools")
        for p in (GOLDEN / kind).glob("*.json")
    }
    assert {name: item["body"] for name, item in extracted.items()} == on_disk
