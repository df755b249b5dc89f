"""Endpoint flavours: routes, api-version, key header and Entra scope from the URL."""

from __future__ import annotations

import pytest

from azure_inference_core import ConfigurationError, EndpointFlavour, resolve_endpoint

ML = ("https://ml.azure.com/.default",)
COG = ("https://cognitiveservices.azure.com/.default",)
AI = ("https://ai.azure.com/.default",)


@pytest.mark.parametrize(
    ("url", "flavour", "base", "version", "header", "scopes"),
    [
        (
            "https://my-model.eastus2.models.ai.azure.com",
            EndpointFlavour.SERVERLESS,
            "https://my-model.eastus2.models.ai.azure.com",
            "2025-05-01",
            "authorization",
            ML,
        ),
        (
            "https://ep.eastus2.inference.ml.azure.com/",
            EndpointFlavour.MANAGED,
            "https://ep.eastus2.inference.ml.azure.com",
            "2025-05-01",
            "authorization",
            ML,
        ),
        (
            "https://your-host-name.eastus2.inference.ai.azure.com",
            EndpointFlavour.MANAGED,
            "https://your-host-name.eastus2.inference.ai.azure.com",
            "2025-05-01",
            "authorization",
            ML,
        ),
        (
            "https://res.services.ai.azure.com/models",
            EndpointFlavour.FOUNDRY,
            "https://res.services.ai.azure.com/models",
            "2025-05-01",
            "api-key",
            COG,
        ),
        (
            "https://res.services.ai.azure.com",
            EndpointFlavour.FOUNDRY,
            "https://res.services.ai.azure.com/models",
            "2025-05-01",
            "api-key",
            COG,
        ),
        (
            "https://res.openai.azure.com/openai/deployments/gpt-4o/",
            EndpointFlavour.AZURE_OPENAI,
            "https://res.openai.azure.com/openai/deployments/gpt-4o",
            "2024-10-21",
            "api-key",
            COG,
        ),
        (
            "https://res.services.ai.azure.com/openai/v1",
            EndpointFlavour.OPENAI_V1,
            "https://res.services.ai.azure.com/openai/v1",
            None,
            "api-key",
            AI,
        ),
        (
            "https://res.openai.azure.com/openai/v1/",
            EndpointFlavour.OPENAI_V1,
            "https://res.openai.azure.com/openai/v1",
            None,
            "api-key",
            COG,
        ),
        (
            "http://127.0.0.1:8123",
            EndpointFlavour.GENERIC,
            "http://127.0.0.1:8123",
            "2025-05-01",
            "both",
            ML,
        ),
        (
            "http://127.0.0.1:8123/models",
            EndpointFlavour.FOUNDRY,
            "http://127.0.0.1:8123/models",
            "2025-05-01",
            "api-key",
            COG,
        ),
        (
            "http://localhost:9/openai/deployments/dep",
            EndpointFlavour.AZURE_OPENAI,
            "http://localhost:9/openai/deployments/dep",
            "2024-10-21",
            "api-key",
            COG,
        ),
        (
            "http://127.0.0.1:9/openai/v1",
            EndpointFlavour.OPENAI_V1,
            "http://127.0.0.1:9/openai/v1",
            None,
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
    assert config.requires_model is (
        flavour in (EndpointFlavour.FOUNDRY, EndpointFlavour.OPENAI_V1)
    )


def test_every_choice_can_be_overridden() -> None:
    config = resolve_endpoint(
        "https://my-model.eastus2.models.ai.azure.com",
        api_version="2024-05-01-preview",
        key_header="api-key",
        credential_scopes=["https://example/.default"],
    )
    assert config.api_version == "2024-05-01-preview"
    assert config.key_header == "api-key"
    assert config.scopes == ("https://example/.default",)
    assert str(config.url("/info")).endswith("/info?api-version=2024-05-01-preview")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "non-empty"),
        ("my-model.models.ai.azure.com", "absolute http"),
        ("ftp://x.models.ai.azure.com", "absolute http"),
        ("https://x.models.ai.azure.com?api-version=1", "api_version"),
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        resolve_endpoint(url)


def test_bad_overrides() -> None:
    with pytest.raises(ConfigurationError, match="key_header"):
        resolve_endpoint("https://x.models.ai.azure.com", key_header="x-key")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="credential_scopes"):
        resolve_endpoint("https://x.models.ai.azure.com", credential_scopes="https://a/.default")
