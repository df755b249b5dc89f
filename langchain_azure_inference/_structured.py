"""Output parsers for ``with_structured_output`` (pure: no model, no I/O)."""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.runnables import RunnableLambda, RunnableMap, RunnablePassthrough
from langchain_core.utils.pydantic import is_basemodel_subclass

if TYPE_CHECKING:
    from langchain_core.language_models import LanguageModelInput
    from langchain_core.runnables import Runnable

__all__ = ["StructuredMethod", "output_parser", "with_raw"]

StructuredMethod = Literal["json_schema", "function_calling", "json_mode"]


def output_parser(
    schema: dict[str, Any] | type | None, method: StructuredMethod, tool_name: str | None
) -> Runnable[Any, Any]:
    """The parser turning the model's answer into the structured result.

    Args:
        schema: pydantic model (parsed into an instance), TypedDict / JSON schema
            (parsed into a dict), or None (``json_mode`` without schema: a dict).
        method: how the answer was constrained.
        tool_name: the forced tool's name for ``function_calling``.

    Returns:
        A parser runnable (streams partial results where LangChain's parser does).
    """
    # LangChain's parsers are imported with the first structured model, not with us.
    from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
    from langchain_core.output_parsers.openai_tools import (
        JsonOutputKeyToolsParser,
        PydanticToolsParser,
    )

    is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
    if method == "function_calling":
        if is_pydantic:
            return PydanticToolsParser(tools=[schema], first_tool_only=True)  # type: ignore[list-item]
        return JsonOutputKeyToolsParser(key_name=str(tool_name), first_tool_only=True)
    if is_pydantic:
        return PydanticOutputParser(pydantic_object=schema)  # type: ignore[arg-type]
    return JsonOutputParser()


def with_raw(
    llm: Runnable[LanguageModelInput, Any], parser: Runnable[Any, Any]
) -> Runnable[LanguageModelInput, dict[str, Any]]:
    """Wrap ``llm | parser`` to return ``{"raw", "parsed", "parsing_error"}`` (never raising
    on a parsing error)."""
    parsed = RunnablePassthrough.assign(
        parsed=RunnableLambda(itemgetter("raw")) | parser, parsing_error=lambda _: None
    )
    failed = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=llm) | parsed.with_fallbacks([failed], exception_key="parsing_error")
