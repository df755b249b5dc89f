"""The endpoint and key from environment variables users already have.

Precedence, first found wins (docs/endpoints.md):

1. ``endpoint=`` given to the client;
2. ``AZURE_INFERENCE_ENDPOINT``;
3. ``AZURE_AI_PROJECT_ENDPOINT`` (a Foundry project endpoint);
4. ``AZURE_OPENAI_ENDPOINT`` (an Azure OpenAI or Foundry resource).

A key from the environment is only sent to the host it belongs to:
``AZURE_INFERENCE_CREDENTIAL`` goes with an endpoint from 1 or 2;
``AZURE_OPENAI_API_KEY`` goes with ``AZURE_OPENAI_ENDPOINT``'s host (from 1, 2 or
4). A project endpoint (3) has no key variable: it signs in with Entra ID.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._errors import ConfigurationError
from ._no_httpx_cli import httpx

__all__ = [
    "ENV_CREDENTIAL",
    "ENV_ENDPOINT",
    "ENV_OPENAI_ENDPOINT",
    "ENV_OPENAI_KEY",
    "ENV_PROJECT_ENDPOINT",
    "EndpointSource",
    "endpoint_from_environment",
    "key_from_environment",
    "default_credential",
    "no_credential_message",
]

ENV_ENDPOINT = "AZURE_INFERENCE_ENDPOINT"
ENV_CREDENTIAL = "AZURE_INFERENCE_CREDENTIAL"
ENV_PROJECT_ENDPOINT = "AZURE_AI_PROJECT_ENDPOINT"
ENV_OPENAI_ENDPOINT = "AZURE_OPENAI_ENDPOINT"
ENV_OPENAI_KEY = "AZURE_OPENAI_API_KEY"

_ENDPOINT_VARIABLES = (ENV_ENDPOINT, ENV_PROJECT_ENDPOINT, ENV_OPENAI_ENDPOINT)


@dataclass(frozen=True)
class EndpointSource:
    """An endpoint and where it came from (``"argument"`` or a variable name)."""

    endpoint: str
    source: str


def endpoint_from_environment(
    endpoint: str | None, environ: Mapping[str, str] | None = None
) -> EndpointSource:
    """The endpoint argument, else the first endpoint variable that is set.

    Raises:
        ConfigurationError: no endpoint anywhere.
    """
    if endpoint is not None:
        return EndpointSource(endpoint, "argument")
    env = os.environ if environ is None else environ
    for name in _ENDPOINT_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            return EndpointSource(value, name)
    raise ConfigurationError(
        "No endpoint: pass endpoint='https://...' or set one of "
        f"{', '.join(_ENDPOINT_VARIABLES)} (checked in that order)."
    )


def _host(url: str) -> str | None:
    try:
        return httpx.URL(url.strip()).host.lower() or None
    except (httpx.InvalidURL, TypeError):
        return None


def key_from_environment(
    chosen: EndpointSource, environ: Mapping[str, str] | None = None
) -> tuple[str, str] | None:
    """``(variable name, key)`` for the chosen endpoint, or None to use Entra ID."""
    env = os.environ if environ is None else environ
    if chosen.source in ("argument", ENV_ENDPOINT):
        key = env.get(ENV_CREDENTIAL, "")
        if key:
            return ENV_CREDENTIAL, key
    if chosen.source == ENV_PROJECT_ENDPOINT:
        return None
    key = env.get(ENV_OPENAI_KEY, "")
    openai_host = _host(env.get(ENV_OPENAI_ENDPOINT, ""))
    if key and openai_host is not None and openai_host == _host(chosen.endpoint):
        return ENV_OPENAI_KEY, key
    return None


def no_credential_message(chosen: EndpointSource) -> str:
    """What to do when no credential was given, found, or importable (azure-identity)."""
    if chosen.source == ENV_PROJECT_ENDPOINT:
        where = (
            f"(the endpoint came from {ENV_PROJECT_ENDPOINT}, which signs in with Entra ID; "
            "no key variable is read for it)"
        )
    elif chosen.source == ENV_OPENAI_ENDPOINT:
        where = f"set {ENV_OPENAI_KEY} to the key of {ENV_OPENAI_ENDPOINT}"
    else:
        where = f"set {ENV_CREDENTIAL} to the endpoint key"
    return (
        f"No credential: pass credential=<key or token credential>, {where}, or install "
        "azure-identity (pip install 'azure-inference[entra]') to sign in with "
        "DefaultAzureCredential."
    )


def default_credential(chosen: EndpointSource, *, asynchronous: bool) -> Any:
    """azure-identity's ``DefaultAzureCredential`` (the async one for async clients).

    Raises:
        ConfigurationError: azure-identity is not installed (or, for async clients,
            azure-core's aiohttp transport that its async credentials need).
    """
    try:
        if asynchronous:
            from azure.identity.aio import DefaultAzureCredential as AsyncDefault

            return AsyncDefault()
        from azure.identity import DefaultAzureCredential

        return DefaultAzureCredential()
    except ImportError as exc:
        message = no_credential_message(chosen)
        if asynchronous and (exc.name or "").startswith("aiohttp"):
            message += (
                " azure-identity is installed, but its async credentials also need aiohttp "
                "(pip install 'azure-inference[entra]' brings it)."
            )
        raise ConfigurationError(message) from None
