"""``client.responses``: the Responses API on the clients' own call path.

``Responses`` / ``AsyncResponses`` build the body with the pure
:func:`build_responses_body`, then go through the client's ``_call`` and
``_send`` like ``complete`` and ``stream``: same headers, auth, retries,
timeouts, ``total_timeout`` and error mapping. They differ only in I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from ._answer import parse_answer
from ._call import Call
from ._errors import ConfigurationError
from ._no_httpx_cli import httpx
from ._responses import (
    FunctionTool,
    ReasoningConfig,
    ResponseInput,
    build_responses_body,
    responses_url,
)
from ._responses_io import AsyncResponseStream, ResponseStream
from ._responses_stream import check_response
from ._responses_wire import Response
from ._telemetry import TracedCall
from ._telemetry_responses import traced_response, traced_responses_call

if TYPE_CHECKING:
    from ._async_client import AsyncInferenceClient
    from ._client import InferenceClient

__all__ = ["AsyncResponses", "Responses"]

_CALL_OPTIONS = ("api_version", "headers", "timeout", "total_timeout")
#: Statuses ``check_response`` may raise for (``completed`` answers pass as they are).
_CHECKED = frozenset({"failed", "incomplete"})
Tools = Sequence[FunctionTool | Mapping[str, Any]]
Reasoning = ReasoningConfig | Mapping[str, Any]
Timeout = float | httpx.Timeout


class _ResponsesBase:
    """The pure half shared by the sync and async namespaces."""

    def __init__(self, client: InferenceClient | AsyncInferenceClient) -> None:
        self._client = client

    def _prepare(self, stream: bool, options: dict[str, Any]) -> Call:
        """The call for ``options`` (the method's ``locals()``: its arguments)."""
        client = self._client
        config = client.endpoint_config
        del options["self"]
        options.pop("__class__", None)
        input = options.pop("input")
        api_version, headers, timeout, total_timeout = map(options.pop, _CALL_OPTIONS)
        model = options.pop("model")
        if model is None:
            model = client.model or config.deployment
        if model is None:
            raise ConfigurationError(
                "The Responses API picks the deployment from the request's model; pass "
                "model='<deployment name>' to the client or to this call."
            )
        body = build_responses_body(input, model=model, stream=stream, **options)
        call = client._call(
            responses_url(config, api_version),
            body,
            has_extras=False,
            extra_parameters=None,
            headers=headers,
            timeout=timeout,
            total_timeout=total_timeout,
            stream=stream,
        )
        # A GenAI span and metrics only with the `otel` extra and a provider (_telemetry.py).
        return traced_responses_call(client, call, body)

    def _response(self, call: Call, response: httpx.Response, body: bytes) -> Response:
        if type(call) is TracedCall:
            return traced_response(self._parse, call, response, body)
        return self._parse(call, response, body)

    def _parse(self, call: Call, response: httpx.Response, body: bytes) -> Response:
        parsed: Response = parse_answer(Response, call, response, body)
        if parsed.status in _CHECKED:  # the request id only when there is an error to raise
            check_response(parsed, response.status_code, self._client._request_id(call, response))
        return parsed


class Responses(_ResponsesBase):
    """``client.responses``: ``create`` and ``stream`` on the Responses API.

    The route follows the client's endpoint: ``/openai/v1/responses`` for an
    ``/openai/v1`` URL (and a Foundry ``/models`` URL's resource), Azure
    OpenAI's ``/openai/responses?api-version=`` for a deployment URL (whose
    deployment is the default ``model``). Serverless and managed-compute
    endpoints serve chat completions only (``ConfigurationError``).
    """

    _client: InferenceClient

    def __init__(self, client: InferenceClient) -> None:
        super().__init__(client)

    def create(
        self,
        input: ResponseInput,
        *,
        model: str | None = None,
        instructions: str | None = None,
        tools: Tools | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        text_format: Mapping[str, Any] | None = None,
        verbosity: str | None = None,
        reasoning: Reasoning | None = None,
        max_output_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        store: bool | None = None,
        previous_response_id: str | None = None,
        include: Sequence[str] | None = None,
        truncation: Literal["auto", "disabled"] | None = None,
        metadata: Mapping[str, str] | None = None,
        user: str | None = None,
        model_extras: Mapping[str, Any] | None = None,
        api_version: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout | None = None,
        total_timeout: float | None = None,
    ) -> Response:
        """Create a response and wait for it (``POST .../responses``).

        Args:
            input: a string, or a list of input items (``InputMessage``,
                ``FunctionCallItem``, ``FunctionCallOutputItem``, ``ReasoningItem``
                or their wire dicts).
            model: deployment name; defaults to the client's ``model`` (or the
                deployment in an Azure OpenAI deployment URL).
            instructions, tools, tool_choice, parallel_tool_calls, reasoning,
            max_output_tokens, temperature, top_p, store, previous_response_id,
            include, truncation, metadata, user: the API's fields; None means not
                sent. ``tools`` are ``FunctionTool`` or Responses-shaped dicts.
            text_format: ``text.format``: ``{"type": "json_object"}`` or
                ``json_schema_format(name, schema)``; ``verbosity``: ``text.verbosity``.
            model_extras: fields this library does not name, merged into the body.
            api_version: the ``api-version`` of Azure OpenAI's ``/openai/responses``
                route (default ``2025-04-01-preview``), or ``preview`` on ``/openai/v1``.
            headers, timeout, total_timeout: as for ``complete``.

        Raises:
            ContentFilterError: the prompt was blocked, or (``ResponseContentFilterError``,
                with ``.response``) the answer was cut by the filter.
            APIStatusError, APIConnectionError, APITimeoutError: as for ``complete``.
            ConfigurationError: no model, or an endpoint without the Responses API.
            TypeError, ValueError: a bad argument (before anything is sent).
        """
        call = self._prepare(False, dict(locals()))
        return self._response(call, *self._client._send(call))

    def stream(
        self,
        input: ResponseInput,
        *,
        model: str | None = None,
        instructions: str | None = None,
        tools: Tools | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        text_format: Mapping[str, Any] | None = None,
        verbosity: str | None = None,
        reasoning: Reasoning | None = None,
        max_output_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        store: bool | None = None,
        previous_response_id: str | None = None,
        include: Sequence[str] | None = None,
        truncation: Literal["auto", "disabled"] | None = None,
        metadata: Mapping[str, str] | None = None,
        user: str | None = None,
        model_extras: Mapping[str, Any] | None = None,
        api_version: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout | None = None,
        total_timeout: float | None = None,
    ) -> ResponseStream:
        """Stream a response (same arguments as ``create``).

        The request is sent (and retried on retryable errors) before this returns.

        Returns:
            A ``ResponseStream``: iterate it for ``ResponseEvent``; ``final_response()``
            is the ``Response`` the events add up to.
        """
        call = self._prepare(True, dict(locals()))
        response, _ = self._client._send(call)
        return ResponseStream(
            response,
            self._client._request_id(call, response),
            call.deadline,
            max_event_bytes=self._client._max_event_bytes,
        )


class AsyncResponses(_ResponsesBase):
    """``client.responses`` of ``AsyncInferenceClient``: as ``Responses``, async."""

    _client: AsyncInferenceClient

    def __init__(self, client: AsyncInferenceClient) -> None:
        super().__init__(client)

    async def create(
        self,
        input: ResponseInput,
        *,
        model: str | None = None,
        instructions: str | None = None,
        tools: Tools | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        text_format: Mapping[str, Any] | None = None,
        verbosity: str | None = None,
        reasoning: Reasoning | None = None,
        max_output_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        store: bool | None = None,
        previous_response_id: str | None = None,
        include: Sequence[str] | None = None,
        truncation: Literal["auto", "disabled"] | None = None,
        metadata: Mapping[str, str] | None = None,
        user: str | None = None,
        model_extras: Mapping[str, Any] | None = None,
        api_version: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout | None = None,
        total_timeout: float | None = None,
    ) -> Response:
        """Create a response and wait for it (see ``Responses.create``)."""
        call = self._prepare(False, dict(locals()))
        return self._response(call, *await self._client._send(call))

    def stream(
        self,
        input: ResponseInput,
        *,
        model: str | None = None,
        instructions: str | None = None,
        tools: Tools | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        text_format: Mapping[str, Any] | None = None,
        verbosity: str | None = None,
        reasoning: Reasoning | None = None,
        max_output_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        store: bool | None = None,
        previous_response_id: str | None = None,
        include: Sequence[str] | None = None,
        truncation: Literal["auto", "disabled"] | None = None,
        metadata: Mapping[str, str] | None = None,
        user: str | None = None,
        model_extras: Mapping[str, Any] | None = None,
        api_version: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout | None = None,
        total_timeout: float | None = None,
    ) -> AsyncResponseStream:
        """Stream a response: ``async for event in client.responses.stream(...)``.

        Nothing is sent until the stream is awaited, entered or iterated; errors
        such as a 401 are raised there.
        """
        call = self._prepare(True, dict(locals()))
        return AsyncResponseStream(
            partial(self._client._open_stream, call), max_event_bytes=self._client._max_event_bytes
        )
