"""Fixtures of the LlamaIndex suite: one emulator on loopback for the session.

The emulator's bare routes serve Mistral-Large; its Foundry `/models` route
serves every built-in profile by deployment name, so one server covers all
the models these tests use. Scripted answers are cleared after each test;
the rate budgets are off so the suite's pace never trips a 429.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _li_support import KEY

from azure_inference_emulator import Emulator


@pytest.fixture(scope="session")
def emu() -> Iterator[Emulator]:
    with Emulator(
        profile="Mistral-Large",
        key=KEY,
        seed=7,
        requests_per_minute=None,
        tokens_per_minute=None,
    ) as server:
        yield server
        # Nothing in this integration may read /info behind the user's back.
        assert not [r.path for r in server.requests if r.path.endswith("/info")]


@pytest.fixture(autouse=True)
def _clean_script(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "emu" in request.fixturenames:
        request.getfixturevalue("emu").script.clear()
