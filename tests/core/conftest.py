"""Shared fixtures: a sync/async driver so one test body covers both clients."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from azure_inference_core import AsyncInferenceClient, ChatCompletionChunk, InferenceClient

from ._loopback import ScriptedServer

MESSAGES = [{"role": "user", "content": "How many languages are in the world?"}]
SERVERLESS = "https://my-model.eastus2.models.ai.azure.com"

Handler = Callable[[httpx.Request], httpx.Response]


class Driver:
    """Runs the same test against ``InferenceClient`` or ``AsyncInferenceClient``."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.is_async = kind == "async"

    def client(
        self,
        endpoint: str = SERVERLESS,
        credential: Any = "test-key",
        *,
        handler: Handler | None = None,
        **kwargs: Any,
    ) -> Any:
        if handler is not None:
            transport = httpx.MockTransport(handler)
            kwargs["http_client"] = (
                httpx.AsyncClient(transport=transport)
                if self.is_async
                else httpx.Client(transport=transport)
            )
        cls = AsyncInferenceClient if self.is_async else InferenceClient
        return cls(endpoint, credential, **kwargs)

    async def call(self, client: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        result = getattr(client, method)(*args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result

    async def complete(self, client: Any, messages: Any = None, **kwargs: Any) -> Any:
        return await self.call(client, "complete", messages or MESSAGES, **kwargs)

    async def stream(
        self, client: Any, messages: Any = None, **kwargs: Any
    ) -> list[ChatCompletionChunk]:
        stream = client.stream(messages or MESSAGES, **kwargs)
        if self.is_async:
            return [chunk async for chunk in stream]
        return list(stream)

    async def close(self, client: Any) -> None:
        await self.call(client, "aclose" if self.is_async else "close")


@pytest.fixture(params=["sync", "async"])
def driver(request: pytest.FixtureRequest) -> Driver:
    return Driver(request.param)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as scripted:
        yield scripted
