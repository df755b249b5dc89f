"""What a pasted URL puts on the wire: URL, key header(s), Entra scope; env precedence.

Every row goes through a real client with ``httpx.MockTransport``, once with a key
and once with a token credential, so the request URL, the headers and the scope
asked of the credential are the ones a user's call would produce.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.core.credentials import AccessToken

from azure_inference_core import BadRequestError, ConfigurationError, InferenceClient, NotFoundError

from .conftest import Driver
from .test_endpoint import REFUSED

KEY = "k3y-0123456789abcdef"
ML = "https://ml.azure.com/.default"
COG = "https://cognitiveservices.azure.com/.default"
AI = "https://ai.azure.com/.default"
ENV_NAMES = (
    "AZURE_INFERENCE_ENDPOINT",
    "AZURE_INFERENCE_CREDENTIAL",
    "AZURE_AI_PROJECT_ENDPOINT",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_KEY",
)
RECORDINGS = Path(__file__).parents[1] / "emulator" / "recordings"


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "x",
            "choices": [{"index": 0, "message": {"content": "hi"}, "finish_reason": "stop"}],
        },
    )


class Recorder:
    def __init__(self, response: Any = ok) -> None:
        self.requests: list[httpx.Request] = []
        self.response = response

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.response(request)


class Token:
    """A token credential that records the scopes it was asked for."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken("entra-token", int(time.time()) + 3600)


class AsyncToken(Token):
    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:  # type: ignore[override]
        return super().get_token(*scopes)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


# (pasted URL, client model, request URL sent, key headers sent, Entra scope)
WIRE = [
    (
        "https://res.services.ai.azure.com/api/projects/my-project",
        "Mistral-Large",
        "https://res.services.ai.azure.com/models/chat/completions?api-version=2025-05-01",
        {"api-key"},
        AI,
    ),
    (
        "https://res.services.ai.azure.com/api/projects/my-project/openai/v1",
        "gpt-4o",
        "https://res.services.ai.azure.com/openai/v1/chat/completions",
        {"api-key"},
        AI,
    ),
    (
        "https://res.services.ai.azure.com",
        "DeepSeek-R1",
        "https://res.services.ai.azure.com/models/chat/completions?api-version=2025-05-01",
        {"api-key"},
        COG,
    ),
    (
        "https://res.openai.azure.com",
        "gpt-4o",
        "https://res.openai.azure.com/openai/v1/chat/completions",
        {"api-key"},
        COG,
    ),
    (
        "https://res.cognitiveservices.azure.com/",
        "gpt-4o-mini",
        "https://res.cognitiveservices.azure.com/openai/v1/chat/completions",
        {"api-key"},
        COG,
    ),
    (
        "https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions"
        "?api-version=2024-10-21",
        None,
        "https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions"
        "?api-version=2024-10-21",
        {"api-key"},
        COG,
    ),
    (
        "https://res.openai.azure.com/openai/deployments/o3-mini?api-version=2025-01-01-preview",
        None,
        "https://res.openai.azure.com/openai/deployments/o3-mini/chat/completions"
        "?api-version=2025-01-01-preview",
        {"api-key"},
        COG,
    ),
    (
        "https://res.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview",
        "Phi-4",
        "https://res.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview",
        {"api-key"},
        COG,
    ),
    (
        "https://res.openai.azure.com/openai/v1/chat/completions",
        "gpt-4.1",
        "https://res.openai.azure.com/openai/v1/chat/completions",
        {"api-key"},
        COG,
    ),
    (
        "https://mistral-large.eastus2.models.ai.azure.com",
        None,
        "https://mistral-large.eastus2.models.ai.azure.com/chat/completions"
        "?api-version=2024-05-01-preview",
        {"api-key", "authorization"},
        ML,
    ),
    (
        "https://mistral-small-serverless.eastus2.inference.ai.azure.com/v1/chat/completions",
        None,
        "https://mistral-small-serverless.eastus2.inference.ai.azure.com/chat/completions"
        "?api-version=2024-05-01-preview",
        {"api-key", "authorization"},
        ML,
    ),
    (
        "https://llama-ep.westus3.inference.ml.azure.com/",
        None,
        "https://llama-ep.westus3.inference.ml.azure.com/chat/completions"
        "?api-version=2024-05-01-preview",
        {"authorization"},
        ML,
    ),
    (
        "http://127.0.0.1:8000/chat/completions",
        None,
        "http://127.0.0.1:8000/chat/completions?api-version=2025-05-01",
        {"api-key", "authorization"},
        ML,
    ),
    (
        "http://localhost:8000/api/projects/local",
        "gpt-4o",
        "http://localhost:8000/models/chat/completions?api-version=2025-05-01",
        {"api-key"},
        AI,
    ),
]


@pytest.mark.parametrize(("url", "model", "sent", "headers", "scope"), WIRE)
async def test_pasted_url_on_the_wire(
    driver: Driver, url: str, model: str | None, sent: str, headers: set[str], scope: str
) -> None:
    rec = Recorder()
    client = driver.client(url, KEY, handler=rec, model=model)
    await driver.complete(client)
    request = rec.requests[-1]
    assert str(request.url) == sent
    assert {h for h in ("api-key", "authorization") if h in request.headers} == headers
    if "api-key" in headers:
        assert request.headers["api-key"] == KEY
    if "authorization" in headers:
        assert request.headers["authorization"] == f"Bearer {KEY}"
    body = json.loads(request.content)
    assert body.get("model") == model
    await driver.close(client)

    credential = AsyncToken() if driver.is_async else Token()
    client = driver.client(url, credential, handler=rec, model=model)
    await driver.complete(client)
    assert credential.scopes == [(scope,)]
    assert rec.requests[-1].headers["authorization"] == "Bearer entra-token"
    assert "api-key" not in rec.requests[-1].headers
    await driver.close(client)


@pytest.mark.parametrize(
    "url",
    [
        "https://res.services.ai.azure.com/api/projects/p",
        "https://res.openai.azure.com",
        "https://res.services.ai.azure.com/api/projects/p/openai/v1",
    ],
)
async def test_routes_that_pick_by_body_need_a_model(driver: Driver, url: str) -> None:
    rec = Recorder()
    client = driver.client(url, KEY, handler=rec)
    with pytest.raises(ConfigurationError, match="model='<deployment name>'"):
        await driver.complete(client)
    assert rec.requests == []
    await driver.complete(client, model="per-call")
    assert json.loads(rec.requests[0].content)["model"] == "per-call"
    await driver.close(client)


@pytest.mark.parametrize(("url", "message"), [r for r in REFUSED if r[0]])
async def test_refused_url_never_builds_a_client(driver: Driver, url: str, message: str) -> None:
    rec = Recorder()
    with pytest.raises(ConfigurationError, match=message) as info:
        driver.client(url, KEY, handler=rec, model="m")
    assert rec.requests == []
    assert KEY not in str(info.value)


def test_deployment_from_url_is_on_the_client_config() -> None:
    with InferenceClient("https://r.openai.azure.com/openai/deployments/gpt-4o", KEY) as client:
        assert client.endpoint_config.deployment == "gpt-4o"


# -- api-version rejections name the version and how to choose another ---------


async def test_rejected_api_version_says_which_and_how(driver: Driver) -> None:
    def reject(request: httpx.Request) -> httpx.Response:
        version = request.url.params["api-version"]
        return httpx.Response(
            400,
            json={
                "error": {
                    "code": "UnsupportedApiVersion",
                    "message": f"Unsupported api-version '{version}'.",
                }
            },
        )

    client = driver.client("https://m.eastus2.models.ai.azure.com", KEY, handler=Recorder(reject))
    with pytest.raises(BadRequestError) as info:
        await driver.complete(client)
    text = str(info.value)
    assert "'2024-05-01-preview'" in text
    assert "pass api_version=" in text
    await driver.close(client)


async def test_azure_openai_404_for_a_version_hints_at_it(driver: Driver) -> None:
    def not_found(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"error": {"code": "404", "message": "Resource not found"}})

    url = "https://r.openai.azure.com/openai/deployments/d?api-version=2023-01-01-preview"
    client = driver.client(url, KEY, handler=Recorder(not_found))
    with pytest.raises(NotFoundError) as info:
        await driver.complete(client)
    assert "'2023-01-01-preview'" in str(info.value)
    assert "openai/v1" in str(info.value)
    await driver.close(client)


# -- environment variables, in their documented order ---------------------------


def _send(**kwargs: Any) -> httpx.Request:
    rec = Recorder()
    with InferenceClient(
        http_client=httpx.Client(transport=httpx.MockTransport(rec)), **kwargs
    ) as c:
        c.complete([{"role": "user", "content": "x"}], model="m")
    return rec.requests[0]


def test_env_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://aoai.openai.azure.com/")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "aoai-key")
    request = _send()
    assert str(request.url) == "https://aoai.openai.azure.com/openai/v1/chat/completions"
    assert request.headers["api-key"] == "aoai-key"

    monkeypatch.setenv(
        "AZURE_AI_PROJECT_ENDPOINT", "https://f.services.ai.azure.com/api/projects/p"
    )
    credential = Token()
    request = _send(credential=credential)  # a project endpoint signs in with Entra ID
    assert request.url.host == "f.services.ai.azure.com"
    assert credential.scopes == [(AI,)]
    monkeypatch.setitem(sys.modules, "azure.identity", None)
    with pytest.raises(ConfigurationError, match="azure-identity") as info:
        _send()
    assert "aoai-key" not in str(info.value)
    monkeypatch.delitem(sys.modules, "azure.identity")

    monkeypatch.setenv("AZURE_INFERENCE_ENDPOINT", "https://m.eastus2.models.ai.azure.com")
    monkeypatch.setenv("AZURE_INFERENCE_CREDENTIAL", "inference-key")
    request = _send()
    assert request.url.host == "m.eastus2.models.ai.azure.com"
    assert request.headers["api-key"] == "inference-key"

    request = _send(endpoint="https://other.services.ai.azure.com/models")
    assert request.url.host == "other.services.ai.azure.com"
    assert request.headers["api-key"] == "inference-key"


def test_openai_key_only_goes_to_its_own_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://aoai.openai.azure.com")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "aoai-key")
    request = _send(endpoint="https://aoai.openai.azure.com/openai/deployments/gpt-4o")
    assert request.headers["api-key"] == "aoai-key"
    credential = Token()
    request = _send(endpoint="https://elsewhere.openai.azure.com", credential=credential)
    assert "aoai-key" not in request.headers.get("api-key", "")
    monkeypatch.setitem(sys.modules, "azure.identity", None)
    with pytest.raises(ConfigurationError, match="AZURE_INFERENCE_CREDENTIAL"):
        InferenceClient("https://elsewhere.openai.azure.com")


def test_no_endpoint_lists_every_variable() -> None:
    with pytest.raises(ConfigurationError) as info:
        InferenceClient(credential="k")
    for name in ("AZURE_INFERENCE_ENDPOINT", "AZURE_AI_PROJECT_ENDPOINT", "AZURE_OPENAI_ENDPOINT"):
        assert name in str(info.value)


# -- the recorded live traffic: pasting a recorded target URI reproduces it -----


def _recorded_entries() -> list[tuple[str, dict[str, Any]]]:
    entries = []
    for path in sorted(RECORDINGS.glob("*.json")):
        if path.name == "SOURCES.json":
            continue
        for entry in json.loads(path.read_text(encoding="utf-8"))["Entries"]:
            entries.append((path.name, entry))
    return entries


@pytest.mark.parametrize(
    ("name", "entry"), _recorded_entries(), ids=lambda v: v[-40:] if isinstance(v, str) else ""
)
def test_recorded_requests_are_reproduced(name: str, entry: dict[str, Any]) -> None:
    uri = entry["RequestUri"]
    recorded = httpx.URL(uri)
    rec = Recorder()
    with InferenceClient(
        uri, KEY, http_client=httpx.Client(transport=httpx.MockTransport(rec))
    ) as c:
        if recorded.path.endswith(("/info", "/embeddings")):
            sent = c.endpoint_config.url("/" + recorded.path.rsplit("/", 1)[1])
        else:
            c.complete([{"role": "user", "content": "x"}])
            sent = rec.requests[-1].url
    assert sent == recorded  # httpx lower-cases the host only
    if "models.ai.azure.com" in recorded.host:
        # Recorded: the live serverless service read the key from api-key, with
        # api-version 2024-05-01-preview; both are our defaults for that host.
        fresh = InferenceClient(f"https://{recorded.host}", KEY)
        assert fresh.endpoint_config.api_version == recorded.params["api-version"]
        if "api-key" in entry["RequestHeaders"]:  # key auth (the others used Entra ID)
            assert fresh.endpoint_config.key_header in ("api-key", "both")
        fresh.close()
