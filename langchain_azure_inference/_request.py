"""One chat request from the model's fields and a call's arguments (pure).

Shared by the four LangChain hooks, so sync and async, streamed and not, send
exactly the same body. Every rule is the core's: the capability check
(``check_capabilities``), ``tool_choice`` (``normalize_tool_choice``), the
usage opt-in (``stream_usage_options``) and the tool-result shape for the model
(``ModelCapabilities.tool_results_json``). This module only gathers LangChain's
values for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage

from azure_inference_core import (
    CHAT_PARAMS,
    capabilities_for,
    check_capabilities,
    check_names,
    normalize_tool_choice,
    stream_usage_options,
    tool_names,
)

from ._messages import convert_messages
from ._tools import apply_disabled, convert_tools, is_wire_tool

__all__ = ["CALL_KWARGS", "ChatRequest", "build_chat_request"]

# Core call options a LangChain call passes through as given.
_PASSED = ("extra_parameters", "headers", "timeout", "total_timeout")
#: Per-call keyword arguments (``invoke(..., temperature=0)``, ``bind(...)``): the core's
#: chat parameters (``stop`` comes as LangChain's own argument, extras as
#: ``model_kwargs``) plus LangChain's.
CALL_KWARGS = (frozenset(CHAT_PARAMS) - {"stop", "model_extras"}) | {
    "n",
    "logprobs",
    "top_logprobs",
    "model_kwargs",
    "stream_usage",
}
# Consumed by BaseChatModel itself but still forwarded to _stream / _generate.
_LANGCHAIN_KWARGS = frozenset({"stream"})
_SAMPLING = ("temperature", "top_p", "max_tokens", "seed", "presence_penalty", "frequency_penalty")
_EXTRA_FIELDS = ("n", "logprobs", "top_logprobs")


@dataclass(frozen=True)
class ChatRequest:
    """What to pass to the core's ``complete`` / ``stream``: messages and ``ChatParams``."""

    messages: list[dict[str, Any]]
    params: dict[str, Any]


def build_chat_request(
    settings: Any,
    messages: Sequence[BaseMessage],
    stop: list[str] | None,
    kwargs: Mapping[str, Any],
    *,
    stream: bool,
) -> ChatRequest:
    """Merge the model's fields (``settings``) with one call's arguments.

    Raises:
        TypeError: an unknown keyword argument (the message lists the valid ones).
        ValueError: a bad ``tool_choice``, or ``n`` > 1 on a stream.
        UnsupportedFeatureError: the model is known not to do what the call asks.
        UnsupportedContentError: a message the wire cannot carry.
    """
    check_names(kwargs, CALL_KWARGS | _LANGCHAIN_KWARGS, f"{type(settings).__name__} call")

    def pick(name: str) -> Any:
        value = kwargs.get(name)
        return getattr(settings, name) if value is None else value

    model = pick("model")
    capabilities, matched = capabilities_for(model, settings.endpoint)
    wire_messages = convert_messages(messages, json_tool_results=capabilities.tool_results_json)
    tools = kwargs.get("tools")
    if tools is not None and not all(is_wire_tool(t) for t in tools):
        tools = convert_tools(tools)
    tool_choice = normalize_tool_choice(
        kwargs.get("tool_choice"), tool_names(tools) if tools else []
    )
    response_format = pick("response_format")
    check_capabilities(
        capabilities,
        matched,
        messages=wire_messages,
        tools=tools,
        tool_choice=tool_choice,
        response_format=response_format,
    )
    extras = {**settings.model_kwargs, **(kwargs.get("model_kwargs") or {})}
    for name in _EXTRA_FIELDS:
        value = pick(name)
        if value is not None:
            extras[name] = value
    if stream:
        n = extras.get("n")
        if isinstance(n, int) and n > 1:
            raise ValueError(
                f"n={n} cannot be streamed: a LangChain stream carries one choice. "
                "Use invoke()/generate() for several choices."
            )
        options = stream_usage_options(pick("stream_usage"), capabilities)
        if options is not None:
            extras.setdefault("stream_options", options)
    params: dict[str, Any] = {name: pick(name) for name in _SAMPLING}
    params.update(
        model=model,
        stop=stop if stop is not None else settings.stop,
        response_format=response_format,
        tools=tools,
        tool_choice=tool_choice,
        parallel_tool_calls=kwargs.get("parallel_tool_calls"),
    )
    params.update((name, kwargs[name]) for name in _PASSED if kwargs.get(name) is not None)
    if settings.disabled_params:
        apply_disabled(settings.disabled_params, params, extras)
    params["model_extras"] = extras or None
    return ChatRequest(wire_messages, params)
