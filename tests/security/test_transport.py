"""What goes on the wire: no key over plain http, TLS verified, no header injection, no redirects.

An ``httpx.MockTransport`` stands in for the network and records every
request that would have left the process, so "raises before sending" is
checked by the transport having seen nothing.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import pytest
from faults._support import KEY

from azure_inference_core import (
    APIStatusError,
    AsyncInferenceClient,
    ConfigurationError,
    InferenceClient,
)

HTTPS = "https://secure.eastus2.models.ai.azure.com"
MESSAGES = [{"role": "user", "content": "hi"}]
INSECURE = [
    "http://models.example.com",
    "http://10.0.0.5:8080",
    "http://127.0.0.1.nip.io",
    "http://localhost.attacker.example",
    "http://[2001:db8::1]",
]


class Recorder:
    """A MockTransport handler that keeps the requests and answers a canned completion."""

    def __init__(self, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.status = status
        self.headers = headers or {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.status != 200:
            return httpx.Response(self.status, headers=self.headers, json={"error": {}})
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
                        "message": {"role": "assistant", "content": "fine"},
                    }
                ],
            },
        )


def mock_client(recorder: Recorder, is_async: bool) -> Any:
    transport = httpx.MockTransport(recorder)
    return httpx.AsyncClient(transport=transport) if is_async else httpx.Client(transport=transport)


async def core_call(client: Any, **kwargs: Any) -> Any:
    result = client.complete(MESSAGES, **kwargs)
    if isinstance(client, AsyncInferenceClient):
        result = await result
    return result


def adapter_call(
    family: str, endpoint: str, http: httpx.Client, headers: dict[str, str] | None = None
) -> None:
    """Build the adapter's chat model and make one call (construction errors raise too)."""
    if family == "langchain":
        from langchain_azure_inference import ChatAzureInference

        ChatAzureInference(
            endpoint=endpoint, credential=KEY, http_client=http, default_headers=headers
        ).invoke("hi")
    else:
        from llamaindex_azure_inference import AzureInference

        AzureInference(
            endpoint=endpoint, credential=KEY, http_client=http, default_headers=headers
        ).complete("hi")


# -- plain http -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", INSECURE)
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_core_refuses_a_key_over_plain_http_to_a_remote_host(
    url: str, is_async: bool
) -> None:
    recorder = Recorder()
    cls = AsyncInferenceClient if is_async else InferenceClient
    with pytest.raises(ConfigurationError) as caught:
        cls(url, KEY, http_client=mock_client(recorder, is_async))
    assert "allow_insecure_http" in str(caught.value)
    assert KEY not in str(caught.value)
    assert recorder.requests == []


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_core_sends_over_plain_http_only_with_the_opt_in(is_async: bool) -> None:
    recorder = Recorder()
    cls = AsyncInferenceClient if is_async else InferenceClient
    client = cls(
        "http://models.example.com",
        KEY,
        http_client=mock_client(recorder, is_async),
        allow_insecure_http=True,
    )
    await core_call(client)
    assert len(recorder.requests) == 1
    assert recorder.requests[0].url.host == "models.example.com"


@pytest.mark.parametrize("url", ["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9"])
def test_loopback_http_needs_no_opt_in(url: str) -> None:
    recorder = Recorder()
    InferenceClient(url, KEY, http_client=mock_client(recorder, False)).complete(MESSAGES)
    assert len(recorder.requests) == 1


@pytest.mark.parametrize("family", ["langchain", "llamaindex"])
def test_adapters_refuse_a_key_over_plain_http(family: str) -> None:
    recorder = Recorder()
    with pytest.raises(ValueError, match="http") as caught:
        adapter_call(family, "http://models.example.com", mock_client(recorder, False))
    assert KEY not in str(caught.value)
    assert recorder.requests == []


# -- TLS ----------------------------------------------------------------------------------------


def _ssl_context(http: httpx.Client | httpx.AsyncClient) -> ssl.SSLContext:
    """The TLS context of the connection pool under any wrapping transports (private, read only)."""
    transport: Any = http._transport
    while not hasattr(transport, "_pool") and hasattr(transport, "_inner"):
        transport = transport._inner
    context: ssl.SSLContext = transport._pool._ssl_context
    return context


def _owned_http(obj: Any) -> Any:
    """The httpx client a core client or an adapter built for itself (private, read only)."""
    from azure_inference_core import AsyncInferenceClient as Async
    from azure_inference_core import InferenceClient as Sync

    if isinstance(obj, (Sync, Async)):
        return obj._http
    return obj._get_sync_client()._http  # both adapters (CoreClientSettings)


def _assert_verified(http: Any) -> None:
    context = _ssl_context(http)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_core_verifies_tls_on_the_client_it_builds(is_async: bool) -> None:
    cls = AsyncInferenceClient if is_async else InferenceClient
    client = cls(HTTPS, KEY)
    _assert_verified(client._http)
    if is_async:
        await client.aclose()
    else:
        client.close()


def test_adapters_verify_tls_on_the_clients_they_build() -> None:
    from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference
    from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding

    for obj in (
        ChatAzureInference(endpoint=HTTPS, credential=KEY),
        AzureInferenceEmbeddings(endpoint=HTTPS, credential=KEY),
        AzureInference(endpoint=HTTPS, credential=KEY),
        AzureInferenceEmbedding(endpoint=HTTPS, credential=KEY),
    ):
        _assert_verified(_owned_http(obj))
        obj.close()


def test_a_caller_supplied_client_is_used_as_given() -> None:
    unverified = httpx.Client(verify=False)
    client = InferenceClient(HTTPS, KEY, http_client=unverified)
    assert client._http is unverified
    client.close()
    assert not unverified.is_closed, "the caller's client was closed by us"
    unverified.close()


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_redirects_are_not_followed_with_the_key(is_async: bool) -> None:
    """A redirect could carry ``api-key`` to another host (httpx strips only Authorization)."""
    recorder = Recorder(307, {"location": "https://collector.attacker.example/chat"})
    cls = AsyncInferenceClient if is_async else InferenceClient
    client = cls(
        HTTPS, KEY, key_header="both", http_client=mock_client(recorder, is_async), max_retries=0
    )
    with pytest.raises(APIStatusError) as caught:
        await core_call(client)
    assert caught.value.status_code == 307
    assert [r.url.host for r in recorder.requests] == ["secure.eastus2.models.ai.azure.com"]


# -- header injection ---------------------------------------------------------------------------

BAD_VALUES = ["v\r\nX-Injected: 1", "v\nX-Injected: 1", "v\rX"]


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_header_values_with_line_breaks_are_rejected_before_sending(
    value: str, is_async: bool
) -> None:
    recorder = Recorder()
    cls = AsyncInferenceClient if is_async else InferenceClient
    with pytest.raises(ConfigurationError, match="CR or LF"):
        cls(HTTPS, KEY, default_headers={"x-custom": value})
    client = cls(HTTPS, KEY, http_client=mock_client(recorder, is_async))
    with pytest.raises(ConfigurationError, match="CR or LF"):
        await core_call(client, headers={"x-custom": value})
    with pytest.raises(ConfigurationError, match="CR or LF"):
        await core_call(client, headers={f"x-bad{value}": "v"})
    assert recorder.requests == []


@pytest.mark.parametrize("value", BAD_VALUES)
def test_a_key_with_line_breaks_is_rejected_without_echoing_it(value: str) -> None:
    secret = KEY + value
    with pytest.raises(ConfigurationError) as caught:
        InferenceClient(HTTPS, secret)
    assert KEY not in str(caught.value)
    assert "X-Injected" not in str(caught.value)


@pytest.mark.parametrize("family", ["langchain", "llamaindex"])
def test_adapters_reject_header_values_with_line_breaks(family: str) -> None:
    recorder = Recorder()
    headers = {"x-custom": "v\r\nX-Injected: 1"}
    with pytest.raises(ValueError, match="CR or LF"):
        adapter_call(family, HTTPS, mock_client(recorder, False), headers)
    assert recorder.requests == []
