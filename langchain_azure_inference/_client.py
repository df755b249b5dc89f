"""The LangChain classes' connection settings: the core's ``CoreClientSettings``
plus LangChain's conventions.

Every core client option is a field under the core's name, and the clients
come from the core's one lifecycle helper (lazy, rebuilt when a setting
changes, kept open under a live stream, safe to copy and pickle). Added here
only what LangChain users expect: the endpoint and key read from the
environment at construction (the core's variables and precedence, the key
paired with its endpoint), ``api_key=`` as another name for ``credential``,
``http_async_client=`` for ``async_http_client``.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator

from azure_inference_core._settings import AsyncHttpClient, CoreClientSettings, key_for

__all__ = ["ClientSettings"]


class ClientSettings(CoreClientSettings):
    """Endpoint, credential, every core client option, and the lazy core clients."""

    endpoint: str | None = Field(default=None, validate_default=True)
    """Endpoint URL (serverless, managed compute, Foundry ``/models`` or project,
    Azure OpenAI deployment or ``/openai/v1``); defaults, as the core client, to
    ``$AZURE_INFERENCE_ENDPOINT``, then ``$AZURE_AI_PROJECT_ENDPOINT``, then
    ``$AZURE_OPENAI_ENDPOINT``."""

    credential: Any = Field(
        default=None,
        validation_alias=AliasChoices("credential", "api_key"),
        repr=False,
    )
    """A key (``str`` / ``SecretStr``, kept as ``SecretStr``; also accepted as
    ``api_key=``) or a token credential (``azure.identity``: an object with
    ``get_token``). Read from the environment at construction, paired with the
    endpoint as the core pairs them: ``$AZURE_INFERENCE_CREDENTIAL`` for an
    endpoint given or from ``$AZURE_INFERENCE_ENDPOINT``, ``$AZURE_OPENAI_API_KEY``
    for ``$AZURE_OPENAI_ENDPOINT``'s host, none for a project endpoint; when none is
    set the core falls back to ``DefaultAzureCredential`` if azure-identity is
    installed (a failure to sign in then raises the package's
    ``AuthenticationError`` / ``ConfigurationError``, the cause chained)."""

    async_http_client: AsyncHttpClient = Field(
        default=None,
        exclude=True,
        repr=False,
        validation_alias=AliasChoices("async_http_client", "http_async_client"),
    )
    """An ``httpx.AsyncClient`` to send async requests with (not closed by us)."""

    @model_validator(mode="before")
    @classmethod
    def _credential_from_environment(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if data.get("credential") is not None or data.get("api_key") is not None:
            return data
        key = key_for(data.get("endpoint"))
        if key is None:
            return data
        data = {k: v for k, v in data.items() if k != "api_key"}
        return {**data, "credential": key}

    @field_validator("credential", mode="before")
    @classmethod
    def _check_credential(cls, value: Any) -> Any:
        if value is None or isinstance(value, (str, SecretStr)):
            return value
        if callable(getattr(value, "get_token", None)) or hasattr(value, "key"):
            return value
        raise ValueError(
            "credential must be a key (str or SecretStr), an AzureKeyCredential-like object "
            "with .key, or a token credential with get_token() (e.g. azure.identity."
            f"DefaultAzureCredential); got {type(value).__name__}."
        )
