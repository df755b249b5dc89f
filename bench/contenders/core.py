"""This project's core client, ``azure_inference_core`` (sync and async)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from azure_inference_core import AsyncInferenceClient, InferenceClient, StreamAccumulator

from .._payloads import MODEL, TOOL_DEFS
from ._base import QUESTION, Contender, ToolCalls, package_versions

MESSAGES = [{"role": "user", "content": QUESTION}]


class Core(Contender):
    def make(self, path: str) -> InferenceClient:
        return InferenceClient(self.endpoint(path), self.key, model=MODEL)

    def close_client(self, client: Any) -> None:
        client.close()

    def call_with(self, client: Any) -> str:
        return str(client.complete(MESSAGES).choices[0].message.content)

    def stream_with(self, client: Any) -> Iterator[str]:
        with client.stream(MESSAGES) as stream:
            for chunk in stream:
                for choice in chunk.choices:
                    yield choice.delta.content or ""

    def tools_with(self, client: Any) -> ToolCalls:
        total = StreamAccumulator()
        with client.stream(MESSAGES, tools=TOOL_DEFS) as stream:
            for chunk in stream:
                total.feed(chunk)
        calls = total.result().choices[0].message.tool_calls or []
        return [(call.function.name, json.loads(call.function.arguments)) for call in calls]

    def amake(self, path: str) -> AsyncInferenceClient:
        return AsyncInferenceClient(self.endpoint(path), self.key, model=MODEL)

    async def acall_with(self, client: Any) -> str:
        return str((await client.complete(MESSAGES)).choices[0].message.content)

    async def aclose_client(self, client: Any) -> None:
        await client.aclose()


CONTENDER = Core


def versions() -> dict[str, str]:
    return package_versions("azure-inference", "httpx", "pydantic")
