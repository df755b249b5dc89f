"""LlamaIndex tools and `tool_choice` -> the wire (normalisation itself is the core's)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from azure_inference_core import normalize_tool_choice

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool

__all__ = ["resolve_tool_choice", "to_wire_tools"]


def to_wire_tools(tools: Sequence[BaseTool], strict: bool | None = None) -> list[dict[str, Any]]:
    """Convert LlamaIndex tools to wire `tools` entries.

    Args:
        tools: The tools; their metadata gives name, description and schema.
        strict: Sent as `function.strict` when not None (schema-exact arguments
            on models that support it).

    Returns:
        `{"type": "function", "function": {...}}` dicts.
    """
    out: list[dict[str, Any]] = []
    for tool in tools:
        spec = tool.metadata.to_openai_tool(skip_length_check=True)
        if strict is not None:
            spec["function"]["strict"] = strict
        out.append(spec)
    return out


def resolve_tool_choice(
    tool_choice: str | Mapping[str, Any] | None,
    tool_required: bool,
    tool_names: Sequence[str] = (),
) -> str | dict[str, Any] | None:
    """LlamaIndex's `tool_choice` / `tool_required` as the wire value (see the core's
    `normalize_tool_choice`; `tool_names` are the tools sent, checked when given).

    Raises:
        ValueError: A name of no tool given, or `tool_required` with "none".
    """
    return normalize_tool_choice(tool_choice, list(tool_names) or None, tool_required=tool_required)
