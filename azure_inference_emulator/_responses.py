"""The Responses API request, checked and turned into the chat request the
composer already understands (pure; no I/O).

Input items become chat messages: ``message`` items keep their role (text,
image, file and audio parts), ``function_call`` items become an assistant turn
with tool calls, ``function_call_output`` items tool turns; reasoning items are
checked (their ``encrypted_content`` must be ours; by id alone they must be
stored) and then dropped, as a model reads them but does not quote them.
``previous_response_id`` prepends the stored conversation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._errors import ServiceError

__all__ = [
    "RESPONSE_FIELDS",
    "ResponseStore",
    "Stored",
    "Translated",
    "open_reasoning",
    "seal_reasoning",
    "translate",
]

RESPONSE_FIELDS = frozenset(
    {
        "model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls", "text",
        "reasoning", "max_output_tokens", "temperature", "top_p", "store", "previous_response_id",
        "include", "truncation", "metadata", "stream", "user", "service_tier", "background",
        "top_logprobs", "max_tool_calls", "prompt_cache_key", "prompt_cache_retention",
        "safety_identifier", "stream_options", "conversation", "prompt",
    }
)  # fmt: skip
INCLUDABLE = frozenset(
    {
        "reasoning.encrypted_content",
        "message.output_text.logprobs",
        "message.input_image.image_url",
        "file_search_call.results",
        "web_search_call.action.sources",
        "code_interpreter_call.outputs",
        "computer_call_output.output.image_url",
    }
)
_SECRET = secrets.token_bytes(32)
_STORE_LIMIT = 10_000


def invalid(message: str, param: str | None, code: str | None = None, status: int = 400) -> Any:
    """The OpenAI-style error the Responses routes answer with."""
    return ServiceError(
        status,
        {
            "error": {
                "message": message,
                "type": "invalid_request_error",
                "param": param,
                "code": code,
            }
        },
    )


def seal_reasoning(payload: Mapping[str, Any]) -> str:
    """``encrypted_content`` for a reasoning item: opaque to clients, checked when sent back."""
    raw = json.dumps(payload, separators=(",", ":")).encode()
    tag = hmac.new(_SECRET, raw, hashlib.sha256).digest()[:16]
    return "emu1." + base64.urlsafe_b64encode(tag + raw).decode().rstrip("=")


def open_reasoning(token: object, item_id: str) -> dict[str, Any]:
    """The payload of an ``encrypted_content`` this emulator issued.

    Raises:
        ServiceError: 400 ``invalid_encrypted_content`` for anything else.
    """
    error = invalid(
        f"The encrypted content for item {item_id} could not be verified.",
        "input",
        "invalid_encrypted_content",
    )
    if not isinstance(token, str) or not token.startswith("emu1."):
        raise error
    body = token[5:]
    try:
        data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        raise error from None
    tag, raw = data[:16], data[16:]
    if not hmac.compare_digest(tag, hmac.new(_SECRET, raw, hashlib.sha256).digest()[:16]):
        raise error
    payload: dict[str, Any] = json.loads(raw)
    return payload


@dataclass
class Stored:
    """A stored response: its conversation as chat messages, and its body."""

    messages: list[dict[str, Any]]
    reasoning_ids: frozenset[str]
    body: dict[str, Any]


class ResponseStore:
    """Server-side storage of responses created with ``store`` (the default)."""

    def __init__(self, limit: int = _STORE_LIMIT) -> None:
        self._items: OrderedDict[str, Stored] = OrderedDict()
        self._limit = limit

    def put(self, response_id: str, stored: Stored) -> None:
        """Keep a response (the oldest is forgotten past the limit)."""
        self._items[response_id] = stored
        while len(self._items) > self._limit:
            self._items.popitem(last=False)

    def get(self, response_id: str) -> Stored | None:
        """A stored response, or None."""
        return self._items.get(response_id)

    def delete(self, response_id: str) -> bool:
        """Forget a response; False when it was not stored."""
        return self._items.pop(response_id, None) is not None

    def has_reasoning(self, item_id: str) -> bool:
        """True when a stored response produced this reasoning item."""
        return any(item_id in s.reasoning_ids for s in self._items.values())


@dataclass
class Translated:
    """A Responses request as the chat composer sees it, plus what it asked for."""

    chat: dict[str, Any]
    conversation: list[dict[str, Any]]
    summary: str | None
    effort: str | None
    encrypted: bool
    store: bool
    stream: bool
    text_format: dict[str, Any] = field(default_factory=lambda: {"type": "text"})


def _part(part: Any, where: str, role: str) -> dict[str, Any]:
    kind = part.get("type") if isinstance(part, Mapping) else None
    if kind in ("input_text", "output_text") and isinstance(part.get("text"), str):
        return {"type": "text", "text": part["text"]}
    if kind == "refusal" and isinstance(part.get("refusal"), str):
        return {"type": "text", "text": part["refusal"]}
    if kind == "input_image":
        url = part.get("image_url")
        if not isinstance(url, str):
            raise invalid(
                f"{where}: an input_image needs image_url (an https or data: URL); file_id is "
                "not served by the emulator.",
                "input",
            )
        image: dict[str, Any] = {"url": url}
        if part.get("detail") is not None:
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image}
    if kind == "input_file":
        name = part.get("filename") or part.get("file_id") or part.get("file_url")
        data = part.get("file_data")
        if not isinstance(name, str) or (data is not None and not isinstance(data, str)):
            raise invalid(
                f"{where}: an input_file needs filename with file_data, or file_id, or file_url.",
                "input",
            )
        size = len(data.partition(",")[2]) * 3 // 4 if isinstance(data, str) else 0
        return {"type": "text", "text": f"(attached file {name!r}, {size} bytes)"}
    if kind == "input_audio":
        return {"type": "input_audio", "input_audio": part.get("input_audio")}
    raise invalid(
        f"{where} has an unsupported content part type {kind!r} for role {role!r}; use "
        "input_text, input_image, input_file or input_audio (output_text for assistant).",
        "input",
    )


def _message(item: Mapping[str, Any], where: str) -> dict[str, Any]:
    role = item.get("role")
    if role not in ("user", "assistant", "system", "developer"):
        raise invalid(
            f"Invalid value for {where}.role: {role!r}; use user, assistant, system or developer.",
            "input",
            "invalid_value",
        )
    content = item.get("content")
    if isinstance(content, str):
        return {"role": role, "content": content}
    if not isinstance(content, list):
        raise invalid(f"{where}.content must be a string or a list of parts.", "input")
    parts = [_part(p, f"{where}.content[{j}]", str(role)) for j, p in enumerate(content)]
    if role != "user":
        return {"role": role, "content": "\n".join(str(p.get("text", "")) for p in parts)}
    return {"role": role, "content": parts}


def _items(raw: Any, store: ResponseStore, history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(raw, str):
        return [{"role": "user", "content": raw}]
    if not isinstance(raw, list):
        raise invalid("input must be a string or a list of input items.", "input")
    known_calls = {
        c["id"] for m in history for c in m.get("tool_calls") or [] if isinstance(c, Mapping)
    }
    messages: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        where = f"input[{i}]"
        if not isinstance(item, Mapping):
            raise invalid(f"{where} must be an object.", "input")
        kind = item.get("type", "message" if "role" in item else None)
        if kind == "message":
            messages.append(_message(item, where))
        elif kind == "function_call":
            if not all(isinstance(item.get(k), str) for k in ("call_id", "name", "arguments")):
                raise invalid(
                    f"{where}: a function_call needs call_id, name and arguments.", "input"
                )
            call = {
                "id": item["call_id"],
                "type": "function",
                "function": {"name": item["name"], "arguments": item["arguments"]},
            }
            known_calls.add(item["call_id"])
            last = messages[-1] if messages else None
            if last is not None and last["role"] == "assistant" and last.get("tool_calls"):
                last["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            call_id, output = item.get("call_id"), item.get("output")
            if not isinstance(call_id, str) or not isinstance(output, str):
                raise invalid(f"{where}: a function_call_output needs call_id and output.", "input")
            if call_id not in known_calls:
                raise invalid(
                    f"No tool call found for function call output with call_id {call_id}.", "input"
                )
            messages.append({"role": "tool", "tool_call_id": call_id, "content": output})
        elif kind == "reasoning":
            item_id = str(item.get("id") or "")
            if item.get("encrypted_content") is not None:
                open_reasoning(item["encrypted_content"], item_id)
            elif not store.has_reasoning(item_id):
                raise invalid(
                    f"Item with id '{item_id}' not found. Items are not persisted when `store` is "
                    "set to false. Try again with `store` set to true, or remove this item from "
                    "your input.",
                    "input",
                    status=404,
                )
        else:
            raise invalid(
                f"Invalid value for {where}.type: {kind!r}; use message, function_call, "
                "function_call_output or reasoning.",
                "input",
                "invalid_value",
            )
    return messages


def _tools(body: Mapping[str, Any]) -> tuple[list[dict[str, Any]] | None, Any]:
    tools = body.get("tools")
    if tools is None:
        return None, body.get("tool_choice")
    if not isinstance(tools, list):
        raise invalid("tools must be a list.", "tools")
    out: list[dict[str, Any]] = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, Mapping) or tool.get("type") != "function":
            kind = tool.get("type") if isinstance(tool, Mapping) else None
            raise invalid(
                f"tools[{i}]: the emulator serves function tools only; got type {kind!r}.",
                f"tools[{i}].type",
            )
        if "function" in tool or not isinstance(tool.get("name"), str):
            raise invalid(f"Missing required parameter: 'tools[{i}].name'.", f"tools[{i}].name")
        function = {
            k: tool[k] for k in ("name", "description", "parameters", "strict") if k in tool
        }
        out.append({"type": "function", "function": function})
    choice = body.get("tool_choice")
    if isinstance(choice, Mapping):
        if choice.get("type") != "function" or not isinstance(choice.get("name"), str):
            raise invalid(
                "tool_choice must be auto, none, required or {type: function, name}.",
                "tool_choice",
            )
        choice = {"type": "function", "function": {"name": choice["name"]}}
    return out, choice


def _format(body: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
    text = body.get("text")
    fmt = text.get("format") if isinstance(text, Mapping) else None
    if fmt is None:
        return {"type": "text"}, None
    kind = fmt.get("type") if isinstance(fmt, Mapping) else None
    if kind == "text":
        return dict(fmt), None
    if kind == "json_object":
        return dict(fmt), {"type": "json_object"}
    if kind == "json_schema":
        if not isinstance(fmt.get("name"), str) or not isinstance(fmt.get("schema"), Mapping):
            raise invalid(
                "Missing required parameter: 'text.format.name' / 'text.format.schema'.",
                "text.format",
            )
        schema = {k: fmt[k] for k in ("name", "schema", "strict", "description") if k in fmt}
        return dict(fmt), {"type": "json_schema", "json_schema": schema}
    raise invalid(
        f"Invalid value: {kind!r}. Supported values are: 'text', 'json_object' and 'json_schema'.",
        "text.format.type",
        "invalid_value",
    )


def translate(body: Mapping[str, Any], store: ResponseStore, reasoning_model: bool) -> Translated:
    """Check a Responses body and build the chat body that answers it.

    Raises:
        ServiceError: the service's 400 (or 404 for an unknown stored item).
    """
    unknown = [k for k in body if k not in RESPONSE_FIELDS]
    if unknown:
        raise invalid(f"Unknown parameter: '{unknown[0]}'.", unknown[0], "unknown_parameter")
    for name in ("conversation", "prompt", "background"):
        if body.get(name):
            raise invalid(
                f"The emulator does not serve '{name}'; continue a conversation with "
                "previous_response_id, or send the history as input.",
                name,
                "unsupported_parameter",
            )
    history: list[dict[str, Any]] = []
    previous = body.get("previous_response_id")
    if previous is not None:
        stored = store.get(str(previous))
        if stored is None:
            raise invalid(
                f"Previous response with id '{previous}' not found.",
                "previous_response_id",
                "previous_response_not_found",
            )
        history = [dict(m) for m in stored.messages]
    if "input" not in body:
        raise invalid("Missing required parameter: 'input'.", "input", "missing_required_parameter")
    messages = history + _items(body["input"], store, history)
    if not messages:
        raise invalid("input must not be empty.", "input")
    conversation = list(messages)
    instructions = body.get("instructions")
    if instructions is not None:
        if not isinstance(instructions, str):
            raise invalid("instructions must be a string.", "instructions")
        messages = [{"role": "developer", "content": instructions}, *messages]
    reasoning = body.get("reasoning") or {}
    if not isinstance(reasoning, Mapping):
        raise invalid("reasoning must be an object.", "reasoning")
    effort, summary = reasoning.get("effort"), reasoning.get("summary")
    if effort is not None and effort not in ("minimal", "low", "medium", "high"):
        raise invalid(f"Invalid value: {effort!r}.", "reasoning.effort", "invalid_value")
    if summary is not None and summary not in ("auto", "concise", "detailed"):
        raise invalid(f"Invalid value: {summary!r}.", "reasoning.summary", "invalid_value")
    if not reasoning_model and (effort is not None or summary is not None):
        name = "reasoning.effort" if effort is not None else "reasoning.summary"
        raise invalid(
            f"Unsupported parameter: '{name}' is not supported with this model.",
            name,
            "unsupported_parameter",
        )
    include = body.get("include") or []
    if not isinstance(include, list) or any(i not in INCLUDABLE for i in include):
        bad = next((i for i in include if i not in INCLUDABLE), include)
        raise invalid(
            f"Invalid value: {bad!r}. Supported values are: {', '.join(sorted(INCLUDABLE))}.",
            "include",
            "invalid_value",
        )
    text_format, response_format = _format(body)
    tools, choice = _tools(body)
    chat: dict[str, Any] = {"messages": messages, "stream": bool(body.get("stream"))}
    for source, target in (
        ("max_output_tokens", "max_completion_tokens"),  # every Responses model takes it
        ("temperature", "temperature"),
        ("top_p", "top_p"),
        ("parallel_tool_calls", "parallel_tool_calls"),
    ):
        if body.get(source) is not None:
            chat[target] = body[source]
    if tools:
        chat["tools"] = tools
    if tools and choice is not None:
        chat["tool_choice"] = choice
    if response_format is not None:
        chat["response_format"] = response_format
    store_flag = body.get("store", True)
    if not isinstance(store_flag, bool):
        raise invalid("store must be a boolean.", "store")
    return Translated(
        chat=chat,
        conversation=conversation,
        summary=summary,
        effort=effort,
        encrypted="reasoning.encrypted_content" in include,
        store=store_flag,
        stream=bool(body.get("stream")),
        text_format=text_format,
    )
