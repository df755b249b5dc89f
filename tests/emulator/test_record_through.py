"""Record through one emulator from another, stop the upstream, replay offline.

Chat, streaming, tool calls, embeddings and errors, through the core client
and both adapters, with their public APIs. The upstream is an emulator on
loopback acting as the real endpoint; the recording emulator forwards to it
and writes the cassette; then the upstream is gone and a replaying emulator
must give every client the same results from the cassette alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.tools import tool as lc_tool
from llama_index.core.base.llms.types import ChatMessage

from azure_inference_core import BadRequestError, InferenceClient
from azure_inference_emulator import Emulator
from langchain_azure_inference import ChatAzureInference
from llamaindex_azure_inference import AzureInference

from .conftest import TLS

UP_KEY = "upstream-secret-key-42"
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]


@lc_tool
def get_weather(city: str) -> str:
    """Weather for a city."""
    return f"Sunny in {city}"


def core_session(endpoint: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with InferenceClient(endpoint, UP_KEY, model="Mistral-Large", max_retries=0) as client:
        hello = [{"role": "user", "content": "How many feet are in a mile?"}]
        out["chat"] = client.complete(hello, temperature=0).choices[0].message.content
        out["stream"] = "".join(
            c.choices[0].delta.content or ""
            for c in client.stream(hello, temperature=0)
            if c.choices
        )
        ask = [{"role": "user", "content": "What is the weather in Paris?"}]
        called = client.complete(ask, tools=TOOLS, temperature=0).choices[0].message
        out["tool"] = [(c.function.name, c.function.arguments) for c in called.tool_calls or []]
        out["embed"] = client.embed(["first", "second"], model="Cohere-embed-v3-english")
        out["embed"] = [d.embedding for d in out["embed"].data]
        with pytest.raises(BadRequestError) as caught:
            client.complete(hello, model="gpt-o-nothing")
        out["error"] = (type(caught.value).__name__, caught.value.status_code)
    return out


def langchain_session(endpoint: str) -> dict[str, Any]:
    llm = ChatAzureInference(
        endpoint=endpoint, credential=UP_KEY, model="Mistral-Large", temperature=0, max_retries=0
    )
    out: dict[str, Any] = {"chat": llm.invoke("How many feet are in a mile?").content}
    out["stream"] = "".join(str(c.content) for c in llm.stream("Tell me about Paris"))
    called = llm.bind_tools([get_weather]).invoke("What is the weather in Paris?")
    out["tool"] = [(c["name"], c["args"]) for c in called.tool_calls]
    return out


def llamaindex_session(endpoint: str) -> dict[str, Any]:
    llm = AzureInference(
        endpoint=endpoint, credential=UP_KEY, model="Mistral-Large", temperature=0, max_retries=0
    )
    ask = [ChatMessage(role="user", content="How many feet are in a mile?")]
    out: dict[str, Any] = {"chat": llm.chat(ask).message.content}
    out["stream"] = "".join(r.delta or "" for r in llm.stream_chat(ask))
    return out


SESSIONS: dict[str, Callable[[str], dict[str, Any]]] = {
    "core": core_session,
    "langchain": langchain_session,
    "llamaindex": llamaindex_session,
}


def upstream_emulator() -> Emulator:
    return Emulator("Mistral-Large", key=UP_KEY, seed=3)


@pytest.mark.parametrize("client", sorted(SESSIONS))
def test_record_from_an_upstream_then_replay_without_it(client: str, tmp_path: Path) -> None:
    cassette = tmp_path / f"{client}.json"
    session = SESSIONS[client]
    with upstream_emulator() as upstream:
        with Emulator(mode="record", upstream=upstream.endpoint, cassette=cassette) as recorder:
            recorded = session(recorder.foundry_endpoint)
        assert upstream.requests, "the upstream saw the traffic"
    with Emulator(mode="replay", cassette=cassette) as replayer:
        replayed = session(replayer.foundry_endpoint)
    assert replayed == recorded
    assert recorded["chat"]
    assert "Paris" in str(recorded.get("tool", "Paris"))
    text = cassette.read_text()
    assert UP_KEY not in text, "keys are sanitized"
    assert "127.0.0.1" not in text, "hosts are sanitized"
    data = json.loads(text)
    streams = [e for e in data["Entries"] if isinstance(e["ResponseBody"], list)]
    assert streams, "streamed answers are stored as their SSE pieces"
    assert all(p.endswith("\n\n") for e in streams for p in e["ResponseBody"])


def test_recorder_streams_as_it_arrives_and_passes_errors_through(tmp_path: Path) -> None:
    cassette = tmp_path / "raw.json"
    with (
        Emulator("gpt-4o-mini", key=UP_KEY) as upstream,
        Emulator(mode="record", upstream=upstream.endpoint, cassette=cassette) as recorder,
        httpx.Client(base_url=recorder.endpoint, verify=TLS) as client,
    ):
        params = {"api-version": "2024-05-01-preview"}
        bad = client.post("/chat/completions", params=params, json={"messages": []})
        assert bad.status_code == 401  # the caller sent no key: upstream said so
        body = {"messages": [{"role": "user", "content": "one two three"}], "stream": True}
        headers = {"api-key": UP_KEY, "x-emulator-fault": "chunk-delay=0.05"}
        with client.stream(
            "POST", "/chat/completions", params=params, json=body, headers=headers
        ) as stream:
            lines = stream.iter_lines()
            first = next(line for line in lines if line)
            # The first event is relayed while the upstream is still pacing the rest.
            assert first.startswith("data: ")
            assert len([r for r in recorder.requests if r.status]) <= 2
            rest = [line for line in lines if line]
        assert rest[-1] == "data: [DONE]"
    entries = json.loads(cassette.read_text())["Entries"]
    assert [e["StatusCode"] for e in entries] == [401, 200]
    assert entries[0]["ResponseBody"]["statusCode"] == 401
    assert entries[1]["RequestHeaders"]["api-key"] == "Sanitized"


def test_upstream_key_replaces_the_callers_credential(tmp_path: Path) -> None:
    with (
        Emulator("Mistral-Large", key=UP_KEY) as upstream,
        Emulator(
            mode="record",
            upstream=upstream.endpoint,
            upstream_key=UP_KEY,
            cassette=tmp_path / "k.json",
        ) as recorder,
    ):
        answer = httpx.post(
            f"{recorder.endpoint}/chat/completions?api-version=2024-05-01-preview",
            json={"messages": [{"role": "user", "content": "hi"}]},
            verify=TLS,
        )
        assert answer.status_code == 200
        assert UP_KEY not in repr(recorder) + repr(recorder._state)


def test_unreachable_upstream_is_a_clear_502(tmp_path: Path) -> None:
    with Emulator() as gone:
        dead = gone.endpoint
    with Emulator(mode="record", upstream=dead, cassette=tmp_path / "c.json") as recorder:
        response = httpx.get(f"{recorder.endpoint}/info", verify=TLS)
    assert response.status_code == 502
    assert "could not reach the upstream" in response.json()["error"]["message"]


def test_upstream_bearer_token_goes_in_authorization(tmp_path: Path) -> None:
    with (
        Emulator("Mistral-Large", tokens=["entra-token-7"]) as upstream,
        Emulator(
            mode="record",
            upstream=upstream.endpoint,
            upstream_key="Bearer entra-token-7",
            cassette=tmp_path / "t.json",
        ) as recorder,
    ):
        answer = httpx.get(
            f"{recorder.endpoint}/info", params={"api-version": "2024-05-01-preview"}, verify=TLS
        )
        assert answer.status_code == 200
        assert upstream.requests[-1].headers["authorization"] == "REDACTED"
