"""Fake Entra ID credentials that count their calls and issue tokens with a chosen lifetime."""

from __future__ import annotations

import time
from typing import Any, NamedTuple


class Token(NamedTuple):
    """What ``get_token`` returns (the shape of azure.core's ``AccessToken``)."""

    token: str
    expires_on: float


class FakeCredential:
    """A sync token credential.

    Tokens name the scope's host and a serial number (``tok-ml.azure.com-1``),
    so a test can tell which scope a sent token was issued for. ``parts``
    gives one fixed token, stored in pieces so that the whole token only
    exists once issued (a pickle of the credential does not contain it).
    ``issued`` is test bookkeeping and is not pickled.
    """

    def __init__(
        self,
        *,
        prefix: str = "tok-",
        lifetime: float = 3600.0,
        parts: tuple[str, ...] | None = None,
    ) -> None:
        self.prefix = prefix
        self.lifetime = lifetime
        self.parts = parts
        self.calls = 0
        self.scopes_seen: list[tuple[str, ...]] = []
        self.issued: list[str] = []

    def _issue(self, scopes: tuple[str, ...]) -> Token:
        self.calls += 1
        self.scopes_seen.append(scopes)
        if self.parts is not None:
            token = "".join(self.parts)
        else:
            hosts = "+".join(s.split("//")[-1].split("/")[0] for s in scopes)
            token = f"{self.prefix}{hosts}-{self.calls}"
        self.issued.append(token)
        return Token(token, time.time() + self.lifetime)

    def get_token(self, *scopes: str, **kwargs: Any) -> Token:
        return self._issue(scopes)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["issued"] = []
        return state


class AsyncFakeCredential(FakeCredential):
    """The same, with ``async def get_token`` (like ``azure.identity.aio``)."""

    async def get_token(self, *scopes: str, **kwargs: Any) -> Token:  # type: ignore[override]
        return self._issue(scopes)
