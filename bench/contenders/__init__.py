"""The contenders, in table order, and what each is compared against.

``env`` names the Python that runs a contender: ``main`` is the project's
``.venv``; ``bench`` is ``.venv-bench``, where the official packages live so
they never become a dependency of this project. ``family`` picks the floor:
``http`` rows are compared with raw httpx; ``langchain`` / ``llamaindex`` rows
with raw httpx plus that framework's own no-I/O cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["CONTENDERS", "IMPORTS", "ImportTarget", "Spec", "by_name"]


@dataclass(frozen=True)
class Spec:
    name: str
    label: str
    env: Literal["main", "bench"]
    family: Literal["http", "langchain", "llamaindex"]
    kind: Literal["floor", "framework", "ours", "official"]


CONTENDERS: tuple[Spec, ...] = (
    Spec("raw_httpx", "raw httpx + json (floor)", "main", "http", "floor"),
    Spec("lc_floor", "LangChain itself (no-I/O model)", "main", "langchain", "framework"),
    Spec("li_floor", "LlamaIndex itself (no-I/O LLM)", "main", "llamaindex", "framework"),
    Spec("core", "azure_inference_core (ours)", "main", "http", "ours"),
    Spec("lc_ours", "ChatAzureInference (ours)", "main", "langchain", "ours"),
    Spec("li_ours", "llamaindex AzureInference (ours)", "main", "llamaindex", "ours"),
    Spec("azure_sdk", "azure-ai-inference SDK", "bench", "http", "official"),
    Spec("lc_azure_ai", "langchain-azure-ai (inference class)", "bench", "langchain", "official"),
    Spec("lc_openai", "langchain-openai ChatOpenAI", "bench", "langchain", "official"),
    Spec("li_azure", "llama-index-llms-azure-inference", "bench", "llamaindex", "official"),
)


def by_name(name: str) -> Spec:
    for spec in CONTENDERS:
        if spec.name == name:
            return spec
    raise KeyError(f"no contender named {name!r}; known: {', '.join(s.name for s in CONTENDERS)}")


@dataclass(frozen=True)
class ImportTarget:
    """One import timed in a fresh interpreter; ``baseline`` names the row it is held to."""

    name: str
    label: str
    env: Literal["main", "bench"]
    statement: str
    baseline: str | None = None


IMPORTS: tuple[ImportTarget, ...] = (
    ImportTarget("httpx", "httpx", "main", "import httpx"),
    # The floors are the framework classes the adapters subclass: both frameworks import
    # lazily, so importing a bare package would measure almost nothing.
    ImportTarget(
        "langchain_core",
        "langchain-core (BaseChatModel, Embeddings)",
        "main",
        "from langchain_core.language_models import BaseChatModel; "
        "from langchain_core.embeddings import Embeddings",
    ),
    ImportTarget(
        "llama_index_core",
        "llama-index-core (FunctionCallingLLM, BaseEmbedding)",
        "main",
        "from llama_index.core.llms.function_calling import FunctionCallingLLM; "
        "from llama_index.core.base.embeddings.base import BaseEmbedding",
    ),
    ImportTarget(
        "core", "azure_inference_core (ours)", "main", "import azure_inference_core", "httpx"
    ),
    ImportTarget(
        "lc_ours",
        "langchain_azure_inference (ours)",
        "main",
        "from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference",
        "langchain_core",
    ),
    ImportTarget(
        "li_ours",
        "llamaindex_azure_inference (ours)",
        "main",
        "from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding",
        "llama_index_core",
    ),
    ImportTarget(
        "azure_sdk",
        "azure-ai-inference SDK",
        "bench",
        "from azure.ai.inference import ChatCompletionsClient",
    ),
    ImportTarget(
        "lc_azure_ai",
        "langchain-azure-ai (inference class)",
        "bench",
        "from langchain_azure_ai.chat_models.inference import AzureAIChatCompletionsModel",
        "langchain_core",
    ),
    ImportTarget(
        "lc_openai",
        "langchain-openai ChatOpenAI",
        "bench",
        "from langchain_openai import ChatOpenAI",
        "langchain_core",
    ),
    ImportTarget(
        "li_azure",
        "llama-index-llms-azure-inference",
        "bench",
        "from llama_index.llms.azure_inference import AzureAICompletionsModel",
        "llama_index_core",
    ),
)
