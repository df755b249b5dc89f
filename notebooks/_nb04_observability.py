"""Notebook 04's OpenTelemetry part: a trace tree and the GenAI metrics as plots."""

from __future__ import annotations

from ._cells import Cell, code, md

__all__ = ["observability_cells"]


def observability_cells() -> list[Cell]:
    return [
        md("""
## Traces and metrics (OpenTelemetry)

With the `otel` extra installed and a tracer or meter provider configured, each
chat and embeddings call gets one span named `chat <model>` with the GenAI
semantic conventions' attributes, beneath whatever span is current, and the
conventions' client metrics. Here the OpenTelemetry SDK keeps everything in
memory; in a service you would configure an exporter instead. A retry is an
event on the call's span, not a span of its own.

Message content (prompts, system instructions, tool definitions, answers) is
not recorded unless you opt in: pass `capture_message_content=True` to
`InferenceClient` / `AsyncInferenceClient` or to any of the LangChain and
LlamaIndex classes, or set `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`
(the option, when set, wins over the variable; `False` keeps content out
whatever the variable says).
"""),
        code(
            """
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from azure_inference_core import ServerError

exporter = InMemorySpanExporter()
tracer_provider = TracerProvider()
tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(tracer_provider)
reader = InMemoryMetricReader()
metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
app = trace.get_tracer("notebook")

traced = InferenceClient(emulator.foundry_endpoint, key, model="Mistral-Large")
with app.start_as_current_span("answer a question"):
    traced.complete(hello, headers={"x-emulator-fault": "status=429; retry-after-ms=50; times=1"})
    text = "".join(c.choices[0].delta.content or "" for c in traced.stream(hello) if c.choices)
    try:
        traced.complete(hello, headers={"x-emulator-fault": "status=503; retry-after-ms=20"})
    except ServerError as exc:
        print(f"gave up: {type(exc).__name__} {exc.status_code}")
for n in range(12):  # a few more calls, for the metrics
    for _ in traced.stream([{"role": "user", "content": "Tell me about trains " * (n + 1)}]):
        pass
print(f"{len(exporter.get_finished_spans())} spans recorded")
""",
            tag="otel-setup",
        ),
        md("""
The trace of the first block: the application's span, and beneath it one span
per model call with its retries, tokens, finish reason and, for the stream, the
time to the first chunk.
"""),
        code(
            """
spans = [s for s in exporter.get_finished_spans()]
root = next(s for s in spans if s.name == "answer a question")


def describe(span) -> str:
    a = span.attributes
    ms = (span.end_time - span.start_time) / 1e6
    parts = [f"{span.name} [{a.get('gen_ai.provider.name', 'app')}] {ms:.0f} ms"]
    if "gen_ai.usage.input_tokens" in a:
        used = (a["gen_ai.usage.input_tokens"], a.get("gen_ai.usage.output_tokens"))
        parts.append(f"tokens {used[0]} in / {used[1]} out")
    if "gen_ai.response.finish_reasons" in a:
        parts.append(f"finish {','.join(a['gen_ai.response.finish_reasons'])}")
    if "gen_ai.response.time_to_first_chunk" in a:
        parts.append(f"first chunk {a['gen_ai.response.time_to_first_chunk'] * 1000:.0f} ms")
    if "error.type" in a:
        parts.append(f"ERROR {a['error.type']}")
    return ", ".join(parts)


print(describe(root))
children = sorted(
    (s for s in spans if s.parent is not None and s.parent.span_id == root.context.span_id),
    key=lambda s: s.start_time,
)
for i, child in enumerate(children):
    branch, stem = ("└─", "   ") if i == len(children) - 1 else ("├─", "│  ")
    print(f"{branch} {describe(child)}")
    for event in child.events:
        e = event.attributes
        print(
            f"{stem}  · {event.name}: HTTP {e.get('http.response.status_code')}, "
            f"retry {e['http.request.resend_count']} after {e['retry.delay'] * 1000:.0f} ms"
        )
""",
            tag="trace-tree",
        ),
        md("""
The metrics, read from the in-memory reader: the call durations and the time to
the first chunk in the conventions' buckets, and the tokens used per call.
"""),
        code(
            """
points = {}
for resource in reader.get_metrics_data().resource_metrics:
    for scope in resource.scope_metrics:
        for metric in scope.metrics:
            points.setdefault(metric.name, []).extend(metric.data.data_points)


def bucket_counts(name: str):
    found = [p for p in points[name] if "error.type" not in p.attributes]
    bounds = list(found[0].explicit_bounds)
    counts = [sum(p.bucket_counts[i] for p in found) for i in range(len(bounds) + 1)]
    labels = [f"<={b:g}" for b in bounds] + [f">{bounds[-1]:g}"]
    last = max(i for i, c in enumerate(counts) if c) + 1
    return labels[:last], counts[:last]


fig, axes = plt.subplots(1, 3, figsize=(11, 2.8))
for ax, name, title in (
    (axes[0], "gen_ai.client.operation.duration", "operation duration (s)"),
    (axes[1], "gen_ai.client.operation.time_to_first_chunk", "time to first chunk (s)"),
):
    labels, counts = bucket_counts(name)
    ax.bar(range(len(counts)), counts, color="tab:blue")
    ax.set_xticks(range(len(counts)), labels, rotation=45, fontsize=7)
    ax.set_title(title)
    ax.set_ylabel("calls")
tokens = {p.attributes["gen_ai.token.type"]: p for p in points["gen_ai.client.token.usage"]}
axes[2].bar(
    list(tokens), [p.sum / p.count for p in tokens.values()], color=["tab:green", "tab:orange"]
)
axes[2].set_title("mean tokens per call")
fig.tight_layout()
plt.show()
for name in sorted(points):
    total = sum(p.count for p in points[name])
    print(f"{name}: {total} measurements")
traced.close()
""",
            tag="otel-metrics-plot",
        ),
    ]
