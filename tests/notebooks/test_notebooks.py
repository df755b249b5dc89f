"""Every notebook runs top to bottom, offline, and shows what it says it shows.

The committed ``.ipynb`` files are executed as a user would run them: a fresh
``python3`` kernel per notebook, ``AZURE_INFERENCE_*`` cleared (so each starts
its own emulator), a time limit per cell. The four run concurrently to keep the
suite short. A loopback-only socket guard is installed in each kernel first
(in memory, not in the files), so a notebook that reached for the network fails.
Each test then reads the outputs of tagged cells.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat import NotebookNode

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from azure_inference_emulator import Emulator  # noqa: E402
from notebooks._build import NOTEBOOKS, serialized  # noqa: E402

GUARD = Path(__file__).resolve().parent / "_netguard.py"
CELL_TIMEOUT = 90  # seconds; generous because imports are slow on a loaded 2-core machine


def _kernel_env(configured: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_INFERENCE_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(configured or {})
    return env


async def _run(path: Path, env: dict[str, str]) -> NotebookNode | BaseException:
    nb: NotebookNode = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    guard = nbformat.v4.new_code_cell(  # type: ignore[no-untyped-call]
        f"import runpy\nrunpy.run_path({str(GUARD)!r})", id="test-network-guard"
    )
    nb.cells.insert(0, guard)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        await client.async_execute(env=env)
    except Exception as exc:  # a cell error or timeout fails this notebook's test only
        return exc
    return nb


@pytest.fixture(scope="module")
def your_endpoint() -> Iterator[Emulator]:
    """Stands in for a user's endpoint, to run notebook 01 the configured way."""
    with Emulator(
        "Mistral-Large", key="configured-key", content_filter_phrases=["chopping tomatoes"]
    ) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def executed(your_endpoint: Emulator) -> dict[str, NotebookNode | BaseException]:
    """Run all notebooks at once; map file name -> executed notebook (or its error).

    Key ``configured``: notebook 01 run with ``AZURE_INFERENCE_*`` pointing at
    ``your_endpoint`` instead of starting its own emulator.
    """
    configured = _kernel_env(
        {
            "AZURE_INFERENCE_ENDPOINT": your_endpoint.endpoint,
            "AZURE_INFERENCE_CREDENTIAL": "configured-key",
            "AZURE_INFERENCE_VISION_ENDPOINT": your_endpoint.foundry_endpoint,
            "AZURE_INFERENCE_VISION_MODEL": "Phi-3-vision-128k-Instruct",
        }
    )
    runs = [(spec.filename, spec.path, _kernel_env()) for spec in NOTEBOOKS]
    runs.append(("configured", NOTEBOOKS[0].path, configured))

    async def run_all() -> list[NotebookNode | BaseException]:
        return await asyncio.gather(*(_run(path, env) for _, path, env in runs))

    results = asyncio.run(run_all())
    return {name: result for (name, _, _), result in zip(runs, results, strict=True)}


class Outputs:
    """Read the outputs of an executed notebook by cell tag."""

    def __init__(self, result: NotebookNode | BaseException) -> None:
        if isinstance(result, BaseException):
            pytest.fail(f"the notebook raised:\n{result}")
        self.nb = result
        errors = [o for c in result.cells for o in c.get("outputs", []) if o.output_type == "error"]
        assert not errors, errors

    def cell(self, tag: str) -> NotebookNode:
        found: list[NotebookNode] = [
            c for c in self.nb.cells if tag in c.get("metadata", {}).get("tags", [])
        ]
        assert len(found) == 1, f"no single cell tagged {tag!r}"
        return found[0]

    def text(self, tag: str) -> str:
        """Printed text, plus text/markdown and text/plain of displayed results."""
        parts = []
        for output in self.cell(tag).outputs:
            if output.output_type == "stream":
                parts.append(output.text)
            elif output.output_type in ("execute_result", "display_data"):
                data = output.data
                parts.append(data.get("text/markdown") or data.get("text/plain", ""))
        return "".join(parts)

    def has_png(self, tag: str) -> bool:
        return any(
            "image/png" in o.get("data", {})
            for o in self.cell(tag).outputs
            if o.output_type in ("display_data", "execute_result")
        )


def _number(pattern: str, text: str, convert: Callable[[str], Any] = float) -> Any:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not found in:\n{text}"
    return convert(match.group(1))


# -- the committed files -----------------------------------------------------------------


@pytest.mark.parametrize("spec", NOTEBOOKS, ids=[s.filename for s in NOTEBOOKS])
def test_committed_notebook_matches_its_source_and_has_no_outputs(
    spec: Any, executed: dict[str, Any]
) -> None:
    """Also checked after the notebooks ran: executing them never writes into the files."""
    committed = spec.path.read_text(encoding="utf-8")
    assert committed == serialized(spec), "run `.venv/bin/python -m notebooks._build`"
    nb = nbformat.reads(committed, as_version=4)  # type: ignore[no-untyped-call]
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells
    assert all(not c.outputs and c.execution_count is None for c in code_cells)


# -- 01: core quickstart -------------------------------------------------------------------


def test_quickstart_core(executed: dict[str, Any]) -> None:
    out = Outputs(executed["01_quickstart_core.ipynb"])
    assert "(local emulator)" in out.text("setup")
    client = out.text("client")
    assert client.startswith("InferenceClient(endpoint='http://127.0.0.1:")
    assert "emulator-key" not in client  # the key never shows

    assert "Skipped" in out.text("entra")
    assert "https://ml.azure.com/.default" in out.text("entra")

    info = out.text("model-info")
    assert "Model name: Mistral-Large" in info
    assert "Model provider name: MistralAI" in info

    chat = out.text("chat")
    assert 'How many languages are in the world?"' in chat
    prompt = _number(r"Prompt tokens: (\d+)", chat, int)
    completion = _number(r"Completion tokens: (\d+)", chat, int)
    assert _number(r"Total tokens: (\d+)", chat, int) == prompt + completion > 0

    stream = out.text("stream")
    assert "How many languages are in the world?" in stream
    assert re.search(r"Usage: prompt_tokens=\d+ completion_tokens=\d+", stream)

    params = out.text("params")
    assert "'temperature': 0," in params  # zero is sent, not dropped
    assert "'presence_penalty': 0.1" in params
    assert "'stop': ['<|endoftext|>']" in params

    extras = out.text("extras")
    assert "extra-parameters header: pass-through" in extras
    assert "422: not supported by this model: ['logprobs']" in extras

    answer = json.loads(out.text("json"))  # valid JSON, in the format the prompt asked for
    assert list(answer) == ["answer"]
    assert "How many languages are in the world?" in answer["answer"]

    call = out.text("tool-call")
    assert "Finish reason: tool_calls" in call
    assert 'get_flight_info {"origin_city": "Miami", "destination_city": "Seattle"}' in call
    result = out.text("tool-result")
    assert "Calling `get_flight_info`" in result
    # The model's second answer quotes the tool result it was sent.
    assert "get_flight_info returned" in result.split("Answer:", 1)[1]

    blocked = out.text("content-filter")
    assert "content_filter error (400)" in blocked
    assert "'violence': {'filtered': True" in blocked

    assert out.has_png("image-make")
    image = out.text("image")
    assert "I see 1 image: PNG 120x80 pixels" in image
    assert "Model: Phi-3-vision-128k-Instruct" in image


def test_quickstart_core_runs_against_a_configured_endpoint(
    executed: dict[str, Any], your_endpoint: Emulator
) -> None:
    out = Outputs(executed["configured"])
    setup = out.text("setup")
    assert setup.strip() == f"endpoint: {your_endpoint.endpoint}"  # no local emulator started
    assert "Model name: Mistral-Large" in out.text("model-info")
    assert "content_filter error (400)" in out.text("content-filter")
    assert "I see 1 image: PNG 120x80 pixels" in out.text("image")
    # The calls arrived at the configured endpoint: chat, tools, JSON, and the image.
    bodies = [r.body for r in your_endpoint.requests if isinstance(r.body, dict)]
    assert any(b.get("tools") for b in bodies)
    assert any(b.get("response_format") == {"type": "json_object"} for b in bodies)
    assert any(b.get("model") == "Phi-3-vision-128k-Instruct" for b in bodies)


# -- 02: LangChain -------------------------------------------------------------------------


def test_langchain(executed: dict[str, Any]) -> None:
    out = Outputs(executed["02_langchain.ipynb"])
    chat = out.text("chat")
    assert "How many languages are in the world?" in chat
    assert re.search(r"usage: \{'input_tokens': \d+, 'output_tokens': \d+", chat)
    assert "'model_name': 'Mistral-Large'" in chat

    stream = out.text("stream")
    assert _number(r"(\d+) pieces streamed", stream, int) > 10
    assert stream.count("|") > 10  # printed piece by piece
    assert "Give one tip for visiting Lisbon." in stream.replace("|", "")

    tools = out.text("tools")
    assert "'name': 'get_weather', 'args': {'city': 'Paris'}" in tools
    assert "answer: Based on the tool results: get_weather returned Sunny" in tools

    agent = out.text("agent")
    assert "[model] call get_weather({'city': 'Paris'})" in agent
    assert "[model] call get_local_time({'city': 'Paris'})" in agent
    assert "[tools] get_local_time -> It is 14:05 in Paris." in agent
    assert "[model] answer: Based on the tool results" in agent

    structured = out.text("structured")
    trip = "Trip(origin='Lisbon', destination='Porto', nights=3, travel_mode='train')"
    # Mistral-Large has JSON mode but not json_schema: the default is function calling,
    # and json_schema is refused before sending.
    assert re.search(rf"^default +{re.escape(trip)}$", structured, re.M)
    assert re.search(
        r"^json_schema +refused before sending: Model 'Mistral-Large'", structured, re.M
    )
    assert re.search(r"^json_mode +\{'origin': .*'destination': ", structured, re.M)
    assert "{'type': 'function', 'function': {'name': 'Trip'}}" in structured
    assert "{'type': 'json_object'}" in structured
    assert "'json_schema'" not in structured.split("what was asked of the service:")[1]

    assert out.has_png("image-make")
    assert "I see 1 image: PNG 64x48 pixels" in out.text("image")

    embeddings = out.text("embeddings").splitlines()
    assert "vector length: 1024" in embeddings
    assert embeddings[1].endswith("The night train from Miami to Seattle takes 62 hours.")

    callbacks = out.text("callbacks")
    assert _number(r"end: (\d+) streamed chunks", callbacks, int) > 10
    assert "total usage by model: {'Mistral-Large':" in callbacks

    responses = out.text("responses")
    assert "blocks: ['reasoning', 'text']" in responses
    assert _number(r"reasoning tokens: (\d+)", responses, int) > 0
    assert "second turn: " in responses
    assert "Now in Go" in responses.split("second turn: ")[1]
    assert "tool call: get_weather {'city': 'Paris'}" in responses


# -- 03: LlamaIndex ------------------------------------------------------------------------


def test_llamaindex(executed: dict[str, Any]) -> None:
    out = Outputs(executed["03_llamaindex.ipynb"])
    chat = out.text("chat")
    assert "is_function_calling_model=True" in chat
    assert "How many languages are in the world?" in chat
    assert re.search(r"usage: \{'prompt_tokens': \d+, 'completion_tokens': \d+", chat)

    stream = out.text("stream")
    assert _number(r"(\d+) pieces;", stream, int) > 10
    assert _number(r"total_tokens=(\d+)", stream, int) > 0

    agent = out.text("agent")
    assert "call:   get_hotel_price({'city': 'Seattle'})" in agent
    assert "call:   find_events({'city': 'Seattle'})" in agent
    assert "result: find_events -> Seattle: a jazz festival" in agent
    assert "final: Based on the tool results" in agent

    rag = out.text("rag")
    assert "retrieved [night-train.md]" in rag
    assert "takes 62 hours" in rag.split("answer:", 1)[1]  # the model was given the note

    structured = out.text("structured")
    assert "Trip(origin='Lisbon', destination='Porto', nights=3, travel_mode='train')" in structured
    assert "tool_choice sent: required" in structured

    assert out.has_png("image-make")
    assert "I see 1 image: PNG 64x48 pixels" in out.text("image")

    responses = out.text("responses")
    assert "thinking: **" in responses
    assert _number(r"reasoning tokens: (\d+)", responses, int) > 0
    assert "Now in Go" in responses.split("second turn: ")[1]
    assert "call:   get_hotel_price({'city': 'Seattle'})" in responses
    assert "final: Based on the tool results" in responses


# -- 04: production ------------------------------------------------------------------------


def test_production(executed: dict[str, Any]) -> None:
    out = Outputs(executed["04_production.ipynb"])
    flavours = out.text("flavours")
    for row in (
        "/api/projects/my-project` | foundry | `https://my-resource.services.ai.azure.com/models`"
        " | 2025-05-01 | api-key | `https://ai.azure.com/.default` | required | no |",
        "| serverless | `https://my-phi.eastus2.models.ai.azure.com` | 2024-05-01-preview | both "
        "| `https://ml.azure.com/.default` | ignored | yes |",
        "inference.ai.azure.com` | serverless |",
        "| managed | `https://my-endpoint.eastus2.inference.ml.azure.com` | 2024-05-01-preview "
        "| authorization | `https://ml.azure.com/.default` |",
        "| foundry | `https://my-resource.services.ai.azure.com/models` | 2025-05-01 | api-key "
        "| `https://cognitiveservices.azure.com/.default` | required | no |",
        "| azure_openai | `https://my-resource.openai.azure.com/openai/deployments/gpt-4o-mini`"
        " | 2024-10-21 | api-key |",
        "| openai_v1 | `https://my-resource.openai.azure.com/openai/v1` | none | api-key "
        "| `https://cognitiveservices.azure.com/.default` | required | no |",
        "| openai_v1 | `https://my-resource.services.ai.azure.com/openai/v1` | none | api-key "
        "| `https://ai.azure.com/.default` | required | no |",
        "| `https://models.inference.ai.azure.com` | refused: ",
        "/score` | refused: ",
        "/agents` | refused: ",
    ):
        assert row in flavours, flavours

    routes = out.text("routes")
    for route in (
        "`/chat/completions` | 2025-05-01",
        "| Foundry project | `/models/chat/completions` | 2025-05-01 | api-key | Mistral-Large",
        "`/models/chat/completions` | 2025-05-01 | api-key | Mistral-Large",
        "`/openai/deployments/gpt-4o-mini/chat/completions` | 2024-10-21 | api-key | gpt-4o-mini",
        "`/openai/v1/chat/completions` | none | api-key | gpt-4o-mini",
    ):
        assert route in routes, routes

    entra = out.text("entra")
    assert re.search(r"^serverless.*scope https://ml\.azure\.com/\.default", entra, re.M)
    assert re.search(
        r"^Foundry.*scope https://cognitiveservices\.azure\.com/\.default", entra, re.M
    )
    assert re.search(r"^Foundry project.*scope https://ai\.azure\.com/\.default", entra, re.M)
    assert entra.count("(tokens fetched: 1)") == 5  # two calls each, one token: cached
    assert "override: https://ai.azure.com/.default" in entra

    retries = out.text("retries")
    assert "429 + Retry-After: attempts [429, 429, 200], retries 2" in retries
    assert "503, no Retry-After: attempts [503, 200], retries 1" in retries
    # Two 150 ms waits asked by the service were honoured.
    assert _number(r"429 \+ Retry-After: .* done in ([\d.]+) s", retries) >= 0.3
    assert out.has_png("retries-plot")

    assert "RateLimitError 429: retry after 2.0 s" in out.text("no-retry")
    assert "ContentFilterError (400, content_filter); attempts [400]" in out.text("content-filter")

    budget = out.text("rate-budget")
    assert "request 3: ok" in budget
    assert _number(r"request 4: 429, retry after ([\d.]+) s", budget) > 0

    timeouts = out.text("timeouts")
    # Gave up after the 0.2 s timeout, well before the 1 s late answer.
    assert 0.2 <= _number(r"APITimeoutError after ([\d.]+) s", timeouts) < 1.0
    assert "per-call timeout=2.0: answered" in timeouts

    latency = out.text("stream-latency")
    first = _number(r"first token after (\d+) ms", latency)
    last = _number(r"after (\d+) ms\n", latency)
    assert last > first
    assert out.has_png("stream-latency")

    concurrency = out.text("async")
    sequential = _number(r"one after another: ([\d.]+) s", concurrency)
    concurrent = _number(r"asyncio.gather: ([\d.]+) s", concurrency)
    assert sequential >= 0.8  # 8 calls of 100 ms each
    assert concurrent < sequential
    # The wording varies with the emulator's seeded state; the question must come back.
    assert re.search(r'first answer: .*"Question 0"', concurrency), concurrency
    assert out.has_png("async-plot")
