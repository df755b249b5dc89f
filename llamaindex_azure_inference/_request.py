"""Building one chat request from the LLM's settings and a call's arguments (pure).

Shared by the four chat methods, so sync and async, streamed and not, send
exactly the same body. Checks that need no service (a Phi-3 model asked for
tools or JSON mode) fail here, before anything is sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from llama_index.core.base.llms.types import ChatMessage
from pydantic import BaseModel

from ._convert import to_wire_messages
from ._profiles import UNKNOWN_PROFILE, ModelProfile

__all__ = [
    "CALL_PARAMETERS",
    "ChatRequest",
    "UnsupportedFeatureError",
    "build_chat_request",
    "json_schema_format",
]

#: Keyword arguments the chat methods accept per call. The sampling ones
#: override the LLM's fields for that call; `additional_kwargs` is merged over
#: the LLM's own.
CALL_PARAMETERS = frozenset(
    {
        "temperature",
        "max_tokens",
        "top_p",
        "seed",
        "stop",
        "presence_penalty",
        "frequency_penalty",
        "response_format",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "additional_kwargs",
    }
)
_SAMPLING = (
    "temperature",
    "max_tokens",
    "top_p",
    "seed",
    "stop",
    "presence_penalty",
    "frequency_penalty",
)


_SCHEMA_NAME = re.compile(r"[^A-Za-z0-9_-]")


class UnsupportedFeatureError(ValueError):
    """The model cannot do what the call asks (tools or JSON mode on Phi-3...).

    Raised before sending, instead of a 422 from the service after a round trip.
    """


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
    profile: ModelProfile,
    function_calling: bool,
    stream: bool,
    method: str = "chat",
) -> ChatRequest:
    """Merge the LLM's settings with one call's arguments.

    Args:
        messages: The conversation (never modified).
        call_kwargs: The keyword arguments the caller gave the chat method.
        defaults: The LLM's fields: the sampling parameters and `additional_kwargs`.
        profile: The model's capabilities.
        function_calling: Whether tools may be sent (the metadata's answer,
            which the user can override).
        stream: Whether the request streams; OpenAI-style models then get
            `stream_options: {"include_usage": true}` unless the caller set it.
        method: Name used in error messages.

    Returns:
        The wire messages and the client's keyword arguments.

    Raises:
        TypeError: An unknown keyword argument (nothing is silently dropped).
        ValueError: `tool_choice` or `parallel_tool_calls` without tools.
        UnsupportedFeatureError: Tools or JSON mode for a model without them.
        UnsupportedContentError: A message the API cannot carry.
    """
    unknown = sorted(set(call_kwargs) - CALL_PARAMETERS)
    if unknown:
        raise TypeError(
            f"AzureInference.{method}() got unexpected keyword argument(s) {unknown}. "
            f"Accepted: {sorted(CALL_PARAMETERS)}; model-specific parameters go in "
            "additional_kwargs={...} (sent with extra-parameters: pass-through)."
        )
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
        if not function_calling:
            raise UnsupportedFeatureError(
                f"{profile.family} models cannot call tools (the service answers 422). Use a "
                "model with function calling such as Mistral-Large, Cohere command-r or "
                "gpt-4o, or set is_function_calling_model=True if this deployment supports "
                "tools."
            )
        params["tools"] = list(tools)
        if call_kwargs.get("tool_choice") is not None:
            params["tool_choice"] = call_kwargs["tool_choice"]

    response_format = call_kwargs.get("response_format")
    if response_format is not None:
        kind = response_format.get("type") if isinstance(response_format, Mapping) else None
        known = profile.family != UNKNOWN_PROFILE.family
        if kind in ("json_object", "json_schema") and known and not profile.json_object:
            raise UnsupportedFeatureError(
                f"{profile.family} models have no JSON mode (response_format {kind!r} "
                "answers 422). structured_predict still works on them: it prompts for "
                "JSON and parses the text."
            )
        params["response_format"] = response_format

    extras: dict[str, Any] = {
        **(defaults.get("additional_kwargs") or {}),
        **(call_kwargs.get("additional_kwargs") or {}),
    }
    parallel = call_kwargs.get("parallel_tool_calls")
    if parallel is not None:
        # Not a field of the inference API's request schema (only of the
        # OpenAI routes): the service accepts it only under pass-through.
        params["parallel_tool_calls"] = parallel
        params["extra_parameters"] = "pass-through"
    if stream and profile.stream_usage_opt_in and "stream_options" not in extras:
        extras["stream_options"] = {"include_usage": True}
    if extras:
        params["model_extras"] = extras
    return ChatRequest(to_wire_messages(messages, profile), params)


def json_schema_format(output_cls: type[BaseModel]) -> dict[str, Any]:
    """The `response_format` asking for JSON that matches `output_cls`.

    The name is the class name with characters outside `[A-Za-z0-9_-]`
    replaced, cut to 64 (the API's rule); the docstring becomes the
    description. `strict` is not set: pydantic schemas rarely meet strict
    mode's rules (every property required, no open objects).
    """
    spec: dict[str, Any] = {
        "name": _SCHEMA_NAME.sub("_", output_cls.__name__)[:64],
        "schema": output_cls.model_json_schema(),
    }
    if output_cls.__doc__:
        spec["description"] = output_cls.__doc__.strip()
    return {"type": "json_schema", "json_schema": spec}
