"""One loopback emulator for the fault suite, with the rate budgets off.

Faults are injected per call through ``x-emulator-fault`` with a fresh
``id=`` each time, so tests sharing the server never share a fault counter.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from azure_inference_emulator import Emulator

from ._raw import RawServer
from ._support import KEY, TARGET_IDS, TARGETS, Target


@pytest.fixture(scope="session")
def emu() -> Iterator[Emulator]:
    with Emulator(
        "Mistral-Large",
        key=KEY,
        deployments={"plain-chat": "Phi-3-mini-4k-Instruct"},
        requests_per_minute=None,
        tokens_per_minute=None,
        seed=3,
    ) as server:
        yield server


@pytest.fixture
def raw() -> Iterator[RawServer]:
    with RawServer() as server:
        yield server


@pytest.fixture(params=TARGETS, ids=TARGET_IDS)
def target(request: pytest.FixtureRequest) -> Target:
    return request.param  # type: ignore[no-any-return]
