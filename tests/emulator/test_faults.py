"""Every fault of the x-emulator-fault grammar, per request and server-wide."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from azure_inference_emulator import Emulator, parse_fault

from .conftest import KEY, chat, client_for, sse_events

FAULT = "x-emulator-fault"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator("Mistral-Large", key=KEY, content_filter_phrases=["forbidden topic"]) as e:
        yield e


@pytest.fixture
def client(emu: Emulator) -> Iterator[httpx.Client]:
    emu.clear_faults()
    with client_for(emu) as c:
        yield c


def with_fault(client: httpx.Client, fault: str, **body: object) -> httpx.Response:
    return chat(client, "Tell me about the ocean", headers={FAULT: fault}, **body)


def test_status_fault_with_retry_after(client: httpx.Client) -> None:
    response = with_fault(client, "status=429; retry-after=2")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert response.headers["retry-after-ms"] == "2000"
    assert response.json()["error"]["code"] == "TooManyRequests"
    assert response.headers["x-ms-error-code"] == "TooManyRequests"
    for status in (500, 503):
        failed = with_fault(client, f"status={status}; code=Custom; message=boom")
        assert failed.status_code == status
        assert failed.json()["error"] == {"code": "Custom", "message": "boom", "status": status}


def test_fail_first_n_times_then_succeed(client: httpx.Client) -> None:
    statuses = [with_fault(client, "status=503; times=2").status_code for _ in range(4)]
    assert statuses == [503, 503, 200, 200]
    other = [with_fault(client, "status=503; times=1; id=other").status_code for _ in range(2)]
    assert other == [503, 200]


def test_fault_after_n_requests(client: httpx.Client) -> None:
    statuses = [with_fault(client, "status=429; after=2").status_code for _ in range(4)]
    assert statuses == [200, 200, 429, 429]


def test_server_wide_faults_can_be_set_and_cleared(emu: Emulator, client: httpx.Client) -> None:
    emu.set_faults("status=500; times=1; route=chat")
    assert client.get("/info").status_code == 200
    assert chat(client, "x").status_code == 500
    assert chat(client, "x").status_code == 200
    emu.set_faults("status=503")
    assert chat(client, "x").status_code == 503
    emu.clear_faults()
    assert chat(client, "x").status_code == 200


def test_delay_first_byte(client: httpx.Client) -> None:
    start = time.perf_counter()
    assert with_fault(client, "delay-first-byte=0.3").status_code == 200
    assert time.perf_counter() - start >= 0.3


def test_content_filter_prompt_both_shapes(client: httpx.Client) -> None:
    nested = chat(client, "Let us discuss the FORBIDDEN topic now")
    assert nested.status_code == 400
    error = nested.json()["error"]
    assert error["code"] == "content_filter"
    assert error["param"] == "prompt"
    assert error["status"] == 400
    assert "content management policy" in error["message"]
    flat = with_fault(client, "content-filter=prompt; form=flat")
    assert flat.status_code == 400
    assert flat.json() == {
        "status": 400,
        "code": "content_filter",
        "message": "The response was filtered",
        "param": "messages",
        "type": None,
    }


def test_content_filter_on_the_completion(client: httpx.Client) -> None:
    full = with_fault(client, "chunk-delay=0", temperature=0).json()["choices"][0]
    cut = with_fault(client, "content-filter=completion", temperature=0).json()["choices"][0]
    assert cut["finish_reason"] == "content_filter"
    assert cut["content_filter_results"]["violence"] == {"filtered": True, "severity": "medium"}
    assert full["message"]["content"].startswith(cut["message"]["content"])
    assert len(cut["message"]["content"]) < len(full["message"]["content"])
    events = sse_events(with_fault(client, "content-filter=completion", stream=True).text)
    final = events[-2]["choices"][0]
    assert final["finish_reason"] == "content_filter"
    assert final["content_filter_results"]["violence"]["filtered"] is True


def test_drop_after_closes_the_connection_mid_stream(client: httpx.Client) -> None:
    received: list[bytes] = []
    with (  # noqa: PT012
        pytest.raises(httpx.RemoteProtocolError),
        client.stream(
            "POST",
            "/chat/completions",
            headers={FAULT: "drop-after=3"},
            json={"messages": [{"role": "user", "content": "hi"}], "stream": True},
        ) as response,
    ):
        assert response.status_code == 200
        for piece in response.iter_bytes():
            received.append(piece)
    text = b"".join(received).decode()
    assert text.count("data: ") == 3
    assert "[DONE]" not in text


def test_malformed_chunk(client: httpx.Client) -> None:
    text = with_fault(client, "malformed-after=2", stream=True).text
    blocks = [b for b in text.split("\n\n") if b]
    assert json.loads(blocks[0][6:])["choices"][0]["delta"]["role"] == "assistant"
    with pytest.raises(json.JSONDecodeError):
        json.loads(blocks[2][6:])


def test_stream_without_done(client: httpx.Client) -> None:
    text = with_fault(client, "no-done", stream=True).text
    assert "[DONE]" not in text
    assert '"finish_reason":"stop"' in text


def test_error_event_after_the_200(client: httpx.Client) -> None:
    response = with_fault(client, "error-event-after=2", stream=True)
    assert response.status_code == 200
    events = sse_events(response.text)
    assert len(events) == 3
    assert events[-1]["error"]["code"] == "server_error"


def test_bad_fault_header_is_a_clear_400(client: httpx.Client) -> None:
    response = with_fault(client, "explode=yes")
    assert response.status_code == 400
    assert "explode" in response.json()["error"]["message"]
    with pytest.raises(ValueError, match="status"):
        parse_fault("status=200")


def test_request_budget_per_minute() -> None:
    with Emulator("Mistral-Large", requests_per_minute=3) as emu, client_for(emu, key=None) as c:
        statuses = [chat(c, "x").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = chat(c, "x")
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert int(limited.headers["retry-after-ms"]) > 0
        assert "3 per minute" in limited.json()["error"]["message"]
        emu.set_rate_limits(None, None)
        assert chat(c, "x").status_code == 200


def test_token_budget_per_minute() -> None:
    with Emulator("Mistral-Large", tokens_per_minute=50) as emu, client_for(emu, key=None) as c:
        first = chat(c, "word " * 40)
        assert first.status_code == 200
        assert int(first.headers["x-ratelimit-remaining-tokens"]) < 10
        assert chat(c, "x").status_code == 429


def test_default_budgets_follow_the_seeds() -> None:
    with Emulator("Mistral-Large") as emu, client_for(emu, key=None) as client:
        response = chat(client, "x")
    assert int(response.headers["x-ratelimit-remaining-requests"]) == 999
    assert 199_900 < int(response.headers["x-ratelimit-remaining-tokens"]) < 200_000


def test_abandoned_stream_stops_generating(emu: Emulator, client: httpx.Client) -> None:
    emu.clear_requests()
    body = {"messages": [{"role": "user", "content": "long " * 50}], "stream": True}
    with client.stream(
        "POST", "/chat/completions", headers={FAULT: "chunk-delay=0.05"}, json=body
    ) as response:
        next(response.iter_bytes())
    time.sleep(0.3)
    (abandoned,) = emu.requests
    sent = abandoned.chunks_sent
    time.sleep(0.2)
    assert emu.requests[0].chunks_sent == sent, "the stream kept going after the client left"
    assert sent < 15
    complete = chat(client, "long " * 50, stream=True)
    assert emu.requests[-1].chunks_sent == len(sse_events(complete.text)) - 1 > 50
