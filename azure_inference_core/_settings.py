"""Connection settings of the adapter classes, as one pydantic base.

LangChain's and LlamaIndex's classes are pydantic models that users build
freely, copy, pickle, serialize and change. This base gives all four the same
fields (the endpoint, the credential, the model and every core client option
under the core's own name), the same checks, and their core clients through
the ``ClientLifecycle``: created on first use, rebuilt when a setting changes,
kept open while a stream reads from them, never shared by copies.
"""

from __future__ import annotations

import ssl
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    SecretStr,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from typing_extensions import Self

from ._endpoint import resolve_endpoint
from ._env import ENV_ENDPOINT, endpoint_from_environment, key_from_environment
from ._errors import ConfigurationError
from ._lifecycle import CONNECTION_FIELDS, CORE_CLIENT_OPTIONS, ClientLifecycle, Lease
from ._no_httpx_cli import httpx
from ._params import check_names
from ._read import DEFAULT_MAX_ERROR_BYTES, DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_RESPONSE_BYTES
from ._secrets import is_secret_header, public_headers

if TYPE_CHECKING:  # the clients load with the first one built (import cost)
    from ._async_client import AsyncInferenceClient
    from ._client import InferenceClient

__all__ = ["ENV_ENDPOINT", "CoreClientSettings", "check_endpoint", "key_for"]

_MASK = "***"
_SETTINGS = (*CONNECTION_FIELDS, *(o.name for o in CORE_CLIENT_OPTIONS))

# Injected httpx clients show as null in JSON schemas (a live client has none).
_CLIENT_SCHEMA = WithJsonSchema({"type": "null", "description": "an injected httpx client"})


def _httpx_instance(name: str) -> PlainValidator:
    """None or an ``httpx.<name>``, checked without importing httpx for None."""

    def check(value: Any) -> Any:
        if value is None or isinstance(value, getattr(httpx, name)):
            return value
        raise PydanticCustomError(
            "is_instance_of", "Input should be an instance of {class}", {"class": name}
        )

    return PlainValidator(check)


# The field types of injected clients: to type checkers the httpx classes; to pydantic a
# check that imports httpx only when a client is given (importing the package does not).
if TYPE_CHECKING:
    HttpClient = httpx.Client | None
    AsyncHttpClient = httpx.AsyncClient | None
else:
    HttpClient = Annotated[Any, _httpx_instance("Client"), _CLIENT_SCHEMA]
    AsyncHttpClient = Annotated[Any, _httpx_instance("AsyncClient"), _CLIENT_SCHEMA]


def _verify_out(value: Any) -> Any:
    # An SSLContext cannot be serialized; a loaded copy verifies with the system CAs.
    return value if isinstance(value, (bool, str)) else True


def check_endpoint(endpoint: str | None) -> str:
    """The endpoint to use, from the argument or the environment, checked (no I/O).

    The environment is read as the core client reads it (``_env.py``):
    ``AZURE_INFERENCE_ENDPOINT``, then ``AZURE_AI_PROJECT_ENDPOINT``, then
    ``AZURE_OPENAI_ENDPOINT``.

    Raises:
        ValueError: No endpoint anywhere, or a URL the core rejects.
    """
    try:
        value = endpoint_from_environment(endpoint or None).endpoint
    except ConfigurationError as error:
        raise ValueError(str(error)) from None
    resolve_endpoint(value)
    return value


def key_for(endpoint: str | None) -> SecretStr | None:
    """The key the core client would take from the environment for ``endpoint``.

    ``endpoint`` None means "from the environment". Only a key paired with the
    endpoint's source is returned (``_env.key_from_environment``): never
    ``AZURE_INFERENCE_CREDENTIAL`` for an Azure OpenAI or project endpoint read
    from their own variables, never ``AZURE_OPENAI_API_KEY`` for another host.
    """
    try:
        chosen = endpoint_from_environment(endpoint or None)
    except ConfigurationError:
        return None
    found = key_from_environment(chosen)
    return SecretStr(found[1]) if found else None


class CoreClientSettings(BaseModel):
    """Endpoint, credential, every core client option, and the lazy core clients.

    Field defaults are the core's; ``InferenceClient`` documents each option.
    Unknown constructor arguments raise ``TypeError`` listing the valid names.
    Secrets (the credential, secret default headers, a proxy URL) are never
    serialized nor shown in a repr.
    """

    # Only the concrete adapter classes are validated (they set defer_build=False): this
    # base and the adapters' own bases build no validator of their own at import.
    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    endpoint: str | None = Field(default=None, validate_default=True, description="Endpoint URL.")
    credential: SecretStr | Any | None = Field(
        default=None, exclude=True, repr=False, description="Key or token credential."
    )
    model: str | None = Field(default=None, description="Model or deployment name.")
    api_version: str | None = Field(default=None, description="api-version override.")
    extra_parameters: Literal["pass-through", "drop", "error"] | None = Field(
        default=None, description="extra-parameters header mode for every request."
    )
    max_retries: int = Field(default=2, ge=0, description="Retries on transient errors.")
    timeout: float | None = Field(default=60.0, description="Seconds per request.")
    total_timeout: float | None = Field(
        default=None, description="Seconds for a whole call, retries and streams included."
    )
    default_headers: Annotated[dict[str, str] | None, PlainSerializer(public_headers)] = Field(
        default=None, repr=False, description="Extra headers (keys in them never serialized)."
    )
    key_header: Literal["authorization", "api-key", "both"] | None = Field(
        default=None, description="Where a key goes (default: from the endpoint)."
    )
    credential_scopes: list[str] | None = Field(
        default=None, description="Entra ID scopes (default: from the endpoint)."
    )
    allow_insecure_http: bool = Field(
        default=False, description="Send a key over http:// to a non-loopback host."
    )
    max_concurrency: int | None = Field(
        default=None, description="Requests in flight per client (core default when None)."
    )
    proxy: Annotated[Any, WithJsonSchema({"type": ["string", "null"]})] = Field(
        default=None,
        exclude=True,
        repr=False,
        description="Proxy URL or httpx.Proxy (may hold a password: never serialized).",
    )
    trust_env: bool = Field(default=True, description="Read proxy/CA settings from the env.")
    verify: Annotated[
        Any, PlainSerializer(_verify_out), WithJsonSchema({"type": ["boolean", "string"]})
    ] = Field(default=True, description="TLS verification: bool, CA bundle path or SSLContext.")
    max_response_bytes: int = Field(
        default=DEFAULT_MAX_RESPONSE_BYTES, description="Largest decoded answer body accepted."
    )
    max_error_bytes: int = Field(
        default=DEFAULT_MAX_ERROR_BYTES, description="Most of an error body read."
    )
    max_event_bytes: int = Field(
        default=DEFAULT_MAX_EVENT_BYTES, description="Longest streamed line or event accepted."
    )
    capture_message_content: bool | None = Field(
        default=None,
        description="Record message content on OpenTelemetry spans: True, False, or None "
        "to follow $OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT (off when unset).",
    )
    http_client: HttpClient = Field(
        default=None, exclude=True, repr=False, description="httpx client (never closed by us)."
    )
    async_http_client: AsyncHttpClient = Field(
        default=None, exclude=True, repr=False, description="httpx async client (not closed)."
    )

    _lifecycle: ClientLifecycle = PrivateAttr(default_factory=ClientLifecycle)

    @model_validator(mode="before")
    @classmethod
    def _known_names(cls, data: Any) -> Any:
        if isinstance(data, dict):
            valid = set(cls.model_fields)
            for info in cls.model_fields.values():
                if info.alias:
                    valid.add(info.alias)
                choices = getattr(info.validation_alias, "choices", None)
                valid.update(c for c in choices or () if isinstance(c, str))
                if isinstance(info.validation_alias, str):
                    valid.add(info.validation_alias)
            check_names(data, valid, f"{cls.__name__}()")
        return data

    @field_validator("credential", mode="before")
    @classmethod
    def _secret_key(cls, value: Any) -> Any:
        return SecretStr(value) if isinstance(value, str) else value

    @field_validator("endpoint", mode="after")
    @classmethod
    def _endpoint(cls, value: str | None) -> str:
        return check_endpoint(value)

    @field_validator("default_headers", mode="after")
    @classmethod
    def _no_masked_secret(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for name, header in (value or {}).items():
            if is_secret_header(name) and header == _MASK:
                raise ValueError(
                    f"default_headers[{name!r}] is the masked value {_MASK!r} from a serialized "
                    "object, not the secret; pass the real value again."
                )
        return value

    @field_validator("verify", mode="after")
    @classmethod
    def _verify(cls, value: Any) -> Any:
        if not isinstance(value, (bool, str, ssl.SSLContext)):
            raise ValueError("verify must be True/False, a CA bundle path or an ssl.SSLContext.")
        return value

    # -- clients --------------------------------------------------------------

    def _settings(self) -> dict[str, Any]:
        """The settings that pick a core client, read now (changes take effect).

        An endpoint read from the environment (not given, not set since) goes to
        the core as None when no credential is set, so the core picks it again
        and pairs the key with its variable (a project endpoint signs in with
        Entra ID; ``AZURE_INFERENCE_CREDENTIAL`` never goes to another source's host).
        """
        values = {name: getattr(self, name) for name in _SETTINGS}
        if "endpoint" not in self.model_fields_set and values["credential"] is None:
            try:
                chosen = endpoint_from_environment(None)
            except ConfigurationError:
                chosen = None
            if chosen is not None and chosen.endpoint == values["endpoint"]:
                values["endpoint"] = None
        return values

    def _get_sync_client(self) -> InferenceClient:
        """The current sync core client (built now if a setting changed)."""
        return self._lifecycle.sync(self, self._settings(), self.http_client)

    def _lease(self) -> Lease[InferenceClient]:
        """The sync client, kept open until the lease is released (for streams)."""
        return self._lifecycle.lease(self, self._settings(), self.http_client)

    def _sync_client(self) -> Lease[InferenceClient]:
        """The sync client for one call: ``with llm._sync_client() as client``."""
        return self._lifecycle.lease(self, self._settings(), self.http_client, scoped=True)

    def _async_client(self) -> _AsyncCall:
        """The async client for one call or stream on the running loop:
        ``async with llm._async_client() as client``."""
        return _AsyncCall(self)

    def __getstate__(self) -> dict[Any, Any]:
        """Pickle the settings; the clients are rebuilt on first use after loading.

        Raises:
            TypeError: an ``http_client`` / ``async_http_client`` is set: it cannot be
                pickled, and dropping it would silently change the transport.
        """
        if self.http_client is not None or self.async_http_client is not None:
            raise TypeError(
                f"A {type(self).__name__} with http_client / async_http_client cannot be "
                "pickled (httpx clients hold sockets and locks). Pickle one without them "
                "and set the client again after loading."
            )
        state: dict[Any, Any] = super().__getstate__()
        return state

    def close(self) -> None:
        """Close the sync connection pool (idempotent; a live stream finishes first)."""
        self._lifecycle.close(self)

    async def aclose(self) -> None:
        """Close both connection pools (idempotent; live streams finish first)."""
        await self._lifecycle.aclose(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class _AsyncCall:
    """``async with``: a scoped lease of the owner's async client (see ``Lease``)."""

    __slots__ = ("_lease", "_owner")

    def __init__(self, owner: CoreClientSettings) -> None:
        self._owner = owner
        self._lease: Lease[AsyncInferenceClient] | None = None

    async def __aenter__(self) -> AsyncInferenceClient:
        owner = self._owner
        self._lease = await owner._lifecycle.alease(
            owner, owner._settings(), owner.async_http_client, scoped=True
        )
        return self._lease.client

    async def __aexit__(self, *exc: object) -> None:
        if self._lease is not None:
            await self._lease.arelease()
