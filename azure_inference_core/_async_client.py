"""The asynchronous client: the I/O loop over ``BaseClient``'s pure logic."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Mapping, Sequence
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from ._auth import AsyncTokenCredential, KeyLike, TokenAuth, TokenCredential
from ._base import BaseClient
from ._call import Call
from ._deadline import Deadline
from ._endpoint import KeyHeader
from ._errors import ConfigurationError
from ._io import asend
from ._messages import ImageEmbeddingInput, MessageInput
from ._network import Verify
from ._no_httpx_cli import httpx
from ._params import ChatParams, EmbedParams, chat_params, embed_params
from ._read import DEFAULT_MAX_ERROR_BYTES, DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_RESPONSE_BYTES
from ._request import ExtraParameters
from ._stream import AsyncChatCompletionStream
from ._wire import ChatCompletion, EmbeddingsResult, ModelInfo

if TYPE_CHECKING:
    from ._accumulate import StreamAccumulator
    from ._direct import AsyncDirect
    from ._responses_api import AsyncResponses

__all__ = ["AsyncInferenceClient"]

Credential = str | KeyLike | TokenCredential | AsyncTokenCredential | Any


class AsyncInferenceClient(BaseClient):
    """Asynchronous client for the Azure AI Model Inference API.

    Same arguments as ``InferenceClient`` (``timeout``, ``total_timeout``,
    ``max_concurrency``, ``proxy``, ``trust_env``, ``verify`` and the size limits
    ``max_response_bytes``, ``max_error_bytes`` and ``max_event_bytes``, and
    ``capture_message_content`` included),
    except ``http_client`` is an ``httpx.AsyncClient``; ``credential`` may be an
    async token credential (``azure.identity.aio``) or a sync one. Methods are coroutines, except
    ``stream`` which returns an ``AsyncChatCompletionStream`` directly.
    """

    _async = True
    _http: httpx.AsyncClient
    _direct: AsyncDirect | None  # sending past httpx.Client's layers (_direct.py)

    def __init__(
        self,
        endpoint: str | None = None,
        credential: Credential | None = None,
        *,
        model: str | None = None,
        api_version: str | None = None,
        extra_parameters: ExtraParameters | None = None,
        max_retries: int = 2,
        timeout: float | httpx.Timeout | None = 60.0,
        total_timeout: float | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        key_header: KeyHeader | None = None,
        credential_scopes: Sequence[str] | None = None,
        allow_insecure_http: bool = False,
        max_concurrency: int | None = None,
        proxy: str | httpx.Proxy | None = None,
        trust_env: bool = True,
        verify: Verify = True,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_error_bytes: int = DEFAULT_MAX_ERROR_BYTES,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        capture_message_content: bool | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise ConfigurationError(
                "http_client must be an httpx.AsyncClient (use InferenceClient for httpx.Client)."
            )
        super().__init__(
            endpoint,
            credential,
            model=model,
            api_version=api_version,
            extra_parameters=extra_parameters,
            max_retries=max_retries,
            timeout=timeout,
            total_timeout=total_timeout,
            default_headers=default_headers,
            key_header=key_header,
            credential_scopes=credential_scopes,
            allow_insecure_http=allow_insecure_http,
            max_response_bytes=max_response_bytes,
            max_error_bytes=max_error_bytes,
            max_event_bytes=max_event_bytes,
        )
        self.capture_message_content = capture_message_content
        # Imported here, not at module level: it loads httpcore and h11, which httpx
        # itself defers until a client is built (about 30 ms of every import).
        from ._transport import http_for

        self._owns_http = http_client is None
        self._http, self._direct = http_for(
            httpx.AsyncClient,
            http_client,
            max_concurrency=max_concurrency,
            timeout=self._timeout,
            proxy=proxy,
            trust_env=trust_env,
            verify=verify,
        )
        self._token_lock = asyncio.Lock()

    # -- I/O loop -------------------------------------------------------------

    async def _auth_headers(self, call: Call) -> dict[str, str] | None:
        auth = self._auth
        if not isinstance(auth, TokenAuth):
            return self._key_headers()
        headers = auth.cached_headers()
        if headers is not None:
            return headers
        async with self._token_lock:
            headers = auth.cached_headers()
            if headers is None:
                token: Any = auth.credential.get_token(*auth.scopes)
                if inspect.isawaitable(token):
                    token = await self._token_in_time(call, token)
                headers = auth.store(token)
        self._check_token_in_time(call)  # a sync credential may have been slow
        return headers

    async def _token_in_time(self, call: Call, pending: Awaitable[Any]) -> Any:
        """Await an async credential's token, for no longer than the call's total_timeout."""
        deadline = call.deadline
        if deadline is None:
            return await pending
        try:
            return await asyncio.wait_for(pending, max(deadline.remaining(), 0.0))
        except asyncio.TimeoutError:
            raise self._token_timeout(call, deadline) from None

    async def _send(self, call: Call) -> tuple[httpx.Response, bytes]:
        """Send with retries; the response and its decoded body (empty for a stream)."""
        return await asend(self, call)

    async def _open_stream(self, call: Call) -> tuple[httpx.Response, str | None, Deadline | None]:
        response, _ = await self._send(call)
        return response, self._request_id(call, response), call.deadline

    # -- API -------------------------------------------------------------------

    async def get_model_info(
        self,
        *,
        headers: Mapping[str, str] | None = None,
        total_timeout: float | None = None,
    ) -> ModelInfo:
        """Return the model behind the endpoint (``GET /info``), cached after the first call.

        Args:
            headers: extra request headers for this call.
            total_timeout: bound on the whole call, retries included (see ``complete``).

        Raises:
            NotFoundError: the endpoint has no ``/info`` route (Foundry, Azure OpenAI).
        """
        if self._model_info is not None:
            return self._model_info
        call = self._info_call(headers, total_timeout)
        return self._info(call, *await self._send(call))

    async def complete(
        self,
        messages: Sequence[MessageInput],
        **params: Unpack[ChatParams],
    ) -> ChatCompletion:
        """Get a chat completion.

        Args:
            messages: wire-shaped dicts (sent as given) or message models.
            model: deployment name; defaults to the client's ``model``.
            temperature, top_p, max_tokens, seed, presence_penalty,
            frequency_penalty, stop, response_format, tools, tool_choice,
            parallel_tool_calls: the API's parameters; None means not sent,
                every other value (0 included) is sent as given. ``stop`` is a
                list of strings (a bare string is refused, not wrapped);
                ``response_format``, ``tools`` and ``tool_choice`` take the wire
                dicts (``tool_choice`` also "auto", "none" or "required").
            max_completion_tokens, reasoning_effort: reasoning models' budget and
                effort. On OpenAI reasoning models (o-series, gpt-5) ``max_tokens``
                goes out as ``max_completion_tokens``, a system message as a
                developer one, and what they refuse raises
                ``RejectedParameterError`` before sending (``_reasoning.py``).
            model_extras: parameters the API does not define, merged into the body.
            extra_parameters: ``extra-parameters`` header mode for this call.
            headers: extra request headers for this call.
            timeout: per-operation timeouts for this call (seconds or ``httpx.Timeout``),
                replacing the client's.
            total_timeout: bound in seconds on the whole call, retries and their
                waits included; replaces the client's (``math.inf``: no bound).
                Each attempt's timeouts are cut to the time left, and no retry
                starts past it (the last failure is raised instead). For
                ``stream`` it bounds opening the stream and then the whole
                stream, checked after each network read.

        Returns:
            The typed ``ChatCompletion`` (unknown fields kept).

        Raises:
            ContentFilterError: the prompt was blocked, or the answer cut by the filter.
            APIStatusError: (subclasses) the service answered with an error.
            APIConnectionError: no answer after retries.
            APITimeoutError: a timeout, or ``total_timeout``, expired.
            TypeError, ValueError: a bad argument (before anything is sent).
        """
        call = self._chat_call(messages, stream=False, **chat_params(params, "complete()"))
        return self._completion(call, *await self._send(call))

    def stream(
        self,
        messages: Sequence[MessageInput],
        *,
        accumulate: bool | StreamAccumulator = False,
        **params: Unpack[ChatParams],
    ) -> AsyncChatCompletionStream:
        """Stream a chat completion (same arguments as ``complete``).

        Not a coroutine: arguments are checked now, and the request is sent (and
        retried on retryable errors) on ``await``, ``async with`` or the first
        ``async for`` step; once the 200 arrived nothing is retried.
        ``accumulate=True`` joins the chunks as they pass for
        ``final_completion()`` (or into the ``StreamAccumulator`` you pass, whose
        ``last`` is then what each chunk added); by default nothing is kept.

        Returns:
            An ``AsyncChatCompletionStream`` of ``ChatCompletionChunk``; use
            ``async with`` or ``aclose()`` to release an abandoned stream.

        Raises:
            The errors of ``complete`` while connecting; ``StreamError`` (its
            subclass ``StreamTimeoutError`` when time ran out) or
            ``ContentFilterError`` while iterating.
        """
        call = self._chat_call(messages, stream=True, **chat_params(params, "stream()"))
        return AsyncChatCompletionStream(
            partial(self._open_stream, call),
            max_event_bytes=self._max_event_bytes,
            accumulate=accumulate,
        )

    async def embed(
        self,
        input: str | Sequence[str],
        **params: Unpack[EmbedParams],
    ) -> EmbeddingsResult:
        """Embed texts (``POST /embeddings``).

        Args:
            input: one text (sent as a one-item list) or a list of texts.
            model, dimensions, encoding_format, input_type: the API's parameters.
            model_extras, extra_parameters, headers, timeout, total_timeout: as for
                ``complete``.

        Returns:
            The typed ``EmbeddingsResult``, one item per input in ``data``.
        """
        call = self._embeddings_call(input, images=False, **embed_params(params, "embed()"))
        return self._embeddings(call, *await self._send(call))

    async def embed_images(
        self,
        input: Sequence[ImageEmbeddingInput | Mapping[str, Any]],
        **params: Unpack[EmbedParams],
    ) -> EmbeddingsResult:
        """Embed images (``POST /images/embeddings``); arguments as for ``embed``.

        Args:
            input: ``ImageEmbeddingInput`` objects or ``{"image": "data:...", "text": ...}`` dicts.
        """
        call = self._embeddings_call(input, images=True, **embed_params(params, "embed_images()"))
        return self._embeddings(call, *await self._send(call))

    # -- lifecycle ---------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the pooled connections (not those of a caller-supplied client)."""
        if self._owns_http:
            await self._http.aclose()
        close = getattr(self._owned_credential, "close", None)
        if close is not None:
            result = close()
            if inspect.isawaitable(result):
                await result

    async def __aenter__(self) -> AsyncInferenceClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- Responses API (issue 16) ----------------------------------------------

    @property
    def responses(self) -> AsyncResponses:
        """The Responses API (``/openai/v1/responses``): ``create(...)`` and ``stream(...)``."""
        from ._responses_api import AsyncResponses  # on first use: see __init__.py

        return AsyncResponses(self)
