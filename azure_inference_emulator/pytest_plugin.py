"""pytest plugin (registered through the ``pytest11`` entry point): emulator fixtures.

Fixtures:

- ``azure_inference_emulator``: a fresh emulator for one test;
- ``azure_inference_emulator_session``: one emulator for the whole session.

Set them up through the marker (function scope) or by overriding the
``azure_inference_emulator_settings`` fixture (any scope)::

    @pytest.mark.azure_inference_emulator(profile="gpt-4o-mini", key="k",
                                          faults=["status=429; times=1"],
                                          latency=False, cassette="tests/chat.json")
    def test_chat(azure_inference_emulator):
        client = InferenceClient(azure_inference_emulator.endpoint, "k")

Indirect parametrization passes settings as arguments too
(``@pytest.mark.parametrize("azure_inference_emulator", [{"profile": ...}],
indirect=True)``). Every keyword of :class:`~azure_inference_emulator.Emulator` is accepted; a
relative ``cassette`` is read next to the test file (``mode`` then defaults to
``replay``). Nothing is imported from the emulator until a fixture is used, so
the plugin costs nothing where the ``emulator`` extra is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._server import Emulator

__all__ = [
    "azure_inference_emulator",
    "azure_inference_emulator_session",
    "azure_inference_emulator_settings",
]

MARKER = "azure_inference_emulator"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**settings): settings of the azure_inference_emulator fixture "
        "(profile, key, faults, latency, cassette, mode, ... as Emulator takes them)",
    )


def _settings(base: Mapping[str, Any], node: pytest.Item | None) -> dict[str, Any]:
    settings = dict(base)
    marker = node.get_closest_marker(MARKER) if node is not None else None
    if marker is not None:
        if marker.args:
            settings["profile"] = marker.args[0]
        settings.update(marker.kwargs)
    cassette = settings.get("cassette")
    if cassette is not None:
        path = Path(cassette)
        if not path.is_absolute() and node is not None:
            path = Path(str(node.fspath)).parent / path
        settings["cassette"] = path
        settings.setdefault("mode", "replay")
    return settings


def _start(settings: Mapping[str, Any]) -> Emulator:
    try:
        from ._server import Emulator
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise pytest.UsageError(
            "the azure_inference_emulator fixture needs the emulator extra: "
            "pip install 'azure-inference[emulator]'"
        ) from exc
    try:
        emulator = Emulator(**settings)
    except TypeError as exc:
        raise pytest.UsageError(f"azure_inference_emulator settings: {exc}") from None
    emulator.start()
    emulator.wait_started()
    return emulator


@pytest.fixture(scope="session")
def azure_inference_emulator_settings() -> dict[str, Any]:
    """Base settings of both fixtures (override it in a conftest.py); markers add to them."""
    return {}


@pytest.fixture
def azure_inference_emulator(
    request: pytest.FixtureRequest, azure_inference_emulator_settings: dict[str, Any]
) -> Iterator[Emulator]:
    """A running emulator for this test, set up by the marker; stopped afterwards."""
    node = request.node if isinstance(request.node, pytest.Item) else None
    settings = _settings(azure_inference_emulator_settings, node)
    settings.update(getattr(request, "param", None) or {})  # indirect parametrization
    emulator = _start(settings)
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="session")
def azure_inference_emulator_session(
    azure_inference_emulator_settings: dict[str, Any],
) -> Iterator[Emulator]:
    """One running emulator for the session (settings from the settings fixture only)."""
    emulator = _start(_settings(azure_inference_emulator_settings, None))
    try:
        yield emulator
    finally:
        emulator.stop()
