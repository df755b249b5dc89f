"""``langchain-openai``'s ``ChatOpenAI``, pointed at the ``/openai/v1`` route.

The quality bar of anchors.md. Runs in ``.venv-bench``. Its default
``max_retries`` and connection limits are kept, as a user would.
"""

from __future__ import annotations

from typing import Any

from langchain_openai import ChatOpenAI

from .._payloads import MODEL
from ._base import package_versions
from ._lc import LangChainContender


class LangChainOpenAI(LangChainContender):
    def build(self, endpoint: str) -> Any:
        return ChatOpenAI(base_url=endpoint + "/openai/v1", api_key=self.key, model=MODEL)


CONTENDER = LangChainOpenAI


def versions() -> dict[str, str]:
    return package_versions("langchain-openai", "openai", "langchain-core")
