"""The shape every contender takes, so one runner can time them all alike.

Stdlib only (imported from both environments). A contender builds clients for
an endpoint path (the path picks the canned scenario, see ``_payloads``) and
drives them the way a user of that library would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["Contender", "ToolCalls", "package_versions"]

ToolCalls = list[tuple[str, dict[str, Any]]]

QUESTION = "What's the weather in Paris?"


class Contender:
    """Base class: subclasses override the client factory and the drivers.

    ``has_async`` is False for the no-I/O framework floors, which have no
    connections to burst.
    """

    has_async = True

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.key = key
        self._clients: dict[str, Any] = {}

    # -- clients -----------------------------------------------------------
    def endpoint(self, path: str) -> str:
        return self.base_url + path

    def make(self, path: str) -> Any:
        """A new client bound to ``base_url + path``."""
        raise NotImplementedError

    def make_tools(self, path: str) -> Any:
        """A new client set up to send the tool definitions (default: ``make``)."""
        return self.make(path)

    def close_client(self, client: Any) -> None:
        """Release what ``make`` opened (default: nothing to release)."""

    def client(self, path: str, *, tools: bool = False) -> Any:
        """The cached client for one scenario path."""
        key = ("tools:" if tools else "") + path
        if key not in self._clients:
            self._clients[key] = self.make_tools(path) if tools else self.make(path)
        return self._clients[key]

    def close(self) -> None:
        for client in self._clients.values():
            self.close_client(client)
        self._clients.clear()

    # -- sync drivers --------------------------------------------------------
    def call_with(self, client: Any) -> str:
        """One non-streamed chat call; returns the answer text."""
        raise NotImplementedError

    def stream_with(self, client: Any) -> Iterator[str]:
        """One streamed chat call; yields each chunk's text as the user sees it."""
        raise NotImplementedError

    def tools_with(self, client: Any) -> ToolCalls:
        """One streamed call answered with tool calls; returns them assembled."""
        raise NotImplementedError

    # -- async drivers (bursts) ---------------------------------------------
    def amake(self, path: str) -> Any:
        """A new async client; called inside the running event loop."""
        raise NotImplementedError

    async def acall_with(self, client: Any) -> str:
        raise NotImplementedError

    async def aclose_client(self, client: Any) -> None:
        """Release what ``amake`` opened."""

    # -- scenario entry points (used by the runner) --------------------------
    def call(self) -> str:
        return self.call_with(self.client("/b/0"))

    def stream(self, n: int, *, per_event: bool = False) -> Iterator[str]:
        return self.stream_with(self.client(f"/{'e' if per_event else 'b'}/{n}"))

    def stream_tools(self, k: int) -> ToolCalls:
        return self.tools_with(self.client(f"/t/{k}", tools=True))


def package_versions(*names: str) -> dict[str, str]:
    """Installed versions of ``names`` (``"missing"`` when not installed)."""
    from importlib import metadata

    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "missing"
    return found
