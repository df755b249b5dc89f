"""The Emulator context manager, config files and the command line."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

import azure_inference_emulator
from azure_inference_emulator import PROFILES, Emulator, get_profile
from azure_inference_emulator._config import load_config

from .conftest import TLS


def test_public_names() -> None:
    assert sorted(azure_inference_emulator.__all__) == sorted(
        [
            "PROFILES",
            "Emulator",
            "FaultSpec",
            "ModelProfile",
            "RecordedRequest",
            "Script",
            "ScriptedResponse",
            "get_profile",
            "parse_fault",
        ]
    )


def test_profiles_by_name_case_insensitively() -> None:
    assert get_profile("phi-3-MINI-4k-instruct").name == "Phi-3-mini-4k-Instruct"
    assert get_profile("mistral-large-2407") is PROFILES["Mistral-Large"]
    assert get_profile("Cohere-embed-v3-english").model_type == "embeddings"
    with pytest.raises(KeyError, match="built-in profiles"):
        get_profile("gpt-17")
    for name, context in (
        ("Phi-3-mini-4k-Instruct", 4096),
        ("Phi-3-small-8k-Instruct", 8192),
        ("Phi-3-medium-128k-Instruct", 131072),
    ):
        assert PROFILES[name].context_window == context
    phi = PROFILES["Phi-3.5-mini-instruct"]
    assert not phi.supports_system_role
    assert not phi.json_object
    assert not phi.supports_tools
    assert {"logit_bias", "logprobs", "top_logprobs", "n"} <= phi.extra_parameters


def test_sync_context_manager_starts_fast_and_stops_clean() -> None:
    before = threading.active_count()
    start = time.perf_counter()
    with Emulator() as emu:
        started = time.perf_counter() - start
        port = emu.port
        assert emu.endpoint == f"http://127.0.0.1:{port}"
        assert emu.foundry_endpoint.endswith("/models")
        assert emu.openai_deployment_endpoint("d").endswith("/openai/deployments/d")
        assert emu.openai_v1_endpoint.endswith("/openai/v1")
        assert (
            httpx.get(f"{emu.endpoint}/info?api-version=2025-05-01", verify=TLS).status_code == 200
        )
    assert started < 2.0  # generous on a shared machine; bench/ measures the real figure
    assert threading.active_count() == before
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/info", verify=TLS)


async def test_async_context_manager() -> None:
    async with Emulator("gpt-4o-mini") as emu, httpx.AsyncClient(verify=TLS) as client:
        response = await client.get(f"{emu.endpoint}/info", params={"api-version": "2025-05-01"})
        assert response.json()["model_name"] == "gpt-4o-mini"
        await asyncio.sleep(0)


def test_repr_never_shows_the_key() -> None:
    emu = Emulator(key="super-secret-key")
    assert "super-secret-key" not in repr(emu)
    assert "not started" in repr(emu)
    with pytest.raises(RuntimeError, match="not started"):
        _ = emu.endpoint


def test_bad_settings_fail_at_construction() -> None:
    with pytest.raises(KeyError):
        Emulator("no-such-model")
    with pytest.raises(ValueError, match="x-emulator-fault"):
        Emulator(faults=["bogus"])
    with pytest.raises(ValueError, match="chunk_delay"):
        Emulator(chunk_delay=-1)


def test_config_files_json_and_toml(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text(json.dumps({"profile": "Phi-3-mini-4k-Instruct", "key": "k"}))
    assert load_config(tmp_path / "c.json") == {"profile": "Phi-3-mini-4k-Instruct", "key": "k"}
    (tmp_path / "c.toml").write_text('profile = "Mistral-Large"\nfaults = ["status=503"]\n')
    assert load_config(tmp_path / "c.toml")["faults"] == ["status=503"]
    (tmp_path / "bad.json").write_text('{"profil": "x"}')
    with pytest.raises(ValueError, match="unknown keys"):
        load_config(tmp_path / "bad.json")


def _start_cli(*args: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "azure_inference_emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
    if match is None:
        proc.kill()
        raise AssertionError(
            f"no URL printed: {line!r} {proc.stderr.read() if proc.stderr else ''}"
        )
    return proc, match.group(1)


def test_cli_serves_until_terminated(tmp_path: Path) -> None:
    config = tmp_path / "emu.json"
    config.write_text(
        json.dumps(
            {
                "key": "cli-key",
                "deployments": {"prod-chat": "gpt-4o-mini"},
                "script": [{"match": "ping", "text": "pong"}],
            }
        )
    )
    proc, url = _start_cli("--profile", "Phi-3-mini-4k-Instruct", "--config", str(config))
    try:
        headers = {"api-key": "cli-key"}
        params = {"api-version": "2024-05-01-preview"}
        deadline = time.monotonic() + 10
        while True:
            try:
                info = httpx.get(f"{url}/info", verify=TLS, headers=headers, params=params)
                break
            except httpx.ConnectError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        assert info.json()["model_name"] == "Phi-3-mini-4k-Instruct"
        answer = httpx.post(
            f"{url}/chat/completions",
            verify=TLS,
            headers=headers,
            params=params,
            json={"messages": [{"role": "user", "content": "ping"}]},
        )
        assert answer.json()["choices"][0]["message"]["content"] == "pong"
        foundry = httpx.post(
            f"{url}/models/chat/completions",
            verify=TLS,
            headers=headers,
            params=params,
            json={"model": "prod-chat", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert foundry.json()["model"] == "gpt-4o-mini"
        assert httpx.get(f"{url}/info", verify=TLS, params=params).status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_cli_rejects_bad_settings() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "azure_inference_emulator", "--profile", "nope", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "built-in profiles" in result.stderr


def test_runtime_settings_and_no_secret_in_state_repr() -> None:
    from .conftest import chat, client_for

    with Emulator("Mistral-Large", key="hidden-key-1", tokens=["hidden-token-2"]) as emu:
        assert "hidden" not in repr(emu._state)
        with client_for(emu, key="hidden-key-1") as client:
            emu.set_content_filter("pineapple")
            assert chat(client, "I like PINEAPPLE pizza").status_code == 400
            emu.set_content_filter()
            assert chat(client, "I like pineapple pizza").status_code == 200
            emu.set_chunk_delay(0.03)
            start = time.perf_counter()
            chat(client, "slow", stream=True, max_tokens=5)
            assert time.perf_counter() - start >= 0.03 * 5
            with pytest.raises(ValueError, match="chunk delay"):
                emu.set_chunk_delay(-1)


def test_an_internal_failure_is_a_500_in_the_service_shape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from azure_inference_emulator import _pipeline

    from .conftest import chat, client_for

    def broken(body: object, profile: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(_pipeline, "validate_chat", broken)
    with Emulator("Mistral-Large") as emu, client_for(emu, key=None) as client:
        response = chat(client, "x")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "InternalServerError"
    assert "RuntimeError: boom" in response.json()["error"]["message"]
