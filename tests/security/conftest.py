"""Fixtures of the security suite: a loopback emulator that knows the suite's key and token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from faults._support import KEY, TARGET_IDS, TARGETS, Target

from azure_inference_emulator import Emulator

TOKEN_PARTS = ("entra-token-", "secret-8c2e41f7b9")
TOKEN = "".join(TOKEN_PARTS)


@pytest.fixture(scope="session")
def emu() -> Iterator[Emulator]:
    with Emulator(
        "Mistral-Large",
        key=KEY,
        tokens=[TOKEN],
        requests_per_minute=None,
        tokens_per_minute=None,
    ) as server:
        yield server


@pytest.fixture(params=TARGETS, ids=TARGET_IDS)
def target(request: pytest.FixtureRequest) -> Target:
    return request.param  # type: ignore[no-any-return]
