"""The two references of ``bench_telemetry``: the SDK floor and our code alone.

* ``floor(span, stream)``: what the OpenTelemetry SDK alone costs for what the
  GenAI conventions require of one call or stream like ``span`` (no library code);
* ``ours_alone(times)``: what the library's own telemetry code costs per call and
  per chunk, with a span and instruments that do nothing (no I/O, no SDK).
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from typing import Any

from ._server import CHUNKS

__all__ = ["KEY", "MESSAGES", "SWITCH", "Floor", "floor", "ours_alone"]

KEY = "bench-key-not-secret"
SWITCH = "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS"
MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "How many languages are in the world?"},
]
END_PREFIXES = ("gen_ai.response.", "gen_ai.usage.", "error.type")
METRIC_KEYS = (
    "gen_ai.operation.name",
    "gen_ai.provider.name",
    "gen_ai.request.model",
    "server.address",
    "server.port",
    "gen_ai.response.model",
)


def _cpu(fn: Callable[[], Any], units: int) -> float:
    """CPU seconds per unit (``units`` done by one ``fn()``)."""
    gc.collect()
    start = time.process_time()
    fn()
    return (time.process_time() - start) / units


Floor = tuple[Callable[[], Any], Callable[[Any], None]]


def floor(span: Any, stream: bool) -> Floor:
    """The SDK alone doing what the conventions require for one call or stream like
    ``span``: the span started before it (``before``), ended and the metrics
    recorded after it (``after``), as any instrumentation must place them."""
    from opentelemetry import metrics, trace
    from opentelemetry.trace import SpanKind

    from azure_inference_core._telemetry_otel import SECOND_BUCKETS, TOKEN_BUCKETS

    attributes = dict(span.attributes)
    start = {k: v for k, v in attributes.items() if not k.startswith(END_PREFIXES)}
    end = {k: v for k, v in attributes.items() if k.startswith(END_PREFIXES)}
    common = {k: attributes[k] for k in METRIC_KEYS if k in attributes}
    tokens_in = {**common, "gen_ai.token.type": "input"}
    tokens_out = {**common, "gen_ai.token.type": "output"}
    tracer = trace.get_tracer("bench.floor")
    meter = metrics.get_meter("bench.floor")
    seconds = meter.create_histogram("floor.s", explicit_bucket_boundaries_advisory=SECOND_BUCKETS)
    tokens = meter.create_histogram("floor.t", explicit_bucket_boundaries_advisory=TOKEN_BUCKETS)
    later_chunks = range(CHUNKS - 1) if stream else range(0)

    def before() -> Any:
        return tracer.start_span(span.name, kind=SpanKind.CLIENT, attributes=start)

    def after(s: Any) -> None:
        s.set_attributes(end)
        s.end()
        seconds.record(0.1, common)
        tokens.record(19, tokens_in)
        tokens.record(72, tokens_out)
        if stream:
            seconds.record(0.01, common)  # time to first chunk
        for _ in later_chunks:  # one time-per-output-chunk value per later chunk
            seconds.record(0.0001, common)

    return before, after


class _Span:
    """Records nothing: what the library's own code costs, without the SDK."""

    def is_recording(self) -> bool:
        return True

    def set_attributes(self, attributes: Any) -> None:
        pass

    def set_status(self, *args: Any) -> None:
        pass

    def end(self) -> None:
        pass


class _Tracer:
    def start_span(self, *args: Any, **kwargs: Any) -> _Span:
        return _Span()


class _Histogram:
    def record(self, *args: Any) -> None:
        pass


class _Instruments:
    duration = tokens = first_chunk = per_chunk = _Histogram()


def ours_alone(times: int) -> dict[str, float]:
    """CPU per call and per chunk of the library's telemetry code alone (no I/O, no SDK):
    a traced call's lifecycle with a span and instruments that do nothing, minus the
    same call built with tracing switched off."""
    from azure_inference_core import InferenceClient, _telemetry_otel
    from azure_inference_core._wire import ChatCompletion, ChatCompletionChunk

    from ._server import COMPLETION, sse_body

    client = InferenceClient("http://127.0.0.1:9", KEY, max_retries=0)
    completion = ChatCompletion.model_validate(COMPLETION)
    chunks = [ChatCompletionChunk.model_validate_json(e[6:]) for e in sse_body()[:-1]]
    body = {"messages": MESSAGES}
    url = client._chat_url
    tracer, instruments = _telemetry_otel.tracer, _telemetry_otel.instruments
    fake_tracer, fake_instruments = _Tracer(), _Instruments()

    def build() -> Any:
        return client._call(
            url,
            body,
            has_extras=False,
            extra_parameters=None,
            headers=None,
            timeout=None,
            total_timeout=None,
            operation="chat",
        )

    def call() -> None:
        traced = build()
        trace = traced.trace
        trace.start()
        trace.sent()
        trace.ended(lambda *_: completion, traced, None, b"")

    def stream() -> None:
        trace = build().trace
        trace.start()
        trace.sent()
        for chunk in chunks:
            trace.chunk(chunk)
        trace.stream_end(None)

    def best(fn: Callable[[], Any], n: int) -> float:
        return min(_cpu(lambda: [fn() for _ in range(n)], n) for _ in range(5))

    # The real provider lookups stay in; only the span and instruments do nothing.
    _telemetry_otel.tracer = lambda: (tracer(), fake_tracer)[1]  # type: ignore[assignment]
    _telemetry_otel.instruments = lambda: (instruments(), fake_instruments)[1]  # type: ignore[assignment]
    try:
        on_call, on_stream = best(call, times), best(stream, max(2, times // 100))
        os.environ[SWITCH] = "azure_inference_core"
        off = best(build, times)
    finally:
        os.environ.pop(SWITCH, None)
        _telemetry_otel.tracer, _telemetry_otel.instruments = tracer, instruments  # type: ignore[method-assign]
    return {"call": on_call - off, "chunk": (on_stream - off) / len(chunks)}
