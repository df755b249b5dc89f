"""The Responses API request: typed input items, tools and the body builder (pure).

Callers may pass wire-shaped dicts (sent as given, after a check of their
``type``) or these models (``extra="forbid"``: a misspelt field is an error).
The route is ``/openai/v1/responses`` or, on an Azure OpenAI resource,
``/openai/responses?api-version=...``; :func:`responses_url` maps a client's
endpoint onto it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._endpoint import EndpointConfig, EndpointFlavour
from ._errors import ConfigurationError
from ._no_httpx_cli import httpx

__all__ = [
    "RESPONSES_API_VERSION",
    "FunctionCallItem",
    "FunctionCallOutputItem",
    "FunctionTool",
    "InputAudioPart",
    "InputFilePart",
    "InputImagePart",
    "InputMessage",
    "InputTextPart",
    "OutputTextPart",
    "ReasoningConfig",
    "ReasoningItem",
    "ResponseInput",
    "SummaryText",
    "build_responses_body",
    "json_schema_format",
    "responses_url",
]

#: The api-version sent on Azure OpenAI's ``/openai/responses`` route (the first
#: generally usable one was 2025-03-01-preview).
RESPONSES_API_VERSION = "2025-04-01-preview"

_ITEM_TYPES = frozenset(
    {"message", "function_call", "function_call_output", "reasoning", "item_reference"}
)
_ROLES = ("user", "assistant", "system", "developer")
_EFFORTS = ("minimal", "low", "medium", "high")
_SUMMARIES = ("auto", "concise", "detailed")


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def to_wire(self) -> dict[str, Any]:
        """The wire dict: unset optional fields (None) are left out."""
        return self.model_dump(mode="json", exclude_none=True)


class InputTextPart(_Part):
    """Text in an input message."""

    type: Literal["input_text"] = "input_text"
    text: str


class InputImagePart(_Part):
    """An image by URL (``https://`` or ``data:image/...;base64,``) or uploaded file id."""

    type: Literal["input_image"] = "input_image"
    image_url: str | None = None
    file_id: str | None = None
    detail: Literal["auto", "low", "high"] = "auto"


class InputFilePart(_Part):
    """A file (PDF and the like): inline ``file_data`` (a data URL) with ``filename``,
    an uploaded ``file_id``, or a ``file_url``."""

    type: Literal["input_file"] = "input_file"
    file_data: str | None = None
    filename: str | None = None
    file_id: str | None = None
    file_url: str | None = None


class _AudioData(_Part):
    data: str
    format: Literal["wav", "mp3"]


class InputAudioPart(_Part):
    """Base64 audio (``wav`` or ``mp3``) in a user message."""

    type: Literal["input_audio"] = "input_audio"
    input_audio: _AudioData

    @classmethod
    def of(cls, data: str, format: Literal["wav", "mp3"]) -> InputAudioPart:
        """Shorthand for ``InputAudioPart(input_audio={"data": ..., "format": ...})``."""
        return cls(input_audio=_AudioData(data=data, format=format))


class OutputTextPart(_Part):
    """Text of an earlier assistant message, sent back as input."""

    type: Literal["output_text"] = "output_text"
    text: str
    annotations: list[Any] = Field(default_factory=list)


Part = InputTextPart | InputImagePart | InputFilePart | InputAudioPart | OutputTextPart


class InputMessage(_Part):
    """A message item: ``content`` is a string or a list of parts."""

    type: Literal["message"] = "message"
    role: Literal["user", "assistant", "system", "developer"]
    content: str | list[Part]
    id: str | None = None
    status: str | None = None


class FunctionCallItem(_Part):
    """A function call the model made, sent back with the next turn's input."""

    type: Literal["function_call"] = "function_call"
    call_id: str
    name: str
    arguments: str
    id: str | None = None
    status: str | None = None


class FunctionCallOutputItem(_Part):
    """The result of a function call, matched by ``call_id``."""

    type: Literal["function_call_output"] = "function_call_output"
    call_id: str
    output: str


class SummaryText(_Part):
    """One paragraph of a reasoning summary."""

    type: Literal["summary_text"] = "summary_text"
    text: str


class ReasoningItem(_Part):
    """A reasoning item of an earlier answer: with ``encrypted_content`` it works with
    ``store=False`` (stateless multi-turn); by ``id`` alone it needs the stored response."""

    type: Literal["reasoning"] = "reasoning"
    id: str
    summary: list[SummaryText] = Field(default_factory=list)
    encrypted_content: str | None = None


class FunctionTool(_Part):
    """A function the model may call; ``strict`` makes it follow ``parameters`` exactly."""

    type: Literal["function"] = "function"
    name: str
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    description: str | None = None
    strict: bool | None = None


class ReasoningConfig(_Part):
    """``reasoning``: how hard to think, and which summary to return."""

    effort: Literal["minimal", "low", "medium", "high"] | None = None
    summary: Literal["auto", "concise", "detailed"] | None = None


Item = InputMessage | FunctionCallItem | FunctionCallOutputItem | ReasoningItem
ResponseInput = str | Sequence[Item | Mapping[str, Any]]


def json_schema_format(
    name: str, schema: Mapping[str, Any], *, strict: bool | None = True
) -> dict[str, Any]:
    """The ``text.format`` for structured output that follows ``schema``."""
    out: dict[str, Any] = {"type": "json_schema", "name": name, "schema": dict(schema)}
    if strict is not None:
        out["strict"] = strict
    return out


def _item(item: Any, index: int) -> Any:
    if isinstance(item, _Part):
        return item.to_wire()
    if not isinstance(item, Mapping):
        raise TypeError(
            f"input[{index}] must be an input item (InputMessage, FunctionCallItem, "
            "FunctionCallOutputItem, ReasoningItem) or its wire dict; got "
            f"{type(item).__name__}."
        )
    kind = item.get("type")
    if kind is None and item.get("role") in _ROLES:
        return item  # the easy message form {"role": ..., "content": ...}
    if kind not in _ITEM_TYPES:
        raise ValueError(
            f"input[{index}] has type {kind!r}; use one of {', '.join(sorted(_ITEM_TYPES))} "
            "(or a {'role': ..., 'content': ...} message)."
        )
    return item


def _tool(tool: Any, index: int) -> Any:
    if isinstance(tool, _Part):
        return tool.to_wire()
    if not isinstance(tool, Mapping) or not isinstance(tool.get("type"), str):
        raise TypeError(
            f"tools[{index}] must be a FunctionTool or a tool dict with a 'type' "
            "(e.g. {'type': 'function', 'name': ..., 'parameters': {...}})."
        )
    if tool["type"] == "function" and "function" in tool:
        raise ValueError(
            f"tools[{index}] is in the chat completions shape; the Responses API takes "
            "{'type': 'function', 'name': ..., 'parameters': ..., 'strict': ...} at the top level."
        )
    return tool


def _check_choice(value: Any, allowed: Sequence[str], name: str) -> None:
    if value is not None and value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}.")


def _text_config(text_format: Mapping[str, Any] | None, verbosity: str | None) -> Any:
    if text_format is None and verbosity is None:
        return None
    out: dict[str, Any] = {}
    if text_format is not None:
        if not isinstance(text_format, Mapping) or text_format.get("type") not in (
            "text",
            "json_object",
            "json_schema",
        ):
            raise ValueError(
                "text_format must be {'type': 'text'}, {'type': 'json_object'} or a json_schema "
                "format (json_schema_format(name, schema) builds one)."
            )
        if text_format["type"] == "json_schema" and not isinstance(
            text_format.get("schema"), Mapping
        ):
            raise ValueError("a json_schema text_format needs 'name' and a 'schema' dict.")
        out["format"] = dict(text_format)
    if verbosity is not None:
        _check_choice(verbosity, ("low", "medium", "high"), "verbosity")
        out["verbosity"] = verbosity
    return out


def _reasoning(reasoning: ReasoningConfig | Mapping[str, Any] | None) -> Any:
    if reasoning is None:
        return None
    if isinstance(reasoning, ReasoningConfig):
        return reasoning.to_wire()
    if not isinstance(reasoning, Mapping):
        raise TypeError("reasoning must be a ReasoningConfig or {'effort': ..., 'summary': ...}.")
    _check_choice(reasoning.get("effort"), _EFFORTS, "reasoning.effort")
    _check_choice(reasoning.get("summary"), _SUMMARIES, "reasoning.summary")
    return dict(reasoning)


def _positive(value: int | None, name: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{name} must be a positive integer (or None to leave it out).")


def _metadata(metadata: Mapping[str, str] | None) -> None:
    if metadata is None:
        return
    if not isinstance(metadata, Mapping) or len(metadata) > 16:
        raise ValueError("metadata must be a dict of at most 16 string keys and values.")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str) or len(key) > 64:
            raise ValueError(
                f"metadata entry {key!r}: keys (up to 64 characters) and values must be strings."
            )


def build_responses_body(
    input: ResponseInput,
    *,
    model: str | None,
    stream: bool = False,
    instructions: str | None = None,
    tools: Sequence[FunctionTool | Mapping[str, Any]] | None = None,
    tool_choice: str | Mapping[str, Any] | None = None,
    parallel_tool_calls: bool | None = None,
    text_format: Mapping[str, Any] | None = None,
    verbosity: str | None = None,
    reasoning: ReasoningConfig | Mapping[str, Any] | None = None,
    max_output_tokens: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    store: bool | None = None,
    previous_response_id: str | None = None,
    include: Sequence[str] | None = None,
    truncation: Literal["auto", "disabled"] | None = None,
    metadata: Mapping[str, str] | None = None,
    user: str | None = None,
    model_extras: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON body of ``POST .../responses``. None means "not sent".

    Raises:
        TypeError, ValueError: a malformed argument, with what to pass instead.
    """
    body: dict[str, Any] = {}
    if model is not None:
        body["model"] = model
    if isinstance(input, str):
        body["input"] = input
    elif isinstance(input, Sequence) and not isinstance(input, (bytes, bytearray)):
        body["input"] = [_item(item, i) for i, item in enumerate(input)]
    else:
        raise TypeError("input must be a string or a list of input items.")
    if instructions is not None:
        if not isinstance(instructions, str):
            raise TypeError("instructions must be a string.")
        body["instructions"] = instructions
    if tools is not None:
        if isinstance(tools, (str, Mapping)):
            raise TypeError("tools must be a list of tools.")
        body["tools"] = [_tool(tool, i) for i, tool in enumerate(tools)]
    if tool_choice is not None:
        if isinstance(tool_choice, str):
            _check_choice(tool_choice, ("auto", "none", "required"), "tool_choice")
        elif not isinstance(tool_choice, Mapping) or "type" not in tool_choice:
            raise ValueError(
                "tool_choice must be 'auto', 'none', 'required' or "
                "{'type': 'function', 'name': '<tool name>'}."
            )
        body["tool_choice"] = tool_choice
    for name, flag in (("parallel_tool_calls", parallel_tool_calls), ("store", store)):
        if flag is not None:
            if not isinstance(flag, bool):
                raise TypeError(f"{name} must be True, False or None.")
            body[name] = flag
    text = _text_config(text_format, verbosity)
    if text is not None:
        body["text"] = text
    config = _reasoning(reasoning)
    if config is not None:
        body["reasoning"] = config
    _positive(max_output_tokens, "max_output_tokens")
    for name, value in (
        ("max_output_tokens", max_output_tokens),
        ("temperature", temperature),
        ("top_p", top_p),
        ("previous_response_id", previous_response_id),
        ("user", user),
    ):
        if value is not None:
            body[name] = value
    if include is not None:
        if isinstance(include, str) or not all(isinstance(i, str) for i in include):
            raise TypeError(
                "include must be a list of strings, e.g. ['reasoning.encrypted_content']."
            )
        body["include"] = list(include)
    _check_choice(truncation, ("auto", "disabled"), "truncation")
    if truncation is not None:
        body["truncation"] = truncation
    _metadata(metadata)
    if metadata is not None:
        body["metadata"] = dict(metadata)
    if stream:
        body["stream"] = True
    if model_extras:
        clash = sorted(set(model_extras) & set(body))
        if clash:
            raise ValueError(
                f"model_extras repeats {clash}; pass those as the named arguments instead."
            )
        body.update(model_extras)
    return body


@lru_cache(maxsize=64)
def responses_url(config: EndpointConfig, api_version: str | None = None) -> httpx.URL:
    """Where a client's endpoint serves the Responses API.

    ``/openai/v1`` -> ``/openai/v1/responses``; an Azure OpenAI deployment URL
    (``.../openai/deployments/<name>``) -> ``.../openai/responses?api-version=``;
    a Foundry ``/models`` URL (what a project URL maps to) -> ``/openai/v1/responses``
    on the same resource;
    any other (generic) URL -> ``<endpoint>/responses``.

    Cached per (config, api_version): parsing a URL costs more than the rest of
    preparing a call (``httpx.URL`` is immutable, so sharing it is safe).

    Raises:
        ConfigurationError: a serverless or managed-compute endpoint (chat completions only).
    """
    flavour = config.flavour
    base = config.base_url
    if flavour is EndpointFlavour.OPENAI_V1:
        version = api_version or config.api_version
        return httpx.URL(base + "/responses", params={"api-version": version} if version else {})
    if flavour is EndpointFlavour.AZURE_OPENAI:
        root = base[: base.rindex("/deployments/")]
        version = api_version or RESPONSES_API_VERSION
        return httpx.URL(root + "/responses", params={"api-version": version})
    if flavour is EndpointFlavour.FOUNDRY:
        root = base[: -len("/models")] if base.endswith("/models") else base
        return httpx.URL(root + "/openai/v1/responses")
    if flavour is EndpointFlavour.GENERIC:
        query = {"api-version": api_version} if api_version else {}
        return httpx.URL(base + "/responses", params=query)
    raise ConfigurationError(
        f"This {flavour.value} endpoint serves chat completions only; the Responses API is "
        "served on /openai/v1 (https://<resource>.openai.azure.com/openai/v1 or "
        "https://<resource>.services.ai.azure.com/openai/v1): create the client with that URL."
    )
