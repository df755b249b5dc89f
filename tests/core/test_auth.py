"""Credentials: keys, tokens (cache, refresh, scopes, locking), env fallback, secrecy."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from typing import Any

import httpx
import pytest
from azure.core.credentials import AccessToken, AzureKeyCredential
from pydantic import SecretStr

from azure_inference_core import (
    APITimeoutError,
    AsyncInferenceClient,
    AuthenticationError,
    ConfigurationError,
    InferenceClient,
    StreamTimeoutError,
)

from .conftest import SERVERLESS, Driver

SECRET = "s3cr3t-key-0123456789abcdef"
TOKEN = "eyJ-token-value-abcdef"


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "x",
            "choices": [{"index": 0, "message": {"content": "hi"}, "finish_reason": "stop"}],
        },
    )


class Recorder:
    def __init__(self, response: Any = ok) -> None:
        self.requests: list[httpx.Request] = []
        self.response = response

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.response(request)


class FakeCredential:
    """A sync token credential with a controllable expiry."""

    def __init__(self, lifetime: float = 3600.0) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.lifetime = lifetime
        self.lock = threading.Lock()

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        with self.lock:
            self.calls.append(scopes)
            number = len(self.calls)
        time.sleep(0.01)  # widen the race window for the locking test
        return AccessToken(f"{TOKEN}-{number}", int(time.time() + self.lifetime))


class FakeAsyncCredential(FakeCredential):
    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:  # type: ignore[override]
        self.calls.append(scopes)
        await asyncio.sleep(0.01)
        return AccessToken(f"{TOKEN}-{len(self.calls)}", int(time.time() + self.lifetime))


@pytest.mark.parametrize(
    "credential",
    [SECRET, SecretStr(SECRET), AzureKeyCredential(SECRET)],
    ids=["str", "secretstr", "keylike"],
)
async def test_key_kinds(driver: Driver, credential: Any) -> None:
    rec = Recorder()
    client = driver.client(credential=credential, handler=rec)
    await driver.complete(client)
    assert rec.requests[0].headers["authorization"] == f"Bearer {SECRET}"


async def test_key_header_per_flavour_and_generic_sends_both(driver: Driver) -> None:
    rec = Recorder()
    client = driver.client("https://r.openai.azure.com/openai/deployments/d", SECRET, handler=rec)
    await driver.complete(client)
    assert rec.requests[-1].headers["api-key"] == SECRET
    assert "authorization" not in rec.requests[-1].headers
    client = driver.client("http://127.0.0.1:1", SECRET, handler=rec)
    await driver.complete(client)
    assert rec.requests[-1].headers["api-key"] == SECRET
    assert rec.requests[-1].headers["authorization"] == f"Bearer {SECRET}"


async def test_rotated_key_is_picked_up(driver: Driver) -> None:
    rec = Recorder()
    key = AzureKeyCredential("old-key")
    client = driver.client(credential=key, handler=rec)
    await driver.complete(client)
    key.update("new-key")
    await driver.complete(client)
    assert [r.headers["authorization"] for r in rec.requests] == [
        "Bearer old-key",
        "Bearer new-key",
    ]


async def test_token_cached_and_scoped(driver: Driver) -> None:
    rec = Recorder()
    cred = FakeAsyncCredential() if driver.is_async else FakeCredential()
    client = driver.client("https://r.services.ai.azure.com/models", cred, handler=rec, model="d")
    for _ in range(3):
        await driver.complete(client)
    assert cred.calls == [("https://cognitiveservices.azure.com/.default",)]
    assert {r.headers["authorization"] for r in rec.requests} == {f"Bearer {TOKEN}-1"}
    assert "api-key" not in rec.requests[0].headers


async def test_token_refreshed_before_expiry(driver: Driver) -> None:
    rec = Recorder()
    cred = FakeAsyncCredential(lifetime=200) if driver.is_async else FakeCredential(lifetime=200)
    client = driver.client(credential=cred, handler=rec)
    await driver.complete(client)
    await driver.complete(client)
    # 200 s left is inside the 5 min margin: every call fetches a fresh token.
    assert len(cred.calls) == 2
    assert rec.requests[1].headers["authorization"] == f"Bearer {TOKEN}-2"


async def test_tokens_are_never_shared_across_scopes(driver: Driver) -> None:
    rec = Recorder()
    cred = FakeCredential()
    a = driver.client(SERVERLESS, cred, handler=rec)
    b = driver.client(SERVERLESS, cred, handler=rec, credential_scopes=["https://other/.default"])
    await driver.complete(a)
    await driver.complete(b)
    assert cred.calls == [("https://ml.azure.com/.default",), ("https://other/.default",)]
    assert rec.requests[0].headers["authorization"] != rec.requests[1].headers["authorization"]


def test_token_fetch_is_locked_across_threads() -> None:
    rec = Recorder()
    cred = FakeCredential()
    client = InferenceClient(
        SERVERLESS, cred, http_client=httpx.Client(transport=httpx.MockTransport(rec))
    )
    threads = [
        threading.Thread(target=client.complete, args=([{"role": "user", "content": "x"}],))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(rec.requests) == 8
    assert len(cred.calls) == 1


async def test_async_token_fetch_is_locked_across_tasks() -> None:
    rec = Recorder()
    cred = FakeAsyncCredential()
    client = AsyncInferenceClient(
        SERVERLESS, cred, http_client=httpx.AsyncClient(transport=httpx.MockTransport(rec))
    )
    await asyncio.gather(*(client.complete([{"role": "user", "content": "x"}]) for _ in range(8)))
    assert len(cred.calls) == 1


def test_async_credential_in_sync_client_is_a_clear_error() -> None:
    client = InferenceClient(
        SERVERLESS,
        FakeAsyncCredential(),
        http_client=httpx.Client(transport=httpx.MockTransport(ok)),
    )
    with pytest.raises(ConfigurationError, match="AsyncInferenceClient"):
        client.complete([{"role": "user", "content": "x"}])


async def test_bad_token_object(driver: Driver) -> None:
    class Broken:
        def get_token(self, *scopes: str) -> object:
            return {"token": "x"}

    client = driver.client(credential=Broken(), handler=ok)
    with pytest.raises(ConfigurationError, match=r"'\.token'"):
        await driver.complete(client)


def test_unsupported_credential_type() -> None:
    with pytest.raises(ConfigurationError, match=r"not supported.*AzureKeyCredential"):
        InferenceClient(SERVERLESS, 12345)
    with pytest.raises(ConfigurationError, match="empty"):
        InferenceClient(SERVERLESS, "  ")


def test_env_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_INFERENCE_ENDPOINT", "https://env.eastus2.models.ai.azure.com")
    monkeypatch.setenv("AZURE_INFERENCE_CREDENTIAL", SECRET)
    rec = Recorder()
    client = InferenceClient(http_client=httpx.Client(transport=httpx.MockTransport(rec)))
    client.complete([{"role": "user", "content": "x"}])
    assert rec.requests[0].url.host == "env.eastus2.models.ai.azure.com"
    assert rec.requests[0].headers["authorization"] == f"Bearer {SECRET}"


def test_missing_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_INFERENCE_ENDPOINT", raising=False)
    with pytest.raises(ConfigurationError, match="AZURE_INFERENCE_ENDPOINT"):
        InferenceClient(credential="k")


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_default_azure_credential_when_no_key(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    monkeypatch.delenv("AZURE_INFERENCE_CREDENTIAL", raising=False)
    cls = AsyncInferenceClient if kind == "async" else InferenceClient
    client = cls(SERVERLESS)
    if kind == "async":
        from azure.identity.aio import DefaultAzureCredential
    else:
        from azure.identity import DefaultAzureCredential
    assert isinstance(client._auth.credential.wrapped, DefaultAzureCredential)  # type: ignore[union-attr]
    if kind == "async":
        asyncio.run(client.aclose())  # type: ignore[union-attr]
    else:
        client.close()  # type: ignore[union-attr]


def test_no_credential_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_INFERENCE_CREDENTIAL", raising=False)
    monkeypatch.setitem(sys.modules, "azure.identity", None)
    with pytest.raises(ConfigurationError) as info:
        InferenceClient(SERVERLESS)
    assert "AZURE_INFERENCE_CREDENTIAL" in str(info.value)
    assert "azure-identity" in str(info.value)


@pytest.mark.parametrize("credential", [SECRET, FakeCredential()], ids=["key", "token"])
def test_insecure_http_refused_unless_opted_in(credential: Any) -> None:
    with pytest.raises(ConfigurationError, match="allow_insecure_http=True"):
        InferenceClient("http://example.com", credential)
    InferenceClient("http://example.com", credential, allow_insecure_http=True).close()
    for host in ("http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1"):
        InferenceClient(host, credential).close()


async def test_secrets_never_leak(driver: Driver, caplog: pytest.LogCaptureFixture) -> None:
    def unauthorized(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401,
            json={"error": {"code": "Unauthorized", "message": "bad key"}},
            headers={"x-ms-request-id": "req-1"},
        )

    caplog.set_level(logging.DEBUG, logger="azure_inference_core")
    client = driver.client(
        credential=SECRET, handler=unauthorized, default_headers={"api-key": SECRET}
    )
    with pytest.raises(AuthenticationError) as info:
        await driver.complete(client)
    error = info.value
    texts = [repr(client), str(client), str(error), repr(error), repr(error.body), caplog.text]
    texts += [repr(vars(error))]
    assert "req-1" in str(error)
    assert "chat/completions" in caplog.text  # the request was logged...
    for text in texts:
        assert SECRET not in text  # ...but never the key


async def test_tokens_never_logged(driver: Driver, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="azure_inference_core")
    cred = FakeCredential()
    client = driver.client(credential=cred, handler=ok)
    await driver.complete(client)
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(client)


async def test_key_not_held_in_long_lived_state(driver: Driver) -> None:
    client = driver.client(credential=SECRET, handler=ok)
    await driver.complete(client)
    for value in vars(client).values():
        if isinstance(value, (str, dict, list, tuple)):
            assert SECRET not in repr(value)


class StuckAsyncCredential:
    """An async credential whose token never comes (an unreachable identity endpoint)."""

    def __init__(self) -> None:
        self.cancelled = False

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        raise AssertionError("unreachable")


async def test_total_timeout_bounds_an_async_token_fetch() -> None:
    credential = StuckAsyncCredential()
    rec = Recorder()
    client = Driver("async").client(credential=credential, handler=rec)
    # The outer bound only stops the test from hanging if total_timeout were ignored.
    with pytest.raises(APITimeoutError, match="Entra ID token") as caught:
        await asyncio.wait_for(
            client.complete([{"role": "user", "content": "hi"}], total_timeout=0.2), 10
        )
    assert not isinstance(caught.value, StreamTimeoutError)
    assert credential.cancelled  # the fetch was abandoned, not left running
    assert rec.requests == []  # nothing was sent without a token
    await client.aclose()


class SlowCredential(FakeCredential):
    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        time.sleep(0.3)
        return super().get_token(*scopes, **kwargs)


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_slow_sync_token_fetch_that_used_up_total_timeout_sends_nothing(kind: str) -> None:
    credential = SlowCredential()
    rec = Recorder()
    driver = Driver(kind)
    client = driver.client(credential=credential, handler=rec)
    with pytest.raises(APITimeoutError, match="total_timeout"):
        await driver.complete(client, total_timeout=0.1)
    assert rec.requests == []
    # The token is cached all the same; the next call goes out at once.
    await driver.complete(client, total_timeout=5)
    assert len(rec.requests) == 1
    assert len(credential.calls) == 1


def test_async_default_credential_without_aiohttp_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import builtins

    import azure_inference_core._env as env

    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "azure.identity.aio":  # as when azure-core's aiohttp transport is missing
            raise ModuleNotFoundError("No module named 'aiohttp'", name="aiohttp")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    source = env.EndpointSource("https://m.eastus2.models.ai.azure.com", "argument")
    with pytest.raises(ConfigurationError, match="aiohttp") as info:
        env.default_credential(source, asynchronous=True)
    assert "azure-inference[entra]" in str(info.value)
