"""LangChain's own cost: a chat model that does no I/O.

It yields the same chunks a real integration would build from the canned
stream (text, tool-call fragments, usage on the last chunk) and reports each
token to the run manager, as integrations do; the events are already parsed,
so JSON and HTTP cost nothing here. Added to the raw httpx floor, this is the
least any LangChain integration can cost.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from .._payloads import completion_body, stream_events, tool_stream_events
from ._base import package_versions
from ._lc import LangChainContender


def _usage(raw: dict[str, int]) -> dict[str, int]:
    return {
        "input_tokens": raw["prompt_tokens"],
        "output_tokens": raw["completion_tokens"],
        "total_tokens": raw["total_tokens"],
    }


class NoIOChatModel(BaseChatModel):
    """Answers from pre-parsed canned events; ``path`` picks them like the server does."""

    path: str = "/b/0"
    _events: list[dict[str, Any]] = PrivateAttr(default_factory=list)

    def model_post_init(self, context: Any) -> None:
        kind, n = self.path.split("/")[1:3]
        self._events = tool_stream_events(int(n)) if kind == "t" else stream_events(int(n))

    @property
    def _llm_type(self) -> str:
        return "bench-no-io"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        body = completion_body()
        choice = body["choices"][0]
        message = AIMessage(
            content=choice["message"]["content"],
            id=body["id"],
            usage_metadata=_usage(body["usage"]),
            response_metadata={
                "finish_reason": choice["finish_reason"],
                "model_name": body["model"],
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        last = len(self._events) - 1
        for position, event in enumerate(self._events):
            choice = event["choices"][0]
            delta = choice["delta"]
            fragments = [
                tool_call_chunk(
                    name=(f.get("function") or {}).get("name"),
                    args=(f.get("function") or {}).get("arguments"),
                    id=f.get("id"),
                    index=f["index"],
                )
                for f in delta.get("tool_calls") or ()
            ]
            metadata = {"finish_reason": choice["finish_reason"]} if choice["finish_reason"] else {}
            message = AIMessageChunk(
                content=delta.get("content") or "",
                tool_call_chunks=fragments,
                usage_metadata=_usage(event["usage"]) if "usage" in event else None,  # type: ignore[arg-type]
                response_metadata=metadata,
                chunk_position="last" if position == last else None,
            )
            chunk = ChatGenerationChunk(message=message)
            if run_manager is not None:
                run_manager.on_llm_new_token(message.text, chunk=chunk)
            yield chunk


class LangChainFloor(LangChainContender):
    has_async = False

    def make(self, path: str) -> NoIOChatModel:
        return NoIOChatModel(path=path)

    def make_tools(self, path: str) -> NoIOChatModel:
        return self.make(path)


CONTENDER = LangChainFloor


def versions() -> dict[str, str]:
    return package_versions("langchain-core")
