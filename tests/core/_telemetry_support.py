"""The OpenTelemetry SDK in memory, installed as the global providers for one test.

No tests here: the helpers the telemetry tests of the core and of both
adapters share. The API allows setting the global providers once per process,
so ``uninstall_otel`` puts the "not configured" state back by hand; every
other test of the suite then runs without telemetry, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, Sampler, SamplingResult
from opentelemetry.util._once import Once

KEY = "telemetry-key-5ecret-9a1"


@dataclass
class RecordingSampler(Sampler):
    """Samples everything and keeps what it was shown when each span started."""

    seen: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    drop_ours: bool = False  # drop the library's spans (the tests' own still sampled)

    def should_sample(
        self,
        parent_context: Any,
        trace_id: int,
        name: str,
        kind: Any = None,
        attributes: Any = None,
        links: Sequence[Any] | None = None,
        trace_state: Any = None,
    ) -> SamplingResult:
        if name != "app" and not name.startswith(("task-", "elsewhere")):
            self.seen.append((name, dict(attributes or {})))
            if self.drop_ours:
                return ALWAYS_OFF.should_sample(
                    parent_context, trace_id, name, kind, attributes, links, trace_state
                )
        return ALWAYS_ON.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return "RecordingSampler"


@dataclass
class Otel:
    exporter: InMemorySpanExporter
    reader: InMemoryMetricReader
    provider: TracerProvider
    meters: MeterProvider
    sampler: RecordingSampler

    @property
    def tracer(self) -> trace.Tracer:
        return self.provider.get_tracer("tests")

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def points(self) -> dict[str, list[Any]]:
        """Data points by metric name."""
        out: dict[str, list[Any]] = {}
        data = self.reader.get_metrics_data()
        if data is None:
            return out
        for resource in data.resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    out.setdefault(metric.name, []).extend(metric.data.data_points)
        return out


def install_otel() -> Otel:
    sampler = RecordingSampler()
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=sampler)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meters = MeterProvider(metric_readers=[reader])
    trace._TRACER_PROVIDER_SET_ONCE = Once()
    trace.set_tracer_provider(provider)
    metrics._internal._METER_PROVIDER_SET_ONCE = Once()
    metrics.set_meter_provider(meters)
    return Otel(exporter, reader, provider, meters, sampler)


def uninstall_otel(otel: Otel) -> None:
    otel.provider.shutdown()
    otel.meters.shutdown()
    trace._TRACER_PROVIDER = None
    trace._TRACER_PROVIDER_SET_ONCE = Once()
    metrics._internal._METER_PROVIDER = None
    metrics._internal._METER_PROVIDER_SET_ONCE = Once()
