"""Building one chat request from the LLM's settings and a call's arguments (pure).

Shared by the four chat methods, so sync and async, streamed and not, send
exactly the same body. What a model can take is the core's capability table;
which optional fields go out is the core's policy: nothing is added for this
library's convenience (`parallel_tool_calls` only when the caller passes it,
`stream_options` only to models that report streamed usage only when asked).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from llama_index.core.base.llms.types import ChatMessage

from azure_inference_core import (
    ModelCapabilities,
    UnsupportedFeatureError,
    check_capabilities,
    check_names,
    stream_usage_options,
    tool_names,
)

from ._messages import to_wire_messages
from ._tools import resolve_tool_choice

__all__ = ["CALL_PARAMETERS", "ChatRequest", "build_chat_request"]

#: Keyword arguments the chat methods accept per call. The sampling ones
#: override the LLM's fields for that call; `additional_kwargs` is merged over
#: the LLM's own.
_SAMPLING = (
    "temperature",
    "max_tokens",
    "top_p",
    "seed",
    "stop",
    "presence_penalty",
    "frequency_penalty",
)
# Per-call options of the core, passed through as given (None: the LLM's own).
_CALL_OPTIONS = ("model", "headers", "timeout", "total_timeout", "extra_parameters")
CALL_PARAMETERS = frozenset(
    {
        *_SAMPLING,
        *_CALL_OPTIONS,
        "response_format",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "additional_kwargs",
    }
)


@dataclass(frozen=True)
class ChatRequest:
    """What to pass to `InferenceClient.complete` / `.stream`.

    Attributes:
        messages: Wire message dicts.
        params: Keyword arguments for the core client (None values left out).
    """

    messages: list[dict[str, Any]]
    params: dict[str, Any]


def build_chat_request(
    messages: Sequence[ChatMessage],
    call_kwargs: Mapping[str, Any],
    *,
    defaults: Mapping[str, Any],
    capabilities: ModelCapabilities,
    model_name: str,
    function_calling: bool | None,
    stream_usage: bool,
    stream: bool,
    method: str = "chat",
) -> ChatRequest:
    """Merge the LLM's settings with one call's arguments.

    Args:
        messages: The conversation (never modified).
        call_kwargs: The keyword arguments the caller gave the chat method.
        defaults: The LLM's fields: the sampling parameters and `additional_kwargs`.
        capabilities, model_name: The model's row of the core's table and the
            name it matched.
        function_calling: The user's `is_function_calling_model` override (None:
            the table decides).
        stream_usage: The caller wants usage on streams.
        stream: Whether the request streams.
        method: Name used in error messages.

    Raises:
        TypeError: An unknown keyword argument (nothing is silently dropped).
        ValueError: `tool_choice` or `parallel_tool_calls` without tools.
        UnsupportedFeatureError: A feature or content the model is known not to take.
        UnsupportedContentError: A message the API cannot carry.
    """
    check_names(call_kwargs, CALL_PARAMETERS, f"AzureInference.{method}()")
    params: dict[str, Any] = {}
    for name in _SAMPLING:
        value = call_kwargs.get(name)
        if value is None:
            value = defaults.get(name)
        if value is not None:
            params[name] = list(value) if name == "stop" else value

    tools = call_kwargs.get("tools")
    for name in ("tool_choice", "parallel_tool_calls"):
        if call_kwargs.get(name) is not None and not tools:
            raise ValueError(f"{name} was given without tools; pass tools=[...] as well.")
    if tools:
        if function_calling is False:
            raise UnsupportedFeatureError(
                "This LLM was built with is_function_calling_model=False; remove the tools "
                "or set is_function_calling_model=True."
            )
        params["tools"] = list(tools)
        choice = call_kwargs.get("tool_choice")
        if choice is not None:
            params["tool_choice"] = resolve_tool_choice(choice, False, tool_names(tools))
        if call_kwargs.get("parallel_tool_calls") is not None:
            params["parallel_tool_calls"] = call_kwargs["parallel_tool_calls"]
    response_format = call_kwargs.get("response_format")
    if response_format is not None:
        params["response_format"] = response_format
    for name in _CALL_OPTIONS:
        if call_kwargs.get(name) is not None:
            params[name] = call_kwargs[name]

    extras: dict[str, Any] = {
        **(defaults.get("additional_kwargs") or {}),
        **(call_kwargs.get("additional_kwargs") or {}),
    }
    if stream and "stream_options" not in extras:
        options = stream_usage_options(stream_usage, capabilities)
        if options is not None:
            extras["stream_options"] = options
    if extras:
        params["model_extras"] = extras
    wire = to_wire_messages(messages, capabilities)
    check_capabilities(
        capabilities,
        model_name,
        messages=wire,
        # The user's override wins over the table for tools.
        tools=None if function_calling else params.get("tools"),
        tool_choice=None if function_calling else params.get("tool_choice"),
        response_format=response_format,
    )
    return ChatRequest(wire, params)
