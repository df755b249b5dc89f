"""Simulated latency, per-deployment quotas, and the admin route that changes them at run time."""

from __future__ import annotations

import random
import time

import httpx
import pytest

from azure_inference_emulator import Emulator
from azure_inference_emulator._latency import DEFAULT_LATENCY, Distribution, parse_latency

from .conftest import KEY, TLS, chat, client_for

HELLO = {"messages": [{"role": "user", "content": "hello"}]}


def test_distributions_are_reproducible_with_a_seed_and_never_negative() -> None:
    spec = {"distribution": "normal", "mean": 0.02, "std": 0.05}
    dist = Distribution.parse(spec, "per_token")
    first = [dist.draw(random.Random(7)) for _ in range(3)]
    assert first == [dist.draw(random.Random(7)) for _ in range(3)]
    draws = [dist.draw(random.Random(seed)) for seed in range(200)]
    assert min(draws) >= 0.0
    assert len(set(draws)) > 100
    lognormal = Distribution.parse({"distribution": "lognormal", "mean": 0.3, "std": 0.1}, "x")
    values = [lognormal.draw(random.Random(s)) for s in range(2000)]
    assert 0.27 < sum(values) / len(values) < 0.33
    assert Distribution.parse(0.5, "x").draw(random.Random()) == 0.5


def test_defaults_come_from_named_figures() -> None:
    assert parse_latency(True) == DEFAULT_LATENCY
    assert DEFAULT_LATENCY.per_token.mean == 0.019  # aoai-api-simulator's 19 ms per token
    assert parse_latency(False) is None
    custom = parse_latency({"per_token": 0.002})
    assert custom is not None
    assert custom.per_token.value == 0.002
    assert custom.first_token == DEFAULT_LATENCY.first_token


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"per_tok": 1}, "unknown keys"),
        ({"per_token": {"distribution": "zipf"}}, "distribution must be one of"),
        ({"per_token": {"distribution": "normal", "mean": 0.1}}, "needs mean, std"),
        ({"first_token": -1}, ">= 0"),
        ("fast", "true, false, or an object"),
    ],
)
def test_bad_latency_settings_say_what_to_do(spec: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_latency(spec)


def test_first_token_waits_at_least_the_configured_time() -> None:
    latency = {"first_token": 0.3, "per_token": 0.0}
    with Emulator(latency=latency) as emu, client_for(emu, key=None) as client:
        body = {**HELLO, "stream": True}
        start = time.monotonic()
        with client.stream("POST", "/chat/completions", json=body) as response:
            next(line for line in response.iter_lines() if line)
            waited = time.monotonic() - start
        start = time.monotonic()
        assert chat(client).status_code == 200
        whole = time.monotonic() - start
    assert waited >= 0.3  # a lower bound: it cannot arrive sooner
    assert whole >= 0.3


def test_requests_per_10_seconds_per_deployment_with_the_service_headers() -> None:
    with (
        Emulator("Mistral-Large", requests_per_10_seconds=2) as emu,
        client_for(emu, key=None, base=emu.foundry_endpoint) as client,
    ):
        first = client.post("/chat/completions", json={**HELLO, "model": "Mistral-Large"})
        assert first.headers["x-ratelimit-remaining-requests"] == "1"
        assert first.headers["x-ratelimit-reset-requests"].endswith(("ms", "s"))
        assert "x-ratelimit-reset-tokens" in first.headers
        client.post("/chat/completions", json={**HELLO, "model": "Mistral-Large"})
        limited = client.post("/chat/completions", json={**HELLO, "model": "Mistral-Large"})
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 10
        assert limited.headers["x-ratelimit-remaining-requests"] == "0"
        assert "per 10 seconds" in limited.json()["error"]["message"]
        other = client.post("/chat/completions", json={**HELLO, "model": "gpt-4o-mini"})
        assert other.status_code == 200, "another deployment has its own windows"


def test_tokens_per_minute_per_deployment() -> None:
    with (
        Emulator("Mistral-Large", tokens_per_minute=60) as emu,
        client_for(emu, key=None, base=emu.foundry_endpoint) as client,
    ):
        emu.set_rate_limits(None, None, deployment="gpt-4o-mini")
        body = {"messages": [{"role": "user", "content": "word " * 60}], "model": "Mistral-Large"}
        assert client.post("/chat/completions", json=body).status_code == 200
        limited = client.post("/chat/completions", json=body)
        assert limited.status_code == 429
        assert limited.headers["x-ratelimit-remaining-tokens"] == "0"
        assert "token rate limit of 60" in limited.json()["error"]["message"]
        free = client.post("/chat/completions", json={**body, "model": "gpt-4o-mini"})
        assert free.status_code == 200
        assert "x-ratelimit-remaining-tokens" not in free.headers


def test_admin_route_changes_configuration_at_run_time_and_shows_the_log() -> None:
    with Emulator("Mistral-Large", key=KEY) as emu, client_for(emu) as client:
        admin = httpx.Client(base_url=emu.admin_url, headers={"api-key": KEY}, verify=TLS)
        assert httpx.get(f"{emu.admin_url}/config", verify=TLS).status_code == 401
        config = admin.get("/config").json()
        assert config["profile"] == "Mistral-Large"
        assert KEY not in str(config)
        changed = admin.patch(
            "/config",
            json={
                "profile": "gpt-4o-mini",
                "faults": ["status=503; times=1"],
                "limits": {"default": {"requests_per_10_seconds": 50}},
                "latency": {"first_token": 0.0, "per_token": 0.0},
            },
        ).json()
        assert changed["profile"] == "gpt-4o-mini"
        assert changed["faults"] == ["status=503; times=1"]
        assert changed["limits"]["default"]["requests_per_10_seconds"] == 50
        assert changed["latency"]["per_token"] == {"distribution": "constant", "value": 0.0}
        assert chat(client).status_code == 503
        answer = chat(client)
        assert answer.json()["model"] == "gpt-4o-mini"
        assert answer.headers["x-ratelimit-remaining-requests"] == "49"
        log = admin.get("/requests", params={"limit": 2}).json()["requests"]
        assert [r["status"] for r in log] == [503, 200]
        assert log[-1]["headers"]["api-key"] == "REDACTED"
        metrics = admin.get("/metrics").json()
        assert metrics["status_503"] == 1
        assert metrics["status_200"] >= 1
        bad = admin.patch("/config", json={"limits": {"default": {"rpm": 1}}})
        assert bad.status_code == 400
        assert "requests_per_minute" in bad.json()["error"]["message"]
        assert admin.patch("/config", json={"speed": 1}).status_code == 400
        assert admin.get("/config").json()["profile"] == "gpt-4o-mini", "nothing half-applied"
        assert admin.delete("/requests").json() == {"cleared": True}
        assert emu.requests == []
        admin.close()


def test_configure_in_process_matches_the_admin_route() -> None:
    with Emulator() as emu:
        emu.configure(content_filter_phrases=["forbidden"], seed=5, chunk_delay=0.01)
        assert emu.config["content_filter_phrases"] == ["forbidden"]
        assert emu.config["chunk_delay"] == 0.01
        with pytest.raises(ValueError, match="unknown settings"):
            emu.configure(colour="blue")
        with pytest.raises(ValueError, match="chunk_delay"):
            emu.configure(chunk_delay=-1)
