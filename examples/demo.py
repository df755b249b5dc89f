"""The main job, end to end: ``make demo`` (or ``.venv/bin/python -m examples.demo``).

Five steps, each printed as it happens, then a summary:

1. a LangChain chain (prompt | ChatAzureInference | parser) streaming its tokens;
2. a LangChain agent (``langchain.agents.create_agent``) calling two tools;
3. a LlamaIndex ``FunctionAgent`` calling two tools, its answer streamed;
4. a LlamaIndex RAG query: a ``VectorStoreIndex`` over the notes in
   ``examples/data/`` with Azure embeddings, the answer citing what was retrieved;
5. an image question to a vision model (a PNG drawn in code, sent as a data URL).

Where it runs. Without configuration the demo starts the local emulator in this
process on a free loopback port (no network): Mistral-Large for chat and tools,
Cohere-embed-v3-english for embeddings, Phi-3-vision-128k-Instruct for the image,
all behind its Foundry-style ``/models`` route. With ``AZURE_INFERENCE_ENDPOINT``
set, the same steps run against your endpoint:

- ``AZURE_INFERENCE_ENDPOINT``: endpoint URL of the chat model (on a Foundry
  ``/models`` endpoint, all three models can live behind it).
- ``AZURE_INFERENCE_CREDENTIAL``: a key. When unset, Entra ID is used
  (azure-identity's ``DefaultAzureCredential``; the scope is chosen from the URL).
- ``AZURE_INFERENCE_CHAT_MODEL``: chat deployment with tool calling (needed on
  Foundry; ignored by single-model serverless endpoints).
- ``AZURE_INFERENCE_EMBEDDINGS_MODEL`` / ``AZURE_INFERENCE_EMBEDDINGS_ENDPOINT``:
  the embeddings deployment, and its endpoint when it is not the chat one.
- ``AZURE_INFERENCE_VISION_MODEL`` / ``AZURE_INFERENCE_VISION_ENDPOINT``: a model
  that reads images (e.g. Phi-3-vision-128k-Instruct), and its endpoint when it
  is not the chat one.

Exit code: 0 when every step passed, 1 when one failed, 2 when the setup failed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import time
from collections.abc import Iterator, Mapping

from ._steps import STEPS, Log, StepFailed, Target, preload

__all__ = ["main", "target_from_env"]

EMULATOR_MODELS = {
    "chat": "Mistral-Large",
    "embeddings": "Cohere-embed-v3-english",
    "vision": "Phi-3-vision-128k-Instruct",
}


def target_from_env(environ: Mapping[str, str] | None = None) -> Target | None:
    """The endpoint described by ``AZURE_INFERENCE_*`` variables, or None when unset.

    Args:
        environ: the variables to read; ``os.environ`` when None.
    """
    environ = os.environ if environ is None else environ
    endpoint = environ.get("AZURE_INFERENCE_ENDPOINT", "").strip()
    if not endpoint:
        return None
    return Target(
        description=f"your endpoint {endpoint}",
        endpoint=endpoint,
        credential=environ.get("AZURE_INFERENCE_CREDENTIAL") or None,
        chat_model=environ.get("AZURE_INFERENCE_CHAT_MODEL") or None,
        embeddings_endpoint=environ.get("AZURE_INFERENCE_EMBEDDINGS_ENDPOINT") or endpoint,
        embeddings_model=environ.get("AZURE_INFERENCE_EMBEDDINGS_MODEL") or None,
        vision_endpoint=environ.get("AZURE_INFERENCE_VISION_ENDPOINT") or endpoint,
        vision_model=environ.get("AZURE_INFERENCE_VISION_MODEL") or None,
    )


@contextlib.contextmanager
def emulator_target() -> Iterator[Target]:
    """Start the emulator on a free loopback port for the duration of the block."""
    from azure_inference_emulator import Emulator

    key = secrets.token_urlsafe(16)
    # Chunks are paced a little so the streaming is visible; seed 7 fixes the wording.
    with Emulator(EMULATOR_MODELS["chat"], key=key, chunk_delay=0.01, seed=7) as emulator:
        url = emulator.foundry_endpoint
        yield Target(
            description=f"the local emulator at {url} (set AZURE_INFERENCE_ENDPOINT to use yours)",
            endpoint=url,
            credential=key,
            chat_model=EMULATOR_MODELS["chat"],
            embeddings_endpoint=url,
            embeddings_model=EMULATOR_MODELS["embeddings"],
            vision_endpoint=url,
            vision_model=EMULATOR_MODELS["vision"],
        )


def run_steps(target: Target, log: Log) -> list[tuple[str, bool, float, str]]:
    """Run every step, whatever happens to the others; return (name, ok, seconds, note)."""
    results = []
    for number, (name, step) in enumerate(STEPS, start=1):
        log.raw(f"\n[{number}/{len(STEPS)}] {name}\n")
        started = time.perf_counter()
        try:
            note = step(target, log)
            ok = True
        except StepFailed as exc:
            ok, note = False, str(exc)
        except Exception as exc:  # one failing step must not hide the others
            ok, note = False, f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - started
        if not ok:
            log.line("FAILED", note)
        results.append((name, ok, seconds, note))
    return results


def print_summary(results: list[tuple[str, bool, float, str]], total: float, log: Log) -> None:
    log.raw("\nSummary\n")
    width = max(len(name) for name, *_ in results)
    for name, ok, seconds, note in results:
        status = "ok    " if ok else "FAILED"
        log.raw(f"  {status}  {name:<{width}}  {seconds:5.2f} s  {note}\n")
    passed = sum(ok for _, ok, _, _ in results)
    verdict = "all steps passed" if passed == len(results) else f"{passed}/{len(results)} passed"
    log.raw(f"{verdict} in {total:.1f} s\n")


def main() -> int:
    """Run the demo; return the process exit code."""
    if hasattr(sys.stdout, "reconfigure"):  # a terminal without "→" shows "?", not a crash
        sys.stdout.reconfigure(errors="replace")
    log = Log()
    started = time.perf_counter()
    log.raw("Azure AI Model Inference: LangChain, LlamaIndex and the core client\n")
    configured = target_from_env()
    log.raw("Loading LangChain and LlamaIndex ... ")
    loading = time.perf_counter()
    missing = preload()
    log.raw(f"{time.perf_counter() - loading:.1f} s")
    log.raw(f" (not installed: {', '.join(missing)})\n" if missing else "\n")
    try:
        context = (
            contextlib.nullcontext(configured) if configured is not None else emulator_target()
        )
        with context as target:
            log.raw(f"Running against {target.description}\n")
            results = run_steps(target, log)
    except Exception as exc:
        log.raw(f"\nSetup failed: {type(exc).__name__}: {exc}\n")
        return 2
    print_summary(results, time.perf_counter() - started, log)
    return 0 if all(ok for _, ok, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
