"""Tools, ``tool_choice`` and structured-output formats -> wire (pure functions)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_function, convert_to_openai_tool
from pydantic import BaseModel

__all__ = [
    "ToolLike",
    "apply_disabled",
    "is_wire_tool",
    "convert_tools",
    "json_schema_response_format",
    "normalize_tool_choice",
    "schema_name",
    "tool_names",
]

ToolLike = dict[str, Any] | type | Callable[..., Any] | BaseTool
"""What ``bind_tools`` accepts: OpenAI/Anthropic tool dicts, pydantic models,
TypedDicts, functions and LangChain tools."""

_NAME_INVALID = re.compile(r"[^a-zA-Z0-9_-]")
_FORCING_STRINGS = {"auto": "auto", "none": "none", "required": "required", "any": "required"}


def convert_tools(tools: Sequence[ToolLike], *, strict: bool | None = None) -> list[dict[str, Any]]:
    """Convert tools into wire ``tools`` entries.

    Args:
        tools: anything LangChain can describe as a function tool.
        strict: when not None, set ``function.strict`` (True also closes the
            schemas with ``additionalProperties: false``, as strict mode needs).

    Returns:
        ``[{"type": "function", "function": {"name", "description", "parameters", ...}}]``.

    Raises:
        ValueError: a tool is not a function tool (built-in tools such as
            ``{"type": "web_search"}`` do not exist on this API).
    """
    wire: list[dict[str, Any]] = []
    for tool in tools:
        if (
            isinstance(tool, Mapping)
            and tool.get("type") not in (None, "function", "object")
            and not {"name", "title", "function"} & set(tool)
        ):
            raise ValueError(
                f"Tool of type {tool.get('type')!r} is not supported: the Azure AI Model "
                "Inference API only has function tools."
            )
        wire.append(convert_to_openai_tool(tool, strict=strict))
    return wire


def tool_names(tools: Sequence[Mapping[str, Any]]) -> list[str]:
    """Names of converted wire tools, in order."""
    return [str(tool["function"]["name"]) for tool in tools]


def normalize_tool_choice(choice: Any, names: Sequence[str]) -> str | dict[str, Any] | None:
    """Map the ``tool_choice`` spellings LangChain users write onto the wire's.

    ``"auto"``, ``"none"``, ``"required"`` pass; ``"any"`` and ``True`` become
    ``"required"``; a tool name becomes ``{"type": "function", "function":
    {"name": ...}}``; a dict naming a function is normalised to that shape.

    Args:
        choice: the user's value (None = not given).
        names: names of the tools bound with it.

    Returns:
        The wire value, or None when not given.

    Raises:
        ValueError: the value names no bound tool, forces a call without tools,
            or is of an unknown shape. The message lists the bound tools.
    """
    if choice is None:
        return None
    if isinstance(choice, bool):
        if not choice:
            raise ValueError(
                "tool_choice=False is ambiguous: pass 'auto' to let the model decide or "
                "'none' to forbid tool calls."
            )
        choice = "required"
    if isinstance(choice, str):
        wire = _FORCING_STRINGS.get(choice)
        if wire is not None:
            if wire == "required" and not names:
                raise ValueError(
                    f"tool_choice={choice!r} forces a tool call but no tools are bound."
                )
            return wire
        return _function_choice(choice, names)
    if isinstance(choice, Mapping):
        function = choice.get("function")
        name = function.get("name") if isinstance(function, Mapping) else choice.get("name")
        if isinstance(name, str) and choice.get("type") in (None, "function", "tool"):
            return _function_choice(name, names)
    raise ValueError(
        f"Unsupported tool_choice {choice!r}: use 'auto', 'none', 'required' (or 'any'), "
        "True, a bound tool's name, or {'type': 'function', 'function': {'name': ...}}."
    )


def _function_choice(name: str, names: Sequence[str]) -> dict[str, Any]:
    if name not in names:
        bound = ", ".join(repr(n) for n in names) or "none"
        raise ValueError(
            f"tool_choice {name!r} is not a bound tool (bound: {bound}). Pass one of those "
            "names, or 'auto' / 'none' / 'required'."
        )
    return {"type": "function", "function": {"name": name}}


def schema_name(raw: str) -> str:
    """Make a schema title a valid ``json_schema.name`` (``[a-zA-Z0-9_-]``, <= 64 chars).

    The name only labels the schema on the wire; the parsed output does not
    depend on it, so invalid characters are replaced by ``_``.
    """
    return _NAME_INVALID.sub("_", raw)[:64] or "output"


def json_schema_response_format(
    schema: dict[str, Any] | type, *, strict: bool | None = None
) -> dict[str, Any]:
    """Build ``response_format`` of type ``json_schema`` from a schema.

    Args:
        schema: a pydantic model, a TypedDict or a JSON schema dict (with ``title``).
        strict: when not None, sent as ``json_schema.strict`` (True also closes
            the schema as strict mode needs).

    Returns:
        ``{"type": "json_schema", "json_schema": {"name", "schema", ...}}``.
    """
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        function = convert_to_openai_function(schema, strict=strict)
    elif isinstance(schema, Mapping) and "parameters" not in schema and "name" not in schema:
        # A bare JSON schema: convert_to_openai_function needs a title to name it.
        function = convert_to_openai_function(
            {**schema, "title": schema.get("title", "output")}, strict=strict
        )
    else:
        function = convert_to_openai_function(schema, strict=strict)
    json_schema: dict[str, Any] = {
        "name": schema_name(str(function["name"])),
        "schema": function["parameters"],
    }
    if function.get("description"):
        json_schema["description"] = function["description"]
    if strict is not None:
        json_schema["strict"] = strict
    return {"type": "json_schema", "json_schema": json_schema}


def is_wire_tool(tool: Any) -> bool:
    """True for an already converted wire tool (``{"type": "function", "function": {...}}``)."""
    return (
        isinstance(tool, Mapping)
        and tool.get("type") == "function"
        and isinstance(tool.get("function"), Mapping)
    )


def apply_disabled(
    disabled: Mapping[str, Any], params: dict[str, Any], extras: dict[str, Any]
) -> None:
    """Remove the parameters the user disabled (all values, or the listed ones)."""
    for name, values in disabled.items():
        if params.get(name) is not None and (values is None or params[name] in values):
            params[name] = None
        if name in extras and (values is None or extras[name] in values):
            del extras[name]
