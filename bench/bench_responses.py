"""Client CPU of ``client.responses`` against raw httpx on the same loopback server.

Run: ``.venv/bin/python -m bench.bench_responses [--repeats 5] [--calls 300] [--streams 5]``.

The server (a child process, so ``time.process_time`` here counts only client
work) answers every POST with a canned Responses API ``response`` object, or,
for ``"stream": true``, with ``EVENTS`` typed events (``response.created``, the
item and text events, ``EVENTS - 6`` ``response.output_text.delta`` events,
``response.completed``), one flushed HTTP chunk per event. Figures (median over
repeats, with min-max):

* per call: raw ``httpx.Client.post`` + ``json.loads`` vs ``client.responses.create``;
* per streamed event: raw ``iter_lines`` + ``json.loads`` vs ``client.responses.stream``
  (typed events and the accumulated final response), and the same pairs async.

Budgets (reported, not asserted; the issue's chat budgets): per call <= 1.2x raw,
per event <= 1.5x raw.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import httpx

from azure_inference_core import AsyncInferenceClient, InferenceClient

from . import _server
from .bench_core import _cpu, report

__all__ = ["EVENTS", "main", "measure", "measure_adapters", "measure_framework", "section"]

_ROOT = Path(__file__).resolve().parent.parent

EVENTS = 2000
KEY = "bench-key-not-secret"
MODEL = "codex-mini"
TEXT = "As of now, it is estimated that about 7,000 languages are spoken around the world."

_MESSAGE = {
    "type": "message",
    "id": "msg_1",
    "role": "assistant",
    "status": "completed",
    "content": [{"type": "output_text", "text": TEXT, "annotations": []}],
}
RESPONSE: dict[str, Any] = {
    "id": "resp_0a1234b5de6789f01gh2i345j6789klm",
    "object": "response",
    "created_at": 1718726686,
    "status": "completed",
    "model": MODEL,
    "output": [
        {"type": "reasoning", "id": "rs_1", "summary": [], "status": "completed"},
        _MESSAGE,
    ],
    "usage": {
        "input_tokens": 19,
        "output_tokens": 72,
        "total_tokens": 91,
        "output_tokens_details": {"reasoning_tokens": 40},
    },
}


def _event(sequence: int, kind: str, **fields: Any) -> bytes:
    data = json.dumps({"type": kind, "sequence_number": sequence, **fields}, separators=(",", ":"))
    return f"event: {kind}\ndata: {data}\n\n".encode()


def event_stream(count: int = EVENTS) -> list[bytes]:
    """The stream's ``count`` events, ending with ``response.completed``."""
    deltas = [f" word{i}" for i in range(count - 6)]
    text = "".join(deltas)
    started = {**RESPONSE, "status": "in_progress", "output": [], "usage": None}
    message = {**_MESSAGE, "content": [{"type": "output_text", "text": text, "annotations": []}]}
    empty = {**_MESSAGE, "status": "in_progress", "content": []}
    part = {"type": "output_text", "text": "", "annotations": []}
    events = [
        _event(0, "response.created", response=started),
        _event(1, "response.output_item.added", output_index=0, item=empty),
        _event(2, "response.content_part.added", output_index=0, content_index=0, part=part),
    ]
    for i, delta in enumerate(deltas):
        events.append(
            _event(
                3 + i,
                "response.output_text.delta",
                item_id="msg_1",
                output_index=0,
                content_index=0,
                delta=delta,
            )
        )
    n = 3 + len(deltas)
    events.append(
        _event(
            n,
            "response.output_text.done",
            item_id="msg_1",
            output_index=0,
            content_index=0,
            text=text,
        )
    )
    events.append(_event(n + 1, "response.output_item.done", output_index=0, item=message))
    done = {**RESPONSE, "output": [message]}
    events.append(_event(n + 2, "response.completed", response=done))
    return events


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    answer = json.dumps(RESPONSE).encode()
    events = event_stream()
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length) if length else b""
            if b'"stream":true' in body.replace(b" ", b""):
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                    b"transfer-encoding: chunked\r\n\r\n"
                )
                for event in events:
                    writer.write(b"%x\r\n%s\r\n" % (len(event), event))
                    await writer.drain()
                writer.write(b"0\r\n\r\n")
            else:
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    b"content-length: %d\r\n\r\n%s" % (len(answer), answer)
                )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def serve_in_process() -> tuple[BaseProcess, str]:
    """The Responses server in a child process; return it and its ``/openai/v1`` URL."""
    process, base = _server.serve_in_process(_handle)
    return process, base + "/openai/v1"


def measure(base: str, calls: int, streams: int, repeats: int) -> dict[str, list[float]]:
    """Run every scenario ``repeats`` times, interleaved; return per-unit CPU seconds."""
    url = base + "/responses"
    headers = {"Authorization": f"Bearer {KEY}"}
    request = {"model": MODEL, "input": "How many languages are in the world?"}
    raw = httpx.Client(timeout=60)
    araw = httpx.AsyncClient(timeout=60)
    core = InferenceClient(base, KEY, model=MODEL, max_retries=0)
    acore = AsyncInferenceClient(base, KEY, model=MODEL, max_retries=0)
    loop = asyncio.new_event_loop()
    question = request["input"]

    def raw_calls() -> None:
        for _ in range(calls):
            json.loads(raw.post(url, json=request, headers=headers).content)

    def core_calls() -> None:
        for _ in range(calls):
            core.responses.create(question)

    def raw_stream() -> None:
        for _ in range(streams):
            body = {**request, "stream": True}
            with raw.stream("POST", url, json=body, headers=headers) as response:
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        json.loads(line[6:])

    def core_stream() -> None:
        for _ in range(streams):
            with core.responses.stream(question) as stream:
                for _event in stream:
                    pass
                stream.final_response()

    async def _araw_calls() -> None:
        for _ in range(calls):
            json.loads((await araw.post(url, json=request, headers=headers)).content)

    async def _acore_calls() -> None:
        for _ in range(calls):
            await acore.responses.create(question)

    async def _araw_stream() -> None:
        for _ in range(streams):
            body = {**request, "stream": True}
            async with araw.stream("POST", url, json=body, headers=headers) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data: "):
                        json.loads(line[6:])

    async def _acore_stream() -> None:
        for _ in range(streams):
            async with acore.responses.stream(question) as stream:
                async for _event in stream:
                    pass
                stream.final_response()

    def run(factory: Callable[[], Any]) -> Callable[[], Any]:
        return lambda: loop.run_until_complete(factory())

    scenarios: dict[str, tuple[Callable[[], Any], int]] = {
        "call raw httpx+json": (raw_calls, calls),
        "call core": (core_calls, calls),
        "call raw async": (run(_araw_calls), calls),
        "call core async": (run(_acore_calls), calls),
        "chunk raw iter_lines+json": (raw_stream, streams * EVENTS),
        "chunk core": (core_stream, streams * EVENTS),
        "chunk raw async": (run(_araw_stream), streams * EVENTS),
        "chunk core async": (run(_acore_stream), streams * EVENTS),
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


def _text(body: dict[str, Any]) -> str:
    """The answer's text, read the way a minimal integration would."""
    return "".join(
        part.get("text", "")
        for item in body["output"]
        if item.get("type") == "message"
        for part in item.get("content", ())
    )


def _usage(body: dict[str, Any]) -> Any:
    usage = body["usage"]
    return {k: usage[k] for k in ("input_tokens", "output_tokens", "total_tokens")}


def _framework_scenarios(
    framework: str, base: str, calls: int, streams: int
) -> tuple[dict[str, tuple[Callable[[], Any], int]], Callable[[], None]]:
    """One framework's scenarios (raw, its no-I/O floor, ours; calls and events) and a closer."""
    url, headers = base + "/responses", {"Authorization": f"Bearer {KEY}"}
    request = {"model": MODEL, "input": "How many languages are in the world?"}
    question = request["input"]
    chunks = EVENTS - 6  # one framework chunk per text delta
    raw = httpx.Client(timeout=60)

    def raw_calls() -> None:
        for _ in range(calls):
            json.loads(raw.post(url, json=request, headers=headers).content)

    def raw_stream() -> None:
        for _ in range(streams):
            body = {**request, "stream": True}
            with raw.stream("POST", url, json=body, headers=headers) as response:
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        json.loads(line[6:])

    ours: Any
    if framework == "lc":
        from langchain_core.messages import HumanMessage

        from langchain_azure_inference import ChatAzureInference

        from .contenders.lc_floor import NoIOChatModel

        ours = ChatAzureInference(endpoint=base, credential=KEY, model=MODEL, max_retries=0)
        floor: Any = NoIOChatModel(path=f"/b/{chunks}")
        lc_input = [HumanMessage(question)]

        class MinimalLC(NoIOChatModel):
            """The least a LangChain integration does per call: raw httpx inside ``invoke``."""

            def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None,
                          **kwargs: Any) -> Any:  # fmt: skip
                from langchain_core.messages import AIMessage
                from langchain_core.outputs import ChatGeneration, ChatResult

                body = json.loads(raw.post(url, json=request, headers=headers).content)
                message = AIMessage(
                    content=_text(body), id=body["id"], usage_metadata=_usage(body),
                    response_metadata={"status": body["status"], "model_name": body["model"]},
                )  # fmt: skip
                return ChatResult(generations=[ChatGeneration(message=message)])

        minimal: Any = MinimalLC(path=f"/b/{chunks}")

        def call(model: Any) -> Callable[[], Any]:
            return lambda: model.invoke(lc_input)

        def stream(model: Any) -> Callable[[], Any]:
            return lambda: model.stream(lc_input)
    else:
        from llama_index.core.base.llms.types import ChatMessage

        from llamaindex_azure_inference import AzureInference

        from .contenders.li_floor import NoIOLLM

        ours = AzureInference(endpoint=base, credential=KEY, model=MODEL, max_retries=0)
        floor = NoIOLLM(path=f"/b/{chunks}")
        li_input = [ChatMessage(role="user", content=question)]

        from llama_index.core.base.llms.types import ChatResponse, MessageRole
        from llama_index.core.llms.callbacks import llm_chat_callback

        class MinimalLI(NoIOLLM):
            """The least a LlamaIndex integration does per call: raw httpx inside ``chat``."""

            @llm_chat_callback()
            def chat(self, messages: Any, **kwargs: Any) -> ChatResponse:
                body = json.loads(raw.post(url, json=request, headers=headers).content)
                message = ChatMessage(role=MessageRole.ASSISTANT, content=_text(body),
                                      additional_kwargs={"usage": body["usage"]})  # fmt: skip
                return ChatResponse(message=message, raw=body)

        minimal = MinimalLI(path=f"/b/{chunks}")

        def call(model: Any) -> Callable[[], Any]:
            return lambda: model.chat(li_input)

        def stream(model: Any) -> Callable[[], Any]:
            return lambda: model.stream_chat(li_input)

    def times(fn: Callable[[], Any], count: int) -> Callable[[], None]:
        def run() -> None:
            for _ in range(count):
                fn()

        return run

    def drain(make: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            for _ in make():
                pass

        return run

    scenarios: dict[str, tuple[Callable[[], Any], int]] = {
        "call raw": (raw_calls, calls),
        "call floor": (times(call(floor), calls), calls),
        "call ours": (times(call(ours), calls), calls),
        "call minimal": (times(call(minimal), calls), calls),
        "event raw": (raw_stream, streams * EVENTS),
        "event floor": (times(drain(stream(floor)), streams), streams * EVENTS),
        "event ours": (times(drain(stream(ours)), streams), streams * EVENTS),
    }

    def close() -> None:
        raw.close()
        ours.close()

    return scenarios, close


def measure_framework(
    framework: str, base: str, calls: int, streams: int, repeats: int
) -> dict[str, float]:
    """Median CPU seconds per unit of each scenario of one framework, interleaved."""
    scenarios, close = _framework_scenarios(framework, base, calls, streams)
    results: dict[str, list[float]] = {name: [] for name in scenarios}
    try:
        for fn, _ in scenarios.values():  # warm-up: connections, imports, caches
            fn()
        for _ in range(repeats):
            for name, (fn, count) in scenarios.items():
                results[name].append(_cpu(fn, count))
    finally:
        close()
    return {name: statistics.median(values) for name, values in results.items()}


def measure_adapters(base: str, calls: int, streams: int, repeats: int) -> str:
    """LangChain and LlamaIndex on the Responses API against raw httpx plus each
    framework's own cost (the no-I/O models of ``bench.contenders``, same chunk count).

    Each framework runs in a process of its own, as the main bench's workers do: a
    process holding both frameworks' objects pays for the other's in every garbage
    collection, which is no cost a user of one of them has.
    """
    lines = [f"{'adapter':24} {'median us':>10} {'floor us':>9} {'ratio':>7} budget"]
    medians: dict[str, dict[str, float]] = {}
    for framework in ("lc", "li"):
        done = subprocess.run(
            [sys.executable, "-m", "bench.bench_responses", "--framework", framework,
             "--base-url", base, "--calls", str(calls), "--streams", str(streams),
             "--repeats", str(repeats)],
            capture_output=True, text=True, check=False, cwd=_ROOT,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"the {framework} worker failed: {done.stderr.strip()[-500:]}")
        medians[framework] = json.loads(done.stdout.strip().splitlines()[-1])
    for kind, limit in (("call", 1.2), ("event", 1.5)):
        for framework in ("lc", "li"):
            median = medians[framework]
            value = median[f"{kind} ours"]
            floor = median[f"{kind} raw"] + median[f"{kind} floor"]
            ratio = value / floor
            verdict = "ok" if ratio <= limit else "MISSED"
            lines.append(
                f"{kind + ' ' + framework:24} {value * 1e6:10.2f} {floor * 1e6:9.2f} "
                f"{ratio:6.2f}x <= {limit}x {verdict}"
            )
    # A second yardstick, for reading the first: the floor's two parts measured together, as
    # a minimal integration (raw httpx inside the framework's call, its answer built from the
    # parsed JSON). Each part alone runs hot in its own loop; inside one call they share the
    # caches, as any integration's code does. Reported only: the budgets use the sum above.
    lines.append(f"{'reference, per call':24} {'minimal':>10} {'raw+floor':>9} ratio  ours/minimal")
    for framework in ("lc", "li"):
        median = medians[framework]
        minimal = median["call minimal"]
        summed = median["call raw"] + median["call floor"]
        lines.append(
            f"{'minimal ' + framework:24} {minimal * 1e6:10.2f} {summed * 1e6:9.2f} "
            f"{minimal / summed:6.2f}x {median['call ours'] / minimal:6.2f}x"
        )
    return "\n".join(lines)


def section(calls: int, streams: int, repeats: int) -> str:
    """The Responses API part of ``python -m bench`` (markdown): core and both adapters."""
    process, base = serve_in_process()
    try:
        results = measure(base, calls, streams, repeats)
        adapters = measure_adapters(base, calls, streams, repeats)
    finally:
        process.terminate()
        process.join(5)
    return (
        "## Responses API (`client.responses`, `use_responses_api=True`)\n\n"
        f"Client CPU (time.process_time), median of {repeats} interleaved repeats of "
        f"{calls} calls and {streams} x {EVENTS}-event streams, against raw httpx + json on "
        "the same loopback server (`bench/bench_responses.py`); adapters against raw plus "
        "their framework's no-I/O floor, each framework in a process of its own.\n\n"
        f"```text\n{report(results, chunk_limit=1.5)}\n{adapters}\n```\n"
    )


def main(argv: list[str] | None = None) -> None:
    """Start the server, measure, print the table (``chunk`` rows are per event)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--streams", type=int, default=5)
    parser.add_argument("--adapters", action="store_true", help="LangChain and LlamaIndex too")
    parser.add_argument("--framework", choices=("lc", "li"), help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.framework:  # a worker of measure_adapters: medians as one JSON line
        medians = measure_framework(
            args.framework, args.base_url, args.calls, args.streams, args.repeats
        )
        print(json.dumps(medians))
        return
    process, base = serve_in_process()
    adapters = ""
    try:
        results = measure(base, args.calls, args.streams, args.repeats)
        if args.adapters:
            adapters = measure_adapters(base, args.calls, args.streams, args.repeats)
    finally:
        process.terminate()
        process.join(5)
    print(
        f"Responses API client CPU (time.process_time), {args.repeats} repeats, "
        f"{args.calls} calls and {args.streams} x {EVENTS}-event streams per repeat"
    )
    print(report(results, chunk_limit=1.5))
    if adapters:
        print(adapters)


if __name__ == "__main__":
    main()
