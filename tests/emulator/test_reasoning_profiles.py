"""Reasoning profiles refuse what Azure OpenAI refuses, with Azure's status and body."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from azure_inference_emulator import Emulator

from .conftest import KEY, chat, client_for

REASONING = ["o3-mini", "o1", "o4-mini", "gpt-5-mini"]


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator("o3-mini", key=KEY, requests_per_minute=None, tokens_per_minute=None) as server:
        yield server


@pytest.mark.parametrize("model", REASONING)
@pytest.mark.parametrize("route", ["aoai", "models"])
def test_max_tokens_is_azures_unsupported_parameter(emu: Emulator, model: str, route: str) -> None:
    if route == "aoai":
        base, body, version = emu.openai_deployment_endpoint(model), {}, "2024-10-21"
    else:
        base, body, version = emu.foundry_endpoint, {"model": model}, "2024-05-01-preview"
    with client_for(emu, base=base, version=version) as client:
        response = chat(client, "hi", max_tokens=50, **body)
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            "type": "invalid_request_error",
            "param": "max_tokens",
            "code": "unsupported_parameter",
        }
    }


@pytest.mark.parametrize("name", ["presence_penalty", "frequency_penalty", "logprobs"])
def test_penalties_and_logprobs_are_unsupported_parameters(emu: Emulator, name: str) -> None:
    base = emu.openai_deployment_endpoint("o1")
    with client_for(emu, base=base, version="2024-10-21") as client:
        error = chat(client, "hi", **{name: True if name == "logprobs" else 0.5}).json()["error"]
    assert (error["code"], error["param"]) == ("unsupported_parameter", name)
    assert error["message"] == f"Unsupported parameter: '{name}' is not supported with this model."


@pytest.mark.parametrize("name", ["temperature", "top_p"])
def test_sampling_other_than_default_is_unsupported_value(emu: Emulator, name: str) -> None:
    base = emu.openai_deployment_endpoint("o3-mini")
    with client_for(emu, base=base, version="2024-10-21") as client:
        refused = chat(client, "hi", **{name: 0.2})
        default = chat(client, "hi", **{name: 1})
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert (error["code"], error["param"], error["type"]) == (
        "unsupported_value",
        name,
        "invalid_request_error",
    )
    assert "Only the default (1) value is supported." in error["message"]
    assert default.status_code == 200


def test_max_completion_tokens_reasoning_effort_and_developer_are_served(emu: Emulator) -> None:
    base = emu.openai_deployment_endpoint("o3-mini")
    with client_for(emu, base=base, version="2024-10-21") as client:
        response = client.post(
            "/chat/completions",
            json={
                "messages": [
                    {"role": "developer", "content": "Be brief."},
                    {"role": "user", "content": "hi"},
                ],
                "max_completion_tokens": 500,
                "reasoning_effort": "low",
            },
        )
    assert response.status_code == 200, response.text
    assert response.json()["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0


def test_non_reasoning_models_still_take_max_tokens_and_temperature(emu: Emulator) -> None:
    base = emu.openai_deployment_endpoint("gpt-4o")
    with client_for(emu, base=base, version="2024-10-21") as client:
        assert chat(client, "hi", max_tokens=20, temperature=0.2).status_code == 200
