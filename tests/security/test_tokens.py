"""Entra ID tokens: fetched once, refreshed before they expire, never sent to another scope.

The fake credentials count their calls and issue tokens named after the
scope they were asked for, with a lifetime the test chooses; a
``MockTransport`` records the ``Authorization`` header of every request.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from azure_inference_core import AsyncInferenceClient, InferenceClient

from ._fakes import AsyncFakeCredential, FakeCredential

SERVERLESS = "https://phi.eastus2.models.ai.azure.com"  # https://ml.azure.com/.default
FOUNDRY = "https://res.services.ai.azure.com/models"  # https://cognitiveservices.azure.com/.default
MESSAGES = [{"role": "user", "content": "hi"}]
#: The core refreshes a token this long before it expires (azure-core uses 300 s too).
MARGIN = 300.0


class Service:
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.tokens.append(request.headers["authorization"].removeprefix("Bearer "))
        assert "api-key" not in request.headers
        return httpx.Response(
            200,
            json={
                "id": "x",
                "object": "chat.completion",
                "created": 1,
                "model": "m",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": "ok"},
                    }
                ],
            },
        )


def make(endpoint: str, credential: Any, service: Service, is_async: bool, **kw: Any) -> Any:
    transport = httpx.MockTransport(service)
    if is_async:
        return AsyncInferenceClient(
            endpoint,
            credential,
            model="m",
            http_client=httpx.AsyncClient(transport=transport),
            **kw,
        )
    return InferenceClient(
        endpoint, credential, model="m", http_client=httpx.Client(transport=transport), **kw
    )


async def call(client: Any) -> None:
    result = client.complete(MESSAGES)
    if asyncio.iscoroutine(result):
        await result


CREDENTIALS = [
    pytest.param(False, FakeCredential, id="sync-client"),
    pytest.param(True, FakeCredential, id="async-client-sync-credential"),
    pytest.param(True, AsyncFakeCredential, id="async-client-async-credential"),
]


@pytest.mark.parametrize(("is_async", "kind"), CREDENTIALS)
async def test_token_is_cached_then_refreshed_before_expiry(is_async: bool, kind: type) -> None:
    service = Service()
    # Fresh for 0.8 s more, then inside the refresh margin (yet 300 s from expiry).
    credential = kind(lifetime=MARGIN + 0.8)
    client = make(SERVERLESS, credential, service, is_async)
    await call(client)
    await call(client)
    assert credential.calls == 1, "a fresh token was fetched again"
    await asyncio.sleep(0.85)
    credential.lifetime = 3600.0
    await call(client)
    assert credential.calls == 2, "a token about to expire was not refreshed"
    await call(client)
    assert credential.calls == 2
    assert service.tokens == [
        "tok-ml.azure.com-1",
        "tok-ml.azure.com-1",
        "tok-ml.azure.com-2",
        "tok-ml.azure.com-2",
    ]


@pytest.mark.parametrize(("is_async", "kind"), CREDENTIALS)
async def test_tokens_are_never_shared_across_scopes(is_async: bool, kind: type) -> None:
    service = Service()
    credential = kind()
    ml = make(SERVERLESS, credential, service, is_async)
    cognitive = make(FOUNDRY, credential, service, is_async)
    custom = make(
        SERVERLESS, credential, service, is_async, credential_scopes=["api://my-app/.default"]
    )
    for client in (ml, cognitive, custom, ml, cognitive, custom):
        await call(client)
    assert credential.scopes_seen == [
        ("https://ml.azure.com/.default",),
        ("https://cognitiveservices.azure.com/.default",),
        ("api://my-app/.default",),
    ]
    assert service.tokens == [
        "tok-ml.azure.com-1",
        "tok-cognitiveservices.azure.com-2",
        "tok-my-app-3",
        "tok-ml.azure.com-1",
        "tok-cognitiveservices.azure.com-2",
        "tok-my-app-3",
    ]


@pytest.mark.parametrize("kind", [FakeCredential, AsyncFakeCredential])
async def test_concurrent_calls_fetch_one_token(kind: type) -> None:
    service = Service()
    credential = kind()
    client = make(SERVERLESS, credential, service, True)
    await asyncio.gather(*(call(client) for _ in range(25)))
    assert credential.calls == 1
    assert set(service.tokens) == {"tok-ml.azure.com-1"}


def test_threads_sharing_a_sync_client_fetch_one_token() -> None:
    from concurrent.futures import ThreadPoolExecutor

    service = Service()
    credential = FakeCredential()
    client = make(SERVERLESS, credential, service, False)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: client.complete(MESSAGES), range(24)))
    assert credential.calls == 1
    assert len(service.tokens) == 24


@pytest.mark.parametrize("family", ["langchain", "llamaindex"])
def test_adapters_use_the_endpoints_scope_and_refresh(family: str) -> None:
    service = Service()
    credential = FakeCredential(lifetime=MARGIN + 0.8)
    http = httpx.Client(transport=httpx.MockTransport(service))
    if family == "langchain":
        from langchain_azure_inference import ChatAzureInference

        model: Any = ChatAzureInference(
            endpoint=FOUNDRY, credential=credential, model="m", http_client=http
        )
        ask = model.invoke
    else:
        from llamaindex_azure_inference import AzureInference

        model = AzureInference(endpoint=FOUNDRY, credential=credential, model="m", http_client=http)
        ask = model.complete
    ask("one")
    ask("two")
    time.sleep(0.85)
    ask("three")
    assert credential.scopes_seen == [("https://cognitiveservices.azure.com/.default",)] * 2
    assert service.tokens == [
        "tok-cognitiveservices.azure.com-1",
        "tok-cognitiveservices.azure.com-1",
        "tok-cognitiveservices.azure.com-2",
    ]
