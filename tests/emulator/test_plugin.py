"""The pytest plugin: fixtures registered through the ``pytest11`` entry point."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import httpx
import pytest

from azure_inference_emulator import Emulator

from .conftest import API_VERSION, TLS

RECORDING = (
    "recordings/test_chat_completions_client.pyTestChatCompletionsClient"
    "test_get_model_info_on_chat_client.json"
)


def test_registered_as_a_pytest11_entry_point() -> None:
    found = [e for e in entry_points(group="pytest11") if e.name == "azure_inference_emulator"]
    assert [e.value for e in found] == ["azure_inference_emulator.pytest_plugin"]


def test_default_fixture_serves_mistral(azure_inference_emulator: Emulator) -> None:
    assert azure_inference_emulator.profile.name == "Mistral-Large"
    info = httpx.get(
        f"{azure_inference_emulator.endpoint}/info", params={"api-version": API_VERSION}, verify=TLS
    )
    assert info.json()["model_name"] == "Mistral-Large"


@pytest.mark.azure_inference_emulator(
    profile="gpt-4o-mini", key="plugin-key", faults=["status=503; times=1"]
)
def test_marker_sets_profile_key_and_faults(azure_inference_emulator: Emulator) -> None:
    url = f"{azure_inference_emulator.endpoint}/info"
    params = {"api-version": API_VERSION}
    assert httpx.get(url, params=params, verify=TLS).status_code == 401
    with httpx.Client(verify=TLS, headers={"api-key": "plugin-key"}, params=params) as client:
        assert client.get(url).status_code == 503
        assert client.get(url).json()["model_name"] == "gpt-4o-mini"


@pytest.mark.azure_inference_emulator(
    latency={"first_token": 0.01, "per_token": {"distribution": "constant", "value": 0.001}}
)
def test_marker_sets_latency(azure_inference_emulator: Emulator) -> None:
    assert azure_inference_emulator.config["latency"]["first_token"] == {
        "distribution": "constant",
        "value": 0.01,
    }


@pytest.mark.azure_inference_emulator(cassette=RECORDING)
def test_marker_cassette_is_next_to_the_test_and_replays(
    azure_inference_emulator: Emulator,
) -> None:
    assert azure_inference_emulator.config["mode"] == "replay"
    info = httpx.get(
        f"{azure_inference_emulator.endpoint}/info", params={"api-version": API_VERSION}, verify=TLS
    )
    assert info.json()["model_name"] == "mistral-large-2411"


@pytest.mark.azure_inference_emulator(profil="typo")
def test_a_misspelt_setting_is_a_usage_error(request: pytest.FixtureRequest) -> None:
    with pytest.raises(pytest.UsageError, match="profil"):
        request.getfixturevalue("azure_inference_emulator")


def test_session_fixture_and_settings_override_in_another_project(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        "import pytest\n\n"
        "@pytest.fixture(scope='session')\n"
        "def azure_inference_emulator_settings():\n"
        "    return {'profile': 'Phi-3-mini-4k-Instruct'}\n"
    )
    (tmp_path / "test_user.py").write_text(
        "def test_one(azure_inference_emulator_session):\n"
        "    assert azure_inference_emulator_session.profile.name == 'Phi-3-mini-4k-Instruct'\n"
        "def test_two(azure_inference_emulator_session, azure_inference_emulator):\n"
        "    assert azure_inference_emulator_session.port != azure_inference_emulator.port\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


@pytest.mark.parametrize(
    "azure_inference_emulator",
    [{"profile": "Phi-3-mini-4k-Instruct"}, {"profile": "gpt-4o-mini", "key": "arg-key"}],
    indirect=True,
)
def test_settings_as_arguments_by_indirect_parametrization(
    azure_inference_emulator: Emulator,
) -> None:
    assert azure_inference_emulator.profile.name in ("Phi-3-mini-4k-Instruct", "gpt-4o-mini")
    wants_key = azure_inference_emulator.profile.name == "gpt-4o-mini"
    assert azure_inference_emulator.config["auth"] == ("key" if wants_key else "none")
