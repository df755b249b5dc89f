"""The direct route of clients we build (``_direct``): the same request on the wire and
the same ``httpx.Response`` (request, errors, cookies, log line, elapsed) as
``httpx.Client.send`` gives, sent straight to the connection pool."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from azure_inference_core import APIConnectionError, StreamError

from ._loopback import Reply, ScriptedServer, json_reply, sse_reply
from .conftest import Driver
from .test_retry import closed_port

OK = {"id": "ok", "choices": [{"index": 0, "message": {"content": "x"}, "finish_reason": "stop"}]}
CHUNKS = [
    b'data: {"id":"s","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n',
    b"data: [DONE]\n\n",
]


def _refuse_client_send(client: Any) -> None:
    """Make ``httpx.Client.send`` fail loudly: only the direct route may send."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("httpx.Client.send was used")

    client._http.send = refuse


def _comparable(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower() != "x-ms-client-request-id"}


async def test_the_direct_route_sends_what_client_send_would(
    driver: Driver, server: ScriptedServer
) -> None:
    server.default = json_reply(OK)
    client = driver.client(server.url)
    assert client._direct is not None
    _refuse_client_send(client)
    assert (await driver.complete(client, temperature=0)).id == "ok"
    del client._http.send  # back to httpx's own method
    client._direct = None  # the ordinary route, for the same call
    await driver.complete(client, temperature=0)
    direct, ordinary = server.seen
    assert _comparable(direct.headers) == _comparable(ordinary.headers)
    assert direct.body == ordinary.body
    assert direct.json()["temperature"] == 0
    assert direct.headers["connection"] == "keep-alive"  # httpx's default, still sent
    assert direct.peer == ordinary.peer  # one kept-alive connection for both routes
    await driver.close(client)


async def test_a_host_header_of_the_caller_replaces_the_url_s_as_in_httpx(
    driver: Driver, server: ScriptedServer
) -> None:
    server.default = json_reply(OK)
    client = driver.client(server.url, default_headers={"Host": "gateway.example"})
    _refuse_client_send(client)
    await driver.complete(client)
    del client._http.send
    client._direct = None
    await driver.complete(client)
    direct, ordinary = server.seen
    assert direct.headers["host"] == ordinary.headers["host"] == "gateway.example"
    assert _comparable(direct.headers) == _comparable(ordinary.headers)
    await driver.close(client)


async def test_a_cookie_in_the_jar_takes_the_ordinary_route(
    driver: Driver, server: ScriptedServer
) -> None:
    server.push(json_reply(OK, **{"set-cookie": "affinity=abc; Path=/"}))
    server.default = json_reply(OK)
    client = driver.client(server.url)
    await driver.complete(client)  # direct: the jar was empty
    assert client._direct.ready() is False  # the jar holds the cookie now
    await driver.complete(client)
    assert server.seen[1].headers["cookie"] == "affinity=abc"
    client._http.cookies.clear()
    assert client._direct.ready() is True
    await driver.close(client)


async def test_httpx_still_logs_each_request(
    driver: Driver, server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.default = json_reply(OK)
    client = driver.client(server.url)
    with caplog.at_level(logging.INFO, logger="httpx"):
        await driver.complete(client)
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert len(lines) == 1
    assert lines[0].startswith(f"HTTP Request: POST {server.url}/chat/completions?api-version=")
    assert lines[0].endswith('"HTTP/1.1 200 OK"')
    await driver.close(client)


def test_a_stream_response_has_its_request_and_elapsed_time(server: ScriptedServer) -> None:
    from azure_inference_core import InferenceClient

    server.default = sse_reply(CHUNKS)
    with InferenceClient(server.url, "k") as client:
        _refuse_client_send(client)
        with client.stream([{"role": "user", "content": "hi"}]) as stream:
            request = stream.response.request  # built on first read, as httpx would
            assert request.url.path == "/chat/completions"
            assert request.method == "POST"
            assert request.content == server.seen[0].body
            sent = {k.lower(): v for k, v in server.seen[0].headers.items()}
            assert {k: v for k, v in request.headers.items() if k != "api-key"} == {
                k: v for k, v in sent.items() if k != "api-key"
            }
            assert request.headers["api-key"] == "k"
            assert [c.choices[0].delta.content for c in stream if c.choices] == ["hi"]
        assert stream.response.is_closed
        assert stream.response.elapsed.total_seconds() >= 0


async def test_an_async_stream_response_has_its_request_and_elapsed_time(
    server: ScriptedServer,
) -> None:
    from azure_inference_core import AsyncInferenceClient

    server.default = sse_reply(CHUNKS)
    async with AsyncInferenceClient(server.url, "k") as client:
        _refuse_client_send(client)
        async with client.stream([{"role": "user", "content": "hi"}]) as stream:
            assert stream.response.request.url.path == "/chat/completions"
            assert [c.choices[0].delta.content async for c in stream if c.choices] == ["hi"]
        assert stream.response.elapsed.total_seconds() >= 0


async def test_a_closed_client_refuses_as_httpx_does(
    driver: Driver, server: ScriptedServer
) -> None:
    server.default = json_reply(OK)
    client = driver.client(server.url)
    await driver.complete(client)
    await driver.close(client)
    with pytest.raises(RuntimeError, match="client has been closed"):
        await driver.complete(client)
    assert len(server.seen) == 1


async def test_a_stream_cut_mid_body_is_httpx_s_error_with_the_request(
    driver: Driver, server: ScriptedServer
) -> None:
    server.push(Reply(200, [CHUNKS[0]], {"content-type": "text/event-stream"}, cut=True))
    client = driver.client(server.url, max_retries=0)
    _refuse_client_send(client)
    with pytest.raises(StreamError, match="broke after 1 chunk") as caught:
        await driver.stream(client)
    cause = caught.value.__cause__
    assert isinstance(cause, httpx.RemoteProtocolError)  # httpcore's error, mapped as httpx does
    assert cause.request.url.path == "/chat/completions"
    await driver.close(client)


async def test_a_refused_connection_is_still_a_connection_error(driver: Driver) -> None:
    port = closed_port()
    client = driver.client(f"http://127.0.0.1:{port}", max_retries=0)
    _refuse_client_send(client)
    with pytest.raises(APIConnectionError) as caught:
        await driver.complete(client)
    cause = caught.value.__cause__
    assert isinstance(cause, httpx.ConnectError)
    assert cause.request.url.port == port  # the request is on the error, as httpx puts it
    await driver.close(client)


def test_only_clients_we_build_without_a_proxy_take_the_direct_route() -> None:
    from azure_inference_core import InferenceClient

    with InferenceClient("http://127.0.0.1:9", "k", http_client=httpx.Client()) as caller_owned:
        assert caller_owned._direct is None
    with InferenceClient("http://127.0.0.1:9", "k", proxy="http://127.0.0.1:3128") as proxied:
        assert proxied._direct is None
    with InferenceClient("http://127.0.0.1:9", "k", trust_env=False) as direct:
        assert direct._direct is not None


@pytest.mark.parametrize("how", ["wrapped", "replaced"])
async def test_an_instrumented_or_mocked_httpx_transport_still_sees_every_request(
    driver: Driver, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    # OpenTelemetry's httpx instrumentation wraps HTTPTransport.handle_request (its
    # span per request); transport-level mocks replace it. Both must see our calls.
    import functools

    server.default = json_reply(OK)
    cls, name = (
        (httpx.AsyncHTTPTransport, "handle_async_request")
        if driver.is_async
        else (httpx.HTTPTransport, "handle_request")
    )
    original = getattr(cls, name)
    seen: list[str] = []

    def note(request: httpx.Request) -> None:
        seen.append(request.url.path)

    if driver.is_async:

        async def patched(self: Any, request: httpx.Request) -> Any:
            note(request)
            return await original(self, request)

    else:

        def patched(self: Any, request: httpx.Request) -> Any:
            note(request)
            return original(self, request)

    if how == "wrapped":
        patched = functools.wraps(original)(patched)  # sets __wrapped__, as wrapt does
    client = driver.client(server.url)
    await driver.complete(client)  # direct: nothing patched yet
    monkeypatch.setattr(cls, name, patched)
    await driver.complete(client)
    assert seen == ["/chat/completions"]
    monkeypatch.undo()
    await driver.complete(client)  # direct again
    assert seen == ["/chat/completions"]
    assert len(server.seen) == 3
    await driver.close(client)


async def test_a_patched_client_send_still_sees_every_request(
    driver: Driver, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tracing integrations such as Sentry's patch httpx.Client.send / AsyncClient.send.
    server.default = json_reply(OK)
    cls = httpx.AsyncClient if driver.is_async else httpx.Client
    original = cls.send
    seen: list[str] = []

    if driver.is_async:

        async def patched(self: Any, request: httpx.Request, **kwargs: Any) -> Any:
            seen.append(request.url.path)
            return await original(self, request, **kwargs)

    else:

        def patched(self: Any, request: httpx.Request, **kwargs: Any) -> Any:
            seen.append(request.url.path)
            return original(self, request, **kwargs)

    client = driver.client(server.url)
    monkeypatch.setattr(cls, "send", patched)
    await driver.complete(client)
    assert seen == ["/chat/completions"]
    monkeypatch.undo()
    await driver.close(client)
