"""A batch of 200 prompts across worker processes: a spawned pool and a local Ray cluster.

The emulator runs in this process (a background thread on 127.0.0.1); the
models are pickled into two workers, which call its URL. Every answer must
quote its own prompt (the emulator's answers quote the last user message),
so a mixed-up or dropped answer fails. Ray is started on loopback only:
every socket of every Ray process is checked to have loopback addresses at
both ends.
"""

from __future__ import annotations

import ipaddress
import multiprocessing
import os
from collections.abc import Iterator
from typing import Any

import pytest

from azure_inference_emulator import Emulator

from . import _workers
from .conftest import chat_model

BATCH = 200
FAMILIES = ["langchain", "llamaindex"]


def prompts(family: str) -> list[str]:
    return [f"{family} prompt number {i}" for i in range(BATCH)]


def check_answers(family: str, answers: list[str]) -> None:
    assert len(answers) == BATCH
    wrong = [
        i
        for i, (p, a) in enumerate(zip(prompts(family), answers, strict=True))
        if f'"{p}"' not in a
    ]
    assert wrong == [], f"answers not quoting their own prompt: {wrong[:5]}"


# -- multiprocessing --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool(emu: Emulator) -> Iterator[Any]:
    models = {f: chat_model(f, emu.foundry_endpoint) for f in FAMILIES}
    context = multiprocessing.get_context("spawn")
    # Both workers start before any task is taken, so the batch spreads over them.
    ready = context.Barrier(2)
    with context.Pool(2, initializer=_workers.install, initargs=(models, ready)) as workers:
        yield workers
        workers.close()
        workers.join()


@pytest.mark.timeout(180)
@pytest.mark.parametrize("family", FAMILIES)
def test_multiprocessing_pool_answers_200_prompts(pool: Any, emu: Emulator, family: str) -> None:
    results = pool.starmap(
        _workers.ask_installed, [(family, p) for p in prompts(family)], chunksize=10
    )
    check_answers(family, [answer for answer, _ in results])
    pids = {pid for _, pid in results}
    assert os.getpid() not in pids
    assert len(pids) == 2, "the batch did not spread over both workers"


# -- Ray ------------------------------------------------------------------------------------------


def _is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def non_loopback_sockets() -> list[str]:
    """Sockets of this process's descendants (Ray's) with a non-loopback address at an end."""
    psutil = pytest.importorskip("psutil")
    found: list[str] = []
    for process in psutil.Process().children(recursive=True):
        try:
            connections = process.net_connections(kind="inet")
            name = process.name()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        for conn in connections:
            for address in (conn.laddr, conn.raddr):
                if address and not _is_loopback(address.ip):
                    found.append(f"{name}: {conn.laddr} -> {conn.raddr} {conn.status}")
    return found


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[Any]:
    ray = pytest.importorskip("ray")
    saved = {
        k: os.environ.get(k)
        for k in ("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "RAY_USAGE_STATS_ENABLED")
    }
    # Without this Ray replaces 127.0.0.1 by the host's outward address
    # (services.resolve_ip_for_localhost); it is read by the Ray processes too.
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    from ray._private import ray_constants

    cluster_flag = ray_constants.ENABLE_RAY_CLUSTER
    ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        ray.init(
            num_cpus=2,
            include_dashboard=False,
            _node_ip_address="127.0.0.1",
            log_to_driver=False,
            logging_level="warning",
        )
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"ray.init(num_cpus=2, loopback) failed here: {type(exc).__name__}: {exc}")
    try:
        ray.cloudpickle.register_pickle_by_value(_workers)
        yield ray
    finally:
        ray.shutdown()
        ray_constants.ENABLE_RAY_CLUSTER = cluster_flag
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.mark.timeout(240)
@pytest.mark.parametrize("family", FAMILIES)
def test_ray_answers_200_prompts_on_loopback(ray_cluster: Any, emu: Emulator, family: str) -> None:
    ray = ray_cluster
    model_ref = ray.put(chat_model(family, emu.foundry_endpoint))

    @ray.remote
    def answer_chunk(model: Any, chunk: list[str]) -> tuple[list[str], int]:
        return [_workers.ask(model, p) for p in chunk], os.getpid()

    batch = prompts(family)
    chunks = [batch[i : i + 20] for i in range(0, BATCH, 20)]
    results = ray.get([answer_chunk.remote(model_ref, c) for c in chunks], timeout=180)
    check_answers(family, [a for answers, _ in results for a in answers])
    assert os.getpid() not in {pid for _, pid in results}
    assert non_loopback_sockets() == []
