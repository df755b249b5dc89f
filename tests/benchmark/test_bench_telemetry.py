"""bench/bench_telemetry.py's verdicts, from made-up figures (no timing here)."""

from __future__ import annotations

from typing import Any

from bench.bench_telemetry import SCENARIOS, STATES, report


def _found(off: float, on: float, with_floor: float, alone: float) -> dict[str, Any]:
    names = [name for name, _ in SCENARIOS]
    return {
        "states": {state: {"call core": [500e-6, 600e-6]} for state in STATES},
        "off": {n: [off, off * 2] for n in names},
        "on": {n: [on, on * 2] for n in names},
        "off + floor": {n: [with_floor, with_floor * 2] for n in names},
        "floor alone": {n: [alone] for n in names},
        "ours alone": {"call": 10e-6, "chunk": 0.5e-6},
    }


def _verdicts(text: str) -> list[str]:
    rows = [line for line in text.splitlines() if line.startswith(("call ", "chunk "))]
    return [row.split("  ")[-1].strip() for row in rows if "ok" in row or "OVER" in row]


def test_within_five_percent_of_off_is_ok() -> None:
    text = report(_found(100e-6, 104e-6, 120e-6, 15e-6))
    assert set(_verdicts(text)) == {"ok: on <= 1.05 off"}


def test_over_the_floor_by_at_most_five_percent_is_ok() -> None:
    # on - off = 30 (30%), of which the SDK floor takes 26: ours is 4% of off
    text = report(_found(100e-6, 130e-6, 126e-6, 20e-6))
    assert set(_verdicts(text)) == {"ok: ours <= 5% of off above the floor"}


def test_our_own_share_over_five_percent_is_reported() -> None:
    text = report(_found(100e-6, 140e-6, 120e-6, 20e-6))  # ours 20% of off
    assert set(_verdicts(text)) == {"OVER"}
    assert "(10.00)" in text  # our code alone, per call, in microseconds
