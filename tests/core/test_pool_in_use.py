"""The slot pool and the lean cookie jar rest on httpx internals (``_pool`` of its
transports, ``_cookies`` of its clients), which is why pyproject pins httpx below the
next minor release. These tests fail the moment a new httpx stops routing requests
through our pool or stops using our jar, instead of the burst quietly slowing down."""

from __future__ import annotations

from typing import Any

import pytest

from azure_inference_core._transport import AsyncSlotPool, SlotPool, _SetCookieOnly

from ._loopback import ScriptedServer, json_reply
from .conftest import Driver

OK = {"id": "ok", "choices": [{"index": 0, "message": {"content": "x"}, "finish_reason": "stop"}]}


async def test_every_request_goes_through_the_slot_pool(
    driver: Driver, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    pool: Any = AsyncSlotPool if driver.is_async else SlotPool
    name = "handle_async_request" if driver.is_async else "handle_request"
    original = getattr(pool, name)

    if driver.is_async:

        async def counting(self: Any, request: Any) -> Any:
            seen.append(request.url.target.decode())
            return await original(self, request)
    else:

        def counting(self: Any, request: Any) -> Any:  # type: ignore[misc]
            seen.append(request.url.target.decode())
            return original(self, request)

    monkeypatch.setattr(pool, name, counting)
    server.push(json_reply(OK), json_reply(OK))
    client = driver.client(server.url)
    for _ in range(2):
        assert (await driver.complete(client)).id == "ok"
    assert len(seen) == 2
    assert all(target.startswith("/chat/completions") for target in seen)
    assert isinstance(client._http.cookies, _SetCookieOnly)
    await driver.close(client)
