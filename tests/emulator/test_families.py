"""Shapes per model family that the recordings do not show whole (docs/wire.md)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from azure_inference_emulator import Emulator

from .conftest import KEY, TLS, chat, client_for, sse_events

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


# The emulator comes from the project's own pytest plugin (entry point pytest11).
pytestmark = pytest.mark.azure_inference_emulator(
    "Mistral-Large", key=KEY, deployments={"gpt": "gpt-4o-mini"}
)


@pytest.fixture
def emu(azure_inference_emulator: Emulator) -> Emulator:
    return azure_inference_emulator


@pytest.fixture
def aoai(emu: Emulator) -> Iterator[httpx.Client]:
    base = emu.openai_deployment_endpoint("gpt")
    with client_for(emu, base=base, version="2024-10-21") as client:
        yield client


def test_azure_openai_stream_carries_filters_rate_headers_and_an_empty_final_delta(
    aoai: httpx.Client,
) -> None:
    response = chat(aoai, "Say hello there", stream=True, stream_options={"include_usage": True})
    assert response.headers["x-ms-rai-invoked"] == "true"
    assert int(response.headers["x-ratelimit-remaining-requests"]) > 0
    assert int(response.headers["x-ratelimit-remaining-tokens"]) > 0
    events = sse_events(response.text)
    opener, first, *rest = events[:-1]
    assert opener["choices"] == []
    assert opener["id"] == ""
    assert opener["created"] == 0
    assert "jailbreak" in opener["prompt_filter_results"][0]["content_filter_results"]
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    with_choices = [e for e in [first, *rest] if e["choices"]]
    assert all("content_filter_results" in e["choices"][0] for e in with_choices)
    assert all(e["system_fingerprint"].startswith("fp_") for e in [first, *rest])
    final = with_choices[-1]["choices"][0]
    assert final["finish_reason"] == "stop"
    assert final["delta"] == {}
    usage = rest[-1]["usage"]
    assert set(usage["completion_tokens_details"]) == {
        "accepted_prediction_tokens",
        "audio_tokens",
        "reasoning_tokens",
        "rejected_prediction_tokens",
    }
    assert set(usage["prompt_tokens_details"]) == {"audio_tokens", "cached_tokens"}


def test_azure_openai_invalid_value_is_its_400_shape(emu: Emulator) -> None:
    base = emu.openai_deployment_endpoint("o3-mini")
    with client_for(emu, base=base, version="2024-10-21") as client:
        response = chat(client, "hi", temperature=0.5)
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["code"] is None
    assert error["param"] == "temperature"
    assert "temperature" in error["message"]


def test_mistral_tool_call_message_and_stream(emu: Emulator) -> None:
    with client_for(emu) as client:
        whole = chat(client, "What is the weather in Paris?", tools=TOOLS).json()
        streamed = sse_events(
            chat(client, "What is the weather in Paris?", tools=TOOLS, stream=True).text
        )
    choice = whole["choices"][0]
    assert "logprobs" not in choice
    assert choice["message"]["content"] == ""
    assert choice["message"]["tool_calls"][0]["function"]["call_id"] is None
    first, last = streamed[0], streamed[-2]
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert len(streamed) == 3, "the whole call comes in one final chunk"
    (call,) = last["choices"][0]["delta"]["tool_calls"]
    assert "index" not in call
    assert "type" not in call
    assert call["function"]["name"] == "get_weather"
    assert last["choices"][0]["finish_reason"] == "tool_calls"
    assert last["usage"]["total_tokens"] > 0


def test_mistral_text_answer_has_no_logprobs_and_null_tool_calls(emu: Emulator) -> None:
    with client_for(emu) as client:
        response = chat(client, "hello")
    assert response.headers["x-ms-rai-invoked"] == "true"
    assert response.headers["x-request-id"]
    choice = response.json()["choices"][0]
    assert "logprobs" not in choice
    assert choice["message"]["tool_calls"] is None


def test_phi4_multimodal_accepts_audio_by_url_and_others_refuse_it(emu: Emulator) -> None:
    part = {"type": "audio_url", "audio_url": {"url": "https://example.com/hello.mp3"}}
    body = [{"type": "text", "text": "Translate this"}, part]
    with client_for(emu, base=emu.foundry_endpoint) as client:
        ok = chat(client, body, model="Phi-4-multimodal-instruct")  # type: ignore[arg-type]
        refused = chat(client, body, model="Mistral-Large")  # type: ignore[arg-type]
    assert ok.status_code == 200
    assert "not fetched" in ok.json()["choices"][0]["message"]["content"]
    assert refused.status_code == 422


def test_mistral_accepts_a_single_choice_under_pass_through(emu: Emulator) -> None:
    with client_for(emu, headers={"extra-parameters": "pass-through"}) as client:
        assert chat(client, "hi", n=1).status_code == 200
        assert chat(client, "hi", n=2).status_code == 422


def test_serverless_embeddings_on_a_chat_model_is_plain_not_found(emu: Emulator) -> None:
    with httpx.Client(verify=TLS) as client:
        response = client.post(
            f"{emu.endpoint}/embeddings",
            params={"api-version": "2024-05-01-preview"},
            headers={"api-key": KEY},
            json={"input": ["a"]},
        )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "NOT FOUND"
