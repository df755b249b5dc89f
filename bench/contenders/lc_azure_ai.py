"""``langchain-azure-ai``'s inference-API class (1.2.12, ``[v1]`` extra).

The top-level ``AzureAIChatCompletionsModel`` name now points at an
OpenAI-API subclass of ``ChatOpenAI``; the inference-API class lives on in
``langchain_azure_ai.chat_models.inference``, which is the one timed here.
Runs in ``.venv-bench``. The class has no ``close``; its async SDK client
cannot be closed through it (anchors.md).
"""

from __future__ import annotations

from typing import Any

from langchain_azure_ai.chat_models.inference import AzureAIChatCompletionsModel

from .._payloads import MODEL
from ._base import package_versions
from ._lc import LangChainContender


class LangChainAzureAI(LangChainContender):
    def build(self, endpoint: str) -> Any:
        return AzureAIChatCompletionsModel(endpoint=endpoint, credential=self.key, model=MODEL)


CONTENDER = LangChainAzureAI


def versions() -> dict[str, str]:
    return package_versions("langchain-azure-ai", "azure-ai-inference", "langchain-core")
