"""The synchronous client: the I/O loop over ``BaseClient``'s pure logic."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from ._auth import KeyLike, TokenAuth, TokenCredential
from ._base import BaseClient
from ._call import Call
from ._endpoint import KeyHeader
from ._errors import ConfigurationError
from ._io import send
from ._messages import ImageEmbeddingInput, MessageInput
from ._network import Verify
from ._no_httpx_cli import httpx
from ._params import ChatParams, EmbedParams, chat_params, embed_params
from ._read import DEFAULT_MAX_ERROR_BYTES, DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_RESPONSE_BYTES
from ._request import ExtraParameters
from ._stream import ChatCompletionStream
from ._wire import ChatCompletion, EmbeddingsResult, ModelInfo

if TYPE_CHECKING:
    from ._accumulate import StreamAccumulator
    from ._direct import Direct
    from ._responses_api import Responses

__all__ = ["InferenceClient"]

Credential = str | KeyLike | TokenCredential | Any


class InferenceClient(BaseClient):
    """Synchronous client for the Azure AI Model Inference API.

    Args:
        endpoint: the URL as pasted (docs/endpoints.md); defaults to
            ``$AZURE_INFERENCE_ENDPOINT``, ``$AZURE_AI_PROJECT_ENDPOINT``, then
            ``$AZURE_OPENAI_ENDPOINT``.
        credential: a key (``str``, ``SecretStr``, or an object with ``.key``)
            or a token credential (``get_token(*scopes)``). Defaults to the key
            variable paired with the endpoint (``$AZURE_INFERENCE_CREDENTIAL``,
            ``$AZURE_OPENAI_API_KEY``), then to azure-identity's
            ``DefaultAzureCredential`` when installed.
        model: default deployment name sent as body ``model`` (required on Foundry).
        api_version: overrides the flavour's api-version (``2024-05-01-preview`` on
            serverless and managed compute, ``2025-05-01`` on Foundry ``/models``,
            ``2024-10-21`` for Azure OpenAI deployments, none for ``/openai/v1``).
        extra_parameters: default ``extra-parameters`` header mode. When None,
            ``pass-through`` is sent only with ``model_extras``.
        max_retries: retries on 408/429/5xx and connection errors; 0 disables.
        timeout: seconds for each of connect/read/write/pool, or an ``httpx.Timeout``:
            each bounds one network operation of one attempt.
        total_timeout: seconds for a whole call, retries and backoff waits included
            (default None: no bound beyond ``timeout`` and ``max_retries``). Every
            attempt's timeouts are cut to the time left and no retry starts past
            it; a stream must be opened, and then read to its end, within it
            (``StreamTimeoutError`` otherwise). Each call may pass its own.
        default_headers: headers sent on every call.
        http_client: an ``httpx.Client`` to use (and not close); one is created otherwise.
        key_header: where a key goes: ``authorization``, ``api-key`` or ``both``.
        credential_scopes: Entra ID scopes, overriding the flavour's choice.
        allow_insecure_http: allow sending credentials over http to a non-loopback host.
        max_concurrency: requests (and open streams) in flight at once on the pool
            this client creates, which has as many connections; more calls wait
            their turn (up to the pool timeout). Default 100. Not for ``http_client``.
        proxy: a proxy for every request (``http://[user:password@]host:port``, or an
            ``httpx.Proxy``), overriding ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY``,
            which are honoured otherwise, with ``NO_PROXY``. Not for ``http_client``.
        trust_env: read the proxy variables and ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``
            (default True). Not for ``http_client``.
        verify: TLS verification: True (certifi's CAs, or the ``SSL_CERT_*`` ones), a CA
            bundle file or directory (a TLS-inspecting gateway's CA), an
            ``ssl.SSLContext``, or False (no verification). Not for ``http_client``.
        max_response_bytes: largest decoded answer body accepted (default 256 MiB);
            a larger one raises ``ResponseTooLargeError`` as soon as it passes the limit.
        max_error_bytes: most of an error body read (default 1 MiB); the rest is skipped.
        max_event_bytes: longest streamed line or event (default 16 MiB), else
            ``StreamTooLargeError``. All three count decompressed bytes.
        capture_message_content: record message content (messages, system
            instructions, tool definitions, answers) on the OpenTelemetry spans:
            True, False, or None (default) to follow
            ``$OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` (off when unset).
            Also settable later as ``client.capture_message_content``.

    Raises:
        ConfigurationError: missing endpoint or credential, bad URL, insecure http.
    """

    _http: httpx.Client
    _direct: Direct | None  # sending past httpx.Client's layers (_direct.py)

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
        http_client: httpx.Client | None = None,
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
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise ConfigurationError(
                "http_client must be an httpx.Client (use AsyncInferenceClient for "
                "httpx.AsyncClient)."
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
            httpx.Client,
            http_client,
            max_concurrency=max_concurrency,
            timeout=self._timeout,
            proxy=proxy,
            trust_env=trust_env,
            verify=verify,
        )
        self._token_lock = threading.Lock()

    # -- I/O loop -------------------------------------------------------------

    def _auth_headers(self, call: Call) -> dict[str, str] | None:
        auth = self._auth
        if not isinstance(auth, TokenAuth):
            return self._key_headers()
        headers = auth.cached_headers()
        if headers is not None:
            return headers
        with self._token_lock:
            headers = auth.cached_headers()
            if headers is None:
                # A sync get_token cannot be interrupted: total_timeout is checked after it.
                token = auth.credential.get_token(*auth.scopes)
                if inspect.isawaitable(token):
                    if inspect.iscoroutine(token):
                        token.close()
                    raise ConfigurationError(
                        "The credential's get_token is async; use AsyncInferenceClient, or a "
                        "sync credential (azure.identity rather than azure.identity.aio)."
                    )
                headers = auth.store(token)
        self._check_token_in_time(call)
        return headers

    def _send(self, call: Call) -> tuple[httpx.Response, bytes]:
        """Send with retries; the response and its decoded body (empty for a stream)."""
        return send(self, call)

    # -- API -------------------------------------------------------------------

    def get_model_info(
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
        return self._info(call, *self._send(call))

    def complete(
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
        return self._completion(call, *self._send(call))

    def stream(
        self,
        messages: Sequence[MessageInput],
        *,
        accumulate: bool | StreamAccumulator = False,
        **params: Unpack[ChatParams],
    ) -> ChatCompletionStream:
        """Stream a chat completion (same arguments as ``complete``).

        The request is sent (and retried on retryable errors) before this returns;
        once the 200 arrived nothing is retried. ``accumulate=True`` joins the
        chunks as they pass (only the joined state is kept) for
        ``final_completion()`` (or into the ``StreamAccumulator`` you pass, whose
        ``last`` is then what each chunk added); by default nothing is kept, so
        memory stays flat.

        Returns:
            A ``ChatCompletionStream``: iterate it for ``ChatCompletionChunk``; use it
            as a context manager or call ``close()`` to release an abandoned stream.

        Raises:
            The errors of ``complete`` while connecting; ``StreamError`` (its
            subclass ``StreamTimeoutError`` when time ran out) or
            ``ContentFilterError`` while iterating.
        """
        call = self._chat_call(messages, stream=True, **chat_params(params, "stream()"))
        response, _ = self._send(call)
        return ChatCompletionStream(
            response,
            self._request_id(call, response),
            call.deadline,
            max_event_bytes=self._max_event_bytes,
            accumulate=accumulate,
        )

    def embed(
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
        return self._embeddings(call, *self._send(call))

    def embed_images(
        self,
        input: Sequence[ImageEmbeddingInput | Mapping[str, Any]],
        **params: Unpack[EmbedParams],
    ) -> EmbeddingsResult:
        """Embed images (``POST /images/embeddings``); arguments as for ``embed``.

        Args:
            input: ``ImageEmbeddingInput`` objects or ``{"image": "data:...", "text": ...}`` dicts.
        """
        call = self._embeddings_call(input, images=True, **embed_params(params, "embed_images()"))
        return self._embeddings(call, *self._send(call))

    # -- lifecycle ---------------------------------------------------------------

    def close(self) -> None:
        """Close the pooled connections (not those of a caller-supplied client)."""
        if self._owns_http:
            self._http.close()
        close = getattr(self._owned_credential, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> InferenceClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- Responses API (issue 16) ----------------------------------------------

    @property
    def responses(self) -> Responses:
        """The Responses API (``/openai/v1/responses``): ``create(...)`` and ``stream(...)``."""
        from ._responses_api import Responses  # on first use: see __init__.py

        return Responses(self)
