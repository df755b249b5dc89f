"""OpenTelemetry GenAI spans and metrics for every chat, embeddings and Responses call.

Optional: with ``opentelemetry-api`` installed (the ``otel`` extra) *and* a
tracer or meter provider configured by the application, each call gets one
CLIENT span named ``{gen_ai.operation.name} {gen_ai.request.model}`` and the
conventions' client metrics. Otherwise ``traced_call`` returns the call as it
is, after one check of the global providers, and nothing else runs.

Where it hooks in (nothing else in the core knows about OpenTelemetry):

* ``BaseClient._call`` wraps a chat or embeddings call in a ``TracedCall``
  (request attributes, set when the span starts so samplers see them; the
  parent context is taken there, so an async stream opened later keeps it);
* ``_io.send`` / ``asend`` start the span, make it current while sending (an
  HTTP instrumentation's spans sit beneath it), add one ``retry`` event per
  retry, and end it on a failure;
* ``BaseClient._completion`` / ``_embeddings`` end it with the answer;
* the streams end it when the stream ends, fails, is closed or dropped (time to first chunk);
* ``_telemetry_responses`` translates Responses calls and events onto the same ``Trace``.

Retries are span events, not child spans: the conventions' span covers the logical
operation with all its retries, one span per model call is what dashboards count,
and an HTTP instrumentation already draws one span per attempt when wanted.
"""

from __future__ import annotations

import os
import sys
import time
import weakref
from array import array
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ._call import Call
from ._telemetry_content import capture_enabled, input_attributes, output_messages

__all__ = ["STREAMS", "Trace", "TracedCall", "traced_call"]

T = TypeVar("T")

#: Streams' traces, from ``send`` to the stream object built on its response.
STREAMS: weakref.WeakKeyDictionary[Any, Trace] = weakref.WeakKeyDictionary()

#: Body keys recorded as they are (a body holds few keys: it is walked, not this table).
_PARAMS = {
    "temperature": "gen_ai.request.temperature",
    "top_p": "gen_ai.request.top_p",
    "max_tokens": "gen_ai.request.max_tokens",
    "max_completion_tokens": "gen_ai.request.max_tokens",
    "seed": "gen_ai.request.seed",
    "presence_penalty": "gen_ai.request.presence_penalty",
    "frequency_penalty": "gen_ai.request.frequency_penalty",
}


#: ``_telemetry_otel``, imported on the first call after the application imported OpenTelemetry.
_otel: Any = None


def _switched_off() -> bool:
    """``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS`` names this library (read per call)."""
    names = os.environ.get("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS")
    if not names:
        return False
    return any(n.strip() in ("azure_inference_core", "azure-inference") for n in names.split(","))


def _provider_name(client: Any) -> str:
    flavour = getattr(client._config.flavour, "value", "")
    return "azure.ai.openai" if flavour in ("azure_openai", "openai_v1") else "azure.ai.inference"


def attribute(obj: Any, name: str) -> Any:
    """A field of a wire model or a dict, or an extra (unknown) field of a model; else None."""
    if obj is None:
        return None
    if type(obj) is dict:
        return obj.get(name)
    fields = getattr(obj, "__dict__", None)  # a pydantic model's fields (no ABC check first)
    if fields is None:
        return obj.get(name) if isinstance(obj, Mapping) else None
    value = fields.get(name)
    if value is None:
        extra = getattr(obj, "__pydantic_extra__", None)
        if extra:
            value = extra.get(name)
        elif isinstance(obj, Mapping):  # a mapping class with attributes of its own
            value = obj.get(name)
    return value


class TracedCall(Call):
    """A ``Call`` with its ``Trace`` (only built when a provider is configured)."""

    __slots__ = ("trace",)
    trace: Trace


def traced_call(client: Any, call: Call, operation: str, body: Mapping[str, Any]) -> Call:
    """``call`` itself without a configured provider, else a ``TracedCall`` for it."""
    global _otel
    modules = sys.modules
    if "opentelemetry.trace" not in modules and "opentelemetry.metrics" not in modules:
        return call  # nothing imported OpenTelemetry, so no provider can be set
    if _otel is None:
        from . import _telemetry_otel

        _otel = _telemetry_otel
    if not _otel.HAVE_OTEL:
        return call
    spans, meters = _otel.tracer(), _otel.instruments()
    if (spans is None and meters is None) or _switched_off():
        return call
    c = call
    traced = TracedCall(
        c.method, c.url, c.content, c.headers, c.extensions, c.stream, c.client_request_id
    )
    traced.total_timeout = c.total_timeout
    # Content goes on spans only: without a tracer neither the option nor the variable is read.
    capture = spans is not None and capture_enabled(
        getattr(client, "capture_message_content", None)
    )
    traced.trace = Trace(spans, meters, client, call, operation, body, capture)
    return traced


class Trace:
    """The span and metric state of one call (pure bookkeeping; no I/O)."""

    __slots__ = (
        "_body",
        "_capture",
        "_chunks",
        "_ended",
        "_first",
        "_instruments",
        "_last",
        "_parent",
        "_plain",
        "_recording",
        "_response",
        "_span",
        "_started",
        "_token",
        "_tracer",
        "attributes",
        "metric_attributes",
        "name",
    )

    def __init__(
        self,
        tracer: Any,
        instruments: Any,
        client: Any,
        call: Call,
        operation: str,
        body: Mapping[str, Any],
        capture: bool,
    ) -> None:
        self._tracer = tracer
        self._instruments = instruments
        self._capture = capture and tracer is not None  # content goes on spans only
        self._body = body
        self._span: Any = None
        self._recording = False
        self._token: Any = None
        self._ended = False
        self._started = 0.0
        self._first: float | None = None
        self._last = 0.0
        self._chunks: Any = None  # streams: what the chunks said (id, model, reasons, usage)
        self._response: dict[str, Any] = {}
        self._plain = call
        self._parent = _otel.otel_context.get_current()
        model = body.get("model") or client._config.deployment
        url = call.url
        common: dict[str, Any] = {
            "gen_ai.operation.name": operation,
            "gen_ai.provider.name": _provider_name(client),
            "server.address": url.host,
            "server.port": url.port or (443 if url.scheme == "https" else 80),
        }
        if model:
            common["gen_ai.request.model"] = model
        self.metric_attributes = common
        self.name = f"{operation} {model}" if model else operation
        attributes = dict(common)
        params = _PARAMS
        for key, value in body.items():
            if key in params and value is not None:
                attributes[params[key]] = value
        if body.get("stop"):
            attributes["gen_ai.request.stop_sequences"] = list(body["stop"])
        n = body.get("n")
        if isinstance(n, int) and n != 1:
            attributes["gen_ai.request.choice.count"] = n
        response_format = body.get("response_format")
        if operation == "chat":
            kind = attribute(response_format, "type")
            json_out = kind in ("json_object", "json_schema")
            attributes["gen_ai.output.type"] = "json" if json_out else "text"
        else:
            if body.get("encoding_format"):
                attributes["gen_ai.request.encoding_formats"] = [body["encoding_format"]]
            if body.get("dimensions"):
                attributes["gen_ai.embeddings.dimension.count"] = body["dimensions"]
        self.attributes = attributes  # what samplers see; content is added once sampled

    # -- the request ---------------------------------------------------------

    def start(self) -> None:
        """Start the span (first send) and make it current while the request is sent.

        A span the sampler dropped (not recording) gets nothing more from us: no
        content, no end attributes; it is still made current, so an HTTP
        instrumentation's spans beneath it follow the same sampling decision.
        """
        self._started = time.perf_counter()
        if self._tracer is not None and self._span is None:
            span = self._span = self._tracer.start_span(
                self.name,
                context=self._parent,
                kind=_otel.SpanKind.CLIENT,
                attributes=self.attributes,
            )
            self._recording = recording = span.is_recording()
            if recording and self._capture:  # set with the answer: one SDK call at the end
                self._response.update(input_attributes(self._body))
            self._capture = self._capture and recording
            self._token = _otel.otel_context.attach(
                _otel.otel_trace.set_span_in_context(span, self._parent)
            )

    def sent(self) -> None:
        """Sending is over (answer, stream opened, or failure): the caller's context is back."""
        if self._token is not None:
            _otel.otel_context.detach(self._token)
            self._token = None

    def retry(self, retries: int, delay: float, status: int | None, error: str | None) -> None:
        """One event per retry on the call's span."""
        span = self._span
        if not self._recording:
            return
        event: dict[str, Any] = {"http.request.resend_count": retries + 1, "retry.delay": delay}
        if status is not None:
            event["http.response.status_code"] = status
        if error is not None:
            event["error.type"] = error
        span.add_event("azure.ai.inference.retry", event)

    # -- the answer ----------------------------------------------------------

    def ended(
        self, parse: Callable[[Call, Any, bytes], T], call: Call, response: Any, body: bytes
    ) -> T:
        """``parse`` (the client's own, on the plain call) with the span ended by its outcome."""
        try:
            result = parse(self._plain, response, body)
        except BaseException as exc:
            self.fail(exc)
            raise
        self.done(result)
        return result

    def done(self, result: Any) -> None:
        """End with a parsed ``ChatCompletion`` or ``EmbeddingsResult``."""
        self._answer(
            result.id,
            result.model,
            [c.finish_reason for c in getattr(result, "choices", ())],
            result.usage,
        )
        if self._capture and getattr(result, "choices", None):
            self._response["gen_ai.output.messages"] = output_messages(result.choices)
        self._end(None)

    def fail(self, exc: BaseException) -> None:
        """End with an error (a partial completion of a filtered answer still counts)."""
        completion = getattr(exc, "completion", None)
        if completion is not None and not self._ended:
            self._answer(
                attribute(completion, "id"),
                attribute(completion, "model"),
                [c.finish_reason for c in completion.choices],
                attribute(completion, "usage"),
            )
        self._end(exc)

    def _answer(self, rid: Any, model: Any, reasons: list[Any], usage: Any) -> None:
        response = self._response
        if rid:
            response["gen_ai.response.id"] = rid
        if model:
            response["gen_ai.response.model"] = model
        reasons = [r for r in reasons if r]
        if reasons:
            response["gen_ai.response.finish_reasons"] = reasons
        if usage is not None:
            prompt = attribute(usage, "prompt_tokens")
            completion = attribute(usage, "completion_tokens")
            if prompt is not None:
                response["gen_ai.usage.input_tokens"] = prompt
            if completion is not None and self.metric_attributes["gen_ai.operation.name"] != (
                "embeddings"
            ):
                response["gen_ai.usage.output_tokens"] = completion
            cached = attribute(attribute(usage, "prompt_tokens_details"), "cached_tokens")
            if cached is not None:
                response["gen_ai.usage.cache_read.input_tokens"] = cached
            reasoning = attribute(attribute(usage, "completion_tokens_details"), "reasoning_tokens")
            if reasoning is not None:
                response["gen_ai.usage.reasoning.output_tokens"] = reasoning

    def _end(self, exc: BaseException | None) -> None:
        if self._ended:
            return
        self._ended = True
        self.sent()
        duration = time.perf_counter() - self._started
        response = self._response
        error = None if exc is None else type(exc).__qualname__
        span = self._span
        if span is not None:
            if self._recording:
                if error is not None:
                    response["error.type"] = error
                    status = getattr(exc, "status_code", None)
                    text = f"{error} (HTTP {status})" if status else error
                    if self._capture:  # a service message may echo the prompt
                        text = f"{text}: {str(exc)[:300]}"
                    span.set_status(_otel.StatusCode.ERROR, text)
                if response:
                    span.set_attributes(response)  # all end attributes in one call
            span.end()
        instruments = self._instruments
        if instruments is None:
            return
        attributes = self._final_metric_attributes(error)
        instruments.duration.record(duration, attributes)
        for key, kind in (
            ("gen_ai.usage.input_tokens", "input"),
            ("gen_ai.usage.output_tokens", "output"),
        ):
            if key in response:
                instruments.tokens.record(response[key], {**attributes, "gen_ai.token.type": kind})

    def _final_metric_attributes(self, error: str | None) -> dict[str, Any]:
        attributes = dict(self.metric_attributes)
        model = self._response.get("gen_ai.response.model")
        if model:
            attributes["gen_ai.response.model"] = model
        if error is not None:
            attributes["error.type"] = error
        return attributes

    # -- streams -------------------------------------------------------------

    def chunk(self, chunk: Any) -> None:
        """One chunk passed to the caller (kept: what the span needs, not the chunk).

        The hot path of a traced stream: a clock read, a few attribute reads and,
        with a meter provider, one float appended. No SDK call is made per chunk:
        the conventions' ``time_per_output_chunk`` (one value per chunk after the
        first, the time since the previous one) is recorded from these gaps when
        the stream ends.
        """
        state = self._chunks
        if state is None:
            self._first_chunk(chunk)
            return
        for choice in chunk.choices:
            if choice.finish_reason:
                state.reasons[choice.index] = choice.finish_reason
        if chunk.usage is not None:
            state.usage = chunk.usage
        if state.accumulator is not None:
            state.accumulator.feed(chunk)
        now = time.perf_counter()
        if state.gaps is not None:
            state.gaps.append(now - self._last)
        self._last = now

    def _first_chunk(self, chunk: Any) -> None:
        self._last = now = time.perf_counter()
        self._first = now - self._started
        state = self._chunks = _ChunkState(self._capture, self._instruments is not None)
        state.id = chunk.id or None
        state.model = chunk.model or None
        for choice in chunk.choices:
            if choice.finish_reason:
                state.reasons[choice.index] = choice.finish_reason
        if chunk.usage is not None:
            state.usage = chunk.usage
        if state.accumulator is not None:
            state.accumulator.feed(chunk)

    @property
    def captures_content(self) -> bool:
        """Whether this call's span records message content."""
        return self._capture

    def partial_output(self, chunk: Any) -> None:
        """Content of an answer cut short, for the span (not timed: the caller never saw it)."""
        state = self._chunks
        if state is not None and state.accumulator is not None:
            state.accumulator.feed(chunk)

    def stream_end(self, exc: BaseException | None) -> None:
        """The stream is over: exhausted (None), failed, or closed early (GeneratorExit)."""
        if self._ended:
            return
        if isinstance(exc, GeneratorExit):  # the caller stopped reading: not a failure
            exc = None
        state = self._chunks
        if state is not None:
            self._answer(state.id, state.model, list(state.reasons.values()), state.usage)
            if self._recording:
                self._response["gen_ai.response.time_to_first_chunk"] = self._first
                if state.accumulator is not None:
                    self._response["gen_ai.output.messages"] = output_messages(
                        state.accumulator.result().choices
                    )
            instruments = self._instruments
            if instruments is not None:
                attributes = self._final_metric_attributes(
                    None if exc is None else type(exc).__qualname__
                )
                instruments.first_chunk.record(self._first, attributes)
                record = instruments.per_chunk.record
                for gap in state.gaps or ():
                    record(gap, attributes)
        self._end(exc)


class _ChunkState:
    __slots__ = ("accumulator", "gaps", "id", "model", "reasons", "usage")

    def __init__(self, capture: bool, gaps: bool) -> None:
        from ._accumulate import StreamAccumulator

        self.accumulator = StreamAccumulator() if capture else None
        self.gaps: array[float] | None = array("d") if gaps else None
        self.id: str | None = None
        self.model: str | None = None
        self.reasons: dict[int, str] = {}
        self.usage: Any = None
