"""Tools on the wire, written once: ``tool_choice`` spellings, the tool-call and
tool-result shapes per model family, and argument parsing that never raises.

Cohere command models need a tool message whose content is a JSON *object*:
Microsoft's inference-API how-to says Cohere "requires a tool's responses to be
a valid JSON content formatted as a string", and its examples return objects
(``{"info": ...}``); Cohere's own tool-result schema is a list of objects, so a
bare JSON string or number (valid JSON, but not an object) is not what it
takes. ``tool_result_to_wire`` therefore sends a JSON object unchanged and wraps
anything else as ``{"result": <value>}`` -- lossless, and the value keeps its
JSON type when it was JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._features import UnsupportedContentError

__all__ = [
    "assistant_to_wire",
    "ParsedToolCall",
    "normalize_tool_choice",
    "parse_tool_arguments",
    "parse_tool_calls",
    "tool_call_to_wire",
    "tool_names",
    "tool_result_to_wire",
]

_FORCING = {"auto": "auto", "none": "none", "required": "required", "any": "required"}


def tool_names(tools: Sequence[Mapping[str, Any]] | None) -> list[str]:
    """Function names of wire ``tools`` entries, in order (entries without one skipped)."""
    names: list[str] = []
    for tool in tools or ():
        function = tool.get("function") if isinstance(tool, Mapping) else None
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            names.append(function["name"])
    return names


def normalize_tool_choice(
    choice: Any, names: Sequence[str] | None = None, *, tool_required: bool = False
) -> str | dict[str, Any] | None:
    """Map every ``tool_choice`` spelling the frameworks use onto the wire's.

    ``"auto"``, ``"none"``, ``"required"`` pass; ``"any"`` and ``True`` become
    ``"required"``; a tool name, ``{"name": ...}`` or ``{"type": "function" | "tool",
    "function": {"name": ...}}`` become ``{"type": "function", "function": {"name": ...}}``.

    Args:
        choice: the caller's value (None: not given).
        names: the names of the tools sent with it (None: not known, names not checked).
        tool_required: the framework's "must call a tool" flag (LlamaIndex).

    Returns:
        The wire value; None when nothing was asked (the service's default applies).

    Raises:
        ValueError: ``False``, a name of no tool given, forcing a call without tools,
            ``tool_required`` with ``"none"``, or an unknown shape; the message lists
            the tools given.
    """
    if choice is None:
        return _forcing("required", names) if tool_required else None
    if isinstance(choice, bool):
        if not choice:
            raise ValueError(
                "tool_choice=False is ambiguous: pass 'auto' to let the model decide or "
                "'none' to forbid tool calls."
            )
        choice = "required"
    if isinstance(choice, str):
        word = _FORCING.get(choice)
        if word is None:
            return _function_choice(choice, names)
        if tool_required and word == "none":
            raise ValueError("tool_required=True contradicts tool_choice='none'.")
        return _forcing(word, names)
    if isinstance(choice, Mapping):
        function = choice.get("function")
        name = function.get("name") if isinstance(function, Mapping) else choice.get("name")
        if isinstance(name, str) and name and choice.get("type") in (None, "function", "tool"):
            return _function_choice(name, names)
    raise ValueError(
        f"Unsupported tool_choice {choice!r}: use 'auto', 'none', 'required' (or 'any'), "
        "True, a tool's name, or {'type': 'function', 'function': {'name': ...}}."
    )


def _forcing(word: str, names: Sequence[str] | None) -> str:
    if word == "required" and names is not None and not names:
        raise ValueError("tool_choice forces a tool call but no tools were given.")
    return word


def _function_choice(name: str, names: Sequence[str] | None) -> dict[str, Any]:
    if names is not None and name not in names:
        given = ", ".join(repr(n) for n in names) or "none"
        raise ValueError(
            f"tool_choice {name!r} is not one of the tools given (tools: {given}). Pass one "
            "of those names, or 'auto' / 'none' / 'required'."
        )
    return {"type": "function", "function": {"name": name}}


def tool_call_to_wire(
    call_id: str | None, name: str, arguments: str | Mapping[str, Any] | None
) -> dict[str, Any]:
    """One wire ``tool_calls`` entry of an assistant turn.

    Args:
        call_id: the id the model gave the call (the wire pairs results by it).
        name: the function name.
        arguments: parsed arguments (JSON-encoded here, non-ASCII kept) or the raw
            string the model produced (sent back unchanged); None sends ``{}``.

    Raises:
        UnsupportedContentError: the call has no id.
    """
    if not call_id:
        raise UnsupportedContentError(
            f"Tool call {name!r} has no id; the inference API needs one to pair it with "
            "the tool message (tool_call_id) that answers it. Give the tool call an id."
        )
    if arguments is None:
        encoded = "{}"
    elif isinstance(arguments, str):
        encoded = arguments
    else:
        encoded = json.dumps(arguments, ensure_ascii=False)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": encoded}}


def tool_result_to_wire(call_id: str, content: str, *, json_object: bool = False) -> dict[str, Any]:
    """The wire tool message answering ``call_id``.

    Args:
        call_id: the id of the call answered.
        content: the result as text.
        json_object: the model needs a JSON object (``ModelCapabilities.tool_results_json``):
            an object is sent unchanged, anything else as ``{"result": <value>}``.

    Raises:
        UnsupportedContentError: no ``call_id``.
    """
    if not call_id:
        raise UnsupportedContentError(
            "A tool result needs the tool_call_id of the call it answers."
        )
    if json_object:
        content = _as_json_object(content)
    return {"role": "tool", "tool_call_id": call_id, "content": content}


def _as_json_object(text: str) -> str:
    try:
        value: Any = json.loads(text)
    except (ValueError, RecursionError):
        value = text
    else:
        if isinstance(value, dict):
            return text
    return json.dumps({"result": value}, ensure_ascii=False)


def parse_tool_arguments(arguments: str | None) -> tuple[dict[str, Any] | None, str | None]:
    """Parse a call's arguments; never raises.

    Returns:
        ``(arguments, None)`` for a JSON object (empty text is ``{}``), else
        ``(None, reason)``: not JSON, not an object, or nested too deeply to parse.
    """
    if arguments is None or not arguments.strip():
        return {}, None
    try:
        parsed = json.loads(arguments, strict=False)
    except RecursionError:
        return None, "Arguments are nested too deeply to parse."
    except ValueError as exc:
        return None, f"Arguments are not valid JSON: {exc}"
    if not isinstance(parsed, dict):
        return None, f"Arguments must be a JSON object, got {type(parsed).__name__}."
    return parsed, None


@dataclass(frozen=True)
class ParsedToolCall:
    """A wire tool call with its arguments parsed.

    Attributes:
        id, name: as the model sent them.
        raw_arguments: the argument text as sent.
        arguments: the parsed object, or None when the call is invalid.
        error: why the call is invalid (None when valid).
    """

    id: str
    name: str
    raw_arguments: str
    arguments: dict[str, Any] | None
    error: str | None


def parse_tool_calls(
    calls: Sequence[Any] | None, finish_reason: str | None
) -> list[ParsedToolCall]:
    """Parse a message's tool calls; a call cut off by ``max_tokens`` is invalid.

    When ``finish_reason`` is ``length`` the answer was truncated, so the last call's
    arguments may parse and still be partial: every call whose arguments were cut
    (the last one) is marked invalid, never handed out as a call to execute.

    Args:
        calls: ``message.tool_calls`` (``ToolCall`` models).
        finish_reason: the choice's finish reason.
    """
    out: list[ParsedToolCall] = []
    calls = list(calls or ())
    for position, call in enumerate(calls):
        raw = call.function.arguments or ""
        arguments, error = parse_tool_arguments(raw)
        if finish_reason == "length" and position == len(calls) - 1:
            arguments = None
            error = (
                "The answer was cut off by max_tokens (finish_reason 'length') while this "
                "call's arguments were being written; raise max_tokens and ask again."
            )
        out.append(ParsedToolCall(call.id, call.function.name, raw, arguments, error))
    return out


def assistant_to_wire(
    content: str | None, tool_calls: Sequence[Mapping[str, Any]] | None, *, name: str | None = None
) -> dict[str, Any]:
    """An assistant turn as the official SDKs send it.

    A turn that carries tool calls and no text omits ``content`` (recorded SDK
    traffic never sends ``null`` or ``""`` there); a turn without tool calls
    always has ``content``, as given.

    Args:
        content: the turn's text (None or "" for none).
        tool_calls: wire tool calls (``_tools.tool_call_to_wire``), or None.
        name: the optional participant name.
    """
    wire: dict[str, Any] = {"role": "assistant"}
    if content or not tool_calls:
        wire["content"] = content
    if name is not None:
        wire["name"] = name
    if tool_calls:
        wire["tool_calls"] = list(tool_calls)
    return wire
