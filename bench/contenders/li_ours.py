"""This project's LlamaIndex LLM, ``AzureInference``."""

from __future__ import annotations

from typing import Any

from llamaindex_azure_inference import AzureInference

from .._payloads import MODEL
from ._base import package_versions
from ._li import LlamaIndexContender


class LlamaIndexOurs(LlamaIndexContender):
    def build(self, endpoint: str) -> Any:
        return AzureInference(endpoint=endpoint, credential=self.key, model=MODEL)

    def close_client(self, client: Any) -> None:
        client.close()

    async def aclose_client(self, client: Any) -> None:
        await client.aclose()


CONTENDER = LlamaIndexOurs


def versions() -> dict[str, str]:
    return package_versions("azure-inference", "llama-index-core")
