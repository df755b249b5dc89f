"""Endpoint URL -> flavour: routes, api-version, key header and Entra ID scope.

Users paste whatever URL the portal shows them; each flavour needs a different
auth header and token scope (the official SDK leaves the scope to the user,
who often gets it wrong). See docs/wire.md section 1 for the table.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import httpx

from ._errors import ConfigurationError

__all__ = [
    "DEFAULT_API_VERSION",
    "AZURE_OPENAI_API_VERSION",
    "EndpointConfig",
    "EndpointFlavour",
    "KeyHeader",
    "is_loopback_host",
    "resolve_endpoint",
]

DEFAULT_API_VERSION = "2025-05-01"
AZURE_OPENAI_API_VERSION = "2024-10-21"

ML_SCOPE = "https://ml.azure.com/.default"
COGNITIVE_SCOPE = "https://cognitiveservices.azure.com/.default"
AI_SCOPE = "https://ai.azure.com/.default"

KeyHeader = Literal["authorization", "api-key", "both"]
_KEY_HEADERS = ("authorization", "api-key", "both")

_DEPLOYMENT_PATH = re.compile(r"/openai/deployments/[^/]+$")


class EndpointFlavour(str, enum.Enum):
    """The kinds of endpoint the Azure AI Model Inference API is served from."""

    SERVERLESS = "serverless"
    MANAGED = "managed"
    FOUNDRY = "foundry"
    AZURE_OPENAI = "azure_openai"
    OPENAI_V1 = "openai_v1"
    GENERIC = "generic"


@dataclass(frozen=True)
class EndpointConfig:
    """Everything the client derives from the endpoint URL.

    Attributes:
        flavour: the detected (or generic) flavour.
        base_url: the endpoint without trailing slash or query; routes hang off it.
        api_version: the ``api-version`` query value, or None to send none.
        key_header: where a key goes: ``authorization`` (Bearer), ``api-key``, or ``both``.
        scopes: the Entra ID scopes for token credentials.
        requires_model: True where the body ``model`` picks the deployment (Foundry).
        has_info_route: False where ``/info`` is known to 404.
    """

    flavour: EndpointFlavour
    base_url: str
    api_version: str | None
    key_header: KeyHeader
    scopes: tuple[str, ...]
    requires_model: bool
    has_info_route: bool

    def url(self, route: str) -> httpx.URL:
        """Full URL of ``route`` (e.g. ``/chat/completions``) with its api-version."""
        if self.api_version is None:
            return httpx.URL(self.base_url + route)
        return httpx.URL(self.base_url + route, params={"api-version": self.api_version})


def is_loopback_host(host: str) -> bool:
    """True for localhost and loopback addresses, where plain http cannot leak a key."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _detect(host: str, path: str) -> EndpointFlavour:
    if _DEPLOYMENT_PATH.search(path):
        return EndpointFlavour.AZURE_OPENAI
    if path.endswith("/openai/v1"):
        return EndpointFlavour.OPENAI_V1
    if path.endswith("/models") or (host.endswith(".services.ai.azure.com") and path == ""):
        return EndpointFlavour.FOUNDRY
    if host.endswith(".models.ai.azure.com"):
        return EndpointFlavour.SERVERLESS
    if host.endswith((".inference.ml.azure.com", ".inference.ai.azure.com")):
        return EndpointFlavour.MANAGED
    return EndpointFlavour.GENERIC


def resolve_endpoint(
    endpoint: str,
    *,
    api_version: str | None = None,
    key_header: KeyHeader | None = None,
    credential_scopes: Sequence[str] | None = None,
) -> EndpointConfig:
    """Work out routes, api-version, key header and scope from an endpoint URL.

    Args:
        endpoint: the URL from the portal, e.g. ``https://x.eastus2.models.ai.azure.com``.
        api_version: overrides the flavour's default api-version.
        key_header: overrides where a key is sent.
        credential_scopes: overrides the Entra ID scopes.

    Returns:
        The resolved ``EndpointConfig``.

    Raises:
        ConfigurationError: the URL is not absolute http(s), or an override is invalid.
    """
    if not isinstance(endpoint, str) or not endpoint.strip():
        raise ConfigurationError(
            "endpoint must be a non-empty URL string such as "
            "'https://<name>.<region>.models.ai.azure.com'."
        )
    try:
        url = httpx.URL(endpoint.strip())
    except httpx.InvalidURL as exc:
        raise ConfigurationError(f"endpoint is not a valid URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"endpoint must be an absolute http(s) URL, got {endpoint!r}.")
    if url.query:
        raise ConfigurationError(
            "endpoint must not carry a query string; pass api_version=... instead."
        )
    host = url.host.lower()
    path = url.path.rstrip("/")
    flavour = _detect(host, path)
    if flavour is EndpointFlavour.FOUNDRY and path == "":
        # A bare Foundry resource URL: the inference routes live under /models.
        path = "/models"
    base_url = str(url.copy_with(path=path or "/", query=None, fragment=None)).rstrip("/")

    default_version: str | None = DEFAULT_API_VERSION
    default_header: KeyHeader = "authorization"
    scopes: tuple[str, ...] = (ML_SCOPE,)
    if flavour is EndpointFlavour.FOUNDRY:
        default_header, scopes = "api-key", (COGNITIVE_SCOPE,)
    elif flavour is EndpointFlavour.AZURE_OPENAI:
        default_version, default_header = AZURE_OPENAI_API_VERSION, "api-key"
        scopes = (COGNITIVE_SCOPE,)
    elif flavour is EndpointFlavour.OPENAI_V1:
        default_version, default_header = None, "api-key"
        scopes = (AI_SCOPE,) if host.endswith(".services.ai.azure.com") else (COGNITIVE_SCOPE,)
    elif flavour is EndpointFlavour.GENERIC:
        # Unknown servers may read either header, as the official SDK assumes.
        default_header = "both"

    if key_header is not None and key_header not in _KEY_HEADERS:
        raise ConfigurationError(
            f"key_header must be one of {', '.join(_KEY_HEADERS)}; got {key_header!r}."
        )
    if credential_scopes is not None:
        if isinstance(credential_scopes, str) or not all(
            isinstance(s, str) and s for s in credential_scopes
        ):
            raise ConfigurationError(
                "credential_scopes must be a list of scope strings, "
                "e.g. ['https://cognitiveservices.azure.com/.default']."
            )
        scopes = tuple(credential_scopes)
    if api_version is not None and (not isinstance(api_version, str) or not api_version):
        raise ConfigurationError("api_version must be a non-empty string like '2025-05-01'.")
    return EndpointConfig(
        flavour=flavour,
        base_url=base_url,
        api_version=api_version if api_version is not None else default_version,
        key_header=key_header or default_header,
        scopes=scopes,
        requires_model=flavour in (EndpointFlavour.FOUNDRY, EndpointFlavour.OPENAI_V1),
        has_info_route=flavour
        in (EndpointFlavour.SERVERLESS, EndpointFlavour.MANAGED, EndpointFlavour.GENERIC),
    )
