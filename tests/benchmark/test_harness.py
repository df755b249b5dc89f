"""Smoke tests of the benchmark harness itself (no timing is asserted anywhere).

They run the harness for real on loopback (server, workers in their own
processes, reports), with tiny counts; a broken harness fails ``make test``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench import _payloads as payloads
from bench._measure import ratio, summarise
from bench._orchestrate import Config, Server, Worker, clean_env, main_python, run, select
from bench._report import budgets, derive, write_all
from bench.contenders import CONTENDERS, by_name
from bench.contenders.raw_httpx import RawHttpx


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    started = Server(main_python(), clean_env())
    yield started
    started.stop()


def test_split_keeps_every_character() -> None:
    text = json.dumps(payloads.TOOL_CALLS[0][1])
    for parts in (1, 3, 7, 50, 10_000):
        pieces = payloads._split(text, parts)
        assert "".join(pieces) == text
        assert all(pieces)
        assert len(pieces) == min(parts, len(text))


def test_tool_stream_fragments_rebuild_the_arguments() -> None:
    joined: dict[int, str] = {}
    for event in payloads.tool_stream_events(7):
        for fragment in event["choices"][0]["delta"].get("tool_calls") or ():
            joined[fragment["index"]] = (
                joined.get(fragment["index"], "") + (fragment["function"]["arguments"])
            )
    assert [json.loads(joined[i]) for i in sorted(joined)] == [
        args for _, args in payloads.TOOL_CALLS
    ]


def test_summary_and_ratio() -> None:
    summary = summarise([3.0, 1.0, 2.0, 10.0])
    assert summary["median"] == 2.5
    assert (summary["min"], summary["max"], summary["n"]) == (1.0, 10.0, 4)
    assert ratio(2.0, 1.0) == 2.0
    assert ratio(1.0, 0.0) is None
    assert ratio(None, 1.0) is None
    with pytest.raises(ValueError, match="at least one"):
        summarise([])


@pytest.mark.parametrize("per_event", [False, True])
def test_raw_floor_against_the_server(server: Server, per_event: bool) -> None:
    raw = RawHttpx(server.base_url, "k")
    try:
        assert raw.call() == payloads.ANSWER_TEXT
        text = "".join(raw.stream(300, per_event=per_event))
        assert text == payloads.stream_text(300)
        assert raw.stream_tools(9) == payloads.TOOL_CALLS
    finally:
        raw.close()


def test_server_counts_connections(server: Server) -> None:
    already = server.reset()
    clients = [RawHttpx(server.base_url, "k") for _ in range(3)]
    try:
        for client in clients:
            client.call()
        assert server.stats()["peak"] - already >= 3
    finally:
        for client in clients:
            client.close()


def test_server_refuses_unknown_routes(server: Server) -> None:
    raw = RawHttpx(server.base_url + "/nowhere", "k")
    client = raw.make("")
    try:
        with pytest.raises(Exception, match="404"):
            raw.call_with(client)
    finally:
        raw.close_client(client)


def test_worker_protocol(server: Server, tmp_path: Path) -> None:
    worker = Worker(by_name("raw_httpx"))
    with (tmp_path / "raw.log").open("w") as log:
        worker.spawn(main_python(), server.base_url, clean_env(), log)
        worker.wait_ready(60)
        try:
            assert worker.error is None
            checks = worker.ask("warm", n=50, k=5)
            assert all(value is True for value in checks.values()), checks
            call = worker.ask("call", n=3)
            assert call["bad"] == 0
            assert call["cpu"] > 0
            tools = worker.ask("tools", k=5, streams=1)
            assert tools["recovered"] == 2
            assert "error" in worker.ask("no_such_op")
        finally:
            worker.stop()


def test_selection_keeps_the_floors_a_ratio_needs() -> None:
    names = [s.name for s in select(["lc_ours"])]
    assert names == ["raw_httpx", "lc_floor", "lc_ours"]
    assert [s.name for s in select(None)] == [s.name for s in CONTENDERS]


def _fake_results(core_cpu: float, burst_errors: int) -> dict[str, Any]:
    def metric(cpu: float) -> dict[str, Any]:
        return {"cpu": summarise([cpu]), "wall": summarise([cpu * 2])}

    summaries = {
        "raw_httpx": {"call": metric(1.0), "stream": metric(0.01)},
        "core": {
            "call": metric(core_cpu),
            "stream": metric(0.03),
            "burst": {
                "wall": summarise([1.0]),
                "cpu": summarise([1.0]),
                "errors": burst_errors,
                "first_error": None,
                "peak_connections": 10,
            },
        },
        "azure_sdk": {
            "burst": {
                "wall": summarise([2.0]),
                "cpu": summarise([1.0]),
                "errors": 0,
                "first_error": None,
                "peak_connections": 10,
            }
        },
    }
    contenders = {
        name: {
            "label": by_name(name).label,
            "env": by_name(name).env,
            "family": by_name(name).family,
            "kind": by_name(name).kind,
            "error": None,
            "versions": {},
            "checks": {},
            "memory": {"bytes": 1000.0, "used_bytes": 2000.0},
        }
        for name in summaries
    }
    return {
        "date": "today",
        "seconds": 1.0,
        "machine": {
            "cpu": "test",
            "cores": 2,
            "memory": "1 GiB",
            "python": "3",
            "platform": "x",
            "load_at_start": [0.0, 0.0, 0.0],
            "load_at_end": [0.0, 0.0, 0.0],
        },
        "config": Config.smoke().__dict__,
        "contenders": contenders,
        "imports": {},
        "summaries": summaries,
    }


def test_budget_verdicts_follow_the_floor() -> None:
    results = _fake_results(core_cpu=1.1, burst_errors=0)
    checks = {
        (c["contender"], c["budget"]): c["verdict"] for c in budgets(results, derive(results))
    }
    assert checks[("core", "CPU per call <= 1.2x raw")] == "PASS"
    assert checks[("core", "CPU per chunk <= 2.0x raw")] == "MISS"  # 0.03 > 2 x 0.01
    assert checks[("lc_ours", "CPU per call <= 1.2x raw+LC")] == "n/a"
    burst = next(k for k in checks if k[0] == "core" and k[1].startswith("burst"))
    assert checks[burst] == "PASS"

    slow = _fake_results(core_cpu=1.3, burst_errors=4)
    verdicts = {(c["contender"], c["budget"]): c["verdict"] for c in budgets(slow, derive(slow))}
    assert verdicts[("core", "CPU per call <= 1.2x raw")] == "MISS"
    assert verdicts[burst] == "MISS"  # errors miss the budget even when faster


def test_report_files_are_written(tmp_path: Path) -> None:
    text, _ = write_all(_fake_results(core_cpu=1.1, burst_errors=0), tmp_path)
    assert "| azure_inference_core (ours) |" in text
    assert (tmp_path / "latest.png").stat().st_size > 1000
    saved = json.loads((tmp_path / "latest.json").read_text())
    assert saved["derived"]["core"]["call_cpu"]["ratio"] == pytest.approx(1.1)


@pytest.mark.timeout(300)
def test_quick_end_to_end(tmp_path: Path) -> None:
    results = run(Config.smoke(), names=["raw_httpx"], official=False, log=lambda _: None)
    raw = results["contenders"]["raw_httpx"]
    assert raw["error"] is None
    assert results["summaries"]["raw_httpx"]["call"]["bad"] == 0
    assert results["summaries"]["raw_httpx"]["burst"]["errors"] == 0
    assert set(results["imports"]) == {"httpx"}
    text, _ = write_all(results, tmp_path)
    assert "raw httpx + json (floor)" in text


def test_publish_replaces_only_the_results_block() -> None:
    from bench._report import embed

    doc = "# Benchmarks\n\nintro\n\n<!-- results:start -->\nold\n<!-- results:end -->\n\nafter\n"
    results = "# Benchmark results (full run)\n\n- Date: today\n\n## Headline\n\n| a |\n"
    out = embed(results, doc)
    assert out.startswith("# Benchmarks\n\nintro\n\n<!-- results:start -->\n- Date: today")
    assert "### Headline" in out
    assert "old" not in out
    assert out.endswith("<!-- results:end -->\n\nafter\n")
    assert embed(results, out) == out  # publishing twice changes nothing
    with pytest.raises(ValueError, match="quick"):
        embed("# Benchmark results (quick smoke run)\n", doc)
    with pytest.raises(ValueError, match="results:start"):
        embed(results, "# no markers\n")
