"""One contender in its own process, measured on command.

Started by the harness as ``PYTHON -m bench._runner NAME --base-url URL``
with the project's venv or ``.venv-bench``'s Python. It answers one JSON line
per command line read from stdin, so the harness can visit every contender in
turn for each repeat (machine noise then hits them all alike). Everything the
libraries print goes to stderr; the protocol has stdout to itself.

CPU is ``time.process_time`` of this process only: the server runs elsewhere.

Stdlib only, apart from the contender module it loads.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import json
import os
import statistics
import sys
import time
import traceback
import tracemalloc
from typing import IO, Any

from ._payloads import ANSWER_TEXT, TOOL_CALLS, stream_text, tool_stream_events

__all__ = ["main"]


def _error(exc: BaseException) -> str:
    text = f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"
    return text if len(text) <= 400 else text[:400] + "..."


class Runner:
    """Executes measurement commands against one loaded contender."""

    def __init__(self, contender: Any) -> None:
        self.c = contender

    def warm(self, n: int, k: int) -> dict[str, Any]:
        """First calls of each kind, so lazy imports and caches are not timed."""
        result: dict[str, Any] = {}
        for _ in range(3):
            result["call"] = self.c.call() == ANSWER_TEXT
        result["stream"] = "".join(self.c.stream(n)) == stream_text(n)
        result["stream_per_event"] = "".join(self.c.stream(n, per_event=True)) == stream_text(n)
        result["ttft"] = "".join(self.c.stream(20)) == stream_text(20)
        try:
            result["tools"] = self.c.stream_tools(k) == TOOL_CALLS
        except Exception as exc:
            result["tools"] = False
            result["tools_error"] = _error(exc)
        return result

    def call(self, n: int) -> dict[str, Any]:
        bad = 0
        gc.collect()
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(n):
            if self.c.call() != ANSWER_TEXT:
                bad += 1
        c1, w1 = time.process_time(), time.perf_counter()
        return {"cpu": (c1 - c0) / n, "wall": (w1 - w0) / n, "bad": bad}

    def stream(self, n: int, streams: int, per_event: bool = False) -> dict[str, Any]:
        expected = stream_text(n)
        bad = 0
        gc.collect()
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(streams):
            if "".join(self.c.stream(n, per_event=per_event)) != expected:
                bad += 1
        c1, w1 = time.process_time(), time.perf_counter()
        chunks = n * streams
        return {"cpu": (c1 - c0) / chunks, "wall": (w1 - w0) / chunks, "bad": bad}

    def ttft(self, samples: int) -> dict[str, Any]:
        """Wall and CPU time from the call to the first non-empty text."""
        walls, cpus = [], []
        for _ in range(samples):
            gc.collect()
            c0, w0 = time.process_time(), time.perf_counter()
            pieces = iter(self.c.stream(20))
            for piece in pieces:
                if piece:
                    break
            c1, w1 = time.process_time(), time.perf_counter()
            for _ in pieces:
                pass
            walls.append(w1 - w0)
            cpus.append(c1 - c0)
        return {"wall": statistics.median(walls), "cpu": statistics.median(cpus)}

    def tools(self, k: int, streams: int) -> dict[str, Any]:
        chunks = len(tool_stream_events(k)) * streams
        found: list[Any] = []
        gc.collect()
        c0 = time.process_time()
        try:
            for _ in range(streams):
                found = self.c.stream_tools(k)
        except Exception as exc:
            return {"error": _error(exc)}
        c1 = time.process_time()
        got = sum(1 for call in found if call in TOOL_CALLS)
        return {
            "cpu": (c1 - c0) / chunks,
            "cpu_stream": (c1 - c0) / streams,
            "chunks": chunks // streams,
            "recovered": got,
            "expected": len(TOOL_CALLS),
            "ok": found == TOOL_CALLS,
        }

    def burst(self, n: int, timeout_s: float = 180.0, path: str = "/b/0") -> dict[str, Any]:
        """``n`` concurrent non-streamed calls on one fresh async client.

        Cut off after ``timeout_s`` seconds: the calls not done by then count
        as errors and ``timed_out`` is set.
        """
        if not self.c.has_async:
            return {"skipped": "no I/O"}
        outcomes: list[Any] = []

        async def one(client: Any) -> None:
            try:
                outcomes.append(await self.c.acall_with(client))
            except Exception as exc:
                outcomes.append(exc)

        async def run() -> dict[str, Any]:
            client = self.c.amake(path)
            timed_out = False
            try:
                c0, w0 = time.process_time(), time.perf_counter()
                try:
                    await asyncio.wait_for(
                        asyncio.gather(*(one(client) for _ in range(n))), timeout_s
                    )
                except asyncio.TimeoutError:
                    timed_out = True
                c1, w1 = time.process_time(), time.perf_counter()
            finally:
                await self.c.aclose_client(client)
            errors = [r for r in outcomes if isinstance(r, BaseException)]
            wrong = sum(
                1 for r in outcomes if not isinstance(r, BaseException) and r != ANSWER_TEXT
            )
            first = _error(errors[0]) if errors else None
            if timed_out and first is None:
                first = f"{n - len(outcomes)} calls unfinished after {timeout_s:.0f} s"
            return {
                "wall": w1 - w0,
                "cpu": c1 - c0,
                "errors": len(errors) + wrong + (n - len(outcomes)),
                "first_error": first,
                "timed_out": timed_out,
            }

        gc.collect()
        return asyncio.run(run())

    def memory(self, k: int) -> dict[str, Any]:
        """Bytes held per client instance (tracemalloc): once built, and after one call.

        The second figure counts what a used client keeps: its connection
        pool, open connection, and any cache filled on first use.
        """
        warm = self.c.make("/b/0")
        self.c.call_with(warm)
        self.c.close_client(warm)
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        instances = [self.c.make("/b/0") for _ in range(k)]
        gc.collect()
        built = tracemalloc.get_traced_memory()[0]
        bad = sum(1 for instance in instances if self.c.call_with(instance) != ANSWER_TEXT)
        gc.collect()
        used = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        for instance in instances:
            self.c.close_client(instance)
        return {"bytes": (built - before) / k, "used_bytes": (used - before) / k, "bad": bad}

    def profile(self, scenario: str, n: int, out: str) -> dict[str, Any]:
        """cProfile one scenario (``call`` x n, ``stream`` of n chunks, ``tools``) to ``out``.

        The profiler's clock is ``process_time``, so waiting on the socket costs
        nothing, as in the measurements. cProfile inflates cheap functions, so
        its figures point at causes; the timed runs are the measurements.
        """
        import cProfile
        import io
        import pstats

        if scenario not in ("call", "stream", "tools"):
            raise ValueError(f"unknown scenario {scenario!r}: use call, stream or tools")
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        if scenario == "call":
            for _ in range(n):
                self.c.call()
        elif scenario == "stream":
            "".join(self.c.stream(n))
        else:
            self.c.stream_tools(n)
        profiler.disable()
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        text.write(f"== {scenario} x {n}: by own time\n")
        stats.sort_stats("tottime").print_stats(35)
        text.write(f"== {scenario} x {n}: by cumulative time\n")
        stats.sort_stats("cumulative").print_stats(45)
        with open(out, "w") as handle:
            handle.write(text.getvalue())
        return {"written": out}


def _serve(runner: Runner, commands: IO[str], out: IO[str]) -> None:
    for line in commands:
        if not line.strip():
            continue
        command = json.loads(line)
        op = command.pop("op")
        if op == "quit":
            break
        try:
            result = getattr(runner, op)(**command)
        except Exception as exc:
            traceback.print_exc()
            result = {"error": _error(exc)}
        out.write(json.dumps(result) + "\n")
        out.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run one benchmark contender.")
    parser.add_argument("contender", help="module name under bench.contenders")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--key", default="bench-key")
    args = parser.parse_args(argv)

    # The protocol keeps the real stdout; anything a library prints goes to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    try:
        module = importlib.import_module(f"bench.contenders.{args.contender}")
        contender = module.CONTENDER(args.base_url, args.key)
    except Exception as exc:
        traceback.print_exc()
        out.write(json.dumps({"ready": False, "error": _error(exc)}) + "\n")
        out.flush()
        return
    versions: dict[str, str] = module.versions() if hasattr(module, "versions") else {}
    out.write(
        json.dumps({"ready": True, "python": sys.version.split()[0], "versions": versions}) + "\n"
    )
    out.flush()
    try:
        _serve(Runner(contender), sys.stdin, out)
    finally:
        contender.close()


if __name__ == "__main__":
    main()
