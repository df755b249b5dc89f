"""Corporate networks: proxies from the environment or ``proxy=``, and a private CA.

A real forward proxy runs on 127.0.0.1 with the emulator behind it, over plain
http (the proxy forwards each request) and over https (a ``CONNECT`` tunnel to
the emulator serving TLS with a certificate from a test CA).
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from azure_inference_core import APIConnectionError, AsyncInferenceClient, InferenceClient
from azure_inference_core._network import proxy_routes
from azure_inference_emulator import Emulator

from ._proxy import ForwardProxy

KEY = "proxy-suite-key"
MESSAGES = [{"role": "user", "content": "How many languages are in the world?"}]
PROXY_SECRET = "pr0xy-s3cret-5e1f"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator("Mistral-Large", key=KEY, requests_per_minute=None, tokens_per_minute=None) as e:
        yield e


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "corporate-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture(scope="module")
def tls_emu(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The emulator over https, its certificate issued by the test CA."""
    folder = tmp_path_factory.mktemp("tls")
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    issued = ca.issue_cert("localhost", "127.0.0.1")
    issued.private_key_pem.write_to_path(str(keyfile))
    for index, pem in enumerate(issued.cert_chain_pems):
        pem.write_to_path(str(certfile), append=index > 0)
    with Emulator(
        "Mistral-Large",
        key=KEY,
        requests_per_minute=None,
        tokens_per_minute=None,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
    ) as emu:
        yield emu


def _https_localhost(emu: Emulator) -> str:
    """The TLS emulator's URL by host name (the name its certificate and CONNECT carry)."""
    return emu.endpoint.replace("127.0.0.1", "localhost")


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy() as server:
        yield server


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def _answer(result: Any) -> str:
    return str(result.choices[0].message.content)


async def _run(is_async: bool, endpoint: str, *, stream: bool = False, **options: Any) -> str:
    """One chat call (or stream, joined) through a core client built with ``options``."""
    if is_async:
        async with AsyncInferenceClient(endpoint, KEY, max_retries=0, **options) as client:
            if stream:
                parts = [
                    c.choices[0].delta.content or ""
                    async for c in client.stream(MESSAGES)
                    if c.choices
                ]
                return "".join(parts)
            return _answer(await client.complete(MESSAGES))
    with InferenceClient(endpoint, KEY, max_retries=0, **options) as client:
        if stream:
            return "".join(
                c.choices[0].delta.content or "" for c in client.stream(MESSAGES) if c.choices
            )
        return _answer(client.complete(MESSAGES))


MODES = [(False, False), (True, False), (False, True), (True, True)]
MODE_IDS = ["sync", "async", "sync-stream", "async-stream"]


@pytest.mark.parametrize(("is_async", "stream"), MODES, ids=MODE_IDS)
async def test_http_proxy_from_the_environment_forwards_each_request(
    emu: Emulator,
    proxy: ForwardProxy,
    monkeypatch: pytest.MonkeyPatch,
    is_async: bool,
    stream: bool,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    answer = await _run(is_async, emu.endpoint, stream=stream)
    assert "How many languages" in answer
    assert len(proxy.log) == 1
    assert proxy.log[0].startswith(f"POST {emu.endpoint}/chat/completions?api-version=")


@pytest.mark.parametrize(("is_async", "stream"), MODES, ids=MODE_IDS)
async def test_https_proxy_tunnels_to_a_tls_service_signed_by_a_private_ca(
    tls_emu: Emulator,
    proxy: ForwardProxy,
    ca_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    is_async: bool,
    stream: bool,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    answer = await _run(is_async, _https_localhost(tls_emu), stream=stream, verify=str(ca_file))
    assert "How many languages" in answer
    assert proxy.log == [f"CONNECT localhost:{tls_emu.endpoint.rsplit(':', 1)[1]}"]


async def test_ssl_cert_file_names_the_ca_and_trust_env_false_ignores_it(
    tls_emu: Emulator, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    assert "How many languages" in await _run(False, _https_localhost(tls_emu))
    assert "How many languages" in await _run(True, _https_localhost(tls_emu))
    with pytest.raises(APIConnectionError, match=r"(?i)certificate"):
        await _run(False, _https_localhost(tls_emu), trust_env=False)


async def test_without_the_corporate_ca_tls_fails_clearly(
    tls_emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with pytest.raises(APIConnectionError, match=r"(?i)certificate"):
        await _run(True, _https_localhost(tls_emu))


async def test_verify_takes_an_ssl_context(tls_emu: Emulator, ca: trustme.CA) -> None:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    assert "How many languages" in await _run(True, _https_localhost(tls_emu), verify=context)


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "localhost,127.0.0.1", "*"])
async def test_no_proxy_hosts_are_reached_directly(
    emu: Emulator, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch, no_proxy: str
) -> None:
    monkeypatch.setenv("ALL_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert "How many languages" in await _run(False, emu.endpoint)
    assert proxy.log == []


async def test_trust_env_false_ignores_proxy_variables(
    emu: Emulator, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    assert "How many languages" in await _run(True, emu.endpoint, trust_env=False)
    assert proxy.log == []


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_explicit_proxy_wins_over_the_environment(
    emu: Emulator, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch, is_async: bool
) -> None:
    monkeypatch.setenv("NO_PROXY", "*")
    assert "How many languages" in await _run(is_async, emu.endpoint, proxy=proxy.url)
    assert len(proxy.log) == 1


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_proxy_credentials_are_sent_and_never_shown(
    tls_emu: Emulator,
    ca_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    is_async: bool,
) -> None:
    caplog.set_level(logging.DEBUG)
    with ForwardProxy(credentials=("alice", PROXY_SECRET)) as guarded:
        good = f"http://alice:{PROXY_SECRET}@127.0.0.1:{guarded.port}"
        monkeypatch.setenv("HTTPS_PROXY", good)
        answer = await _run(is_async, _https_localhost(tls_emu), verify=str(ca_file))
        assert "How many languages" in answer
        assert guarded.log == [f"CONNECT localhost:{tls_emu.endpoint.rsplit(':', 1)[1]}"]

        client = InferenceClient(_https_localhost(tls_emu), KEY, proxy=good, verify=str(ca_file))
        assert PROXY_SECRET not in repr(client)
        client.close()

        bad = f"http://alice:wrong-{PROXY_SECRET}@127.0.0.1:{guarded.port}"
        with pytest.raises(APIConnectionError) as caught:
            await _run(is_async, _https_localhost(tls_emu), proxy=bad, verify=str(ca_file))
        assert guarded.rejected
        assert PROXY_SECRET not in str(caught.value)
        assert PROXY_SECRET not in repr(caught.value)
    assert PROXY_SECRET not in caplog.text


def test_a_bad_proxy_variable_is_named_without_its_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"ftp://bob:{PROXY_SECRET}@proxy.example.com:21")
    with pytest.raises(ValueError, match="HTTPS_PROXY") as caught:
        InferenceClient("https://m.eastus2.models.ai.azure.com", KEY)
    assert PROXY_SECRET not in str(caught.value)


def test_options_for_our_pool_are_refused_with_a_callers_http_client() -> None:
    import httpx

    with httpx.Client() as http, pytest.raises(ValueError, match="proxy, verify"):
        InferenceClient(
            "http://127.0.0.1:9", KEY, http_client=http, proxy="http://p:1", verify=False
        )


def test_routes_follow_the_rules_httpx_and_requests_use() -> None:
    from azure_inference_core._network import _environment_routes

    routes = _environment_routes(
        {"https": "proxy.corp:3128", "no": "localhost, .internal.corp,10.1.2.3,::1,http://x.io"}
    )
    assert str(routes["https://"].url) == "http://proxy.corp:3128"  # type: ignore[union-attr]
    assert {k for k, v in routes.items() if v is None} == {
        "all://localhost",
        "all://*internal.corp",
        "all://10.1.2.3",
        "all://[::1]",
        "http://x.io",
    }
    assert _environment_routes({"http": "p:1", "no": "*"}) == {}
    assert _environment_routes({"no": "example.com"}) == {}  # no proxy set: nothing to bypass
    assert proxy_routes(None, trust_env=False) == {}
    with pytest.warns(RuntimeWarning, match="network range"):
        routes = _environment_routes({"http": "p:1", "no": "10.0.0.0/8"})
    assert list(routes) == ["http://"]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_every_adapter_class_honours_the_proxy_environment(
    emu: Emulator, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch, is_async: bool
) -> None:
    # The core-only install (the lowest-release run) has neither framework.
    chat_message = pytest.importorskip("llama_index.core.base.llms.types").ChatMessage
    pytest.importorskip("langchain_core")
    from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference
    from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding

    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    common: dict[str, Any] = {"endpoint": emu.foundry_endpoint, "credential": KEY}
    chat, embed = (
        {**common, "model": "Mistral-Large"},
        {**common, "model": "Cohere-embed-v3-english"},
    )
    lc_chat, lc_embed = ChatAzureInference(**chat), AzureInferenceEmbeddings(**embed)
    li_chat, li_embed = AzureInference(**chat), AzureInferenceEmbedding(**embed)
    question = [chat_message(role="user", content="How many languages are in the world?")]
    if is_async:
        assert "How many languages" in str((await lc_chat.ainvoke("How many languages?")).content)
        assert len(await lc_embed.aembed_query("a query")) == 1024
        assert "How many languages" in str((await li_chat.achat(question)).message.content)
        assert len(await li_embed.aget_query_embedding("a query")) == 1024
    else:
        assert "How many languages" in str(lc_chat.invoke("How many languages?").content)
        assert len(lc_embed.embed_query("a query")) == 1024
        assert "How many languages" in str(li_chat.chat(question).message.content)
        assert len(li_embed.get_query_embedding("a query")) == 1024
    for model in (lc_chat, lc_embed, li_chat, li_embed):
        close = getattr(model, "aclose" if is_async else "close", None)
        if close is not None:
            await close() if is_async else close()
    assert len(proxy.log) == 4
    assert sum("/embeddings" in line for line in proxy.log) == 2
