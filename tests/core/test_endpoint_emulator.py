"""Pasted URL shapes against the emulator on 127.0.0.1: the routes exist and answer.

The emulator serves the service's four path shapes on one port and checks the
api-version like the service, so a URL that resolves to a wrong route, or a
default api-version a flavour does not accept, fails here with a real 404/400.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from azure_inference_core import BadRequestError, InferenceClient, NotFoundError
from azure_inference_emulator import Emulator

KEY = "emulator-key-0123456789"
HELLO = [{"role": "user", "content": "Say hello."}]


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(
        "Mistral-Large", key=KEY, requests_per_minute=None, tokens_per_minute=None
    ) as server:
        yield server


@pytest.mark.parametrize(
    ("suffix", "model"),
    [
        ("/api/projects/my-project", "Mistral-Large"),
        ("/api/projects/my-project/openai/v1", "gpt-4o-mini"),
        ("/models/chat/completions?api-version=2025-04-01", "Mistral-Large"),
        ("/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21", None),
        ("/openai/deployments/gpt-4o-mini", None),
        ("/openai/v1/chat/completions", "gpt-4o-mini"),
        ("/chat/completions?api-version=2024-05-01-preview", None),
        ("", None),
    ],
)
def test_pasted_shapes_reach_a_route_that_answers(
    emu: Emulator, suffix: str, model: str | None
) -> None:
    with InferenceClient(emu.endpoint + suffix, KEY, model=model) as client:
        answer = client.complete(HELLO)
    assert answer.choices[0].message.content
    sent = emu.requests[-1]
    assert sent.path.endswith("/chat/completions")
    assert "/api/projects" not in sent.path


def test_a_rejected_api_version_names_it_and_the_way_out(emu: Emulator) -> None:
    with (
        InferenceClient(
            emu.foundry_endpoint, KEY, model="Mistral-Large", api_version="2023-01-01"
        ) as c,
        pytest.raises(BadRequestError) as info,
    ):
        c.complete(HELLO)
    text = str(info.value)
    assert "'2023-01-01'" in text
    assert "pass api_version=" in text


def test_an_azure_openai_404_for_the_version_hints_at_it(emu: Emulator) -> None:
    endpoint = emu.openai_deployment_endpoint("gpt-4o-mini")
    with (
        InferenceClient(endpoint, KEY, api_version="not-a-version") as c,
        pytest.raises(NotFoundError) as info,
    ):
        c.complete(HELLO)
    assert "'not-a-version'" in str(info.value)
    assert "/openai/v1" in str(info.value)


def test_a_missing_deployment_gets_no_version_hint(emu: Emulator) -> None:
    with (
        InferenceClient(emu.openai_deployment_endpoint("no-such-deployment"), KEY) as c,
        pytest.raises(NotFoundError) as info,
    ):
        c.complete(HELLO)
    assert "api_version" not in str(info.value)
