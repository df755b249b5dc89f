"""LangChain tools and structured-output schemas -> wire (pure translation).

``tool_choice`` spellings and the wire shapes themselves are the core's
(``normalize_tool_choice``, ``tool_names``); this module only turns LangChain's
tool objects into wire tool dicts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from langchain_core.utils.function_calling import convert_to_openai_function, convert_to_openai_tool
from pydantic import BaseModel

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool  # loads langchain's tool classes: not at import

__all__ = [
    "ToolLike",
    "apply_disabled",
    "is_wire_tool",
    "convert_tools",
    "json_schema_response_format",
    "schema_name",
]

ToolLike: TypeAlias = "dict[str, Any] | type | Callable[..., Any] | BaseTool"
"""What ``bind_tools`` accepts: OpenAI/Anthropic tool dicts, pydantic models,
TypedDicts, functions and LangChain tools."""

_NAME_INVALID = re.compile(r"[^a-zA-Z0-9_-]")


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
