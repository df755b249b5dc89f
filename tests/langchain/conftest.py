"""One emulator for the LangChain tests (Foundry route: body ``model`` picks the profile)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _lc_mock import EMULATOR_KEY, Recorder

from azure_inference_emulator import Emulator


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    # No rate budgets: the whole suite shares this instance (the default is the
    # service's 1,000 requests / 200,000 tokens per minute).
    with Emulator(
        profile="gpt-4o-mini",
        key=EMULATOR_KEY,
        seed=7,
        requests_per_minute=None,
        tokens_per_minute=None,
    ) as emu:
        yield emu


@pytest.fixture
def fresh_emulator(emulator: Emulator) -> Emulator:
    """The shared emulator with recorded requests and faults cleared."""
    emulator.clear_requests()
    emulator.clear_faults()
    return emulator


@pytest.fixture
def recorder() -> Recorder:
    """A mock transport that records requests and answers like the service."""
    return Recorder()
