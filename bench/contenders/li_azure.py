"""``llama-index-llms-azure-inference``'s ``AzureAICompletionsModel`` (0.8.0).

Runs in ``.venv-bench``, on the official SDK (aiohttp for async).
"""

from __future__ import annotations

from typing import Any

from llama_index.llms.azure_inference import AzureAICompletionsModel

from .._payloads import MODEL
from ._base import package_versions
from ._li import LlamaIndexContender


class LlamaIndexAzure(LlamaIndexContender):
    def build(self, endpoint: str) -> Any:
        return AzureAICompletionsModel(endpoint=endpoint, credential=self.key, model_name=MODEL)


CONTENDER = LlamaIndexAzure


def versions() -> dict[str, str]:
    return package_versions("llama-index-llms-azure-inference", "azure-ai-inference")
