"""LlamaIndex messages -> the inference API's wire messages (pure).

`ChatMessage` and its content blocks become wire message dicts; the wire
shapes of assistant turns, tool calls and tool results are the core's
(`assistant_to_wire`, `tool_call_to_wire`, `tool_result_to_wire`), and what a
model can take (images, audio) is checked by the core's capability table on
the result. The way back lives in `_responses`.

Nothing here performs network I/O (reading an image given by `path` is the
only file access) and nothing writes into the caller's messages. Content the
API cannot carry raises `UnsupportedContentError` instead of being dropped.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from io import IOBase
from typing import Any

import filetype  # type: ignore[import-untyped]
from llama_index.core.base.llms.types import (
    AudioBlock,
    CachePoint,
    ChatMessage,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from pydantic import BaseModel

from azure_inference_core import (
    UNKNOWN_MODEL,
    ModelCapabilities,
    UnsupportedContentError,
    assistant_to_wire,
    tool_call_to_wire,
    tool_result_to_wire,
)

__all__ = [
    "audio_part",
    "image_part",
    "to_wire_message",
    "to_wire_messages",
    "tool_call_from_legacy",
]

_TEXT_ONLY_ROLES = {
    MessageRole.SYSTEM: "system",
    MessageRole.DEVELOPER: "developer",
}


# --------------------------------------------------------------------------
# Outbound: messages
# --------------------------------------------------------------------------


def to_wire_messages(
    messages: Sequence[ChatMessage], capabilities: ModelCapabilities = UNKNOWN_MODEL
) -> list[dict[str, Any]]:
    """Convert a LlamaIndex conversation into wire message dicts.

    Args:
        messages: The conversation, oldest first. Never modified.
        capabilities: The target model's row of the core's table (tool results
            for Cohere must be JSON objects).

    Returns:
        One wire dict per message.

    Raises:
        UnsupportedContentError: A role, block or attachment the API or the
            model cannot carry, or a tool message without `tool_call_id`.
    """
    return [to_wire_message(m, capabilities, position=i) for i, m in enumerate(messages)]


def to_wire_message(
    message: ChatMessage, capabilities: ModelCapabilities = UNKNOWN_MODEL, *, position: int = 0
) -> dict[str, Any]:
    """Convert one `ChatMessage`; see `to_wire_messages`."""
    role = message.role
    where = f"message {position} ({role.value})"
    if role in _TEXT_ONLY_ROLES:
        return {"role": _TEXT_ONLY_ROLES[role], "content": _text_only(message, where)}
    if role == MessageRole.USER:
        return {"role": "user", "content": _user_content(message, where)}
    if role == MessageRole.ASSISTANT:
        return _assistant(message, where)
    if role == MessageRole.TOOL:
        return _tool(message, capabilities, where)
    raise UnsupportedContentError(
        f"{where}: role {role.value!r} has no equivalent in the Azure AI Model Inference "
        "API; use system, developer, user, assistant or tool."
    )


def _skip(block: Any) -> bool:
    """Blocks that carry no content for this API and are omitted on purpose.

    `ThinkingBlock`: the API has no input field for past reasoning, and
    reasoning models expect not to be shown it again. `CachePoint`: a caching
    hint for providers that have prompt caching; this API has none.
    """
    return isinstance(block, (ThinkingBlock, CachePoint))


def _unsupported(block: Any, where: str, allowed: str) -> UnsupportedContentError:
    name = type(block).__name__
    return UnsupportedContentError(
        f"{where}: {name} cannot be sent through the Azure AI Model Inference API "
        f"in this position ({allowed}). Convert it (for example extract a document's "
        "text into a TextBlock) or remove it."
    )


def _text_only(message: ChatMessage, where: str) -> str:
    texts: list[str] = []
    for block in message.blocks:
        if isinstance(block, TextBlock):
            texts.append(block.text)
        elif not _skip(block):
            raise _unsupported(block, where, "only text is allowed here")
    return "\n".join(texts)


def _user_content(message: ChatMessage, where: str) -> str | list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for block in message.blocks:
        if isinstance(block, TextBlock):
            parts.append({"type": "text", "text": block.text})
        elif isinstance(block, ImageBlock):
            parts.append(image_part(block, where))
        elif isinstance(block, AudioBlock):
            parts.append(audio_part(block, where))
        elif not _skip(block):
            raise _unsupported(block, where, "user turns take text, images and audio")
    if len(parts) == 1 and parts[0]["type"] == "text":
        text: str = parts[0]["text"]
        return text
    if not parts:
        return ""
    return parts


def image_part(block: ImageBlock, where: str = "image") -> dict[str, Any]:
    """Build an `image_url` part: URLs pass through, bytes and files become data URLs.

    Raises:
        UnsupportedContentError: The block is empty, or its MIME type is unknown.
    """
    if block.url is not None:
        url = str(block.url)
    else:
        raw = _block_bytes(block.image, block.path, where, "ImageBlock")
        mime = block.image_mimetype or _guess_mime(raw)
        if not mime or not mime.startswith("image/"):
            raise UnsupportedContentError(
                f"{where}: cannot tell the image's type; set ImageBlock(image_mimetype=...)"
            )
        url = f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"
    image_url: dict[str, Any] = {"url": url}
    if block.detail is not None:
        image_url["detail"] = block.detail
    return {"type": "image_url", "image_url": image_url}


def audio_part(block: AudioBlock, where: str = "audio") -> dict[str, Any]:
    """Build an `input_audio` part (base64 data and a format such as wav or mp3).

    Raises:
        UnsupportedContentError: Audio given by URL (the API takes only inline
            data and this module does no network I/O), or an unknown format.
    """
    if block.url is not None and block.audio is None and block.path is None:
        raise UnsupportedContentError(
            f"{where}: the API takes audio only inline; download it and pass "
            "AudioBlock(audio=<bytes>, format='wav'|'mp3') or AudioBlock(path=...)."
        )
    raw = _block_bytes(block.audio, block.path, where, "AudioBlock")
    fmt = block.format
    if fmt is None:
        guess = filetype.guess(raw)
        fmt = guess.extension if guess else None
    if not fmt:
        raise UnsupportedContentError(
            f"{where}: cannot tell the audio format; set AudioBlock(format='wav' or 'mp3')."
        )
    return {
        "type": "input_audio",
        "input_audio": {"data": base64.b64encode(raw).decode("ascii"), "format": fmt},
    }


def _block_bytes(data: bytes | IOBase | None, path: Any, where: str, kind: str) -> bytes:
    """The decoded bytes of an image or audio block (LlamaIndex stores bytes as base64)."""
    if isinstance(data, IOBase):
        pos = data.tell()
        raw = data.read()
        data.seek(pos)
        if not isinstance(raw, bytes):
            raise UnsupportedContentError(f"{where}: {kind} stream must be opened in binary mode")
        return raw
    if isinstance(data, bytes) and data:
        try:
            return base64.b64decode(data, validate=True)
        except ValueError:
            return data
    if path is not None:
        with open(path, "rb") as fh:
            return fh.read()
    raise UnsupportedContentError(f"{where}: {kind} has no data, path or url")


def _guess_mime(raw: bytes) -> str | None:
    guess = filetype.guess(raw)
    return str(guess.mime) if guess else None


def _assistant(message: ChatMessage, where: str) -> dict[str, Any]:
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for block in message.blocks:
        if isinstance(block, TextBlock):
            texts.append(block.text)
        elif isinstance(block, ToolCallBlock):
            calls.append(_tool_call_from_block(block, where))
        elif not _skip(block):
            raise _unsupported(block, where, "assistant turns take text and tool calls")
    if not calls:
        # Legacy form, still written by older code and by memory stores.
        legacy = message.additional_kwargs.get("tool_calls")
        if legacy:
            calls = [tool_call_from_legacy(c, where) for c in legacy]
    return assistant_to_wire("\n".join(texts), calls)


def _tool_call_from_block(block: ToolCallBlock, where: str) -> dict[str, Any]:
    if not block.tool_call_id:
        raise UnsupportedContentError(
            f"{where}: ToolCallBlock {block.tool_name!r} has no tool_call_id; the API "
            "pairs each tool result with its call by id."
        )
    return tool_call_to_wire(block.tool_call_id, block.tool_name, block.tool_kwargs)


def tool_call_from_legacy(call: Any, where: str) -> dict[str, Any]:
    """Accept a tool call as a wire dict, a pydantic model or an SDK-style object."""
    if isinstance(call, BaseModel):
        call = call.model_dump()
    if isinstance(call, Mapping):
        fn = call.get("function") or {}
        call_id, name, args = call.get("id"), fn.get("name"), fn.get("arguments", "{}")
    else:
        fn = getattr(call, "function", None)
        call_id = getattr(call, "id", None)
        name = getattr(fn, "name", None)
        args = getattr(fn, "arguments", "{}")
    if not call_id or not name:
        raise UnsupportedContentError(
            f"{where}: additional_kwargs['tool_calls'] holds an entry without an id or "
            f"function name: {call!r}"
        )
    return tool_call_to_wire(str(call_id), str(name), args)


def _tool(message: ChatMessage, capabilities: ModelCapabilities, where: str) -> dict[str, Any]:
    call_id = message.additional_kwargs.get("tool_call_id")
    if not call_id:
        raise UnsupportedContentError(
            f"{where}: a tool message needs additional_kwargs['tool_call_id'] naming the "
            "call it answers."
        )
    content = _text_only(message, where)
    return tool_result_to_wire(str(call_id), content, json_object=capabilities.tool_results_json)
