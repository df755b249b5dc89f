"""Pure request-body building and argument validation.

``None`` always means "not given" and is left out; every other value, zero and
``False`` included, is sent as given. Model parameters the API does not define
go in ``model_extras`` and are merged into the body root, with the
``extra-parameters`` header telling the service what to do with them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from ._messages import ImageEmbeddingInput, MessageInput, image_inputs_to_wire, messages_to_wire

__all__ = [
    "CHAT_FIELDS",
    "EMBEDDINGS_FIELDS",
    "EXTRA_PARAMETER_MODES",
    "ExtraParameters",
    "build_chat_body",
    "build_embeddings_body",
    "build_image_embeddings_body",
    "check_extra_mode",
]

ExtraParameters = Literal["pass-through", "drop", "error"]
EXTRA_PARAMETER_MODES = ("pass-through", "drop", "error")

CHAT_FIELDS = frozenset(
    {
        "messages",
        "model",
        "temperature",
        "top_p",
        "max_tokens",
        "max_completion_tokens",
        "reasoning_effort",
        "seed",
        "presence_penalty",
        "frequency_penalty",
        "stop",
        "stream",
        "response_format",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
    }
)
EMBEDDINGS_FIELDS = frozenset({"input", "model", "dimensions", "encoding_format", "input_type"})

_TOOL_CHOICE_WORDS = ("auto", "none", "required")
_RESPONSE_FORMAT_TYPES = ("text", "json_object", "json_schema")
_SCHEMA_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def check_extra_mode(mode: str | None, where: str = "extra_parameters") -> None:
    """Raise ValueError unless ``mode`` is None or a valid ``extra-parameters`` value."""
    if mode is not None and mode not in EXTRA_PARAMETER_MODES:
        raise ValueError(
            f"{where} must be one of {', '.join(EXTRA_PARAMETER_MODES)}, got {mode!r}."
        )


def _number(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}.")


def _integer(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}.")


def _stop(value: Any) -> list[str]:
    # A bare string is refused rather than wrapped: it is the most common mistake
    # carried over from the old LangChain class, and wrapping would hide it.
    if isinstance(value, str):
        raise TypeError(f"stop must be a list of strings; write stop=[{value!r}].")
    if not isinstance(value, Sequence) or not all(isinstance(s, str) for s in value):
        raise TypeError("stop must be a list of strings, e.g. stop=['\\n\\n'].")
    return list(value)


def _response_format(value: Any) -> Any:
    if not isinstance(value, Mapping):
        raise TypeError(
            "response_format must be a dict: {'type': 'text'}, {'type': 'json_object'} or "
            "{'type': 'json_schema', 'json_schema': {'name': ..., 'schema': {...}}}."
        )
    kind = value.get("type")
    if kind not in _RESPONSE_FORMAT_TYPES:
        raise ValueError(
            f"response_format type must be one of {', '.join(_RESPONSE_FORMAT_TYPES)}, "
            f"got {kind!r}."
        )
    if kind == "json_schema":
        schema = value.get("json_schema")
        if not isinstance(schema, Mapping):
            raise ValueError(
                "response_format of type json_schema needs a 'json_schema' dict with "
                "'name' and 'schema'."
            )
        name = schema.get("name")
        if not isinstance(name, str) or not _SCHEMA_NAME.match(name):
            raise ValueError(
                "response_format json_schema.name must be 1-64 characters of "
                f"[a-zA-Z0-9_-], got {name!r}."
            )
    return value


def _tools(value: Any) -> list[Any]:
    if isinstance(value, (str, Mapping)) or not isinstance(value, Sequence):
        raise TypeError(
            "tools must be a list of tool dicts like "
            "{'type': 'function', 'function': {'name': ..., 'parameters': {...}}}."
        )
    for position, tool in enumerate(value):
        if not isinstance(tool, Mapping) or "type" not in tool:
            raise TypeError(
                f"tools[{position}] must be a dict with 'type' (e.g. 'function') and its "
                "definition."
            )
    return list(value)


def _tool_choice(value: Any) -> Any:
    if isinstance(value, str):
        if value not in _TOOL_CHOICE_WORDS:
            raise ValueError(
                f"tool_choice must be 'auto', 'none', 'required' or "
                f"{{'type': 'function', 'function': {{'name': {value!r}}}}} to force one tool; "
                f"got {value!r}."
            )
        return value
    if isinstance(value, Mapping):
        function = value.get("function")
        if (
            value.get("type") != "function"
            or not isinstance(function, Mapping)
            or not (function.get("name"))
        ):
            raise ValueError(
                "a tool_choice dict must look like "
                "{'type': 'function', 'function': {'name': 'my_tool'}}."
            )
        return value
    raise TypeError(f"tool_choice must be a str or a dict, got {type(value).__name__}.")


def _merge_extras(
    body: dict[str, Any], extras: Mapping[str, Any] | None, defined: frozenset[str]
) -> bool:
    if extras is None:
        return False
    if not isinstance(extras, Mapping):
        raise TypeError(f"model_extras must be a dict, got {type(extras).__name__}.")
    clash = sorted(k for k in extras if k in defined)
    if clash:
        raise ValueError(
            f"model_extras has {', '.join(clash)}, which the API defines; pass "
            f"{'them' if len(clash) > 1 else 'it'} as keyword argument(s) instead."
        )
    body.update(extras)
    return bool(extras)


def build_chat_body(
    messages: Sequence[MessageInput],
    *,
    stream: bool,
    model: str | None,
    temperature: float | None,
    top_p: float | None,
    max_tokens: int | None,
    seed: int | None,
    presence_penalty: float | None,
    frequency_penalty: float | None,
    stop: Sequence[str] | None,
    response_format: Mapping[str, Any] | None,
    tools: Sequence[Mapping[str, Any]] | None,
    tool_choice: str | Mapping[str, Any] | None,
    parallel_tool_calls: bool | None,
    model_extras: Mapping[str, Any] | None,
    max_completion_tokens: int | None = None,
    reasoning_effort: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Build a chat request body.

    Returns:
        The body and whether it carries model extras.

    Raises:
        TypeError, ValueError: an argument has the wrong type or value (the
            message says what to pass instead).
    """
    body: dict[str, Any] = {"messages": messages_to_wire(messages)}
    if model is not None:
        if not isinstance(model, str) or not model:
            raise TypeError("model must be a non-empty string (the deployment name).")
        body["model"] = model
    for name, value in (
        ("temperature", temperature),
        ("top_p", top_p),
        ("presence_penalty", presence_penalty),
        ("frequency_penalty", frequency_penalty),
    ):
        if value is not None:
            _number(name, value)
            body[name] = value
    if max_tokens is not None:
        _integer("max_tokens", max_tokens)
        body["max_tokens"] = max_tokens
    if max_completion_tokens is not None:
        _integer("max_completion_tokens", max_completion_tokens)
        body["max_completion_tokens"] = max_completion_tokens
    if reasoning_effort is not None:
        body["reasoning_effort"] = reasoning_effort
    if seed is not None:
        _integer("seed", seed)
        body["seed"] = seed
    if stop is not None:
        body["stop"] = _stop(stop)
    if stream:
        body["stream"] = True
    if response_format is not None:
        body["response_format"] = _response_format(response_format)
    if tools is not None:
        body["tools"] = _tools(tools)
    if tool_choice is not None:
        body["tool_choice"] = _tool_choice(tool_choice)
    if parallel_tool_calls is not None:
        if not isinstance(parallel_tool_calls, bool):
            raise TypeError("parallel_tool_calls must be True or False.")
        body["parallel_tool_calls"] = parallel_tool_calls
    has_extras = _merge_extras(body, model_extras, CHAT_FIELDS)
    return body, has_extras


def _embedding_options(
    body: dict[str, Any],
    model: str | None,
    dimensions: int | None,
    encoding_format: str | None,
    input_type: str | None,
) -> None:
    if model is not None:
        if not isinstance(model, str) or not model:
            raise TypeError("model must be a non-empty string (the deployment name).")
        body["model"] = model
    if dimensions is not None:
        _integer("dimensions", dimensions)
        body["dimensions"] = dimensions
    if encoding_format is not None:
        body["encoding_format"] = encoding_format
    if input_type is not None:
        body["input_type"] = input_type


def build_embeddings_body(
    input: str | Sequence[str],
    *,
    model: str | None,
    dimensions: int | None,
    encoding_format: str | None,
    input_type: str | None,
    model_extras: Mapping[str, Any] | None,
) -> tuple[dict[str, Any], bool]:
    """Build a text embeddings body; a single string is sent as a one-item list."""
    if isinstance(input, str):
        texts: list[str] = [input]
    elif isinstance(input, Sequence) and all(isinstance(t, str) for t in input):
        texts = list(input)
    else:
        raise TypeError("input must be a string or a list of strings.")
    if not texts:
        raise ValueError("input is empty; pass at least one text to embed.")
    body: dict[str, Any] = {"input": texts}
    _embedding_options(body, model, dimensions, encoding_format, input_type)
    return body, _merge_extras(body, model_extras, EMBEDDINGS_FIELDS)


def build_image_embeddings_body(
    input: Sequence[ImageEmbeddingInput | Mapping[str, Any]],
    *,
    model: str | None,
    dimensions: int | None,
    encoding_format: str | None,
    input_type: str | None,
    model_extras: Mapping[str, Any] | None,
) -> tuple[dict[str, Any], bool]:
    """Build an image embeddings body."""
    body: dict[str, Any] = {"input": image_inputs_to_wire(input)}
    _embedding_options(body, model, dimensions, encoding_format, input_type)
    return body, _merge_extras(body, model_extras, EMBEDDINGS_FIELDS)
