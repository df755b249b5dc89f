"""How a LlamaIndex user drives an LLM; shared by every LlamaIndex contender."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.tools import FunctionTool
from pydantic import create_model

from .._payloads import TOOL_DEFS
from ._base import QUESTION, Contender, ToolCalls

MESSAGES = [ChatMessage(role=MessageRole.USER, content=QUESTION)]


def _noop(**kwargs: Any) -> str:
    return ""


def _tools() -> list[FunctionTool]:
    tools = []
    for spec in TOOL_DEFS:
        function = spec["function"]
        fields: dict[str, Any] = {name: (str, ...) for name in function["parameters"]["properties"]}
        schema = create_model(function["name"], **fields)
        tools.append(
            FunctionTool.from_defaults(
                fn=_noop,
                name=function["name"],
                description=function["description"],
                fn_schema=schema,
            )
        )
    return tools


TOOLS = _tools()


class LlamaIndexContender(Contender):
    """Subclasses give ``build(endpoint)``; driving is the same for all."""

    def build(self, endpoint: str) -> Any:
        raise NotImplementedError

    def make(self, path: str) -> Any:
        return self.build(self.endpoint(path))

    def make_tools(self, path: str) -> Any:
        return self.make(path)

    def call_with(self, client: Any) -> str:
        return str(client.chat(MESSAGES).message.content or "")

    def stream_with(self, client: Any) -> Iterator[str]:
        for response in client.stream_chat(MESSAGES):
            yield response.delta or ""

    def tools_with(self, client: Any) -> ToolCalls:
        last: ChatResponse | None = None
        for response in client.stream_chat_with_tools(TOOLS, chat_history=MESSAGES):
            last = response
        if last is None:
            return []
        calls = client.get_tool_calls_from_response(last, error_on_no_tool_call=False)
        return [(call.tool_name, dict(call.tool_kwargs)) for call in calls]

    def amake(self, path: str) -> Any:
        return self.make(path)

    async def acall_with(self, client: Any) -> str:
        return str((await client.achat(MESSAGES)).message.content or "")
