"""Lazy, closable core clients shared by the LLM and the embedding model.

Both LlamaIndex classes are pydantic models that users build freely (in
`Settings`, in tests, per request), so creating connection pools eagerly
would leak them. A `ClientHolder` creates each core client on first use and
closes only what it created.
"""

from __future__ import annotations

import asyncio
import os
import threading
import weakref
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import lru_cache
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Any

import httpx
from pydantic import PlainSerializer, WithJsonSchema
from typing_extensions import Self

from azure_inference_core import (
    SECRET_HEADERS,
    AsyncInferenceClient,
    EndpointFlavour,
    InferenceClient,
    resolve_endpoint,
)

__all__ = [
    "ENV_ENDPOINT",
    "AsyncHttpClientField",
    "ClientHolder",
    "ClientOwner",
    "HttpClientField",
    "SecretHeaders",
    "check_endpoint",
    "openai_route",
]

ENV_ENDPOINT = "AZURE_INFERENCE_ENDPOINT"

# Field types for injected httpx clients: shown as null in JSON schemas, which
# cannot describe a live client (and would otherwise fail to generate).
_CLIENT_SCHEMA = WithJsonSchema({"type": "null", "description": "an injected httpx client"})
HttpClientField = Annotated[httpx.Client | None, _CLIENT_SCHEMA]


def _redact(headers: dict[str, str] | None) -> dict[str, str] | None:
    if headers is None:
        return None
    return {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


# Default headers may carry a gateway key (api-key, Ocp-Apim-Subscription-Key):
# serialized with those values masked, like the credential, which is excluded.
SecretHeaders = Annotated[dict[str, str] | None, PlainSerializer(_redact)]
AsyncHttpClientField = Annotated[httpx.AsyncClient | None, _CLIENT_SCHEMA]


def check_endpoint(endpoint: str | None) -> str:
    """The endpoint to use, from the argument or the environment, checked (no I/O).

    Raises:
        ValueError: No endpoint anywhere, or a URL the core rejects.
    """
    value = endpoint if endpoint is not None else os.environ.get(ENV_ENDPOINT)
    if not value:
        raise ValueError(
            f"No endpoint: pass endpoint='https://<name>.<region>.models.ai.azure.com' "
            f"(or a Foundry '.../models' URL) or set {ENV_ENDPOINT}."
        )
    resolve_endpoint(value)
    return value


@lru_cache(maxsize=64)
def openai_route(endpoint: str | None) -> bool:
    """True for Azure OpenAI deployment and `/openai/v1` endpoints (pure, cached)."""
    if not endpoint:
        return False
    flavour = resolve_endpoint(endpoint).flavour
    return flavour in (EndpointFlavour.AZURE_OPENAI, EndpointFlavour.OPENAI_V1)


class ClientHolder:
    """Owns at most one sync and one async core client, created on first use.

    The async client is pooled for event loops on the main thread and bound to
    the loop that first used it. LlamaIndex runs async code from sync entry
    points (`asyncio_run`) on short-lived loops in worker threads, which close
    without telling anyone; a pooled client there would leak its sockets. So a
    loop on another thread gets a client for the one call, closed after it.
    """

    __slots__ = (
        "__weakref__",
        "_aclient",
        "_client",
        "_kwargs",
        "_loop",
        "async_http",
        "sync_http",
    )

    def __init__(
        self,
        kwargs: Mapping[str, Any],
        sync_http: httpx.Client | None,
        async_http: httpx.AsyncClient | None,
    ) -> None:
        self._kwargs = dict(kwargs)
        self.sync_http = sync_http
        self.async_http = async_http
        self._client: InferenceClient | None = None
        self._aclient: AsyncInferenceClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def sync(self) -> InferenceClient:
        """The sync client, created on first call."""
        if self._client is None:
            client = InferenceClient(**self._kwargs, http_client=self.sync_http)
            # An LLM dropped without close() still releases its sockets when
            # collected (the async pool cannot be closed outside its loop).
            weakref.finalize(self, client.close)
            self._client = client
        return self._client

    @asynccontextmanager
    async def async_client(self) -> AsyncIterator[AsyncInferenceClient]:
        """An async client for one call on the running loop (see the class docstring)."""
        loop = asyncio.get_running_loop()
        if threading.current_thread() is not threading.main_thread():
            async with AsyncInferenceClient(**self._kwargs, http_client=self.async_http) as once:
                yield once
            return
        if self._aclient is None or self._loop is not loop:
            # A previous main-thread loop has ended (asyncio.run twice); its
            # connections died with it and cannot be closed from this loop.
            self._aclient = AsyncInferenceClient(**self._kwargs, http_client=self.async_http)
            self._loop = loop
        yield self._aclient

    def close(self) -> None:
        """Close the sync client (a caller-supplied httpx client stays open)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        """Close both clients (caller-supplied httpx clients stay open)."""
        self.close()
        if self._aclient is not None:
            client, self._aclient, self._loop = self._aclient, None, None
            await client.aclose()


class ClientOwner:
    """Lazy core clients, and closing them, for the LLM and the embedding model.

    Mixed into both pydantic classes, which declare the fields read here and a
    private `_clients` attribute.
    """

    if TYPE_CHECKING:
        _clients: ClientHolder | None
        endpoint: str | None
        credential: Any
        model: str | None
        api_version: str | None
        max_retries: int
        timeout: float | None
        total_timeout: float | None
        max_concurrency: int | None
        default_headers: dict[str, str] | None
        http_client: httpx.Client | None
        async_http_client: httpx.AsyncClient | None

    @property
    def _holder(self) -> ClientHolder:
        if self._clients is None:
            self._clients = ClientHolder(
                {
                    "endpoint": self.endpoint,
                    "credential": self.credential,
                    "model": self.model,
                    "api_version": self.api_version,
                    "max_retries": self.max_retries,
                    "timeout": self.timeout,
                    "total_timeout": self.total_timeout,
                    "max_concurrency": self.max_concurrency,
                    "default_headers": self.default_headers,
                },
                self.http_client,
                self.async_http_client,
            )
        return self._clients

    def close(self) -> None:
        """Close the sync connection pool (idempotent)."""
        if self._clients is not None:
            self._clients.close()

    async def aclose(self) -> None:
        """Close both connection pools (idempotent)."""
        if self._clients is not None:
            await self._clients.aclose()

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
