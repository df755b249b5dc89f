"""``client.responses``: the Responses API on the clients' own call path.

``Responses`` / ``AsyncResponses`` build the body with the pure
:func:`build_responses_body`, then go through the client's ``_call`` and
``_send`` like ``complete`` and ``stream``: same headers, auth, retries,
timeouts, ``total_timeout`` and error mapping. The stream objects drive the
pure :class:`ResponseEventDecoder` and :class:`ResponseAccumulator`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Iterator
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from ._call import Call
from ._deadline import Deadline
from ._errors import ConfigurationError, StreamError, StreamTimeoutError
from ._responses import azure_openai_deployment, build_responses_body, responses_url
from ._responses_stream import (
    ResponseAccumulator,
    ResponseEventDecoder,
    check_response,
    out_of_time,
)
from ._responses_wire import Response, ResponseEvent

if TYPE_CHECKING:
    from ._async_client import AsyncInferenceClient
    from ._client import InferenceClient

__all__ = ["AsyncResponseStream", "AsyncResponses", "ResponseStream", "Responses"]

_NEVER = float("inf")
_Opened = tuple[httpx.Response, "str | None", "Deadline | None"]


def _broken(
    exc: httpx.HTTPError, deadline: Deadline | None, decoder: ResponseEventDecoder
) -> StreamError:
    if isinstance(exc, httpx.TimeoutException):
        if deadline is not None and deadline.expired():
            return out_of_time(deadline, decoder.count, decoder.request_id)
        return StreamTimeoutError(
            f"The stream timed out after {decoder.count} event(s) ({type(exc).__name__}); "
            "the answer is incomplete.",
            request_id=decoder.request_id,
        )
    return StreamError(
        f"The stream broke after {decoder.count} event(s) ({type(exc).__name__}: {exc}); "
        "the answer is incomplete.",
        request_id=decoder.request_id,
    )


def _events(
    response: httpx.Response,
    decoder: ResponseEventDecoder,
    accumulator: ResponseAccumulator,
    deadline: Deadline | None,
) -> Generator[ResponseEvent, None, None]:
    due = _NEVER if deadline is None else deadline.at
    try:
        try:
            for raw in response.iter_bytes():
                if time.monotonic() >= due:
                    raise out_of_time(deadline, decoder.count, decoder.request_id)
                for event in decoder.feed(raw):
                    accumulator.feed(event)
                    yield event
        except httpx.HTTPError as exc:
            raise _broken(exc, deadline, decoder) from exc
        for event in decoder.flush():
            accumulator.feed(event)
            yield event
        decoder.finish(accumulator)
    finally:
        response.close()


class ResponseStream:
    """Iterator of ``ResponseEvent`` over one streamed response.

    Closes the HTTP response when exhausted, on error, on ``close()`` or at the
    end of a ``with`` block. Raises ``StreamError`` for an ``error`` event, a
    ``response.failed``, a malformed event or an end without a terminal event;
    ``StreamTimeoutError`` when a read or the ``total_timeout`` ran out;
    ``ContentFilterError`` after the last event when the filter cut the answer.
    ``final_response()`` is the ``Response`` the events add up to.
    """

    def __init__(
        self, response: httpx.Response, request_id: str | None, deadline: Deadline | None = None
    ) -> None:
        self.response = response
        self.request_id = request_id
        self._decoder = ResponseEventDecoder(request_id)
        self._accumulator = ResponseAccumulator()
        self._iterator = _events(response, self._decoder, self._accumulator, deadline)

    def __iter__(self) -> Iterator[ResponseEvent]:
        return self._iterator

    def __next__(self) -> ResponseEvent:
        return next(self._iterator)

    def final_response(self) -> Response:
        """The events so far joined into a ``Response`` (complete once exhausted)."""
        return self._accumulator.result()

    def close(self) -> None:
        """Stop the stream and release the connection."""
        self._iterator.close()
        self.response.close()

    def __enter__(self) -> ResponseStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _Box:
    __slots__ = ("accumulator", "closed", "deadline", "decoder", "opener", "response")

    def __init__(self, opener: Callable[[], Awaitable[_Opened]]) -> None:
        self.opener: Callable[[], Awaitable[_Opened]] | None = opener
        self.response: httpx.Response | None = None
        self.decoder = ResponseEventDecoder()
        self.accumulator = ResponseAccumulator()
        self.deadline: Deadline | None = None
        self.closed = False

    async def open(self) -> httpx.Response:
        if self.closed:
            raise StreamError("The stream was closed; start a new one with responses.stream().")
        if self.response is None:
            if self.opener is None:
                raise StreamError("The stream could not be opened.")
            opener, self.opener = self.opener, None
            self.response, self.decoder.request_id, self.deadline = await opener()
        return self.response


async def _aevents(box: _Box) -> AsyncGenerator[ResponseEvent, None]:
    response = await box.open()
    decoder, accumulator, deadline = box.decoder, box.accumulator, box.deadline
    due = _NEVER if deadline is None else deadline.at
    try:
        try:
            async for raw in response.aiter_bytes():
                if time.monotonic() >= due:
                    raise out_of_time(deadline, decoder.count, decoder.request_id)
                for event in decoder.feed(raw):
                    accumulator.feed(event)
                    yield event
        except httpx.HTTPError as exc:
            raise _broken(exc, deadline, decoder) from exc
        for event in decoder.flush():
            accumulator.feed(event)
            yield event
        decoder.finish(accumulator)
    finally:
        await response.aclose()


class AsyncResponseStream:
    """Async iterator of ``ResponseEvent``; the request is sent on first use
    (``await``, ``async with`` or ``async for``). Otherwise as ``ResponseStream``."""

    def __init__(self, opener: Callable[[], Awaitable[_Opened]]) -> None:
        self._box = _Box(opener)
        self._iterator: AsyncGenerator[ResponseEvent, None] | None = None

    @property
    def response(self) -> httpx.Response | None:
        """The underlying ``httpx.Response`` once opened."""
        return self._box.response

    @property
    def request_id(self) -> str | None:
        """The request id to quote to support, once opened."""
        return self._box.decoder.request_id

    def __aiter__(self) -> AsyncGenerator[ResponseEvent, None]:
        if self._iterator is None:
            self._iterator = _aevents(self._box)
        return self._iterator

    async def __anext__(self) -> ResponseEvent:
        return await self.__aiter__().__anext__()

    def __await__(self) -> Generator[Any, None, AsyncResponseStream]:
        async def opened() -> AsyncResponseStream:
            await self._box.open()
            return self

        return opened().__await__()

    def final_response(self) -> Response:
        """The events so far joined into a ``Response`` (complete once exhausted)."""
        return self._box.accumulator.result()

    async def aclose(self) -> None:
        """Stop the stream and release the connection."""
        self._box.closed = True
        if self._iterator is not None:
            await self._iterator.aclose()
        if self._box.response is not None:
            await self._box.response.aclose()

    async def __aenter__(self) -> AsyncResponseStream:
        await self._box.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


_CALL_OPTIONS = ("api_version", "headers", "timeout", "total_timeout")


class _ResponsesBase:
    """The pure half shared by the sync and async namespaces."""

    def __init__(self, client: InferenceClient | AsyncInferenceClient) -> None:
        self._client = client

    def _prepare(self, input: Any, stream: bool, options: dict[str, Any]) -> Call:
        client = self._client
        config = client.endpoint_config
        call_options = {name: options.pop(name, None) for name in _CALL_OPTIONS}
        model = options.pop("model", None)
        if model is None:
            model = client.model or azure_openai_deployment(config)
        if model is None:
            raise ConfigurationError(
                "The Responses API picks the deployment from the request's model; pass "
                "model='<deployment name>' to the client or to this call."
            )
        body = build_responses_body(input, model=model, stream=stream, **options)
        return client._call(
            responses_url(config, call_options["api_version"]),
            body,
            has_extras=False,
            extra_parameters=None,
            headers=call_options["headers"],
            timeout=call_options["timeout"],
            total_timeout=call_options["total_timeout"],
            stream=stream,
        )

    def _response(self, call: Call, response: httpx.Response) -> Response:
        parsed: Response = self._client._parse(Response, call, response)
        return check_response(
            parsed, response.status_code, self._client._request_id(call, response)
        )


class Responses(_ResponsesBase):
    """``client.responses``: ``create`` and ``stream`` on the Responses API.

    Both take ``input`` (a string, or a list of input items: ``InputMessage``,
    ``FunctionCallItem``, ``FunctionCallOutputItem``, ``ReasoningItem`` or their
    wire dicts) and the keyword arguments of :func:`build_responses_body`:
    ``model``, ``instructions``, ``tools``, ``tool_choice``,
    ``parallel_tool_calls``, ``text_format``, ``verbosity``, ``reasoning``,
    ``max_output_tokens``, ``temperature``, ``top_p``, ``store``,
    ``previous_response_id``, ``include``, ``truncation``, ``metadata``,
    ``user``, ``model_extras``; plus ``api_version`` (Azure OpenAI's
    ``/openai/responses`` route), ``headers``, ``timeout`` and
    ``total_timeout`` as for ``complete``. Unknown keywords raise ``TypeError``.
    """

    _client: InferenceClient

    def __init__(self, client: InferenceClient) -> None:
        super().__init__(client)

    def create(self, input: Any, **options: Any) -> Response:
        """Create a response and wait for it.

        Raises:
            ContentFilterError: the prompt was blocked, or the answer cut by the filter.
            APIStatusError, APIConnectionError, APITimeoutError: as for ``complete``.
        """
        call = self._prepare(input, False, options)
        return self._response(call, self._client._send(call))

    def stream(self, input: Any, **options: Any) -> ResponseStream:
        """Stream a response: iterate the returned ``ResponseStream`` for events."""
        call = self._prepare(input, True, options)
        response = self._client._send(call)
        return ResponseStream(response, self._client._request_id(call, response), call.deadline)


class AsyncResponses(_ResponsesBase):
    """``client.responses`` of ``AsyncInferenceClient``: as ``Responses``, async."""

    _client: AsyncInferenceClient

    def __init__(self, client: AsyncInferenceClient) -> None:
        super().__init__(client)

    async def create(self, input: Any, **options: Any) -> Response:
        """Create a response and wait for it (see ``Responses.create``)."""
        call = self._prepare(input, False, options)
        return self._response(call, await self._client._send(call))

    def stream(self, input: Any, **options: Any) -> AsyncResponseStream:
        """Stream a response: ``async for event in client.responses.stream(...)``."""
        call = self._prepare(input, True, options)
        return AsyncResponseStream(partial(self._client._open_stream, call))
