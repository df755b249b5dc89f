"""Import cost (issue 12): importing the core loads neither httpx nor the Responses
models; httpx comes with the first client, still without its command-line tool.

Each check runs in a fresh interpreter: this test process imported everything long
ago. Times are the benchmark's business (``bench/_imports.py``); these tests pin
which modules load, and that the first call in a fresh interpreter works.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

import azure_inference_core
from azure_inference_emulator import Emulator

HEAVY = (
    "httpx",
    "httpcore",
    "azure_inference_core._responses_wire",
    "azure_inference_core._responses",
)
CLI = ("httpx._main", "click", "rich", "pygments")

# Prints which of HEAVY and CLI are loaded, as JSON, at the point it is pasted in.
LOADED = (
    "print(json.dumps(sorted(m for m in "
    + repr(HEAVY + CLI)
    + " if sys.modules.get(m) is not None)), flush=True)\n"
)


def fresh(code: str) -> list[str]:
    """Run ``code`` in a new interpreter; its output lines."""
    done = subprocess.run(
        [sys.executable, "-c", "import json, sys\n" + code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_importing_the_core_loads_no_httpx_and_no_responses_models() -> None:
    assert fresh("import azure_inference_core\n" + LOADED) == ["[]"]


def test_every_chat_name_imports_without_httpx() -> None:
    # The clients and streams included: httpx loads when one is built, not defined.
    # The Responses names load their models on first use (test_responses.py).
    responses = {n for n, m in azure_inference_core._LAZY.items() if m.startswith("._responses")}
    names = sorted(n for n in azure_inference_core.__all__ if n not in responses)
    assert "InferenceClient" in names
    code = f"from azure_inference_core import {', '.join(names)}\n" + LOADED
    assert fresh(code) == ["[]"]


def test_the_settings_base_imports_without_httpx_and_checks_clients_lazily() -> None:
    code = (
        "from azure_inference_core._settings import CoreClientSettings\n" + LOADED + "try:\n"
        "    CoreClientSettings(endpoint='http://127.0.0.1:9', http_client=object())\n"
        "except Exception as e:\n"
        "    print(type(e).__name__, e.errors()[0]['msg'], e.errors()[0]['loc'])\n"
        "print(CoreClientSettings(endpoint='http://127.0.0.1:9').http_client)\n"
    )
    assert fresh(code) == [
        "[]",
        "ValidationError Input should be an instance of Client ('http_client',)",
        "None",
    ]


@pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("click", "rich", "pygments")),
    reason="httpx loads its CLI only where click, rich and pygments are installed",
)
def test_the_first_client_loads_httpx_without_its_command_line_tool() -> None:
    code = (
        "import azure_inference_core as core\n"
        "client = core.InferenceClient('http://127.0.0.1:9', 'k')\n" + LOADED + "import httpx\n"
        "print(callable(httpx.main))\n"
    )
    assert fresh(code) == [json.dumps(["httpcore", "httpx"]), "True"]


def test_httpx_imported_first_is_left_as_it_is() -> None:
    code = (
        "import httpx\n"
        "before, main = sys.modules.get('httpx._main'), httpx.main\n"
        "import azure_inference_core as core\n"
        "core.InferenceClient('http://127.0.0.1:9', 'k').close()\n"
        "print(sys.modules.get('httpx._main') is before, httpx.main is main)"
    )
    assert fresh(code) == ["True True"]


@pytest.mark.azure_inference_emulator(profile="gpt-4o-mini", key="k", latency=False)
def test_the_first_calls_work_in_a_fresh_interpreter(azure_inference_emulator: Emulator) -> None:
    # The wire models build their validators on first use; every kind of call is the
    # first of its kind here, sync and async.
    code = (
        "import asyncio\n"
        "import azure_inference_core as core\n"
        + LOADED
        + f"endpoint = {azure_inference_emulator.foundry_endpoint!r}\n"
        "with core.InferenceClient(endpoint, 'k', model='gpt-4o-mini') as client:\n"
        "    answer = client.complete([{'role': 'user', 'content': 'hi'}], seed=1)\n"
        "    print(type(answer).__name__, bool(answer.choices[0].message.content))\n"
        "    chunks = list(client.stream([{'role': 'user', 'content': 'hi'}]))\n"
        "    print(type(chunks[0]).__name__, len(chunks) > 1)\n"
        "    vectors = client.embed(['a', 'b'], model='text-embedding-3-small')\n"
        "    print(type(vectors).__name__, len(vectors.data))\n"
        "    answer = client.responses.create('hi', model='gpt-4o-mini')\n"
        "    print(type(answer).__name__, bool(answer.output_text))\n"
        "async def main():\n"
        "    async with core.AsyncInferenceClient(endpoint, 'k', model='gpt-4o-mini') as client:\n"
        "        stream = client.stream([{'role': 'user', 'content': 'hi'}])\n"
        "        async with stream:\n"
        "            print('async', len([chunk async for chunk in stream]) > 1)\n"
        "asyncio.run(main())\n"
    )
    assert fresh(code) == [
        "[]",
        "ChatCompletion True",
        "ChatCompletionChunk True",
        "EmbeddingsResult 2",
        "Response True",
        "async True",
    ]


def test_the_httpx_stand_in_imports_on_the_first_attribute_read() -> None:
    code = (
        "from azure_inference_core._no_httpx_cli import httpx as lazy\n"
        "print(hasattr(lazy, '__wrapped__'), 'httpx' in sys.modules)\n"
        "url = lazy.URL('https://example.invalid/x')\n"
        "import httpx\n"
        "print('httpx' in sys.modules, lazy.URL is httpx.URL, 'URL' in vars(lazy), url.path)\n"
    )
    assert fresh(code) == ["False False", "True True True /x"]
