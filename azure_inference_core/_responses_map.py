"""Chat-completions requests onto the Responses API (pure; shared by the adapters).

The adapters build a chat request first (their message and tool conversion,
the capability checks); this module maps its wire messages, tools, ``tool_choice``,
``response_format`` and sampling parameters onto ``client.responses`` arguments.
A parameter the Responses API has no field for raises ``ValueError`` naming it,
never dropped in silence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from ._models import capabilities_for
from ._tools import ParsedToolCall, parse_tool_arguments

if TYPE_CHECKING:
    from ._responses_wire import Response

__all__ = [
    "REASONING_INCLUDE",
    "ResponsesSettings",
    "chat_messages_to_input",
    "chat_params_to_responses",
    "chat_tool_choice_to_responses",
    "chat_tools_to_responses",
    "reasoning_include",
    "response_finish_reason",
    "response_format_to_text_format",
    "response_tool_calls",
    "responses_request",
    "uses_responses_api",
]

#: ``include`` entry that returns reasoning encrypted (stateless multi-turn).
REASONING_INCLUDE = "reasoning.encrypted_content"

# Chat parameters the Responses API has no field for.
_NO_FIELD = ("stop", "seed", "presence_penalty", "frequency_penalty", "extra_parameters")
_PASSED = ("model", "temperature", "top_p", "parallel_tool_calls", "headers", "timeout")
_PASSED_TOO = ("total_timeout",)
# Extra-body names of chat completions that have no Responses field either.
_NO_FIELD_EXTRAS = ("n", "logprobs", "top_logprobs", "stream_options")


@lru_cache(maxsize=256)
def _row(*names: str | None) -> tuple[bool, bool]:
    capabilities = capabilities_for(*names)[0]
    return capabilities.responses_only, capabilities.reasoning


def uses_responses_api(choice: bool | None, *names: str | None) -> bool:
    """``use_responses_api`` resolved: ``None`` means on for Responses-only models
    (the model table's ``responses_only``), off otherwise."""
    if choice is not None:
        return choice
    return _row(*names)[0]


def reasoning_include(*names: str | None) -> list[str] | None:
    """``include`` for a stateless turn: the encrypted reasoning, on reasoning models
    of the table (first matching name: per-call model, model, endpoint URL)."""
    return [REASONING_INCLUDE] if _row(*names)[1] else None


def _part(part: Mapping[str, Any], assistant: bool) -> dict[str, Any]:
    kind = part.get("type")
    if kind == "text":
        return {"type": "output_text" if assistant else "input_text", "text": part["text"]}
    if kind == "image_url" and not assistant:
        image = part["image_url"]
        url = image if isinstance(image, str) else image["url"]
        detail = "auto" if isinstance(image, str) else image.get("detail") or "auto"
        return {"type": "input_image", "image_url": url, "detail": detail}
    if kind == "input_audio" and not assistant:
        return {"type": "input_audio", "input_audio": dict(part["input_audio"])}
    if kind == "file" and not assistant:
        file = part.get("file") or {}
        return {"type": "input_file", **{k: v for k, v in file.items() if v is not None}}
    where = "an assistant turn" if assistant else "an input message"
    raise ValueError(
        f"A {kind!r} content part cannot go into {where} on the Responses API; send "
        "text, images (user turns), audio or files instead."
    )


def _content(content: Any, assistant: bool) -> Any:
    if content is None:
        return None
    if isinstance(content, str):
        if assistant:
            return [{"type": "output_text", "text": content}] if content else None
        return content
    parts = [_part(p, assistant) for p in content]
    return parts or None


def chat_messages_to_input(
    messages: Sequence[Mapping[str, Any]],
    reasoning: Sequence[Sequence[Mapping[str, Any]]] = (),
    *,
    stored: bool = False,
) -> list[dict[str, Any]]:
    """Chat wire messages as Responses input items.

    Args:
        messages: chat-completions messages (``role``, ``content``, ``tool_calls``,
            ``tool_call_id``).
        reasoning: for the n-th assistant message, the reasoning items (wire
            dicts with ``id`` and ``encrypted_content``) that came before it;
            they are sent back right before its text and calls.
        stored: whether answers are stored (``store`` not false). When not, a
            reasoning item without ``encrypted_content`` is left out: the service
            could not resolve it (as ``Response.input_items()`` does).

    Returns:
        Input items: messages, ``function_call`` and ``function_call_output`` items,
        reasoning items.
    """
    items: list[dict[str, Any]] = []
    turn = 0
    for message in messages:
        role = message.get("role")
        if role == "tool":
            output = message.get("content")
            if not isinstance(output, str):
                output = "".join(
                    str(p.get("text", "")) for p in output or () if isinstance(p, Mapping)
                )
            items.append(
                {
                    "type": "function_call_output",
                    "call_id": message["tool_call_id"],
                    "output": output,
                }
            )
            continue
        if role == "assistant":
            if turn < len(reasoning):
                items.extend(
                    dict(r) for r in reasoning[turn] if stored or r.get("encrypted_content")
                )
            turn += 1
        content = _content(message.get("content"), role == "assistant")
        if content is not None:
            items.append({"type": "message", "role": role, "content": content})
        for call in message.get("tool_calls") or ():
            function = call["function"]
            items.append(
                {
                    "type": "function_call",
                    "call_id": call["id"],
                    "name": function["name"],
                    "arguments": function.get("arguments") or "{}",
                }
            )
    return items


def chat_tools_to_responses(tools: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Chat ``{"type": "function", "function": {...}}`` tools as Responses function tools
    (a tool already in the Responses shape is kept)."""
    out: list[dict[str, Any]] = []
    for tool in tools:
        function = tool.get("function")
        if not isinstance(function, Mapping):
            out.append(dict(tool))
            continue
        flat: dict[str, Any] = {"type": "function", "name": function["name"]}
        flat["parameters"] = function.get("parameters") or {"type": "object", "properties": {}}
        for name in ("description", "strict"):
            if function.get(name) is not None:
                flat[name] = function[name]
        out.append(flat)
    return out


def chat_tool_choice_to_responses(choice: Any) -> Any:
    """``{"type": "function", "function": {"name": n}}`` -> ``{"type": "function", "name": n}``;
    the strings ``auto``, ``none``, ``required`` stay."""
    if isinstance(choice, Mapping) and isinstance(choice.get("function"), Mapping):
        return {"type": "function", "name": choice["function"]["name"]}
    return choice


def response_format_to_text_format(response_format: Any) -> dict[str, Any] | None:
    """Chat ``response_format`` as the Responses ``text.format`` (``text`` means none)."""
    if response_format is None:
        return None
    if not isinstance(response_format, Mapping):
        raise TypeError(
            f"response_format must be a dict such as {{'type': 'json_object'}}; got "
            f"{type(response_format).__name__}."
        )
    kind = response_format.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        if spec is None:  # already the Responses shape
            return dict(response_format)
        out = {"type": "json_schema", "name": spec.get("name") or "response"}
        out["schema"] = spec.get("schema") or {}
        for name in ("description", "strict"):
            if spec.get(name) is not None:
                out[name] = spec[name]
        return out
    raise ValueError(
        f"response_format type {kind!r} has no Responses API equivalent; use 'text', "
        "'json_object' or 'json_schema'."
    )


def chat_params_to_responses(params: Mapping[str, Any]) -> dict[str, Any]:
    """The core chat parameters (``ChatParams``) as ``client.responses`` arguments.

    ``max_tokens`` / ``max_completion_tokens`` become ``max_output_tokens``,
    ``reasoning_effort`` ``reasoning.effort``, ``response_format`` ``text_format``,
    ``model_extras`` stays ``model_extras``.

    Raises:
        ValueError: a parameter the Responses API does not take (``stop``, ``seed``,
            penalties, ``n``, ``logprobs``...), named with what to do.
    """
    extras = dict(params.get("model_extras") or {})
    extras.pop("stream_options", None)  # usage always comes on response.completed
    unsupported = [n for n in _NO_FIELD if params.get(n) not in (None, [])]
    unsupported += [n for n in _NO_FIELD_EXTRAS if extras.get(n) is not None]
    if unsupported:
        raise ValueError(
            f"The Responses API has no {', '.join(unsupported)}: leave "
            f"{'it' if len(unsupported) == 1 else 'them'} unset, or set "
            "use_responses_api=False to use chat completions (not for Responses-only models)."
        )
    out: dict[str, Any] = {n: params[n] for n in (*_PASSED, *_PASSED_TOO) if n in params}
    out = {k: v for k, v in out.items() if v is not None}
    budget = params.get("max_completion_tokens")
    if budget is None:
        budget = params.get("max_tokens")
    if budget is not None:
        out["max_output_tokens"] = budget
    if params.get("reasoning_effort") is not None:
        out["reasoning"] = {"effort": params["reasoning_effort"]}
    if params.get("tools"):
        out["tools"] = chat_tools_to_responses(params["tools"])
    if params.get("tool_choice") is not None:
        out["tool_choice"] = chat_tool_choice_to_responses(params["tool_choice"])
    text_format = response_format_to_text_format(params.get("response_format"))
    if text_format is not None:
        out["text_format"] = text_format
    for name in ("n", "logprobs", "top_logprobs"):
        extras.pop(name, None)
    if extras:
        out["model_extras"] = extras
    return out


def response_finish_reason(response: Response) -> str:
    """The chat-style finish reason of a response: ``length`` when cut by
    ``max_output_tokens``, ``content_filter``, ``tool_calls`` when it calls tools,
    else ``stop``."""
    reason = (response.incomplete_details or {}).get("reason")
    if response.status == "incomplete" and reason == "max_output_tokens":
        return "length"
    if reason == "content_filter":
        return "content_filter"
    return "tool_calls" if response.function_calls else "stop"


def response_tool_calls(response: Response) -> list[ParsedToolCall]:
    """The response's function calls, parsed (never raises); when the answer was cut
    by ``max_output_tokens`` the last call is invalid, as for chat's ``length``."""
    calls = response.function_calls
    cut = response_finish_reason(response) == "length"
    out: list[ParsedToolCall] = []
    for position, call in enumerate(calls):
        arguments, error = parse_tool_arguments(call.arguments)
        if cut and position == len(calls) - 1:
            arguments, error = (
                None,
                (
                    "The answer was cut off by max_output_tokens while this call's arguments "
                    "were being written; raise max_output_tokens and ask again."
                ),
            )
        out.append(ParsedToolCall(call.call_id, call.name, call.arguments, arguments, error))
    return out


class ResponsesSettings(Protocol):
    """What an adapter's settings say about the Responses API (both adapters' classes)."""

    reasoning_summary: str | None
    use_previous_response_id: bool
    model: str | None
    endpoint: str | None


def responses_request(
    messages: Sequence[Mapping[str, Any]],
    reasoning: Sequence[Sequence[Mapping[str, Any]]],
    chat_params: Mapping[str, Any],
    settings: ResponsesSettings,
    previous_id: str | None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Input items and ``client.responses`` arguments for one adapter call.

    Stateless by default (``store: false``, encrypted reasoning asked for on reasoning
    models and carried in ``reasoning``); with ``settings.use_previous_response_id`` the
    service stores answers and ``previous_id`` names the last one.
    """
    summary, model, endpoint = settings.reasoning_summary, settings.model, settings.endpoint
    use_previous_response_id = bool(settings.use_previous_response_id)
    params = chat_params_to_responses(chat_params)
    if summary is not None:
        params["reasoning"] = {**params.get("reasoning", {}), "summary": summary}
    if previous_id is not None:
        params["previous_response_id"] = previous_id
    if not use_previous_response_id:
        params["store"] = False
        include = reasoning_include(params.get("model") or model, endpoint)
        if include is not None:
            params["include"] = include
    return chat_messages_to_input(messages, reasoning, stored=use_previous_response_id), params
