"""Connection settings shared by the chat model and the embeddings, and lazy core clients.

Clients are created on first use, never in the constructor (no I/O, no
``/info`` call), and closed by ``close()`` / ``aclose()`` or the context
managers. A model dropped without closing still releases its connections:

* the sync client is closed by a ``weakref.finalize`` on the model;
* the async client is bound to the event loop that created it (an httpx pool
  cannot cross loops), so it is closed *on that loop*: a tiny async generator
  holding it is started on the loop, and asyncio closes every open async
  generator when the loop shuts down (``asyncio.run`` and ``asyncio.Runner``
  call ``loop.shutdown_asyncgens()``) or when the generator is garbage
  collected. A call from another loop gets a fresh client.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncGenerator
from types import TracebackType
from typing import Any, ClassVar

import httpx
from langchain_core.utils import from_env, secret_from_env
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    field_validator,
)
from typing_extensions import Self

from azure_inference_core import AsyncInferenceClient, InferenceClient

__all__ = ["ClientSettings"]

_PRIVATE_CLIENT_STATE = {
    "_sync_client": None,
    "_async_client": None,
    "_async_loop": None,
    "_async_closer": None,
}


async def _close_with_loop(client: AsyncInferenceClient) -> AsyncGenerator[None, None]:
    """Suspends until asyncio closes it (loop shutdown, GC or aclose), then closes ``client``."""
    try:
        yield
    finally:
        await client.aclose()


class ClientSettings(BaseModel):
    """Endpoint, credential and transport settings, plus the lazily created clients."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    endpoint: str | None = Field(default_factory=from_env("AZURE_INFERENCE_ENDPOINT", default=None))
    """Endpoint URL (serverless, managed compute, Foundry ``/models``, Azure OpenAI
    deployment or ``/openai/v1``); defaults to ``$AZURE_INFERENCE_ENDPOINT``."""

    credential: Any = Field(
        default_factory=secret_from_env("AZURE_INFERENCE_CREDENTIAL", default=None),
        validation_alias=AliasChoices("credential", "api_key"),
    )
    """A key (``str`` / ``SecretStr``, kept as ``SecretStr``; also accepted as
    ``api_key=``) or a token credential (``azure.identity``: an object with
    ``get_token``). Defaults to ``$AZURE_INFERENCE_CREDENTIAL``; when neither is
    set the core falls back to ``DefaultAzureCredential`` if azure-identity is
    installed. The Entra ID scope is chosen from the endpoint URL."""

    api_version: str | None = None
    """``api-version`` query value; None uses the core's current default for the flavour."""

    credential_scopes: list[str] | None = None
    """Entra ID scopes overriding the one chosen from the endpoint URL."""

    timeout: float | None = 60.0
    """Seconds allowed for connect/read/write/pool of each request; None = no limit."""

    total_timeout: float | None = None
    """Seconds allowed for a whole call, retries included (a stream: until its last
    chunk); None = no overall limit."""

    max_retries: int = 2
    """Retries on 408/429/5xx and connection errors (honouring ``Retry-After``); 0 disables."""

    default_headers: dict[str, str] | None = Field(default=None, repr=False)
    """Headers sent with every request. Left out of ``repr``; credential headers
    (``api-key``, ``Authorization``, ``Ocp-Apim-Subscription-Key``) are kept out
    of serialization like the key."""

    max_concurrency: int | None = None
    """Requests (and open streams) in flight at once per client; None uses the core's
    default (100). Sizes the pool the core creates, so not combinable with http_client."""

    http_client: httpx.Client | None = Field(default=None, exclude=True)
    """An ``httpx.Client`` to send sync requests with (not closed by us)."""

    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)
    """An ``httpx.AsyncClient`` to send async requests with (not closed by us)."""

    _sync_client: InferenceClient | None = PrivateAttr(default=None)
    _async_client: AsyncInferenceClient | None = PrivateAttr(default=None)
    _async_loop: asyncio.AbstractEventLoop | None = PrivateAttr(default=None)
    _async_closer: AsyncGenerator[None, None] | None = PrivateAttr(default=None)
    _client_lock: ClassVar[threading.Lock] = threading.Lock()

    @field_validator("credential", mode="before")
    @classmethod
    def _check_credential(cls, value: Any) -> Any:
        if value is None or isinstance(value, SecretStr):
            return value
        if isinstance(value, str):
            return SecretStr(value)
        if callable(getattr(value, "get_token", None)) or hasattr(value, "key"):
            return value
        raise ValueError(
            "credential must be a key (str or SecretStr), an AzureKeyCredential-like object "
            "with .key, or a token credential with get_token() (e.g. azure.identity."
            f"DefaultAzureCredential); got {type(value).__name__}."
        )

    # -- clients ----------------------------------------------------------------

    def _client_kwargs(self, model: str | None) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "credential": self.credential,
            "model": model,
            "api_version": self.api_version,
            "max_retries": self.max_retries,
            "timeout": self.timeout,
            "total_timeout": self.total_timeout,
            "default_headers": self.default_headers,
            "credential_scopes": self.credential_scopes,
            "max_concurrency": self.max_concurrency,
        }

    def _default_model(self) -> str | None:
        return None

    def _get_sync_client(self) -> InferenceClient:
        client = self._sync_client
        if client is None:
            with self._client_lock:
                client = self._sync_client
                if client is None:
                    client = InferenceClient(
                        **self._client_kwargs(self._default_model()),
                        http_client=self.http_client,
                    )
                    self._sync_client = client
                    # A model dropped without close() still releases its sockets.
                    weakref.finalize(self, client.close)
        return client

    async def _get_async_client(self) -> AsyncInferenceClient:
        loop = asyncio.get_running_loop()
        client = self._async_client
        if client is not None and (self._async_loop is loop or self.http_async_client):
            return client
        previous, previous_loop = self._async_closer, self._async_loop
        client = AsyncInferenceClient(
            **self._client_kwargs(self._default_model()),
            http_client=self.http_async_client,
        )
        closer = _close_with_loop(client)
        self._async_client, self._async_loop, self._async_closer = client, loop, closer
        await closer.__anext__()  # runs to its yield at once: now tracked by this loop
        if previous is not None and previous_loop is not None and previous_loop.is_running():
            asyncio.run_coroutine_threadsafe(previous.aclose(), previous_loop)
        return client

    def close(self) -> None:
        """Close the sync client's connections (the async one needs :meth:`aclose`)."""
        client, self._sync_client = self._sync_client, None
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        """Close both clients' connections."""
        self.close()
        closer, loop = self._async_closer, self._async_loop
        self._async_client = self._async_loop = self._async_closer = None
        if closer is None or loop is None:
            return
        if loop is asyncio.get_running_loop():
            await closer.aclose()
        elif loop.is_running():
            future = asyncio.run_coroutine_threadsafe(closer.aclose(), loop)
            await asyncio.wrap_future(future)

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

    def __copy__(self) -> Self:
        """Copies (``model_copy``) get their own clients, created on first use."""
        copied = super().__copy__()
        copied.__pydantic_private__ = {
            **(copied.__pydantic_private__ or {}),
            **_PRIVATE_CLIENT_STATE,
        }
        return copied

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        private = self.__pydantic_private__ or {}
        saved = {name: private.get(name) for name in _PRIVATE_CLIENT_STATE}
        private.update(_PRIVATE_CLIENT_STATE)  # clients hold locks and sockets: never copied
        try:
            return super().__deepcopy__(memo)
        finally:
            private.update(saved)

    def __getstate__(self) -> dict[Any, Any]:
        """Pickle without the clients (they hold sockets); they are recreated on use.

        Raises:
            TypeError: an ``http_client`` / ``http_async_client`` was given: it cannot
                be pickled, and dropping it would silently change the transport.
        """
        if self.http_client is not None or self.http_async_client is not None:
            raise TypeError(
                f"A {type(self).__name__} with http_client / http_async_client cannot be "
                "pickled (httpx clients hold sockets and locks). Pickle a model without "
                "them and set the client again after loading."
            )
        state = dict(super().__getstate__())
        private = dict(state.get("__pydantic_private__") or {})
        private.update(_PRIVATE_CLIENT_STATE)
        state["__pydantic_private__"] = private
        return state
