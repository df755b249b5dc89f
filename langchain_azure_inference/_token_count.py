"""Offline token counting for ``ChatAzureInference`` (``get_num_tokens*``, ``trim_messages``).

The counts are the core's (``azure_inference_core.token_counter``): exact for
OpenAI models when tiktoken and its cached encoding are on disk, otherwise the
core's documented estimate. Nothing is downloaded and nothing raises
``ImportError`` (langchain-core's default would load a GPT-2 tokenizer from
``transformers``, which is neither installed nor offline).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage

from azure_inference_core import capabilities_for

from ._messages import convert_messages
from ._tools import convert_tools, is_wire_tool

if TYPE_CHECKING:
    from azure_inference_core import TokenCounter

__all__ = ["TokenCounting"]


class TokenCounting:
    """Mixin for ``ChatAzureInference``: the token-counting hooks of ``BaseLanguageModel``."""

    model: str | None
    endpoint: str | None
    custom_get_token_ids: Any

    @property
    def token_counter(self) -> TokenCounter:
        """The core's counter for this model (``.exact`` says whether counts are exact)."""
        from azure_inference_core._tokens import token_counter  # with the first count

        return token_counter(self.model, self.endpoint)

    def get_token_ids(self, text: str) -> list[int]:
        """Token ids from the model's own tokenizer, offline.

        Raises:
            NotImplementedError: no offline tokenizer for this model; the counts of
                ``get_num_tokens`` are estimates then.
        """
        if self.custom_get_token_ids is not None:
            return list(self.custom_get_token_ids(text))
        counter = self.token_counter
        ids = counter.ids(text)
        if ids is None:
            raise NotImplementedError(
                f"No offline tokenizer for {counter.model or self.model or 'this model'!r}: token "
                "ids are not available (get_num_tokens() and get_num_tokens_from_messages() "
                "give an estimate). For OpenAI models, a tiktoken cache (TIKTOKEN_CACHE_DIR) "
                "holding its encoding makes them exact."
            )
        return ids

    def get_num_tokens(self, text: str) -> int:
        """Tokens in ``text``: exact where a tokenizer is on disk, else the core's estimate."""
        if self.custom_get_token_ids is not None:
            return len(self.custom_get_token_ids(text))
        return self.token_counter.count(text)

    def get_num_tokens_from_messages(
        self, messages: list[BaseMessage], tools: Sequence[Any] | None = None
    ) -> int:
        """Tokens the conversation (and tool definitions) take as one request."""
        capabilities = capabilities_for(self.model, self.endpoint)[0]
        wire = convert_messages(messages, json_tool_results=capabilities.tool_results_json)
        wire_tools = None
        if tools:
            wire_tools = (
                list(tools) if all(is_wire_tool(t) for t in tools) else convert_tools(tools)
            )
        if self.custom_get_token_ids is not None:
            return sum(len(self.custom_get_token_ids(str(m.get("content") or ""))) for m in wire)
        return self.token_counter.count_messages(wire, wire_tools)
