"""The official ``azure-ai-inference`` SDK (1.0.0b9; aiohttp for async).

Runs in ``.venv-bench``. Tool-call fragments are joined by their ``index``,
as a careful user of the SDK has to do by hand (the SDK has no accumulator).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.aio import ChatCompletionsClient as AsyncChatCompletionsClient
from azure.ai.inference.models import UserMessage
from azure.core.credentials import AzureKeyCredential

from .._payloads import MODEL, TOOL_DEFS
from ._base import QUESTION, Contender, ToolCalls, package_versions

MESSAGES = [UserMessage(content=QUESTION)]


class AzureSDK(Contender):
    def make(self, path: str) -> ChatCompletionsClient:
        return ChatCompletionsClient(
            endpoint=self.endpoint(path), credential=AzureKeyCredential(self.key), model=MODEL
        )

    def close_client(self, client: Any) -> None:
        client.close()

    def call_with(self, client: Any) -> str:
        return str(client.complete(messages=MESSAGES).choices[0].message.content)

    def stream_with(self, client: Any) -> Iterator[str]:
        for update in client.complete(messages=MESSAGES, stream=True):
            for choice in update.choices:
                yield choice.delta.content or ""

    def tools_with(self, client: Any) -> ToolCalls:
        calls: dict[int, list[str]] = {}
        for update in client.complete(messages=MESSAGES, stream=True, tools=TOOL_DEFS):
            for choice in update.choices:
                for fragment in choice.delta.tool_calls or ():
                    slot = calls.setdefault(fragment["index"], ["", ""])
                    slot[0] += fragment.function.name or ""
                    slot[1] += fragment.function.arguments or ""
        return [(name, json.loads(args)) for _, (name, args) in sorted(calls.items())]

    def amake(self, path: str) -> AsyncChatCompletionsClient:
        return AsyncChatCompletionsClient(
            endpoint=self.endpoint(path), credential=AzureKeyCredential(self.key), model=MODEL
        )

    async def acall_with(self, client: Any) -> str:
        return str((await client.complete(messages=MESSAGES)).choices[0].message.content)

    async def aclose_client(self, client: Any) -> None:
        await client.close()


CONTENDER = AzureSDK


def versions() -> dict[str, str]:
    return package_versions("azure-ai-inference", "azure-core", "aiohttp")
