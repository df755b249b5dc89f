"""How a LangChain user drives a chat model; shared by every LangChain contender."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.messages import AIMessageChunk, BaseMessage, HumanMessage

from .._payloads import TOOL_DEFS
from ._base import QUESTION, Contender, ToolCalls

MESSAGES: list[BaseMessage] = [HumanMessage(QUESTION)]


def _text(message: BaseMessage) -> str:
    return message.content if isinstance(message.content, str) else message.text


class LangChainContender(Contender):
    """Subclasses give ``build(endpoint)``; driving is the same for all."""

    def build(self, endpoint: str) -> Any:
        raise NotImplementedError

    def make(self, path: str) -> Any:
        return self.build(self.endpoint(path))

    def make_tools(self, path: str) -> Any:
        return self.make(path).bind_tools(TOOL_DEFS)

    def call_with(self, client: Any) -> str:
        return _text(client.invoke(MESSAGES))

    def stream_with(self, client: Any) -> Iterator[str]:
        for chunk in client.stream(MESSAGES):
            yield _text(chunk)

    def tools_with(self, client: Any) -> ToolCalls:
        total: AIMessageChunk | None = None
        for chunk in client.stream(MESSAGES):
            total = chunk if total is None else total + chunk
        if total is None:
            return []
        return [(call["name"], call["args"]) for call in total.tool_calls]

    def amake(self, path: str) -> Any:
        return self.make(path)

    async def acall_with(self, client: Any) -> str:
        return _text(await client.ainvoke(MESSAGES))
