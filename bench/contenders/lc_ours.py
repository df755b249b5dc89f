"""This project's LangChain chat model, ``ChatAzureInference``."""

from __future__ import annotations

from typing import Any

from langchain_azure_inference import ChatAzureInference

from .._payloads import MODEL
from ._base import package_versions
from ._lc import LangChainContender


class LangChainOurs(LangChainContender):
    def build(self, endpoint: str) -> Any:
        return ChatAzureInference(endpoint=endpoint, credential=self.key, model=MODEL)

    def close_client(self, client: Any) -> None:
        # A tools-bound client is a RunnableBinding around the model.
        getattr(client, "bound", client).close()

    async def aclose_client(self, client: Any) -> None:
        await client.aclose()


CONTENDER = LangChainOurs


def versions() -> dict[str, str]:
    return package_versions("azure-inference", "langchain-core")
