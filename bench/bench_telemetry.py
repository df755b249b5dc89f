"""What OpenTelemetry costs: client CPU per call and per chunk, core and both adapters.

Run: ``.venv/bin/python -m bench.bench_telemetry [--rounds 7] [--calls 200] [--streams 2]``
(``make bench`` runs it too, after the side-by-side benchmark).

Two parts, against one loopback server in a child process (so
``time.process_time`` counts only the client's work, the SDK's export thread
included):

1. **Not configured** (core only): a fresh process per state, the states
   interleaved: ``no extra`` (``opentelemetry`` cannot be imported, as without
   the ``otel`` extra) and ``no provider`` (the API imported, no provider set).
2. **Tracing off / on / off + SDK floor, side by side**: one process with the SDK
   set up as an application would (``TracerProvider`` with a
   ``BatchSpanProcessor`` into an exporter that drops the spans, ``MeterProvider``
   with an in-memory reader). The three states take turns call by call (stream
   by stream), their order rotating, so they share the process, its caches and
   the machine's changing load (2 cores shared with other jobs); the figures are
   medians over rounds. Off is ``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=
   azure_inference_core`` (read per call), switched outside the timed part.
   Scenarios: the core sync and async (``complete``, ``stream``), LangChain
   (``invoke``, ``stream``), LlamaIndex (``chat``, ``stream_chat``).

The **SDK floor** is what the SDK alone costs for what the conventions require
of one call, with no library code: ``start_span`` with our start attributes
before the call; after it one ``set_attributes`` with our end attributes,
``end``, and the required histogram records with our metric attributes
(duration and the two token counts; for a stream also the time to first chunk
and one time-per-output-chunk value per chunk after the first). The attributes
are the ones our spans carried in the warm-up, so the floor does exactly the
SDK work our spans need. It is measured around the real calls with tracing off
(``off + floor``), and also alone in a tight loop. **Ours alone** is the
library's telemetry code with a span and instruments that do nothing (no I/O,
no SDK), against the same call built with tracing off.

Budget (reported, not asserted): ``on <= 1.05 x off``; where the floor alone
exceeds that, ``on - off - floor <= 5% of off`` (our own code's share).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median
from typing import Any

from ._server import CHUNKS, serve_in_process
from ._telemetry_floors import KEY, MESSAGES, SWITCH, Floor, _cpu, floor, ours_alone

__all__ = ["main", "report"]

STATES = ("no extra", "no provider")
SCENARIOS = (
    ("call core", "call"),
    ("call core async", "call"),
    ("call LangChain invoke", "call"),
    ("call LlamaIndex chat", "call"),
    ("chunk core", "chunk"),
    ("chunk core async", "chunk"),
    ("chunk LangChain stream", "chunk"),
    ("chunk LlamaIndex stream_chat", "chunk"),
)
# -- part 1: not configured (a child process per state) ------------------------------


def _not_configured(state: str, base: str, calls: int, streams: int) -> dict[str, float]:
    if state == "no extra":
        sys.modules["opentelemetry"] = None  # type: ignore[assignment]  # import fails
    from azure_inference_core import AsyncInferenceClient, InferenceClient, _telemetry_otel

    if _telemetry_otel.HAVE_OTEL is (state == "no extra"):
        raise RuntimeError(f"{state}: the otel extra is not as expected")
    core = InferenceClient(base, KEY, max_retries=0)
    acore = AsyncInferenceClient(base, KEY, max_retries=0)
    loop = asyncio.new_event_loop()

    async def acalls() -> None:
        for _ in range(calls):
            await acore.complete(MESSAGES)

    drivers = {
        "call core": (lambda: [core.complete(MESSAGES) for _ in range(calls)], calls),
        "call core async": (lambda: loop.run_until_complete(acalls()), calls),
        "chunk core": (
            lambda: [sum(1 for _ in core.stream(MESSAGES)) for _ in range(streams)],
            streams * CHUNKS,
        ),
    }
    for fn, _ in drivers.values():
        fn()
    found = {name: _cpu(fn, units) for name, (fn, units) in drivers.items()}
    core.close()
    loop.run_until_complete(acore.aclose())
    loop.close()
    return found


# -- part 2: on vs off in one process, and the SDK floor -----------------------------


def _install_sdk() -> Any:
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        SpanExporter,
        SpanExportResult,
    )

    class Drop(SpanExporter):
        """Drops the spans (export I/O is not ours), keeping the last batch's last."""

        last: Any = None

        def export(self, spans: Any) -> SpanExportResult:
            if spans:
                self.last = spans[-1]
            return SpanExportResult.SUCCESS

    exporter = Drop()
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    metrics.set_meter_provider(MeterProvider(metric_readers=[InMemoryMetricReader()]))
    return provider, exporter


Unit = tuple[Callable[[], Any], bool]  # one call or stream; True when a coroutine function


def _units(base: str) -> dict[str, Unit]:
    from llama_index.core.base.llms.types import ChatMessage

    from azure_inference_core import AsyncInferenceClient, InferenceClient
    from langchain_azure_inference import ChatAzureInference
    from llamaindex_azure_inference import AzureInference

    core = InferenceClient(base, KEY, max_retries=0)
    acore = AsyncInferenceClient(base, KEY, max_retries=0)
    lc = ChatAzureInference(endpoint=base, credential=KEY, max_retries=0)
    li = AzureInference(endpoint=base, credential=KEY, max_retries=0)
    li_messages = [ChatMessage(role=m["role"], content=m["content"]) for m in MESSAGES]
    lc_messages = [(m["role"], m["content"]) for m in MESSAGES]

    async def astream() -> None:
        async for _chunk in acore.stream(MESSAGES):
            pass

    return {
        "call core": (lambda: core.complete(MESSAGES), False),
        "call core async": (lambda: acore.complete(MESSAGES), True),
        "call LangChain invoke": (lambda: lc.invoke(lc_messages), False),
        "call LlamaIndex chat": (lambda: li.chat(li_messages), False),
        "chunk core": (lambda: sum(1 for _ in core.stream(MESSAGES)), False),
        "chunk core async": (astream, True),
        "chunk LangChain stream": (lambda: sum(1 for _ in lc.stream(lc_messages)), False),
        "chunk LlamaIndex stream_chat": (
            lambda: sum(1 for _ in li.stream_chat(li_messages)),
            False,
        ),
    }


STATES_ON_OFF = ("off", "on", "off + floor")


def _interleaved(
    unit: Unit, floor: Floor, times: int, loop: asyncio.AbstractEventLoop
) -> dict[str, float]:
    """CPU seconds per unit in each state, the states taking turns unit by unit.

    Switching state (the environment variable) happens outside the timed part;
    the order of the three states rotates every turn.
    """
    fn, is_async = unit
    before, after = floor
    spent = dict.fromkeys(STATES_ON_OFF, 0.0)
    clock = time.process_time
    orders = [STATES_ON_OFF[i:] + STATES_ON_OFF[:i] for i in range(3)]

    def switch(state: str) -> None:
        if state == "on":
            os.environ.pop(SWITCH, None)
        else:
            os.environ[SWITCH] = "azure_inference_core"

    async def arun() -> None:
        for turn in range(times):
            for state in orders[turn % 3]:
                switch(state)
                start = clock()
                if state == "off + floor":
                    span = before()
                    await fn()
                    after(span)
                else:
                    await fn()
                spent[state] += clock() - start

    gc.collect()
    if is_async:
        loop.run_until_complete(arun())
    else:
        for turn in range(times):
            for state in orders[turn % 3]:
                switch(state)
                start = clock()
                if state == "off + floor":
                    span = before()
                    fn()
                    after(span)
                else:
                    fn()
                spent[state] += clock() - start
    os.environ.pop(SWITCH, None)
    return {state: total / times for state, total in spent.items()}


def _side_by_side(base: str, calls: int, streams: int, rounds: int) -> dict[str, Any]:
    provider, exporter = _install_sdk()
    units = _units(base)
    loop = asyncio.new_event_loop()
    floors: dict[str, Floor] = {}
    for name, (fn, is_async) in units.items():  # warm-up, traced: connections, caches, spans
        for _ in range(3):
            loop.run_until_complete(fn()) if is_async else fn()
        provider.force_flush()
        floors[name] = floor(exporter.last, name.startswith("chunk"))
    found: dict[str, dict[str, list[float]]] = {
        s: {n: [] for n in units} for s in (*STATES_ON_OFF, "floor alone")
    }
    for _ in range(rounds):
        for name, unit in units.items():
            stream = name.startswith("chunk")
            times, per = (streams, CHUNKS) if stream else (calls, 1)
            for state, value in _interleaved(unit, floors[name], times, loop).items():
                found[state][name].append(value / per)
            before, after = floors[name]
            alone = _cpu(lambda: [after(before()) for _ in range(times)], times * per)  # noqa: B023
            found["floor alone"][name].append(alone)
    loop.close()
    found["ours alone"] = ours_alone(calls * 10)  # type: ignore[assignment]
    return found


# -- orchestration and report --------------------------------------------------------


def _child(args: list[str]) -> Any:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_telemetry", "--child", *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(rounds: int, calls: int, streams: int) -> dict[str, Any]:
    process, base = serve_in_process()
    try:
        states: dict[str, dict[str, list[float]]] = {s: {} for s in STATES}
        for _ in range(max(3, rounds // 2)):
            for state in STATES:
                found = _child(["states", state, base, str(calls), str(streams)])
                for name, value in found.items():
                    states[state].setdefault(name, []).append(value)
        side = _child(["side", base, str(calls), str(streams), str(rounds)])
    finally:
        process.terminate()
        process.join(5)
    return {"states": states, **side}


def report(found: dict[str, Any]) -> str:
    us = 1e6
    lines = [
        "Client CPU per unit, minimum over rounds (us). Part 1: not configured (core).",
        f"{'scenario':30}{'no extra':>12}{'no provider':>13}{'ratio':>8}",
    ]
    for name in found["states"]["no extra"]:
        a, b = (min(found["states"][s][name]) * us for s in STATES)
        lines.append(f"{name:30}{a:12.2f}{b:13.2f}{b / a:8.3f}")
    lines += [
        "",
        "Part 2: tracing off / on, same process, the states taking turns call by call;",
        "medians over rounds. floor: the SDK alone doing the conventions' span and metric",
        "work for one unit ((off + those SDK calls around it, no library code) - off);",
        "in brackets, the same SDK calls in a tight loop. ours = on - off - floor: the",
        "library's telemetry code in the workload; in brackets, that code alone (no I/O,",
        "a span and instruments that do nothing).",
        f"{'scenario':30}{'off':>9}{'on':>9}{'on/off':>8}{'floor':>8}{'(alone)':>9}"
        f"{'floor/off':>10}{'ours':>8}{'(alone)':>9}{'ours/off':>9}  budget",
    ]
    alone_ours = found.get("ours alone", {})
    for name, kind in SCENARIOS:
        off, on = median(found["off"][name]) * us, median(found["on"][name]) * us
        floor = median(found["off + floor"][name]) * us - off
        alone = median(found["floor alone"][name]) * us
        ours = on - off - floor
        mine = alone_ours.get(kind, float("nan")) * us
        if on <= 1.05 * off:
            verdict = "ok: on <= 1.05 off"
        elif ours <= 0.05 * off:
            verdict = "ok: ours <= 5% of off above the floor"
        else:
            verdict = "OVER"
        lines.append(
            f"{name:30}{off:9.2f}{on:9.2f}{on / off:8.3f}{floor:8.2f}{f'({alone:.2f})':>9}"
            f"{floor / off:10.3f}{ours:8.2f}{f'({mine:.2f})':>9}{ours / off:9.3f}  {verdict}"
        )
    lines.append(
        "budget: on <= 1.05 x off; where the SDK floor alone is over 5% of off: ours <= 5% of off"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> str:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        if argv[1] == "states":
            state, base, calls, streams = argv[2], argv[3], int(argv[4]), int(argv[5])
            print(json.dumps(_not_configured(state, base, calls, streams)))
        else:
            base, calls, streams, rounds = argv[2], *map(int, argv[3:6])
            print(json.dumps(_side_by_side(base, calls, streams, rounds)))
        return ""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--streams", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None, help="also write the raw figures")
    args = parser.parse_args(argv)
    found = measure(args.rounds, args.calls, args.streams)
    text = report(found)
    print(text)
    if args.json is not None:
        args.json.write_text(json.dumps(found, indent=1))
    return text


if __name__ == "__main__":
    main()
