"""URL shapes, api-versions, credentials and extra-parameters, as the service checks them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from azure_inference_emulator import Emulator

from .conftest import KEY, TLS, client_for, sse_events

HELLO = {"messages": [{"role": "user", "content": "hello"}]}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(
        "Phi-3-mini-4k-Instruct",
        key=KEY,
        tokens=["entra-token"],
        deployments={"my-gpt": "gpt-4o-mini", "embedder": "Cohere-embed-v3-english"},
        requests_per_minute=None,
        tokens_per_minute=None,
    ) as emulator:
        yield emulator


def test_info_on_serverless_reports_the_profile(emu: Emulator) -> None:
    with client_for(emu) as client:
        response = client.get("/info")
    assert response.json() == {
        "model_name": "Phi-3-mini-4k-Instruct",
        "model_type": "chat-completion",
        "model_provider_name": "Microsoft",
        "served_model_name": "Phi-3-mini-4k-Instruct",
        "served_model_type": "chat-completion",
    }
    assert response.headers["x-ms-request-id"] == response.headers["apim-request-id"]


def test_info_is_404_where_the_service_has_none(emu: Emulator) -> None:
    with client_for(emu, base=emu.foundry_endpoint) as client:
        assert client.get("/info").status_code == 404
    with client_for(emu, base=emu.openai_deployment_endpoint("my-gpt"), version="2024-10-21") as c:
        assert c.get("/info").status_code == 404
    with client_for(emu, base=emu.openai_v1_endpoint, version=None) as client:
        assert client.get("/info").status_code == 404


def test_serverless_ignores_body_model(emu: Emulator) -> None:
    with client_for(emu) as client:
        data = client.post("/chat/completions", json={**HELLO, "model": "whatever"}).json()
    assert data["model"] == "Phi-3-mini-4k-Instruct"


def test_managed_compute_deployment_header(emu: Emulator) -> None:
    with client_for(emu, headers={"azureml-model-deployment": "my-gpt"}) as client:
        assert client.post("/chat/completions", json=HELLO).json()["model"] == "gpt-4o-mini"
        assert client.get("/info").json()["model_provider_name"] == "OpenAI"
    with client_for(emu, headers={"azureml-model-deployment": "blue"}) as client:
        assert client.post("/chat/completions", json=HELLO).status_code == 404


def test_foundry_routes_by_body_model(emu: Emulator) -> None:
    with client_for(emu, base=emu.foundry_endpoint) as client:
        mistral = client.post("/chat/completions", json={**HELLO, "model": "mistral-large-2407"})
        assert mistral.json()["model"] == "mistral-large-2407"
        lower = client.post("/chat/completions", json={**HELLO, "model": "phi-3-mini-4k-instruct"})
        assert lower.json()["model"] == "Phi-3-mini-4k-Instruct"
        custom = client.post("/chat/completions", json={**HELLO, "model": "my-gpt"})
        assert custom.json()["model"] == "gpt-4o-mini"
        header = client.post(
            "/chat/completions", json=HELLO, headers={"x-ms-model-mesh-model-name": "Mistral-Large"}
        )
        assert header.json()["model"] == "Mistral-Large"
        missing = client.post("/chat/completions", json=HELLO)
        assert missing.status_code == 400
        assert missing.json()["error"]["code"] == "no_model_name"
        unknown = client.post("/chat/completions", json={**HELLO, "model": "gpt-9"})
        assert unknown.status_code == 400
        error = unknown.json()["error"]
        assert error["code"] == "unknown_model"
        assert error["message"].startswith("Unknown model: gpt-9")
        assert "details" in error
        assert error["details"] is None
        embed = client.post("/embeddings", json={"input": ["a"], "model": "embedder"})
        assert embed.json()["model"] == "Cohere-embed-v3-english"


def test_azure_openai_deployment_path(emu: Emulator) -> None:
    base = emu.openai_deployment_endpoint("my-gpt")
    with client_for(emu, base=base, version="2024-10-21") as client:
        assert client.post("/chat/completions", json=HELLO).json()["model"] == "gpt-4o-mini"
    with client_for(emu, base=base, version=None) as client:
        assert client.post("/chat/completions", json=HELLO).status_code == 404
    with client_for(emu, base=emu.openai_deployment_endpoint("nope"), version="2024-10-21") as c:
        response = c.post("/chat/completions", json=HELLO)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "DeploymentNotFound"


def test_openai_v1_needs_no_api_version_but_a_model(emu: Emulator) -> None:
    with client_for(emu, base=emu.openai_v1_endpoint, version=None) as client:
        ok = client.post(
            "/chat/completions", json={**HELLO, "model": "gpt-4o-mini", "parallel_tool_calls": True}
        )
        assert ok.status_code == 200
        assert client.post("/chat/completions", json=HELLO).json()["error"]["code"] == (
            "no_model_name"
        )
        unknown = client.post(
            "/chat/completions", json={**HELLO, "model": "gpt-4o-mini", "frobnicate": 1}
        )
        assert unknown.status_code == 400
        assert "frobnicate" in unknown.json()["error"]["message"]


def test_api_version_is_checked_on_inference_routes(emu: Emulator) -> None:
    for version in ("2024-05-01-preview", "2024-08-01-preview", "2025-04-01", "2025-05-01"):
        with client_for(emu, version=version) as client:
            assert client.post("/chat/completions", json=HELLO).status_code == 200
    with client_for(emu, version=None) as client:
        missing = client.post("/chat/completions", json=HELLO)
        assert missing.status_code == 400
        assert "api-version" in missing.json()["error"]["message"]
    with client_for(emu, version="2023-01-01") as client:
        assert client.post("/chat/completions", json=HELLO).status_code == 400


def test_unknown_route_is_404(emu: Emulator) -> None:
    with client_for(emu) as client:
        assert client.post("/completions", json=HELLO).status_code == 404


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"api-key": KEY}, 200),
        ({"authorization": f"Bearer {KEY}"}, 200),
        ({"authorization": "Bearer entra-token"}, 200),
        ({"api-key": KEY, "authorization": f"Bearer {KEY}"}, 200),
        ({}, 401),
        ({"api-key": "bad-secret-value"}, 401),
        ({"authorization": "Bearer bad-secret-value"}, 401),
    ],
)
def test_credentials(emu: Emulator, headers: dict[str, str], status: int) -> None:
    with client_for(emu, key=None, headers=headers) as client:
        response = client.post("/chat/completions", json=HELLO)
    assert response.status_code == status
    if status == 401:
        assert "bad-secret-value" not in response.text
        assert KEY not in response.text
        # Serverless hosts answer 401 flat (recorded): {"statusCode": 401, "message": ...}.
        assert response.json()["statusCode"] == 401
        assert set(response.json()) == {"statusCode", "message"}


def test_requests_are_recorded_with_secrets_redacted(emu: Emulator) -> None:
    emu.clear_requests()
    with client_for(emu, headers={"authorization": f"Bearer {KEY}"}) as client:
        client.post("/chat/completions", json=HELLO)
    (recorded,) = emu.requests
    assert recorded.headers["api-key"] == "REDACTED"
    assert recorded.headers["authorization"] == "REDACTED"
    assert recorded.body == HELLO
    assert recorded.query == {"api-version": "2024-05-01-preview"}
    assert recorded.status == 200
    assert KEY not in repr(recorded)
    assert KEY not in repr(emu)


def test_extra_parameters_modes(emu: Emulator) -> None:
    body = {**HELLO, "logprobs": True, "frobnicate": 1}
    with client_for(emu) as client:
        error = client.post("/chat/completions", json=body)
        assert error.status_code == 400
        assert error.json() == {
            "detail": (
                "Extra parameters ['logprobs', 'frobnicate'] are not allowed when extra-parameters "
                "is not set or set to be 'error'. Set extra-parameters to 'pass-through' to pass "
                "to the model."
            )
        }
        explicit = client.post(
            "/chat/completions", json=body, headers={"extra-parameters": "error"}
        )
        assert explicit.status_code == 400
        dropped = client.post("/chat/completions", json=body, headers={"extra-parameters": "drop"})
        assert dropped.status_code == 200
        assert dropped.json()["choices"][0]["logprobs"] is None
        passed = client.post(
            "/chat/completions", json=body, headers={"extra-parameters": "pass-through"}
        )
        assert passed.status_code == 422
        assert passed.json()["detail"] == [{"loc": ["body", "frobnicate"], "input": 1}]
        good = client.post(
            "/chat/completions",
            json={**HELLO, "logprobs": True},
            headers={"extra-parameters": "pass-through"},
        )
        assert good.json()["choices"][0]["logprobs"]["content"]
        bad_mode = client.post("/chat/completions", json=HELLO, headers={"extra-parameters": "x"})
        assert bad_mode.status_code == 400


def test_modalities_mismatch_is_404(emu: Emulator) -> None:
    with client_for(emu, base=emu.foundry_endpoint) as client:
        chat_on_embedder = client.post("/chat/completions", json={**HELLO, "model": "embedder"})
        assert chat_on_embedder.status_code == 404
        assert "Cohere-embed-v3-english" in chat_on_embedder.json()["error"]["message"]
        embed_on_chat = client.post("/embeddings", json={"input": ["a"], "model": "my-gpt"})
        assert embed_on_chat.status_code == 404
        images_on_text = client.post(
            "/images/embeddings",
            json={
                "input": [{"image": "data:image/png;base64,AA=="}],
                "model": "text-embedding-3-small",
            },
        )
        assert images_on_text.status_code == 404


def test_client_request_id_is_echoed(emu: Emulator) -> None:
    with client_for(emu, headers={"x-ms-client-request-id": "abc-123"}) as client:
        response = client.post("/chat/completions", json=HELLO)
    assert response.headers["x-ms-client-request-id"] == "abc-123"
    request_id = response.headers["x-request-id"]
    assert str(uuid.UUID(request_id)) == request_id == response.headers["x-ms-request-id"]
    assert response.json()["id"] == request_id.replace("-", "")


def test_no_key_configured_accepts_anything() -> None:
    with (
        Emulator("Mistral-Large") as emu,
        httpx.Client(base_url=emu.endpoint, verify=TLS) as client,
    ):
        response = client.post(
            "/chat/completions", params={"api-version": "2025-05-01"}, json=HELLO
        )
    assert response.status_code == 200


def test_builtin_deployments_can_be_left_out() -> None:
    with (
        Emulator(
            "Mistral-Large", deployments={"chat": "gpt-4o-mini"}, builtin_deployments=False
        ) as emu,
        client_for(emu, key=None, base=emu.foundry_endpoint) as client,
    ):
        assert emu.deployments == ["Mistral-Large", "chat"]
        assert client.post("/chat/completions", json={**HELLO, "model": "chat"}).status_code == 200
        gone = client.post("/chat/completions", json={**HELLO, "model": "gpt-4o"})
        assert gone.status_code == 400
        assert gone.json()["error"]["code"] == "unknown_model"


def test_azure_openai_streams_open_with_a_filter_only_chunk(emu: Emulator) -> None:
    base = emu.openai_deployment_endpoint("my-gpt")
    with client_for(emu, base=base, version="2024-10-21") as client:
        events = sse_events(client.post("/chat/completions", json={**HELLO, "stream": True}).text)
        whole = client.post("/chat/completions", json=HELLO).json()
    assert events[0]["choices"] == []
    assert events[0]["id"] == events[0]["model"] == ""
    assert events[0]["prompt_filter_results"][0]["content_filter_results"]["hate"] == {
        "filtered": False,
        "severity": "safe",
    }
    assert events[1]["choices"][0]["delta"]["role"] == "assistant"
    assert whole["prompt_filter_results"][0]["prompt_index"] == 0
