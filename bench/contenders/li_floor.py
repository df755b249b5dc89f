"""LlamaIndex's own cost: an LLM that does no I/O.

``chat`` and ``stream_chat`` carry LlamaIndex's own ``llm_chat_callback``
instrumentation, as every integration's do, and build the same responses an
integration builds from the canned stream (each streamed response holds the
text so far and the new delta). Tool streams go through LlamaIndex's own
``stream_chat_with_tools`` and ``get_tool_calls_from_response``, and the tools
are turned into JSON schemas with LlamaIndex's ``to_openai_tool``, as every
function-calling integration must. Events are pre-parsed: JSON and HTTP cost
nothing here. Added to the raw httpx floor, this is the least any LlamaIndex
integration can cost.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
    ToolCallBlock,
)
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.custom import CustomLLM
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.tools import BaseTool
from pydantic import PrivateAttr

from .._payloads import completion_body, stream_events, tool_stream_events
from ._base import package_versions
from ._li import LlamaIndexContender


class NoIOLLM(CustomLLM, FunctionCallingLLM):
    """Answers from pre-parsed canned events; ``path`` picks them like the server does."""

    path: str = "/b/0"
    _events: list[dict[str, Any]] = PrivateAttr(default_factory=list)

    def model_post_init(self, context: Any) -> None:
        kind, n = self.path.split("/")[1:3]
        self._events = tool_stream_events(int(n)) if kind == "t" else stream_events(int(n))

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            model_name="bench-no-io", is_chat_model=True, is_function_calling_model=True
        )

    def _prepare_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        **kwargs: Any,
    ) -> dict[str, Any]:
        messages = list(chat_history or [])
        if isinstance(user_msg, str):
            user_msg = ChatMessage(role=MessageRole.USER, content=user_msg)
        if user_msg is not None:
            messages.append(user_msg)
        specs = [tool.metadata.to_openai_tool() for tool in tools]
        return {"messages": messages, "tools": specs, **kwargs}

    def get_tool_calls_from_response(
        self, response: ChatResponse, error_on_no_tool_call: bool = True, **kwargs: Any
    ) -> list[ToolSelection]:
        return [
            ToolSelection(
                tool_id=block.tool_call_id or "",
                tool_name=block.tool_name,
                tool_kwargs=block.tool_kwargs if isinstance(block.tool_kwargs, dict) else {},
            )
            for block in response.message.blocks
            if isinstance(block, ToolCallBlock)
        ]

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=completion_body()["choices"][0]["message"]["content"])

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        raise NotImplementedError("the floor is driven through stream_chat")

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        body = completion_body()
        choice = body["choices"][0]
        message = ChatMessage(
            role=MessageRole.ASSISTANT,
            content=choice["message"]["content"],
            additional_kwargs={"usage": body["usage"]},
        )
        return ChatResponse(message=message, raw=body)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        def gen() -> ChatResponseGen:
            text = ""
            calls: dict[int, list[str]] = {}
            last = len(self._events) - 1
            for position, event in enumerate(self._events):
                delta = event["choices"][0]["delta"]
                piece = delta.get("content") or ""
                text += piece
                for fragment in delta.get("tool_calls") or ():
                    slot = calls.setdefault(fragment["index"], ["", "", ""])
                    function = fragment.get("function") or {}
                    slot[0] = fragment.get("id") or slot[0]
                    slot[1] += function.get("name") or ""
                    slot[2] += function.get("arguments") or ""
                blocks: list[Any] = []
                if position == last:
                    blocks = [
                        ToolCallBlock(tool_call_id=i, tool_name=n, tool_kwargs=json.loads(a))
                        for i, n, a in calls.values()
                    ]
                message = ChatMessage(role=MessageRole.ASSISTANT, content=text)
                message.blocks.extend(blocks)
                yield ChatResponse(message=message, delta=piece, raw=event)

        return gen()


class LlamaIndexFloor(LlamaIndexContender):
    has_async = False

    def make(self, path: str) -> NoIOLLM:
        return NoIOLLM(path=path)


CONTENDER = LlamaIndexFloor


def versions() -> dict[str, str]:
    return package_versions("llama-index-core")
