"""Scripted answers: queued, pattern-matched, errors, raw chunks, from Python or a file."""

from __future__ import annotations

import json

import httpx

from azure_inference_emulator import Emulator

from .conftest import chat, client_for, sse_events


def content(response: httpx.Response) -> str:
    return response.json()["choices"][0]["message"]["content"]


def test_queue_is_first_in_first_out_then_normal(mc: httpx.Client, mistral: Emulator) -> None:
    mistral.script.queue("first scripted")
    mistral.script.queue("second scripted")
    assert mistral.script.pending == 2
    assert content(chat(mc, "a")) == "first scripted"
    assert content(chat(mc, "b")) == "second scripted"
    assert '"c"' in content(chat(mc, "c"))


def test_scripted_text_streams_word_by_word(mc: httpx.Client, mistral: Emulator) -> None:
    mistral.script.queue("one two three four")
    events = sse_events(chat(mc, "x", stream=True).text)
    pieces = [e["choices"][0]["delta"].get("content") for e in events[1:-2]]
    assert pieces == ["one ", "two ", "three ", "four"]
    assert events[-2]["usage"]["completion_tokens"] == 4


def test_pattern_rules_win_and_count_down(mc: httpx.Client, mistral: Emulator) -> None:
    mistral.script.queue("queued")
    mistral.script.on(r"(?i)weather", "It is sunny.", times=1)
    assert content(chat(mc, "What's the WEATHER?")) == "It is sunny."
    assert content(chat(mc, "What's the weather?")) == "queued"


def test_scripted_tool_calls(mc: httpx.Client, mistral: Emulator) -> None:
    mistral.script.queue(tool_calls=[{"name": "lookup", "arguments": {"q": "ü"}, "id": "c9"}])
    data = chat(mc, "x").json()["choices"][0]
    assert data["finish_reason"] == "tool_calls"
    assert data["message"]["content"] == ""  # Mistral's tool-call message (recorded)
    assert data["message"]["tool_calls"] == [
        {
            "id": "c9",
            "type": "function",
            "function": {
                "name": "lookup",
                "arguments": json.dumps({"q": "ü"}, ensure_ascii=False),
                "call_id": None,
            },
        }
    ]


def test_scripted_errors(mc: httpx.Client, mistral: Emulator) -> None:
    mistral.script.queue(
        status=429,
        body={"error": {"code": "429", "message": "slow down"}},
        headers={"Retry-After": "7"},
    )
    response = chat(mc, "x")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.json()["error"]["message"] == "slow down"


def test_raw_chunk_sequences(mc: httpx.Client, mistral: Emulator) -> None:
    mistral.script.queue(
        chunks=[{"id": "r", "choices": []}, ": keep-alive", "not json"], done=False
    )
    text = chat(mc, "x", stream=True).text
    assert text == 'data: {"id":"r","choices":[]}\n\ndata: : keep-alive\n\ndata: not json\n\n'
    mistral.script.queue(chunks=[{"id": "r"}])
    assert chat(mc, "x").status_code == 400


def test_script_from_a_config_file(tmp_path: object) -> None:
    script = [
        {"match": "hello", "text": "Hi from the file"},
        {"status": 503, "body": {"error": {"code": "503", "message": "down"}}},
    ]
    with Emulator("Mistral-Large", script=script) as emu, client_for(emu, key=None) as client:
        assert content(chat(client, "hello you")) == "Hi from the file"
        assert chat(client, "other").status_code == 503
        assert '"other"' in content(chat(client, "other"))


def test_bad_script_entries_are_rejected() -> None:
    import pytest

    with pytest.raises(ValueError, match="unknown script keys"):
        Emulator("Mistral-Large", script=[{"txt": "typo"}])
