"""What OpenTelemetry costs the core: client CPU per call and per chunk, in three states.

Run: ``.venv/bin/python -m bench.bench_telemetry [--repeats 5] [--calls 300] [--streams 3]``.

Each round runs ``bench_core.measure`` once per state, each in a fresh process,
the states interleaved, against the same loopback server (a child process, so
``time.process_time`` counts only client work):

* ``no extra``: ``opentelemetry`` cannot be imported (as without the ``otel`` extra);
* ``no provider``: the API installed and imported, no tracer or meter provider configured;
* ``tracing on``: the SDK's ``TracerProvider`` (``BatchSpanProcessor`` into an exporter
  that drops the spans, so export I/O is not counted) and ``MeterProvider``
  (an in-memory reader, never collected during the run).

Budgets (reported, not asserted): ``no provider`` within noise of ``no extra``;
``tracing on`` at most 5% over ``no provider`` per call and per chunk.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

from ._server import serve_in_process

__all__ = ["main"]

MODES = ("no extra", "no provider", "tracing on")
SCENARIOS = ("call core", "call core async", "chunk core", "chunk core async")

_CHILD = """
import json, sys
mode, base, calls, streams, repeats = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
if mode == "no extra":
    sys.modules["opentelemetry"] = None  # import fails as if not installed
elif mode == "tracing on":
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

    class Drop(SpanExporter):
        def export(self, spans):
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(Drop()))
    trace.set_tracer_provider(provider)
    metrics.set_meter_provider(MeterProvider(metric_readers=[InMemoryMetricReader()]))
from azure_inference_core import _telemetry_otel  # imports the API, when installed
assert _telemetry_otel.HAVE_OTEL == (mode != "no extra")
from bench.bench_core import measure
found = measure(base, calls, streams, repeats)
if mode == "tracing on":  # the SDK's own floor: one span and three records, no I/O
    import time
    tracer, meter = trace.get_tracer("floor"), metrics.get_meter("floor")
    d, t = meter.create_histogram("floor.d"), meter.create_histogram("floor.t")
    start = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "azure.ai.inference",
             "gen_ai.request.model": "m", "server.address": "127.0.0.1", "server.port": 1,
             "gen_ai.output.type": "text"}
    end = {"gen_ai.response.id": "a", "gen_ai.response.model": "m",
           "gen_ai.response.finish_reasons": ["stop"], "gen_ai.usage.input_tokens": 3,
           "gen_ai.usage.output_tokens": 4}
    m = {**start, "gen_ai.response.model": "m"}
    def floor():
        for _ in range(calls):
            span = tracer.start_span("chat m", attributes=start)
            span.set_attributes(end)
            span.end()
            d.record(0.1, m)
            t.record(3, {**m, "gen_ai.token.type": "input"})
            t.record(4, {**m, "gen_ai.token.type": "output"})
    found["sdk floor"] = []
    for _ in range(repeats):
        c = time.process_time()
        floor()
        found["sdk floor"].append((time.process_time() - c) / calls)
print(json.dumps(found))
"""


def run_mode(
    mode: str, base: str, calls: int, streams: int, repeats: int
) -> dict[str, list[float]]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, base, str(calls), str(streams), str(repeats)],
        check=True,
        capture_output=True,
        text=True,
    )
    found: dict[str, list[float]] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def report(found: dict[str, dict[str, list[float]]]) -> str:
    lines = [
        f"{'scenario':18}" + "".join(f"{m:>16}" for m in MODES) + f"{'off/none':>10}{'on/off':>9}"
    ]
    for name in SCENARIOS:
        medians = [statistics.median(found[m][name]) * 1e6 for m in MODES]
        row = f"{name:18}" + "".join(f"{v:13.2f} us" for v in medians)
        row += f"{medians[1] / medians[0]:9.3f}x{medians[2] / medians[1]:8.3f}x"
        lines.append(row)
    floor = statistics.median(found["tracing on"]["sdk floor"]) * 1e6
    lines.append(
        f"the SDK alone (one span with these attributes and three histogram records, "
        f"no I/O): {floor:.2f} us per call"
    )
    lines.append("budget: off/none within noise (~1.00x); on/off <= 1.05x")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--streams", type=int, default=3)
    args = parser.parse_args(argv)
    process, base = serve_in_process()
    # Rounds interleave the states (a fresh process each), so a change in the
    # machine's load (2 shared cores) falls on all three alike.
    found: dict[str, dict[str, list[float]]] = {mode: {} for mode in MODES}
    try:
        for _ in range(args.repeats):
            for mode in MODES:
                for name, values in run_mode(mode, base, args.calls, args.streams, 1).items():
                    found[mode].setdefault(name, []).extend(values)
    finally:
        process.terminate()
        process.join(5)
    print(report(found))


if __name__ == "__main__":
    main()
