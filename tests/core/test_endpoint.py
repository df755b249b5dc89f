"""Endpoint flavours: routes, api-version, key header and Entra scope from the URL (pure)."""

from __future__ import annotations

import pytest

from azure_inference_core import ConfigurationError, EndpointFlavour, resolve_endpoint
from azure_inference_core._endpoint import api_version_hint

ML = ("https://ml.azure.com/.default",)
COG = ("https://cognitiveservices.azure.com/.default",)
AI = ("https://ai.azure.com/.default",)
F = EndpointFlavour


@pytest.mark.parametrize(
    ("url", "flavour", "base", "version", "header", "scopes"),
    [
        (
            "https://my-model.eastus2.models.ai.azure.com",
            F.SERVERLESS,
            "https://my-model.eastus2.models.ai.azure.com",
            "2024-05-01-preview",
            "both",
            ML,
        ),
        (
            "https://ep.eastus2.inference.ml.azure.com/",
            F.MANAGED,
            "https://ep.eastus2.inference.ml.azure.com",
            "2024-05-01-preview",
            "authorization",
            ML,
        ),
        (
            "https://your-host-name.eastus2.inference.ai.azure.com",
            F.SERVERLESS,
            "https://your-host-name.eastus2.inference.ai.azure.com",
            "2024-05-01-preview",
            "both",
            ML,
        ),
        (
            "https://mistral-small-serverless.eastus2.inference.ai.azure.com",
            F.SERVERLESS,
            "https://mistral-small-serverless.eastus2.inference.ai.azure.com",
            "2024-05-01-preview",
            "both",
            ML,
        ),
        (
            "https://res.services.ai.azure.com/models",
            F.FOUNDRY,
            "https://res.services.ai.azure.com/models",
            "2025-05-01",
            "api-key",
            COG,
        ),
        (
            "https://res.services.ai.azure.com",
            F.FOUNDRY,
            "https://res.services.ai.azure.com/models",
            "2025-05-01",
            "api-key",
            COG,
        ),
        (
            "https://res.services.ai.azure.com/api/projects/my-project",
            F.FOUNDRY,
            "https://res.services.ai.azure.com/models",
            "2025-05-01",
            "api-key",
            AI,
        ),
        (
            "https://res.services.ai.azure.com/api/projects/_project/openai/v1/",
            F.OPENAI_V1,
            "https://res.services.ai.azure.com/openai/v1",
            None,
            "api-key",
            AI,
        ),
        (
            "https://res.services.ai.azure.com/api/projects/p/openai",
            F.OPENAI_V1,
            "https://res.services.ai.azure.com/openai/v1",
            None,
            "api-key",
            AI,
        ),
        (
            "https://res.openai.azure.com/openai/deployments/gpt-4o/",
            F.AZURE_OPENAI,
            "https://res.openai.azure.com/openai/deployments/gpt-4o",
            "2024-10-21",
            "api-key",
            COG,
        ),
        (
            "https://res.openai.azure.com",
            F.OPENAI_V1,
            "https://res.openai.azure.com/openai/v1",
            None,
            "api-key",
            COG,
        ),
        (
            "https://res.cognitiveservices.azure.com/openai",
            F.OPENAI_V1,
            "https://res.cognitiveservices.azure.com/openai/v1",
            None,
            "api-key",
            COG,
        ),
        (
            "https://res.services.ai.azure.com/openai/v1",
            F.OPENAI_V1,
            "https://res.services.ai.azure.com/openai/v1",
            None,
            "api-key",
            AI,
        ),
        (
            "https://res.openai.azure.com/openai/v1/",
            F.OPENAI_V1,
            "https://res.openai.azure.com/openai/v1",
            None,
            "api-key",
            COG,
        ),
        ("http://127.0.0.1:8123", F.GENERIC, "http://127.0.0.1:8123", "2025-05-01", "both", ML),
        (
            "http://127.0.0.1:8123/models",
            F.FOUNDRY,
            "http://127.0.0.1:8123/models",
            "2025-05-01",
            "api-key",
            COG,
        ),
        (
            "http://localhost:9/openai/deployments/dep",
            F.AZURE_OPENAI,
            "http://localhost:9/openai/deployments/dep",
            "2024-10-21",
            "api-key",
            COG,
        ),
        (
            "http://127.0.0.1:9/openai/v1",
            F.OPENAI_V1,
            "http://127.0.0.1:9/openai/v1",
            None,
            "api-key",
            COG,
        ),
        (
            "https://eastus.api.cognitive.microsoft.com/openai/deployments/d",
            F.AZURE_OPENAI,
            "https://eastus.api.cognitive.microsoft.com/openai/deployments/d",
            "2024-10-21",
            "api-key",
            COG,
        ),
        (
            "https://gateway.azure-api.net/team/openai/deployments/d",
            F.AZURE_OPENAI,
            "https://gateway.azure-api.net/team/openai/deployments/d",
            "2024-10-21",
            "api-key",
            COG,
        ),
    ],
)
def test_flavour_table(
    url: str,
    flavour: EndpointFlavour,
    base: str,
    version: str | None,
    header: str,
    scopes: tuple[str, ...],
) -> None:
    config = resolve_endpoint(url)
    assert config.flavour is flavour
    assert config.base_url == base
    assert config.api_version == version
    assert config.key_header == header
    assert config.scopes == scopes
    expected_chat = base + "/chat/completions" + (f"?api-version={version}" if version else "")
    assert str(config.url("/chat/completions")) == expected_chat
    assert config.requires_model is (flavour in (F.FOUNDRY, F.OPENAI_V1))


@pytest.mark.parametrize(
    ("url", "base", "version"),
    [
        (
            "https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions"
            "?api-version=2024-10-21",
            "https://res.openai.azure.com/openai/deployments/gpt-4o",
            "2024-10-21",
        ),
        (
            "https://res.openai.azure.com/openai/deployments/emb/embeddings?api-version=2023-05-15",
            "https://res.openai.azure.com/openai/deployments/emb",
            "2023-05-15",
        ),
        (
            "https://res.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview",
            "https://res.services.ai.azure.com/models",
            "2024-05-01-preview",
        ),
        (
            "https://res.services.ai.azure.com/models/images/embeddings?api-version=2025-04-01",
            "https://res.services.ai.azure.com/models",
            "2025-04-01",
        ),
        (
            "https://res.openai.azure.com/openai/v1/chat/completions",
            "https://res.openai.azure.com/openai/v1",
            None,
        ),
        (
            "https://m.eastus2.models.ai.azure.com/chat/completions?api-version=2024-05-01-preview",
            "https://m.eastus2.models.ai.azure.com",
            "2024-05-01-preview",
        ),
        (
            "https://m-serverless.eastus2.inference.ai.azure.com/v1/chat/completions",
            "https://m-serverless.eastus2.inference.ai.azure.com",
            "2024-05-01-preview",
        ),
        (
            "https://ep.westus.inference.ml.azure.com/info",
            "https://ep.westus.inference.ml.azure.com",
            "2024-05-01-preview",
        ),
        (
            "http://127.0.0.1:5/chat/completions?API-VERSION=2025-04-01",
            "http://127.0.0.1:5",
            "2025-04-01",
        ),
    ],
)
def test_full_target_uris_lose_the_route_and_keep_the_api_version(
    url: str, base: str, version: str | None
) -> None:
    config = resolve_endpoint(url)
    assert config.base_url == base
    assert config.api_version == version


def test_deployment_and_project_are_exposed() -> None:
    config = resolve_endpoint(
        "https://res.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions"
    )
    assert (config.deployment, config.project) == ("gpt-4o-mini", None)
    config = resolve_endpoint("https://res.services.ai.azure.com/api/projects/sales")
    assert (config.deployment, config.project) == (None, "sales")
    assert resolve_endpoint("https://res.services.ai.azure.com/models").deployment is None


def test_every_choice_can_be_overridden() -> None:
    config = resolve_endpoint(
        "https://my-model.eastus2.models.ai.azure.com",
        api_version="2025-04-01",
        key_header="api-key",
        credential_scopes=["https://example/.default"],
    )
    assert config.api_version == "2025-04-01"
    assert config.key_header == "api-key"
    assert config.scopes == ("https://example/.default",)
    assert str(config.url("/info")).endswith("/info?api-version=2025-04-01")
    # The argument and the URL's query may agree; the argument wins over defaults.
    same = resolve_endpoint(
        "https://r.services.ai.azure.com/models?api-version=2025-04-01", api_version="2025-04-01"
    )
    assert same.api_version == "2025-04-01"


REFUSED = [
    ("", "non-empty"),
    ("my-model.models.ai.azure.com", "absolute http"),
    ("ftp://x.models.ai.azure.com", "absolute http"),
    ("eastus.api.azureml.ms;0000;rg;proj", "hub project connection string"),
    ("https://models.inference.ai.azure.com", "GitHub retired the Azure address"),
    ("https://models.github.ai/inference", "GitHub Models, not an Azure endpoint"),
    ("https://ai.azure.com/build/overview?wsid=x", "portal or management address"),
    ("https://eastus.api.azureml.ms/discovery", "portal or management address"),
    ("https://x.models.ai.azure.com?api-version=1&x=2", "query parameter 'x'"),
    ("https://x.models.ai.azure.com?api-version=", "empty api-version"),
    (
        "https://res.services.ai.azure.com/api/projects/p/agents",
        r"Paste the project endpoint itself \(.../api/projects/p\)",
    ),
    ("https://res.services.ai.azure.com/api/projects", "not a Foundry project endpoint"),
    ("https://res.openai.azure.com/api/projects/p", "not a Foundry project endpoint"),
    ("https://res.openai.azure.com/openai/deployments", "names no deployment"),
    (
        "https://res.openai.azure.com/openai/deployments/d/completions?api-version=2024-10-21",
        "ends in '/completions'",
    ),
    ("https://res.openai.azure.com/openai/v1/responses", "ends in '/responses'"),
    ("https://res.openai.azure.com/models", r"services\.ai\.azure\.com/models"),
    ("https://ep.eastus2.inference.ml.azure.com/score", "without /score"),
    ("https://m.eastus2.models.ai.azure.com/openai/v1", "mixes two endpoint shapes"),
    ("https://m.eastus2.models.ai.azure.com/models", "mixes two endpoint shapes"),
    ("https://res.openai.azure.com/something", "not an inference route of this host"),
    (
        "https://eastus.api.cognitive.microsoft.com/",
        r"eastus\.api\.cognitive\.microsoft\.com/openai/deployments/<deployment>",
    ),
]


@pytest.mark.parametrize(("url", "message"), REFUSED)
def test_refused_forms_say_what_to_paste(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as info:
        resolve_endpoint(url)
    assert "aste" in str(info.value) or url in ("",)


def test_argument_and_query_must_agree() -> None:
    with pytest.raises(ConfigurationError, match="disagree"):
        resolve_endpoint(
            "https://r.openai.azure.com/openai/deployments/d?api-version=2024-10-21",
            api_version="2025-01-01-preview",
        )


def test_bad_overrides() -> None:
    with pytest.raises(ConfigurationError, match="key_header"):
        resolve_endpoint("https://x.models.ai.azure.com", key_header="x-key")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="credential_scopes"):
        resolve_endpoint("https://x.models.ai.azure.com", credential_scopes="https://a/.default")
    with pytest.raises(ConfigurationError, match="api_version"):
        resolve_endpoint("https://x.models.ai.azure.com", api_version="")


@pytest.mark.parametrize(
    ("url", "status", "code", "message", "expected"),
    [
        (
            "https://x.models.ai.azure.com",
            400,
            "UnsupportedApiVersion",
            "Unsupported api-version '2024-05-01-preview'.",
            "('2024-05-01-preview'); pass api_version=",
        ),
        (
            "https://r.openai.azure.com/openai/deployments/d",
            404,
            "404",
            "Resource not found",
            "If the URL is right, the service may not serve the api-version this client "
            "sent ('2024-10-21')",
        ),
        (
            "https://r.openai.azure.com/openai/deployments/d",
            404,
            "DeploymentNotFound",
            "The API deployment for this resource does not exist.",
            None,
        ),
        (
            "https://r.services.ai.azure.com/models",
            404,
            "404",
            "Resource not found",
            "sent ('2025-05-01'); pass api_version=",
        ),
        (
            "https://r.services.ai.azure.com/models",
            400,
            "no_model_name",
            "No model specified",
            None,
        ),
        ("https://r.openai.azure.com/openai/v1", 400, None, "api-version 'x' is not used", None),
    ],
)
def test_api_version_hint(
    url: str, status: int, code: str | None, message: str, expected: str | None
) -> None:
    hint = api_version_hint(resolve_endpoint(url), status, code, message)
    if expected is None:
        assert hint is None
    else:
        assert hint is not None
        assert expected in hint


@pytest.mark.parametrize(
    "url",
    [
        "https://x.models.ai.azure.com?api-key=S3CRET-k3y-value",
        "https://x.models.ai.azure.com/foo?api-key=S3CRET-k3y-value",
        "https://me:S3CRET-k3y-value@x.models.ai.azure.com",
        "S3CRET-k3y-value",
    ],
)
def test_a_secret_pasted_into_the_url_is_not_echoed(url: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_endpoint(url)
    assert "S3CRET" not in str(info.value)
    assert "S3CRET" not in repr(info.value)


def test_two_different_api_versions_in_the_query() -> None:
    with pytest.raises(ConfigurationError, match="two different api-versions"):
        resolve_endpoint("https://x.models.ai.azure.com?api-version=a&api-version=b")
