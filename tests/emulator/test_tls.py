"""HTTPS serving: ``Emulator(ssl_certfile=..., ssl_keyfile=...)`` and ``--ssl-certfile``."""

from __future__ import annotations

import os
import re
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from azure_inference_emulator import Emulator

PARAMS = {"api-version": "2024-05-01-preview"}


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def cert_files(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert = ca.issue_cert("127.0.0.1", "localhost")
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    cert.cert_chain_pems[0].write_to_path(str(certfile))
    for extra in cert.cert_chain_pems[1:]:
        extra.write_to_path(str(certfile), append=True)
    cert.private_key_pem.write_to_path(str(keyfile))
    return certfile, keyfile


@pytest.fixture(scope="module")
def trusted(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@pytest.fixture(scope="module")
def tls_emulator(cert_files: tuple[Path, Path]) -> Iterator[Emulator]:
    certfile, keyfile = cert_files
    with Emulator("gpt-4o-mini", key="k", ssl_certfile=certfile, ssl_keyfile=keyfile) as emu:
        yield emu


def test_addresses_are_https(tls_emulator: Emulator) -> None:
    port = tls_emulator.port
    assert tls_emulator.scheme == "https"
    assert tls_emulator.endpoint == f"https://127.0.0.1:{port}"
    assert tls_emulator.foundry_endpoint == f"https://127.0.0.1:{port}/models"
    assert tls_emulator.openai_v1_endpoint == f"https://127.0.0.1:{port}/openai/v1"
    assert tls_emulator.openai_deployment_endpoint("d") == (
        f"https://127.0.0.1:{port}/openai/deployments/d"
    )


def test_serves_chat_and_streams_over_tls(tls_emulator: Emulator, trusted: ssl.SSLContext) -> None:
    with httpx.Client(
        base_url=tls_emulator.endpoint, verify=trusted, headers={"api-key": "k"}, params=PARAMS
    ) as client:
        answer = client.post(
            "/chat/completions", json={"messages": [{"role": "user", "content": "hi there"}]}
        )
        assert answer.status_code == 200
        assert answer.json()["choices"][0]["message"]["role"] == "assistant"
        body = {"messages": [{"role": "user", "content": "one two"}], "stream": True}
        with client.stream("POST", "/chat/completions", json=body) as stream:
            text = "".join(stream.iter_text())
        assert text.rstrip().endswith("data: [DONE]")


def test_untrusted_client_is_refused_and_plain_http_fails(tls_emulator: Emulator) -> None:
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(
            f"{tls_emulator.endpoint}/info", params=PARAMS, verify=ssl.create_default_context()
        )
    plain = tls_emulator.endpoint.replace("https://", "http://")
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{plain}/info", params=PARAMS, timeout=5).raise_for_status()


def test_plain_emulator_stays_http() -> None:
    with Emulator() as emu:
        assert emu.scheme == "http"
        assert emu.endpoint.startswith("http://")


def test_bad_certificate_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate")
    emu = Emulator(ssl_certfile=bogus)
    with pytest.raises(ValueError, match="cannot load the TLS certificate"):
        emu.start()
    with pytest.raises(ValueError, match="needs ssl_certfile"):
        Emulator(ssl_keyfile=bogus)


def test_cli_serves_https(cert_files: tuple[Path, Path], trusted: ssl.SSLContext) -> None:
    certfile, keyfile = cert_files
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "azure_inference_emulator",
            "--port",
            "0",
            "--ssl-certfile",
            str(certfile),
            "--ssl-keyfile",
            str(keyfile),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"listening on (https://127\.0\.0\.1:\d+)", line)
        assert match is not None, line
        url = match.group(1)
        deadline = time.monotonic() + 10
        while True:
            try:
                info = httpx.get(f"{url}/info", params=PARAMS, verify=trusted)
                break
            except httpx.ConnectError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        assert info.status_code == 200
        assert info.json()["model_name"] == "Mistral-Large"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_cli_rejects_unreadable_certificate(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("nope")
    result = subprocess.run(
        [sys.executable, "-m", "azure_inference_emulator", "--ssl-certfile", str(bogus)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "cannot load the TLS certificate" in result.stderr
