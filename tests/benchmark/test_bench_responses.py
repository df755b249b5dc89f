"""Smoke test of the Responses API bench (no timing is asserted)."""

from __future__ import annotations

from azure_inference_core import ResponseAccumulator, ResponseEventDecoder
from bench.bench_responses import (
    EVENTS,
    event_stream,
    measure,
    measure_adapters,
    serve_in_process,
)


def test_the_served_stream_adds_up_to_the_canned_answer() -> None:
    decoder, accumulator = ResponseEventDecoder(), ResponseAccumulator()
    events = [e for raw in event_stream(10) for e in decoder.feed(raw)] + decoder.flush()
    for event in events:
        accumulator.feed(event)
    assert len(events) == 10
    assert accumulator.result().output_text == " word0 word1 word2 word3"
    assert len(event_stream()) == EVENTS


def test_every_scenario_runs_against_the_server() -> None:
    process, base = serve_in_process()
    try:
        results = measure(base, calls=2, streams=1, repeats=1)
        adapters = measure_adapters(base, calls=1, streams=1, repeats=1)
    finally:
        process.terminate()
        process.join(5)
    assert set(results) >= {"call core", "call core async", "chunk core", "chunk core async"}
    assert all(len(values) == 1 for values in results.values())
    rows = [line.split()[:2] for line in adapters.splitlines()[1:]]
    assert rows == [["call", "lc"], ["call", "li"], ["event", "lc"], ["event", "li"],
                    ["reference,", "per"], ["minimal", "lc"], ["minimal", "li"]]  # fmt: skip
