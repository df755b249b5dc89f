"""The OpenTelemetry side of ``_telemetry``: imports, instruments, provider checks.

Imported by ``_telemetry`` only once the application itself imported
``opentelemetry`` (no provider can be configured otherwise), so importing the
core never pays for OpenTelemetry's import. Without the ``otel`` extra
``HAVE_OTEL`` is False.
"""

from __future__ import annotations

import os
from typing import Any

try:  # the ``otel`` extra
    from opentelemetry import context as otel_context
    from opentelemetry import metrics as otel_metrics
    from opentelemetry import trace as otel_trace
    from opentelemetry.metrics import _internal as _metrics_internal
    from opentelemetry.trace import ProxyTracerProvider, SpanKind, StatusCode

    try:
        from opentelemetry.metrics._internal import _ProxyMeterProvider as _NoMeters
    except ImportError:  # pragma: no cover - a future API moved it
        _NoMeters = otel_metrics.NoOpMeterProvider  # type: ignore[misc,assignment]
    HAVE_OTEL = True
except ImportError:  # pragma: no cover - the bench runs without the extra
    HAVE_OTEL = False


__all__ = ["HAVE_OTEL", "SECOND_BUCKETS", "TOKEN_BUCKETS", "instruments", "tracer"]
if HAVE_OTEL:  # the names that exist only with the extra
    __all__ += ["SpanKind", "StatusCode", "otel_context", "otel_trace"]

SCOPE = "azure_inference_core"
#: The conventions' explicit bucket boundaries.
TOKEN_BUCKETS = [4.0**i for i in range(14)]  # 1, 4, 16, ... 67108864
SECOND_BUCKETS = [0.01 * 2.0**i for i in range(14)]  # 0.01, 0.02, ... 81.92


class _Instruments:
    __slots__ = ("duration", "first_chunk", "per_chunk", "tokens")

    def __init__(self, meter: Any) -> None:
        def histogram(name: str, unit: str, text: str, buckets: list[float]) -> Any:
            return meter.create_histogram(
                name, unit=unit, description=text, explicit_bucket_boundaries_advisory=buckets
            )

        self.duration = histogram(
            "gen_ai.client.operation.duration", "s", "GenAI operation duration.", SECOND_BUCKETS
        )
        self.tokens = histogram(
            "gen_ai.client.token.usage",
            "{token}",
            "Number of input and output tokens used.",
            TOKEN_BUCKETS,
        )
        self.first_chunk = histogram(
            "gen_ai.client.operation.time_to_first_chunk",
            "s",
            "Time from sending the request to receiving the first chunk of a stream.",
            SECOND_BUCKETS,
        )
        self.per_chunk = histogram(
            "gen_ai.client.operation.time_per_output_chunk",
            "s",
            "Time between consecutive chunks of a stream, after the first.",
            SECOND_BUCKETS,
        )


# One tracer and one set of instruments per configured provider (the SDK builds a
# new tracer on every get_tracer call: too slow for every request).
_cache: dict[str, tuple[Any, Any]] = {}


# The API keeps the configured providers in module globals (None until set); reading
# them first spares the public getters' environment lookups on every call. Should a
# release rename them, the public getters decide alone.
_SPANS_BY_ENV = "OTEL_PYTHON_TRACER_PROVIDER" in os.environ
_METERS_BY_ENV = "OTEL_PYTHON_METER_PROVIDER" in os.environ


def tracer() -> Any:
    current = getattr(otel_trace, "_TRACER_PROVIDER", 0)
    cached = _cache.get("trace")
    if cached is not None and cached[0] is current:  # the usual case: one lookup
        return cached[1]
    if not _SPANS_BY_ENV and current is None:
        return None
    provider = otel_trace.get_tracer_provider()
    if isinstance(provider, ProxyTracerProvider):
        return None
    cached = _cache.get("trace")
    if cached is None or cached[0] is not provider:
        from ._version import __version__

        cached = _cache["trace"] = (provider, provider.get_tracer(SCOPE, __version__))
    return cached[1]


def instruments() -> _Instruments | None:
    current = getattr(_metrics_internal, "_METER_PROVIDER", 0)
    cached = _cache.get("metrics")
    if cached is not None and cached[0] is current:  # the usual case: one lookup
        found: _Instruments = cached[1]
        return found
    if not _METERS_BY_ENV and current is None:
        return None
    provider = otel_metrics.get_meter_provider()
    if isinstance(provider, (_NoMeters, otel_metrics.NoOpMeterProvider)):
        return None
    cached = _cache.get("metrics")
    if cached is None or cached[0] is not provider:
        from ._version import __version__

        meter = provider.get_meter(SCOPE, __version__)
        cached = _cache["metrics"] = (provider, _Instruments(meter))
    instruments: _Instruments = cached[1]
    return instruments
