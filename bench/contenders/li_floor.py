"""LlamaIndex's own cost: an LLM that does no I/O.

``chat`` and ``stream_chat`` carry LlamaIndex's own ``llm_chat_callback``
instrumentation, as every integration's do, and build the same responses an
integration builds from the canned stream (each streamed response holds the
text so far and the new delta). Events are pre-parsed: JSON and HTTP cost
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
from pydantic import PrivateAttr

from .._payloads import completion_body, stream_events, tool_stream_events
from ._base import ToolCalls, package_versions
from ._li import MESSAGES, LlamaIndexContender


class NoIOLLM(CustomLLM):
    """Answers from pre-parsed canned events; ``path`` picks them like the server does."""

    path: str = "/b/0"
    _events: list[dict[str, Any]] = PrivateAttr(default_factory=list)

    def model_post_init(self, context: Any) -> None:
        kind, n = self.path.split("/")[1:3]
        self._events = tool_stream_events(int(n)) if kind == "t" else stream_events(int(n))

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="bench-no-io", is_chat_model=True)

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

    def tools_with(self, client: Any) -> ToolCalls:
        last = None
        for response in client.stream_chat(MESSAGES):
            last = response
        if last is None:
            return []
        return [
            (block.tool_name, block.tool_kwargs)
            for block in last.message.blocks
            if isinstance(block, ToolCallBlock) and isinstance(block.tool_kwargs, dict)
        ]


CONTENDER = LlamaIndexFloor


def versions() -> dict[str, str]:
    return package_versions("llama-index-core")
