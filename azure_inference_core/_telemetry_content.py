"""Message content in the OpenTelemetry GenAI conventions' format (opt-in only).

Content is recorded only when asked for: the client's ``capture_message_content``
(True / False) or, when that is None, the conventions' environment variable
``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``. The shapes follow the
conventions' JSON schemas: ``gen_ai.input.messages`` and ``gen_ai.output.messages``
are lists of ``{"role", "parts": [...]}`` (output messages with their
``finish_reason``), ``gen_ai.system_instructions`` a list of parts, and
``gen_ai.tool.definitions`` the tools as sent. Nothing here ever sees a header,
so keys cannot reach a span.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any, overload

from ._errors import ConfigurationError

__all__ = [
    "CAPTURE_ENV",
    "CaptureOption",
    "capture_enabled",
    "check_capture_option",
    "input_attributes",
    "output_messages",
]

#: The conventions' switch for recording message content.
CAPTURE_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
_ON = frozenset({"true", "1", "yes", "span_only", "span_and_event"})
_OFF = frozenset({"", "false", "0", "no", "no_content", "event_only"})
_warned: set[str] = set()
logger = logging.getLogger("azure_inference_core")


def check_capture_option(value: object) -> bool | None:
    """``capture_message_content`` as given to a client: True, False or None, else an error."""
    if value is None or isinstance(value, bool):
        return value
    raise ConfigurationError(
        f"capture_message_content must be True (record message content on spans), False "
        f"(never) or None (follow ${CAPTURE_ENV}); got {type(value).__name__}."
    )


class CaptureOption:
    """A client's ``capture_message_content``: None until set, checked when set."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = f"_{name}"

    @overload
    def __get__(self, obj: None, owner: type) -> CaptureOption: ...
    @overload
    def __get__(self, obj: object, owner: type) -> bool | None: ...
    def __get__(self, obj: object | None, owner: type) -> CaptureOption | bool | None:
        if obj is None:
            return self
        value: bool | None = getattr(obj, self._slot, None)
        return value

    def __set__(self, obj: object, value: bool | None) -> None:
        setattr(obj, self._slot, check_capture_option(value))


def capture_enabled(option: bool | None) -> bool:
    """The client's option when set, else the environment variable (off by default).

    An unknown value of the variable is logged once as a warning and means off:
    content is never recorded by mistake.
    """
    if option is not None:
        return option
    value = os.environ.get(CAPTURE_ENV, "").strip().lower()
    if value in _ON:
        return True
    if value not in _OFF and value not in _warned:
        _warned.add(value)
        logger.warning(
            "%s=%r is not understood; message content is not recorded. Use 'true' or 'false'.",
            CAPTURE_ENV,
            value[:40],
        )
    return False


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _parts(content: Any) -> list[dict[str, Any]]:
    """Wire content (a string or content items) as the conventions' parts."""
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    parts: list[dict[str, Any]] = []
    if isinstance(content, Sequence):
        for item in content:
            if not isinstance(item, Mapping):
                continue
            kind = item.get("type")
            if kind == "text":
                parts.append({"type": "text", "content": item.get("text", "")})
            elif kind == "image_url":
                url = item.get("image_url") or {}
                link = url.get("url", "") if isinstance(url, Mapping) else str(url)
                if link.startswith("data:"):  # inline bytes: the media type, not the data
                    parts.append({"type": "blob", "modality": "image", "content": "<inline>"})
                else:
                    parts.append({"type": "uri", "modality": "image", "uri": link})
            elif kind == "input_audio":
                parts.append({"type": "blob", "modality": "audio", "content": "<inline>"})
            else:
                parts.append({"type": str(kind), "content": _dumps(dict(item))})
    return parts


def _tool_call_parts(calls: Any) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for call in calls or ():
        if not isinstance(call, Mapping):
            call = call.model_dump() if hasattr(call, "model_dump") else {}
        function = call.get("function") or {}
        arguments: Any = function.get("arguments")
        if isinstance(arguments, str):
            with contextlib.suppress(ValueError):
                arguments = json.loads(arguments)
        parts.append(
            {
                "type": "tool_call",
                "id": call.get("id"),
                "name": function.get("name"),
                "arguments": arguments,
            }
        )
    return parts


def _message(message: Mapping[str, Any]) -> dict[str, Any]:
    role = str(message.get("role", "user"))
    if role == "tool":
        content = message.get("content")
        return {
            "role": "tool",
            "parts": [
                {
                    "type": "tool_call_response",
                    "id": message.get("tool_call_id"),
                    "response": content if isinstance(content, str) else _dumps(content),
                }
            ],
        }
    parts = _parts(message.get("content"))
    parts.extend(_tool_call_parts(message.get("tool_calls")))
    out: dict[str, Any] = {"role": role, "parts": parts}
    if message.get("name"):
        out["name"] = message["name"]
    return out


def input_attributes(body: Mapping[str, Any]) -> dict[str, str]:
    """Input messages, system instructions and tool definitions of a request body."""
    out: dict[str, str] = {}
    messages = body.get("messages")
    if isinstance(messages, Sequence):
        system: list[dict[str, Any]] = []
        rest: list[dict[str, Any]] = []
        for message in messages:
            if not isinstance(message, Mapping):
                continue
            if message.get("role") in ("system", "developer"):
                system.extend(_parts(message.get("content")))
            else:
                rest.append(_message(message))
        if system:
            out["gen_ai.system_instructions"] = _dumps(system)
        out["gen_ai.input.messages"] = _dumps(rest)
    elif "input" in body:  # embeddings: the texts (images are not copied)
        texts = body["input"]
        if isinstance(texts, Sequence) and all(isinstance(t, str) for t in texts):
            out["gen_ai.input.messages"] = _dumps(
                [{"role": "user", "parts": [{"type": "text", "content": t} for t in texts]}]
            )
    tools = body.get("tools")
    if tools:
        out["gen_ai.tool.definitions"] = _dumps(tools)
    return out


def output_messages(choices: Sequence[Any]) -> str:
    """The choices of a completion as ``gen_ai.output.messages``."""
    out: list[dict[str, Any]] = []
    for choice in choices:
        message = getattr(choice, "message", None)
        parts = _parts(getattr(message, "content", None))
        parts.extend(_tool_call_parts(getattr(message, "tool_calls", None)))
        out.append(
            {
                "role": getattr(message, "role", None) or "assistant",
                "parts": parts,
                "finish_reason": getattr(choice, "finish_reason", None) or "",
            }
        )
    return _dumps(out)
