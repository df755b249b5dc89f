"""The harness: one server, one worker process per contender, interleaved repeats.

Flow: start the loopback server (its own process); start every contender's
worker (``bench._runner``, in the project's venv or ``.venv-bench``); warm
them up and check their answers; then, for each measurement and each repeat,
visit every worker in turn, so load from anything else on the machine falls
on all contenders alike; then bursts, memory, and imports in fresh
interpreters. Results go to ``bench/results/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import queue
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ._imports import measure_imports
from ._measure import summarise
from .contenders import CONTENDERS, IMPORTS, Spec

__all__ = ["Config", "Worker", "profile", "run"]

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BENCH_VENV = ROOT / ".venv-bench"
KEY = "bench-key-not-a-secret"
# The import row each contender is shown with (floors: their library's own import).
IMPORT_NAME = {"raw_httpx": "httpx", "lc_floor": "langchain_core", "li_floor": "llama_index_core"}


@dataclass(frozen=True)
class Config:
    """How much of everything; ``quick`` is a smoke run of a few seconds per contender."""

    quick: bool
    repeats: int
    calls: int
    chunks: int
    streams: int
    ttft_samples: int
    tool_fragments: int
    tool_streams: int
    burst: int
    burst_repeats: int
    burst_slow: float
    burst_timeout: float
    latency_ms: int
    memory_instances: int
    import_repeats: int

    @classmethod
    def full(cls) -> Config:
        return cls(
            quick=False,
            repeats=5,
            calls=200,
            chunks=2000,
            streams=3,
            ttft_samples=15,
            tool_fragments=50,
            tool_streams=3,
            burst=1000,
            burst_repeats=3,
            burst_slow=20.0,
            burst_timeout=30.0,
            latency_ms=100,
            memory_instances=10,
            import_repeats=5,
        )

    @classmethod
    def smoke(cls) -> Config:
        return cls(
            quick=True,
            repeats=1,
            calls=10,
            chunks=200,
            streams=1,
            ttft_samples=3,
            tool_fragments=10,
            tool_streams=1,
            burst=50,
            burst_repeats=1,
            burst_slow=5.0,
            burst_timeout=30.0,
            latency_ms=100,
            memory_instances=2,
            import_repeats=1,
        )


def clean_env() -> dict[str, str]:
    """The environment for workers: no tracing, no proxies, no stray credentials."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LANGCHAIN_", "LANGSMITH_", "OPENAI_", "AZURE_", "LLAMA"))
        and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("PYTHONPATH", None)
    # Users run from compiled bytecode (pip compiles on install). Where the
    # environment forbids writing it (PYTHONDONTWRITEBYTECODE, as on this
    # machine), every import would compile from source and cost several times
    # more; a private cache tree keeps the installed packages untouched.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(RESULTS / "raw" / "pycache")
    return env


def main_python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def bench_python(install: bool, log: Callable[[str], None]) -> tuple[str | None, str | None]:
    """``.venv-bench``'s Python, installing it first if asked; else None and why."""
    python = BENCH_VENV / "bin" / "python"
    ready = BENCH_VENV / ".bench-installed"
    if not ready.exists():
        if not install:
            return None, ".venv-bench not installed (run: bash bench/setup_official.sh)"
        log("setting up .venv-bench (bench/setup_official.sh) ...")
        done = subprocess.run(
            ["bash", str(ROOT / "bench" / "setup_official.sh")],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        if done.returncode != 0:
            tail = " | ".join(done.stderr.strip().splitlines()[-3:])
            return None, f"bench/setup_official.sh failed (exit {done.returncode}): {tail}"
    return str(python), None


class Server:
    """The loopback server process, and its connection counters."""

    def __init__(self, python: str, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [python, "-m", "bench._loopback", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
            env=env,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.isdigit():
            self.proc.kill()
            raise RuntimeError(f"loopback server did not start (said {line!r})")
        self.base_url = f"http://127.0.0.1:{line}"

    def _control(self, route: str, method: str) -> dict[str, int]:
        request = urllib.request.Request(self.base_url + route, method=method, data=None)
        with urllib.request.urlopen(request, timeout=10) as response:
            result: dict[str, int] = json.loads(response.read())
            return result

    def reset(self) -> int:
        """Reset the peak; returns connections already open (not counting this one)."""
        return self._control("/_reset", "POST")["open"] - 1

    def stats(self) -> dict[str, int]:
        return self._control("/_stats", "GET")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@dataclass
class Worker:
    """One contender's process and the line protocol to it."""

    spec: Spec
    proc: subprocess.Popen[str] | None = None
    lines: queue.Queue[str | None] = field(default_factory=queue.Queue)
    error: str | None = None
    info: dict[str, Any] = field(default_factory=dict)
    pump: threading.Thread | None = None

    def spawn(self, python: str, base_url: str, env: dict[str, str], log_file: IO[str]) -> None:
        """Start the process; ``wait_ready`` collects its hello (workers start in parallel)."""
        self.proc = subprocess.Popen(
            [python, "-m", "bench._runner", self.spec.name, "--base-url", base_url, "--key", KEY],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
            cwd=ROOT,
            env=env,
            bufsize=1,
        )
        self.pump = threading.Thread(target=self._pump, daemon=True)
        self.pump.start()

    def wait_ready(self, timeout: float = 300.0) -> None:
        hello = self._read(timeout)
        if hello is None or not hello.get("ready"):
            self.error = (hello or {}).get("error") or "worker died at start (see its log)"
            self.stop()
        else:
            self.info = hello

    def _pump(self) -> None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _read(self, timeout: float) -> dict[str, Any] | None:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            return None
        if line is None:
            return None
        result: dict[str, Any] = json.loads(line)
        return result

    @property
    def alive(self) -> bool:
        return self.error is None and self.proc is not None and self.proc.poll() is None

    def ask(self, op: str, timeout: float = 600.0, **args: Any) -> dict[str, Any]:
        """Send one command; on a timeout or a dead worker, the worker is retired."""
        if not self.alive:
            return {"error": self.error or "worker not running"}
        assert self.proc is not None
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.proc.stdin.flush()
        result = self._read(timeout)
        if result is None:
            self.error = f"no answer to {op!r} within {timeout:.0f} s (worker stopped)"
            self.stop()
            return {"error": self.error}
        return result

    def stop(self, *, now: bool = False) -> None:
        """Ask the worker to quit (kill it if it will not, or at once if ``now``)."""
        proc = self.proc
        if proc is None:
            return
        if now and proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.poll() is None:
            try:
                assert proc.stdin is not None
                proc.stdin.write('{"op": "quit"}\n')
                proc.stdin.flush()
                proc.wait(timeout=15)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
        if proc.stdin is not None and not proc.stdin.closed:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        if self.pump is not None:
            self.pump.join(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def machine() -> dict[str, Any]:
    """CPU model, cores, memory, Python, load average: printed with every table."""
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_at_start": list(os.getloadavg()),
    }


def _measure_rounds(
    workers: Sequence[Worker],
    config: Config,
    log: Callable[[str], None],
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Every measurement, ``repeats`` rounds, each round visiting every worker."""
    plan: list[tuple[str, str, dict[str, Any]]] = [
        ("call", "call", {"n": config.calls}),
        ("stream", "stream", {"n": config.chunks, "streams": config.streams}),
        (
            "stream_per_event",
            "stream",
            {"n": config.chunks, "streams": config.streams, "per_event": True},
        ),
        ("ttft", "ttft", {"samples": config.ttft_samples}),
        ("tools", "tools", {"k": config.tool_fragments, "streams": config.tool_streams}),
    ]
    samples: dict[str, dict[str, list[dict[str, Any]]]] = {w.spec.name: {} for w in workers}
    for metric, op, args in plan:
        log(f"measuring {metric} ({config.repeats} rounds)")
        for _ in range(config.repeats):
            for worker in workers:
                if worker.alive:
                    samples[worker.spec.name].setdefault(metric, []).append(worker.ask(op, **args))
    return samples


def _bursts(
    workers: Sequence[Worker],
    server: Server,
    config: Config,
    log: Callable[[str], None],
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Concurrent bursts, without and with model latency.

    A contender slower than ``burst_slow`` s (or failing) in a variant is not
    repeated in that variant.
    """
    variants = {"burst": "/b/0", "burst_latency": f"/d/{config.latency_ms}"}
    results: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for variant, path in variants.items():
        slow: set[str] = set()
        log(
            f"measuring {variant}: {config.burst} concurrent calls on {path} "
            f"({config.burst_repeats} rounds)"
        )
        for _ in range(config.burst_repeats):
            for worker in workers:
                name = worker.spec.name
                if not worker.alive or name in slow or worker.spec.kind == "framework":
                    continue
                already_open = server.reset()
                result = worker.ask(
                    "burst",
                    timeout=config.burst_timeout + 120,
                    n=config.burst,
                    timeout_s=config.burst_timeout,
                    path=path,
                )
                stats = server.stats()
                result["peak_connections"] = stats["peak"] - max(already_open, 0)
                results.setdefault(name, {}).setdefault(variant, []).append(result)
                log(
                    f"  {name}: {result.get('wall', float('nan')):.2f} s, "
                    f"errors {result.get('errors')}, "
                    f"peak connections {result['peak_connections']}"
                )
                if result.get("wall", 0.0) > config.burst_slow or "error" in result:
                    slow.add(name)
    return results


def select(names: Sequence[str] | None) -> list[Spec]:
    """The named contenders plus the floors their ratios need, in table order."""
    if names is None:
        return list(CONTENDERS)
    families = {s.family for s in CONTENDERS if s.name in names}
    return [
        s
        for s in CONTENDERS
        if s.name in names or s.kind == "floor" or (s.kind == "framework" and s.family in families)
    ]


def run(
    config: Config,
    *,
    names: Sequence[str] | None = None,
    official: bool = True,
    install_official: bool = True,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the whole benchmark and return the raw results (not yet written)."""
    started = time.time()
    env = clean_env()
    info = machine()
    pythons: dict[str, str | None] = {"main": main_python(), "bench": None}
    unavailable: dict[str, str] = {}
    if official:
        pythons["bench"], why = bench_python(install_official, log)
        if why:
            log(f"official packages unavailable: {why}")
            unavailable["bench"] = why
    else:
        unavailable["bench"] = "skipped (--no-official)"

    specs = select(names)
    raw_dir = RESULTS / "raw"
    raw_dir.mkdir(parents=True, exist_ok=True)
    server = Server(pythons["main"] or sys.executable, env)
    log(f"loopback server at {server.base_url}")
    workers: list[Worker] = []
    logs: list[IO[str]] = []
    log_file: IO[str]
    try:
        for spec in specs:
            worker = Worker(spec)
            workers.append(worker)
            python = pythons[spec.env]
            if python is None:
                worker.error = unavailable.get(spec.env, "environment unavailable")
                continue
            log_file = (raw_dir / f"{spec.name}.log").open("w")
            logs.append(log_file)
            worker.spawn(python, server.base_url, env, log_file)
        for worker in workers:
            if worker.proc is None:
                continue
            worker.wait_ready()
            if worker.error:
                log(f"  {worker.spec.name}: unavailable ({worker.error})")
                continue
            warm = worker.ask("warm", n=config.chunks, k=config.tool_fragments)
            worker.info["checks"] = warm
            log(f"  {worker.spec.name}: ready {warm}")
        live = [w for w in workers if w.alive]
        samples = _measure_rounds(live, config, log)
        bursts = _bursts(live, server, config, log)
        log("measuring memory per client instance")
        memory = {w.spec.name: w.ask("memory", k=config.memory_instances) for w in live if w.alive}
    except BaseException:
        for worker in workers:
            worker.stop(now=True)
        raise
    finally:
        for worker in workers:
            worker.stop()
        server.stop()
        for log_file in logs:
            log_file.close()
    log(f"measuring imports ({config.import_repeats} fresh interpreters each)")
    wanted = None
    if names is not None:
        chosen = {IMPORT_NAME.get(s.name, s.name) for s in specs}
        wanted = chosen | {t.baseline for t in IMPORTS if t.name in chosen and t.baseline}
    imports = measure_imports(
        pythons,
        config.import_repeats,
        env,
        str(ROOT),
        log,
        only=wanted,
        cli_blocked=not config.quick,
    )
    info["load_at_end"] = list(os.getloadavg())
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
        "seconds": round(time.time() - started, 1),
        "machine": info,
        "config": config.__dict__,
        "contenders": {
            w.spec.name: {
                "label": w.spec.label,
                "env": w.spec.env,
                "family": w.spec.family,
                "kind": w.spec.kind,
                "error": w.error if not samples.get(w.spec.name) else None,
                "late_error": w.error if samples.get(w.spec.name) else None,
                "versions": w.info.get("versions", {}),
                "checks": w.info.get("checks", {}),
                "samples": samples.get(w.spec.name, {}),
                "burst": bursts.get(w.spec.name, {}),
                "memory": memory.get(w.spec.name),
            }
            for w in workers
        },
        "imports": imports,
        "summaries": summarise_all(samples, bursts),
    }


def summarise_all(
    samples: dict[str, dict[str, list[dict[str, Any]]]],
    bursts: dict[str, dict[str, list[dict[str, Any]]]],
) -> dict[str, dict[str, Any]]:
    """Median and spread of each figure, per contender (errors left out, and counted)."""
    out: dict[str, dict[str, Any]] = {}
    for name, metrics in samples.items():
        row: dict[str, Any] = {}
        for metric, runs in metrics.items():
            good = [r for r in runs if "error" not in r]
            if not good:
                row[metric] = {"error": runs[0].get("error") if runs else "not measured"}
                continue
            entry: dict[str, Any] = {}
            for key in ("cpu", "wall", "cpu_stream"):
                if key in good[0]:
                    entry[key] = summarise([r[key] for r in good])
            entry["bad"] = sum(int(r.get("bad", 0)) for r in good)
            if metric == "tools":
                entry["recovered"] = min(int(r["recovered"]) for r in good)
                entry["expected"] = good[0]["expected"]
                entry["chunks"] = good[0]["chunks"]
            out_errors = len(runs) - len(good)
            if out_errors:
                entry["failed_runs"] = out_errors
            row[metric] = entry
        out[name] = row
    for name, variants in bursts.items():
        for variant, runs in variants.items():
            _summarise_burst(out.setdefault(name, {}), variant, runs)
    return out


def _summarise_burst(row: dict[str, Any], variant: str, runs: list[dict[str, Any]]) -> None:
    good = [r for r in runs if "wall" in r]
    if not good:
        row[variant] = {"error": runs[0].get("error", "not measured") if runs else "none"}
        return
    row[variant] = {
        "wall": summarise([r["wall"] for r in good]),
        "cpu": summarise([r["cpu"] for r in good]),
        "errors": max(int(r["errors"]) for r in good),
        "first_error": next((r["first_error"] for r in good if r.get("first_error")), None),
        "timed_out": any(r.get("timed_out") for r in good),
        "peak_connections": max(int(r["peak_connections"]) for r in good),
    }


def profile(
    names: Sequence[str],
    config: Config,
    *,
    log: Callable[[str], None] = print,
) -> list[Path]:
    """cProfile the call, stream and tool-stream scenarios of ``names``.

    Writes ``bench/results/profiles/NAME-SCENARIO.txt`` and returns the paths.
    """
    env = clean_env()
    pythons: dict[str, str | None] = {"main": main_python(), "bench": None}
    pythons["bench"], _ = bench_python(False, log)
    out_dir = RESULTS / "profiles"
    out_dir.mkdir(parents=True, exist_ok=True)
    server = Server(pythons["main"] or sys.executable, env)
    written: list[Path] = []
    try:
        for name in names:
            spec = next(s for s in CONTENDERS if s.name == name)
            python = pythons[spec.env]
            if python is None:
                log(f"{name}: environment {spec.env} unavailable")
                continue
            worker = Worker(spec)
            with (RESULTS / "raw" / f"{name}.profile.log").open("w") as log_file:
                worker.spawn(python, server.base_url, env, log_file)
                worker.wait_ready()
                if worker.error:
                    log(f"{name}: unavailable ({worker.error})")
                    continue
                worker.ask("warm", n=config.chunks, k=config.tool_fragments)
                for scenario, n in (
                    ("call", config.calls),
                    ("stream", config.chunks),
                    ("tools", config.tool_fragments),
                ):
                    path = out_dir / f"{name}-{scenario}.txt"
                    answer = worker.ask("profile", scenario=scenario, n=n, out=str(path))
                    if "error" in answer:
                        log(f"{name} {scenario}: {answer['error']}")
                    else:
                        written.append(path)
                        log(f"wrote {path}")
                worker.stop()
    finally:
        server.stop()
    return written
