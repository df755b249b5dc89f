"""The pure half of the clients: configuration, request building, response parsing,
retry decisions and the auth state. ``InferenceClient`` and
``AsyncInferenceClient`` add only their I/O loops on top.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import SecretStr

from ._answer import (
    check_completion,
    connection_error,
    parse_answer,
    token_timeout,
    too_large,
    undecodable,
)
from ._auth import KeyAuth, TokenAuth, make_auth
from ._call import Call, check_headers, dumps, redact_headers, to_timeout
from ._deadline import check_total_timeout
from ._endpoint import (
    EndpointConfig,
    EndpointFlavour,
    KeyHeader,
    api_version_hint,
    is_loopback_host,
    resolve_endpoint,
)
from ._env import default_credential, endpoint_from_environment, key_from_environment
from ._errors import (
    APIStatusError,
    ConfigurationError,
    NotFoundError,
    error_from_response,
    request_id_from_headers,
)
from ._messages import MessageInput
from ._models import capabilities_for
from ._no_httpx_cli import httpx
from ._policy import needs_pass_through
from ._read import (
    ACCEPT_ENCODING,
    DEFAULT_MAX_ERROR_BYTES,
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
    check_size,
)
from ._reasoning import apply_model_rules
from ._request import (
    ExtraParameters,
    build_chat_body,
    build_embeddings_body,
    build_image_embeddings_body,
    check_extra_mode,
)
from ._retry import RetryPolicy, parse_retry_after
from ._telemetry import TracedCall, traced_call
from ._telemetry_content import CaptureOption
from ._version import __version__
from ._wire import ChatCompletion, EmbeddingsResult, ModelInfo

__all__ = ["BaseClient", "logger"]

USER_AGENT = f"azure-inference-python/{__version__}"

logger = logging.getLogger("azure_inference_core")


class BaseClient:
    """Configuration and all pure logic shared by the sync and async clients."""

    _async = False
    _http: Any  # httpx.Client or httpx.AsyncClient, set by the subclass
    #: Message content on spans: True, False, or None (the OTel variable); checked when set.
    capture_message_content = CaptureOption()

    def __init__(
        self,
        endpoint: str | None,
        credential: Any,
        *,
        model: str | None,
        api_version: str | None,
        extra_parameters: ExtraParameters | None,
        max_retries: int,
        timeout: float | httpx.Timeout | None,
        total_timeout: float | None,
        default_headers: Mapping[str, str] | None,
        key_header: KeyHeader | None,
        credential_scopes: Sequence[str] | None,
        allow_insecure_http: bool,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_error_bytes: int = DEFAULT_MAX_ERROR_BYTES,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        self._source = endpoint_from_environment(endpoint)
        self._config: EndpointConfig = resolve_endpoint(
            self._source.endpoint,
            api_version=api_version,
            key_header=key_header,
            credential_scopes=credential_scopes,
        )
        if model is not None and (not isinstance(model, str) or not model):
            raise ConfigurationError("model must be a non-empty deployment name, or None.")
        self._model = model
        check_extra_mode(extra_parameters)
        self._extra_mode: ExtraParameters | None = extra_parameters
        self._retry = RetryPolicy(max_retries)
        self._timeout = to_timeout(timeout)
        self._timeout_ext: dict[str, Any] = {"timeout": self._timeout.as_dict()}
        self._total_timeout = check_total_timeout(total_timeout)
        self._max_response_bytes = check_size(max_response_bytes, "max_response_bytes")
        self._max_error_bytes = check_size(max_error_bytes, "max_error_bytes")
        self._max_event_bytes = check_size(max_event_bytes, "max_event_bytes")
        self._owned_credential: Any = None
        self._auth: KeyAuth | TokenAuth = make_auth(
            self._resolve_credential(credential), self._config.key_header, self._config.scopes
        )
        url = httpx.URL(self._config.base_url)
        if url.scheme == "http" and not allow_insecure_http and not is_loopback_host(url.host):
            raise ConfigurationError(
                f"Refusing to send credentials over plain http to {url.host}; use https, or "
                "pass allow_insecure_http=True if this network is trusted."
            )
        self._static_headers: dict[str, str] = {
            "user-agent": USER_AGENT,
            "content-type": "application/json",
            "accept": "application/json",
            # Only what _read decodes step by step under the size limits.
            "accept-encoding": ACCEPT_ENCODING,
        }
        # Credentials are never stored here: they are added to each attempt's
        # request only, so nothing long-lived (or logged) holds them in clear.
        self._static_headers.update(check_headers(default_headers, "default_headers"))
        self._chat_url = self._config.url("/chat/completions")
        self._embeddings_url = self._config.url("/embeddings")
        self._image_embeddings_url = self._config.url("/images/embeddings")
        self._info_url = self._config.url("/info")
        self._model_info: ModelInfo | None = None

    # -- configuration -------------------------------------------------------

    def _resolve_credential(self, credential: Any) -> Any:
        if credential is not None:
            return credential
        found = key_from_environment(self._source)
        if found is not None:
            return SecretStr(found[1])
        self._owned_credential = default_credential(self._source, asynchronous=self._async)
        return self._owned_credential

    @property
    def endpoint(self) -> str:
        """The endpoint base URL the routes hang off."""
        return self._config.base_url

    @property
    def endpoint_config(self) -> EndpointConfig:
        """The resolved flavour, api-version, key header and scopes."""
        return self._config

    @property
    def model(self) -> str | None:
        """The default deployment name sent as body ``model``."""
        return self._model

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(endpoint={self._config.base_url!r}, "
            f"flavour={self._config.flavour.value!r}, model={self._model!r}, "
            f"auth={type(self._auth).__name__})"
        )

    # -- requests ------------------------------------------------------------

    def _call(
        self,
        url: httpx.URL,
        body: dict[str, Any] | None,
        *,
        has_extras: bool,
        extra_parameters: ExtraParameters | None,
        headers: Mapping[str, str] | None,
        timeout: float | httpx.Timeout | None,
        total_timeout: float | None,
        stream: bool = False,
        operation: str | None = None,
    ) -> Call:
        request_id = str(uuid.uuid4())
        all_headers = dict(self._static_headers)
        all_headers["x-ms-client-request-id"] = request_id
        if extra_parameters is not None:
            check_extra_mode(extra_parameters)
        mode = extra_parameters or self._extra_mode
        if mode is not None:
            all_headers["extra-parameters"] = mode
        elif has_extras:
            all_headers["extra-parameters"] = "pass-through"
        if stream:
            all_headers["accept"] = "text/event-stream"
        if headers:
            all_headers.update(check_headers(headers, "headers"))
            request_id = all_headers["x-ms-client-request-id"]
        if body is not None:
            if (
                self._config.requires_model
                and "model" not in body
                and "x-ms-model-mesh-model-name" not in all_headers
            ):
                raise ConfigurationError(
                    f"This {self._config.flavour.value} endpoint picks the deployment from the "
                    "request's model (the service would answer no_model_name); pass "
                    "model='<deployment name>' to the client or to this call."
                )
            content: bytes | None = dumps(body)
            method = "POST"
        else:
            content = None
            method = "GET"
            del all_headers["content-type"]
        extensions = (
            self._timeout_ext if timeout is None else {"timeout": to_timeout(timeout).as_dict()}
        )
        total = self._total_timeout if total_timeout is None else check_total_timeout(total_timeout)
        call = Call(method, url, content, all_headers, extensions, stream, request_id, total)
        # A GenAI span and metrics only with the `otel` extra and a provider (_telemetry.py).
        return call if operation is None else traced_call(self, call, operation, body or {})

    def _with_model(self, model: str | None) -> str | None:
        return model if model is not None else self._model

    def _chat_call(
        self,
        messages: Sequence[MessageInput],
        *,
        stream: bool,
        model: str | None,
        temperature: float | None,
        top_p: float | None,
        max_tokens: int | None,
        max_completion_tokens: int | None,
        reasoning_effort: str | None,
        seed: int | None,
        presence_penalty: float | None,
        frequency_penalty: float | None,
        stop: Sequence[str] | None,
        response_format: Mapping[str, Any] | None,
        tools: Sequence[Mapping[str, Any]] | None,
        tool_choice: str | Mapping[str, Any] | None,
        parallel_tool_calls: bool | None,
        model_extras: Mapping[str, Any] | None,
        extra_parameters: ExtraParameters | None,
        headers: Mapping[str, str] | None,
        timeout: float | httpx.Timeout | None,
        total_timeout: float | None,
    ) -> Call:
        body, _ = build_chat_body(
            messages,
            stream=stream,
            model=self._with_model(model),
            temperature=temperature,
            top_p=top_p,
            max_tokens=max_tokens,
            seed=seed,
            presence_penalty=presence_penalty,
            frequency_penalty=frequency_penalty,
            stop=stop,
            response_format=response_format,
            tools=tools,
            tool_choice=tool_choice,
            parallel_tool_calls=parallel_tool_calls,
            model_extras=model_extras,
            max_completion_tokens=max_completion_tokens,
            reasoning_effort=reasoning_effort,
        )
        # Reasoning models' rules (max_completion_tokens, refused parameters, developer role).
        config = self._config
        names = (body.get("model"), config.deployment, config.base_url)
        apply_model_rules(body, *capabilities_for(*names))
        # Which fields need `extra-parameters: pass-through` is the policy's to say (_policy.py).
        has_extras = needs_pass_through(body, self._config.flavour, model_extras)
        return self._call(
            self._chat_url,
            body,
            has_extras=has_extras,
            extra_parameters=extra_parameters,
            headers=headers,
            timeout=timeout,
            total_timeout=total_timeout,
            stream=stream,
            operation="chat",
        )

    def _embeddings_call(
        self,
        input: Any,
        *,
        images: bool,
        model: str | None,
        dimensions: int | None,
        encoding_format: str | None,
        input_type: str | None,
        model_extras: Mapping[str, Any] | None,
        extra_parameters: ExtraParameters | None,
        headers: Mapping[str, str] | None,
        timeout: float | httpx.Timeout | None,
        total_timeout: float | None,
    ) -> Call:
        build = build_image_embeddings_body if images else build_embeddings_body
        body, has_extras = build(
            input,
            model=self._with_model(model),
            dimensions=dimensions,
            encoding_format=encoding_format,
            input_type=input_type,
            model_extras=model_extras,
        )
        return self._call(
            self._image_embeddings_url if images else self._embeddings_url,
            body,
            has_extras=has_extras,
            extra_parameters=extra_parameters,
            headers=headers,
            timeout=timeout,
            total_timeout=total_timeout,
            operation="embeddings",
        )

    def _info_call(
        self, headers: Mapping[str, str] | None, total_timeout: float | None = None
    ) -> Call:
        return self._call(
            self._info_url,
            None,
            has_extras=False,
            extra_parameters=None,
            headers=headers,
            timeout=None,
            total_timeout=total_timeout,
        )

    def _key_headers(self) -> dict[str, str] | None:
        """Key auth headers for one attempt (a ``.key`` object may have been rotated)."""
        if isinstance(self._auth, KeyAuth):
            return self._auth.headers()
        return None

    # -- responses -----------------------------------------------------------

    def _status_error(
        self, call: Call, response: httpx.Response, raw: bytes, fits: bool = True
    ) -> APIStatusError:
        error = error_from_response(
            response.status_code,
            response.headers,
            raw,
            client_request_id=call.client_request_id,
            retry_after=parse_retry_after(response.headers),
            truncated_at=None if fits else self._max_error_bytes,
        )
        if isinstance(error, NotFoundError) and call.url == self._info_url:
            error = NotFoundError(
                f"{error.message} This {self._config.flavour.value} endpoint has no /info route "
                "(only serverless and managed-compute endpoints serve it); pass the model name "
                "yourself instead of reading it from /info.",
                status_code=error.status_code,
                code=error.code,
                request_id=error.request_id,
                body=error.body,
            )
        hint = api_version_hint(self._config, response.status_code, error.code, error.message)
        if hint is not None:
            error.message = f"{error.message} {hint}"
            error.args = (error.message,)
        return error

    def _retry_delay(
        self, call: Call, retries: int, response: httpx.Response | None = None
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to raise the last error.

        None also when the retry would start after the call's total deadline:
        the caller then gets the failure that happened (a 503, a refused
        connection, a 429 with its ``retry_after``) rather than a bare timeout.
        """
        if response is None:
            delay = self._retry.delay(retries)
        else:
            delay = self._retry.delay(
                retries, status=response.status_code, headers=response.headers
            )
        deadline = call.deadline
        if delay is not None and deadline is not None and not deadline.allows(delay):
            return None
        return delay

    @classmethod
    def _check_token_in_time(cls, call: Call) -> None:
        """Raise when fetching a token used up the call's ``total_timeout`` (nothing sent yet)."""
        deadline = call.deadline
        if deadline is not None and deadline.expired():
            raise cls._token_timeout(call, deadline)

    _token_timeout = staticmethod(token_timeout)
    _too_large = staticmethod(too_large)
    _undecodable = staticmethod(undecodable)
    _connection_error = staticmethod(connection_error)

    def _log_request(self, call: Call, status: int | str, started: float) -> None:
        logger.debug(
            "%s %s -> %s in %.1f ms headers=%s",
            call.method,
            call.url,
            status,
            (time.perf_counter() - started) * 1000.0,
            redact_headers(call.headers),
        )

    def _completion(self, call: Call, response: httpx.Response, body: bytes) -> ChatCompletion:
        if type(call) is TracedCall:
            return call.trace.ended(self._completion, call, response, body)
        completion: ChatCompletion = parse_answer(ChatCompletion, call, response, body)
        return check_completion(completion, call, response, body)

    def _embeddings(self, call: Call, response: httpx.Response, body: bytes) -> EmbeddingsResult:
        if type(call) is TracedCall:
            return call.trace.ended(self._embeddings, call, response, body)
        result: EmbeddingsResult = parse_answer(EmbeddingsResult, call, response, body)
        return result

    def _info(self, call: Call, response: httpx.Response, body: bytes) -> ModelInfo:
        info: ModelInfo = parse_answer(ModelInfo, call, response, body)
        self._model_info = info
        return info

    def _request_id(self, call: Call, response: httpx.Response) -> str | None:
        return request_id_from_headers(response.headers, call.client_request_id)

    @property
    def _flavour(self) -> EndpointFlavour:
        return self._config.flavour
