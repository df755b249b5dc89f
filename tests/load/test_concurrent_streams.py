"""1,000 concurrent async streams on loopback, through the core and both adapters.

Each test opens 1,000 streams at once from one client (as an application
would) while the emulator throttles the first ``THROTTLED`` chat requests
with a short ``Retry-After``: most streams run clean, the throttled ones
succeed on a retry among them, both in one run (one run per client keeps the
suite within its time budget on two cores). Afterwards:

* every stream completed with its own answer, none raised;
* no file descriptor and no ESTABLISHED loopback connection is left once the
  client is closed (both ends live in this process: the emulator runs in a
  background thread);
* nothing from the run stays alive: no responses, chunks or streams in the
  heap, and (core run) traced memory back near the baseline.

Bounded: a fixed count, a short answer (``max_tokens``), a timeout on the
whole gather. Wall time is not asserted (bench/ measures speed). The core
and LangChain clients use ``max_concurrency=8`` (small pools suit loopback,
per the core's notes); the LlamaIndex class does not offer the setting.
"""

from __future__ import annotations

import asyncio
import gc
import os
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator

import httpx
import pytest
from faults._support import KEY

import azure_inference_core as core
from azure_inference_emulator import Emulator

STREAMS = 1000
THROTTLED = 150
#: A guard against a hang, far above the expected time; not a speed target.
GUARD_SECONDS = 240
LEAK_TYPES = (
    httpx.Response,
    core.ChatCompletionChunk,
    core.ChatCompletionStream,
    core.AsyncChatCompletionStream,
)

pytestmark = pytest.mark.timeout(GUARD_SECONDS + 60)


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(
        "Mistral-Large",
        key=KEY,
        requests_per_minute=None,
        tokens_per_minute=None,
        record_limit=STREAMS + THROTTLED + 100,
    ) as server:
        yield server


def open_fds() -> set[int]:
    fds = set()
    for name in os.listdir("/proc/self/fd"):
        try:
            os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue  # the directory handle listdir itself used
        fds.add(int(name))
    return fds


def established(port: int) -> int:
    """ESTABLISHED TCP connections with ``port`` at either end (IPv4 and IPv6 tables)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local, remote, state = fields[1], fields[2], fields[3]
            ports = {int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16)}
            if state == "01" and port in ports:
                count += 1
    return count


def live_objects() -> dict[str, int]:
    gc.collect()
    counts = dict.fromkeys((t.__name__ for t in LEAK_TYPES), 0)
    for obj in gc.get_objects():
        for kind in LEAK_TYPES:
            if type(obj) is kind:
                counts[kind.__name__] += 1
    return counts


async def settle(check: Callable[[], bool], seconds: float = 5.0) -> None:
    """Give the server thread a moment to see the closed connections."""
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)


Runner = Callable[[int], Awaitable[str]]


async def run_load(
    emu: Emulator,
    build: Callable[[], tuple[Runner, Callable[[], Awaitable[None]]]],
    *,
    throttled: bool,
    trace_memory: bool,
) -> None:
    emu.clear_requests()
    emu.clear_faults()
    if throttled:
        emu.set_faults(f"status=429; retry-after-ms=30; times={THROTTLED}; route=chat")
    gc.collect()
    fds_before = open_fds()
    objects_before = live_objects()
    if trace_memory:
        tracemalloc.start()
        memory_before = tracemalloc.get_traced_memory()[0]
    try:
        one, close = build()
        answers = await asyncio.wait_for(
            asyncio.gather(*(one(i) for i in range(STREAMS)), return_exceptions=True),
            GUARD_SECONDS,
        )
        await close()
        errors = [a for a in answers if isinstance(a, BaseException)]
        assert errors == [], f"{len(errors)} streams failed, first: {errors[:1]!r}"
        wrong = [i for i, a in enumerate(answers) if f'"load-{i}"' not in str(a)]
        assert wrong == [], f"{len(wrong)} streams got someone else's answer: {wrong[:5]}"

        statuses = [r.status for r in emu.requests if r.path.endswith("/chat/completions")]
        assert statuses.count(200) == STREAMS
        assert statuses.count(429) == (THROTTLED if throttled else 0)
        emu.clear_requests()
        emu.clear_faults()

        await settle(lambda: established(emu.port) == 0 and len(open_fds()) <= len(fds_before))
        assert established(emu.port) == 0, "connections to the emulator are still open"
        leaked = sorted(open_fds() - fds_before)
        assert leaked == [], f"file descriptors left open: {leaked}"
        assert live_objects() == objects_before, "objects of the run are still alive"
        if trace_memory:
            gc.collect()
            grown = tracemalloc.get_traced_memory()[0] - memory_before
            assert grown < 8 * 1024 * 1024, f"{grown / 1e6:.1f} MB still allocated after the run"
    finally:
        if trace_memory:
            tracemalloc.stop()
        emu.clear_faults()


def core_runner(emu: Emulator) -> tuple[Runner, Callable[[], Awaitable[None]]]:
    client = core.AsyncInferenceClient(emu.endpoint, KEY, max_retries=3, max_concurrency=8)

    async def one(i: int) -> str:
        messages = [{"role": "user", "content": f"load-{i}"}]
        parts = [
            c.choices[0].delta.content or ""
            async for c in client.stream(messages, max_tokens=8)
            if c.choices
        ]
        return "".join(parts)

    return one, client.aclose


def langchain_runner(emu: Emulator) -> tuple[Runner, Callable[[], Awaitable[None]]]:
    from langchain_azure_inference import ChatAzureInference

    llm = ChatAzureInference(
        endpoint=emu.endpoint, credential=KEY, max_retries=3, max_tokens=8, max_concurrency=8
    )

    async def one(i: int) -> str:
        return "".join([str(c.content) async for c in llm.astream(f"load-{i}")])

    return one, llm.aclose


def llamaindex_runner(emu: Emulator) -> tuple[Runner, Callable[[], Awaitable[None]]]:
    from llama_index.core.llms import ChatMessage

    from llamaindex_azure_inference import AzureInference

    llm = AzureInference(endpoint=emu.endpoint, credential=KEY, max_retries=3, max_tokens=8)

    async def one(i: int) -> str:
        messages = [ChatMessage(role="user", content=f"load-{i}")]
        text = ""
        async for response in await llm.astream_chat(messages):
            text = str(response.message.content)
        return text

    return one, llm.aclose


async def test_core_1000_concurrent_streams_with_429s(emu: Emulator) -> None:
    await run_load(emu, lambda: core_runner(emu), throttled=True, trace_memory=True)


async def test_langchain_1000_concurrent_streams_with_429s(emu: Emulator) -> None:
    await run_load(emu, lambda: langchain_runner(emu), throttled=True, trace_memory=False)


async def test_llamaindex_1000_concurrent_streams_with_429s(emu: Emulator) -> None:
    await run_load(emu, lambda: llamaindex_runner(emu), throttled=True, trace_memory=False)
