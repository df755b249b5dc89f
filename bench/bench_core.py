"""Client CPU of the core against raw httpx on the same loopback server.

Run: ``.venv/bin/python -m bench.bench_core [--repeats 5] [--calls 300] [--streams 5]``.

Burst mode (``--burst 1000``): ``N`` concurrent ``AsyncInferenceClient.complete``
calls on one client, for each ``--concurrency`` value, and the same burst with
the official SDK (azure-ai-inference + aiohttp, from ``--official``'s Python),
each burst in a fresh process, one after the other against the same server.
``--latency-ms`` makes the server answer after that delay (a remote service).

The server runs in a child process, so ``time.process_time`` in this process
counts only client work. Figures (median over repeats, with min-max):

* per call: raw ``httpx.Client.post`` + ``json.loads`` vs ``InferenceClient.complete``;
* per streamed chunk: raw ``iter_lines`` + ``json.loads`` vs ``InferenceClient.stream``,
  and the same pair for the async clients.

Budgets (reported, not asserted): per call <= 1.2x raw, per chunk <= 2x raw.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

from azure_inference_core import AsyncInferenceClient, InferenceClient

from ._server import CHUNKS, serve_in_process

__all__ = ["main"]

MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "How many languages are in the world?"},
]
KEY = "bench-key-not-secret"


def _cpu(fn: Callable[[], Any], count: int) -> float:
    """CPU seconds per unit (``count`` units done by one ``fn()``)."""
    gc.collect()
    start = time.process_time()
    fn()
    return (time.process_time() - start) / count


def measure(
    base: str, calls: int, streams: int, repeats: int, coalesce: bool = False
) -> dict[str, list[float]]:
    """Run every scenario ``repeats`` times, interleaved; return per-unit CPU seconds."""
    url = base + "/chat/completions?api-version=2025-05-01"
    extra = {"x-bench-coalesce": "1"} if coalesce else {}
    raw_headers = {"Authorization": f"Bearer {KEY}", **extra}
    raw = httpx.Client(timeout=60)
    core = InferenceClient(base, KEY, max_retries=0, default_headers=extra)
    araw = httpx.AsyncClient(timeout=60)
    acore = AsyncInferenceClient(base, KEY, max_retries=0, default_headers=extra)
    loop = asyncio.new_event_loop()

    def raw_calls() -> None:
        for _ in range(calls):
            response = raw.post(url, json={"messages": MESSAGES}, headers=raw_headers)
            json.loads(response.content)

    def core_calls() -> None:
        for _ in range(calls):
            core.complete(MESSAGES)

    def raw_stream() -> None:
        for _ in range(streams):
            body = {"messages": MESSAGES, "stream": True}
            with raw.stream("POST", url, json=body, headers=raw_headers) as response:
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        data = line[6:]
                        if data == "[DONE]":
                            break
                        json.loads(data)

    def core_stream() -> None:
        for _ in range(streams):
            for _chunk in core.stream(MESSAGES):
                pass

    async def _araw_stream() -> None:
        for _ in range(streams):
            body = {"messages": MESSAGES, "stream": True}
            async with araw.stream("POST", url, json=body, headers=raw_headers) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data: "):
                        data = line[6:]
                        if data == "[DONE]":
                            break
                        json.loads(data)

    async def _acore_stream() -> None:
        for _ in range(streams):
            async for _chunk in acore.stream(MESSAGES):
                pass

    async def _araw_calls() -> None:
        for _ in range(calls):
            response = await araw.post(url, json={"messages": MESSAGES}, headers=raw_headers)
            json.loads(response.content)

    async def _acore_calls() -> None:
        for _ in range(calls):
            await acore.complete(MESSAGES)

    scenarios: dict[str, tuple[Callable[[], Any], int]] = {
        "call raw httpx+json": (raw_calls, calls),
        "call core": (core_calls, calls),
        "call raw async": (lambda: loop.run_until_complete(_araw_calls()), calls),
        "call core async": (lambda: loop.run_until_complete(_acore_calls()), calls),
        "chunk raw iter_lines+json": (raw_stream, streams * CHUNKS),
        "chunk core": (core_stream, streams * CHUNKS),
        "chunk raw async": (lambda: loop.run_until_complete(_araw_stream()), streams * CHUNKS),
        "chunk core async": (
            lambda: loop.run_until_complete(_acore_stream()),
            streams * CHUNKS,
        ),
    }
    results: dict[str, list[float]] = {name: [] for name in scenarios}
    for fn, _ in scenarios.values():  # warm-up: connections, imports, caches
        fn()
    for _ in range(repeats):
        for name, (fn, count) in scenarios.items():
            results[name].append(_cpu(fn, count))
    raw.close()
    core.close()
    loop.run_until_complete(araw.aclose())
    loop.run_until_complete(acore.aclose())
    loop.close()
    return results


def report(results: dict[str, list[float]], chunk_limit: float = 2.0) -> str:
    """A table: median and min-max in microseconds, and the ratio to the raw baseline."""
    pairs = {
        "call core": ("call raw httpx+json", 1.2),
        "call core async": ("call raw async", 1.2),
        "chunk core": ("chunk raw iter_lines+json", chunk_limit),
        "chunk core async": ("chunk raw async", chunk_limit),
    }
    lines = [f"{'scenario':28} {'median us':>10} {'min-max us':>17} {'ratio':>7} budget"]
    for name, values in results.items():
        median = statistics.median(values) * 1e6
        spread = f"{min(values) * 1e6:.2f}-{max(values) * 1e6:.2f}"
        ratio = budget = ""
        if name in pairs:
            floor_name, limit = pairs[name]
            value = median / (statistics.median(results[floor_name]) * 1e6)
            ratio = f"{value:.2f}x"
            budget = f"<= {limit}x {'ok' if value <= limit else 'MISSED'}"
        lines.append(f"{name:28} {median:10.2f} {spread:>17} {ratio:>7} {budget}")
    return "\n".join(lines)


_BURST_COMMON = """
import asyncio, json, sys, time
url, n, limit, latency = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
headers = {"x-bench-latency-ms": latency}
async def burst(make, call, close):
    await close(await warm(make, call))
    client = make()
    async def one():
        try:
            return await call(client)
        except Exception as exc:
            return exc
    c0, w0 = time.process_time(), time.perf_counter()
    out = await asyncio.gather(*(one() for _ in range(n)))
    c1, w1 = time.process_time(), time.perf_counter()
    await close(client)
    errors = [o for o in out if isinstance(o, BaseException)]
    print(json.dumps({"wall": w1 - w0, "cpu": c1 - c0, "errors": len(errors),
                      "first_error": repr(errors[0]) if errors else None}))
async def warm(make, call):
    client = make()
    await call(client)
    return client
"""

_BURST_CORE = (
    _BURST_COMMON
    + """
from azure_inference_core import AsyncInferenceClient
MESSAGES = [{"role": "user", "content": "How many languages are in the world?"}]
kwargs = {} if limit == "default" else {"max_concurrency": int(limit)}
def make():
    return AsyncInferenceClient(url, "bench-key", model="m", max_retries=0, **kwargs)
async def call(client):
    return (await client.complete(MESSAGES, headers=headers)).choices[0].message.content
async def close(client):
    await client.aclose()
asyncio.run(burst(make, call, close))
"""
)

_BURST_OFFICIAL = (
    _BURST_COMMON
    + """
from azure.ai.inference.aio import ChatCompletionsClient
from azure.ai.inference.models import UserMessage
from azure.core.credentials import AzureKeyCredential
MESSAGES = [UserMessage(content="How many languages are in the world?")]
def make():
    return ChatCompletionsClient(endpoint=url, credential=AzureKeyCredential("bench-key"),
                                 model="m", retry_total=0)
async def call(client):
    result = await client.complete(messages=MESSAGES, headers=headers)
    return result.choices[0].message.content
async def close(client):
    await client.close()
asyncio.run(burst(make, call, close))
"""
)


# The same burst on plain httpx and on httpx2 (a fork of httpx whose connection pool
# reportedly fixes the per-request rescans our slot pool avoids), each with its own
# default pool of 100 connections: the numbers behind keeping or dropping our pool.
_BURST_RAW = (
    _BURST_COMMON
    + """
import importlib
http = importlib.import_module(limit)
BODY = json.dumps({"messages": [{"role": "user", "content": "How many languages?"}]})
HEADERS = {**headers, "api-key": "bench-key", "content-type": "application/json"}
def make():
    return http.AsyncClient(timeout=60.0)
async def call(client):
    r = await client.post(url + "/chat/completions?api-version=2024-05-01-preview",
                          content=BODY, headers=HEADERS)
    r.raise_for_status()
    return json.loads(r.content)["choices"][0]["message"]["content"]
async def close(client):
    await client.aclose()
asyncio.run(burst(make, call, close))
"""
)


def burst(
    base: str,
    calls: int,
    limits: list[str],
    official: str | None,
    repeats: int,
    latency_ms: int,
    raw: bool = False,
) -> dict[str, list[dict[str, Any]]]:
    """Run each contender's burst ``repeats`` times, interleaved, each in a fresh process."""
    contenders = {
        f"core max_concurrency={limit}": (sys.executable, _BURST_CORE, limit) for limit in limits
    }
    if raw:
        for module in ("httpx", "httpx2"):
            contenders[f"raw {module} (its own pool)"] = (sys.executable, _BURST_RAW, module)
    if official:
        contenders["official SDK (aiohttp)"] = (official, _BURST_OFFICIAL, "-")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": root}
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, (python, code, limit) in contenders.items():
            done = subprocess.run(
                [python, "-c", code, base, str(calls), limit, str(latency_ms)],
                capture_output=True,
                text=True,
                env=env,
                timeout=600,
                check=False,
            )
            if done.returncode != 0:
                results[name].append({"failed": done.stderr.strip().splitlines()[-1:]})
                continue
            results[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def burst_report(results: dict[str, list[dict[str, Any]]]) -> str:
    """Median wall and CPU seconds (min-max) and the error count per contender."""
    lines = [
        f"{'contender':30} {'wall s':>7} {'(min-max)':>12} {'CPU s':>6} {'(min-max)':>12} errors"
    ]
    for name, runs in results.items():
        good = [run for run in runs if "wall" in run]
        if not good:
            lines.append(f"{name:30} failed: {runs[0] if runs else 'not run'}")
            continue
        walls = [run["wall"] for run in good]
        cpus = [run["cpu"] for run in good]
        errors = sum(run["errors"] for run in good) + len(runs) - len(good)
        lines.append(
            f"{name:30} {statistics.median(walls):7.2f} {min(walls):5.2f}-{max(walls):<6.2f} "
            f"{statistics.median(cpus):6.2f} {min(cpus):5.2f}-{max(cpus):<6.2f} {errors}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Start the server, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--streams", type=int, default=5)
    parser.add_argument(
        "--coalesce",
        action="store_true",
        help="serve each stream in one HTTP chunk (parsing-bound) instead of one per event",
    )
    parser.add_argument("--burst", type=int, default=0, help="concurrent calls (burst mode)")
    parser.add_argument("--concurrency", default="default", help="comma-separated limits")
    parser.add_argument("--official", default=None, help="Python with azure-ai-inference")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--raw", action="store_true", help="burst mode: also raw httpx, httpx2")
    args = parser.parse_args(argv)
    process, base = serve_in_process()
    if args.burst:
        try:
            found = burst(
                base,
                args.burst,
                args.concurrency.split(","),
                args.official,
                args.repeats,
                args.latency_ms,
                args.raw,
            )
        finally:
            process.terminate()
            process.join(5)
        print(
            f"async burst of {args.burst} concurrent calls, {args.repeats} runs each "
            f"(fresh process per run), server latency {args.latency_ms} ms"
        )
        print(burst_report(found))
        return
    try:
        results = measure(base, args.calls, args.streams, args.repeats, args.coalesce)
    finally:
        process.terminate()
        process.join(5)
    print(
        f"client CPU (time.process_time), {args.repeats} repeats, {args.calls} calls and "
        f"{args.streams} x {CHUNKS}-chunk streams per repeat, "
        f"{'whole stream per read' if args.coalesce else 'one event per HTTP chunk'}"
    )
    print(report(results))


if __name__ == "__main__":
    main()
