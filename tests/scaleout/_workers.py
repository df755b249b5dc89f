"""Code that runs inside worker processes (spawned pool workers and Ray workers).

Kept in its own small module: a spawned child imports it by name, and Ray
ships it by value, so neither needs the test modules (or pytest) to import.
"""

from __future__ import annotations

from typing import Any

_MODELS: dict[str, Any] = {}


def install(models: dict[str, Any], ready: Any = None) -> None:
    """Pool initializer: keep the unpickled models; wait for the other workers at ``ready``."""
    _MODELS.update(models)
    if ready is not None:
        ready.wait(120)


def ask(model: Any, prompt: str) -> str:
    """One chat answer from a LangChain chat model or a LlamaIndex LLM."""
    if hasattr(model, "invoke"):
        return str(model.invoke(prompt).content)
    return str(model.complete(prompt).text)


def ask_installed(name: str, prompt: str) -> tuple[str, int]:
    """Answer with a model installed by ``install``; also say which process answered."""
    import os

    return ask(_MODELS[name], prompt), os.getpid()


def embed(model: Any, texts: list[str]) -> list[list[float]]:
    """Vectors from a LangChain embeddings model or a LlamaIndex embedding model."""
    if hasattr(model, "embed_documents"):
        return [list(v) for v in model.embed_documents(texts)]
    return [list(v) for v in model.get_text_embedding_batch(texts)]
