"""``make demo`` end to end: the demo runs in a child process, as a user runs it.

The first test clears every ``AZURE_INFERENCE_*`` variable, so the demo starts
its own emulator; the second points the variables at an emulator this test
controls, with the embeddings route broken, to prove that the configured
endpoint is really used and that a failing step makes the exit code non-zero.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from azure_inference_emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]
GUARD = Path(__file__).resolve().parent / "_netguard.py"
# Install the loopback-only guard, then run the demo exactly as `python -m examples.demo`.
BOOT = (
    "import runpy, sys; runpy.run_path(sys.argv[1]); "
    "runpy.run_module('examples.demo', run_name='__main__', alter_sys=True)"
)


Result = tuple[int, str, str]  # exit code, stdout, stderr


def _start_demo(extra_env: dict[str, str]) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_INFERENCE_")}
    env.update(extra_env)
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.Popen(
        [sys.executable, "-c", BOOT, str(GUARD)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> Result:
    try:
        out, err = process.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"the demo did not finish in 180 s:\n{out}\n{err}")
    return process.returncode, out, err


@pytest.fixture(scope="module")
def broken_embeddings() -> Iterator[Emulator]:
    """An endpoint of our own whose embeddings route answers 400."""
    emulator = Emulator(
        "Mistral-Large",
        key="env-key",
        faults=["status=400; code=demo_broken; message=embeddings are down; route=embeddings"],
    )
    with emulator:
        yield emulator


@pytest.fixture(scope="module")
def runs(broken_embeddings: Emulator) -> dict[str, Result]:
    """Both demo runs, started together (they are independent) to halve the wait."""
    url = broken_embeddings.foundry_endpoint
    processes = {
        "emulator": _start_demo({}),
        "configured": _start_demo(
            {
                "AZURE_INFERENCE_ENDPOINT": url,
                "AZURE_INFERENCE_CREDENTIAL": "env-key",
                "AZURE_INFERENCE_CHAT_MODEL": "Mistral-Large",
                "AZURE_INFERENCE_EMBEDDINGS_MODEL": "Cohere-embed-v3-english",
                "AZURE_INFERENCE_VISION_MODEL": "Phi-3-vision-128k-Instruct",
            }
        ),
    }
    return {name: _finish(process) for name, process in processes.items()}


def _section(out: str, number: int) -> str:
    """The text of step ``number`` (``[n/5] ...`` up to the next step or the summary)."""
    match = re.search(rf"^\[{number}/5\].*?(?=^\[\d/5\]|^Summary)", out, re.S | re.M)
    assert match, f"step {number} missing from the output:\n{out}"
    return " ".join(match.group(0).split())


def test_demo_runs_every_step_on_the_embedded_emulator(runs: dict[str, Result]) -> None:
    code, out, err = runs["emulator"]
    assert code == 0, out + err
    assert "Running against the local emulator at http://127.0.0.1:" in out

    chain = _section(out, 1)
    # The prompt reached the model (the emulator quotes it) and came back in many chunks.
    assert "Give one tip for visiting Lisbon." in chain
    chunks = int(re.search(r"(\d+) chunks streamed", out).group(1))  # type: ignore[union-attr]
    assert chunks > 10

    lc_agent = _section(out, 2)
    assert '→ call get_weather({"city": "Paris"})' in lc_agent
    assert '→ call get_local_time({"city": "Paris"})' in lc_agent
    assert "← result get_weather: Sunny, 21 °C in Paris." in lc_agent
    # The final answer was written after the tool results came back.
    assert re.search(r"answer .*get_local_time returned It is 14:05 in Paris", lc_agent)

    li_agent = _section(out, 3)
    assert '→ call get_hotel_price({"city": "Seattle"})' in li_agent
    assert '→ call find_events({"city": "Seattle"})' in li_agent
    assert re.search(r"answer .*find_events returned Seattle: a jazz festival", li_agent)

    rag = _section(out, 4)
    assert "source [1] night-train.md" in rag
    # The retrieved note (and its file name, for the citation) reached the model.
    answer = rag.split(" answer ", 1)[1]
    assert "file_name: night-train.md" in answer
    assert "takes 62 hours" in answer
    assert str(ROOT) not in answer  # no local paths sent

    image = _section(out, 5)
    assert "I see 1 image: PNG 96x64 pixels" in image
    assert "What do you see in this picture?" in image

    summary = out.split("\nSummary\n", 1)[1]
    assert len(re.findall(r"^  ok ", summary, re.M)) == 5, summary
    assert "FAILED" not in summary
    assert "all steps passed" in summary


def test_demo_uses_the_configured_endpoint_and_fails_loudly(
    runs: dict[str, Result], broken_embeddings: Emulator
) -> None:
    code, out, err = runs["configured"]
    assert code == 1, out + err
    assert f"Running against your endpoint {broken_embeddings.foundry_endpoint}" in out
    assert "env-key" not in out + err  # the key is never printed

    summary = out.split("\nSummary\n", 1)[1]
    assert re.search(
        r"^  FAILED  LlamaIndex RAG over local notes .*embeddings are down", summary, re.M
    )
    assert len(re.findall(r"^  ok ", summary, re.M)) == 4, summary
    assert "4/5 passed" in summary

    # Every model was called on our endpoint, by the names from the environment.
    models = {r.body.get("model") for r in broken_embeddings.requests if isinstance(r.body, dict)}
    assert {"Mistral-Large", "Cohere-embed-v3-english", "Phi-3-vision-128k-Instruct"} <= models


def test_target_from_env_reads_every_variable_and_falls_back_to_the_main_endpoint() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from examples.demo import target_from_env

    assert target_from_env({}) is None
    assert target_from_env({"AZURE_INFERENCE_ENDPOINT": "  "}) is None
    url = "https://r.services.ai.azure.com/models"
    target = target_from_env(
        {
            "AZURE_INFERENCE_ENDPOINT": url,
            "AZURE_INFERENCE_CHAT_MODEL": "chat",
            "AZURE_INFERENCE_EMBEDDINGS_MODEL": "embed",
            "AZURE_INFERENCE_VISION_ENDPOINT": "https://v.eastus2.models.ai.azure.com",
        }
    )
    assert target is not None
    assert target.credential is None  # no key: the clients fall back to Entra ID
    assert (target.endpoint, target.chat_model) == (url, "chat")
    assert (target.embeddings_endpoint, target.embeddings_model) == (url, "embed")
    assert target.vision_endpoint == "https://v.eastus2.models.ai.azure.com"
    assert target.vision_model is None
