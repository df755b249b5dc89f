"""LangChain messages -> Azure AI Model Inference wire messages (pure functions).

Every mapping here is one-way and total: a message or content block either has a
place on the wire or raises :class:`UnsupportedContentError` that says what to do.
Nothing is dropped silently. Two deliberate omissions, both documented on
:class:`~langchain_azure_inference.ChatAzureInference`:

* reasoning blocks (``reasoning``/``thinking``) and ``additional_kwargs
  ["reasoning_content"]`` of past assistant turns are not sent back: they are the
  model's own scratchpad, and the chat route has no input field for them;
* the ``name`` of a ``ToolMessage`` is not sent: the wire's tool message has no
  such field and the ``tool_call_id`` already names the call.

Wire shapes: ``docs/wire.md`` (chat request). Tool calls, tool results and
assistant turns are shaped by the core (``tool_call_to_wire``,
``tool_result_to_wire``, ``assistant_to_wire``): this module only finds them in
LangChain's messages.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from azure_inference_core import (
    UnsupportedContentError,
    assistant_to_wire,
    tool_call_to_wire,
    tool_result_to_wire,
)

__all__ = [
    "UnsupportedContentError",
    "convert_content_part",
    "convert_message",
    "convert_messages",
]

_AUDIO_FORMATS = {
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/vnd.wave": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
}
_REASONING_TYPES = frozenset({"reasoning", "thinking", "redacted_thinking"})
_TOOL_CALL_BLOCK_TYPES = frozenset({"tool_call", "tool_use", "function_call"})
_TEXT_ONLY_ROLES = frozenset({"system", "developer"})


def convert_messages(
    messages: Sequence[BaseMessage], *, json_tool_results: bool = False
) -> list[dict[str, Any]]:
    """Convert a LangChain conversation into the wire ``messages`` list.

    Images returned by a tool cannot ride on the wire's tool message (its
    content is a string), so they are sent in one user message placed right
    after the run of tool messages that produced them, introduced by a text part
    naming the tool call ids. This keeps them visible to the model without
    breaking the "tool messages follow their assistant turn" ordering rule.

    Args:
        messages: the conversation, oldest first.
        json_tool_results: the model needs every tool message's content to be a
            JSON object (Cohere command models; ``ModelCapabilities.tool_results_json``).

    Returns:
        A list of wire message dicts.

    Raises:
        UnsupportedContentError: a message type or content block cannot be sent.
    """
    wire: list[dict[str, Any]] = []
    pending_images: list[tuple[str, list[dict[str, Any]]]] = []
    for message in messages:
        if pending_images and not isinstance(message, ToolMessage):
            wire.append(_tool_images_message(pending_images))
            pending_images = []
        if isinstance(message, ToolMessage):
            tool_message, images = _convert_tool_message(
                message, json_tool_results=json_tool_results
            )
            wire.append(tool_message)
            if images:
                pending_images.append((message.tool_call_id, images))
        else:
            wire.append(convert_message(message))
    if pending_images:
        wire.append(_tool_images_message(pending_images))
    return wire


def convert_message(message: BaseMessage) -> dict[str, Any]:
    """Convert one non-tool message (tool messages go through :func:`convert_messages`).

    Args:
        message: a System, Human, AI or Chat message (Tool messages are accepted
            too when they carry no image).

    Returns:
        The wire message dict.

    Raises:
        UnsupportedContentError: unknown message type or unsupported content.
    """
    if isinstance(message, SystemMessage):
        role = "developer" if _is_developer(message) else "system"
        return _with_name({"role": role, "content": _text_only(message.content, role)}, message)
    if isinstance(message, HumanMessage):
        return _with_name({"role": "user", "content": _user_content(message.content)}, message)
    if isinstance(message, AIMessage):
        return _convert_ai_message(message)
    if isinstance(message, ToolMessage):
        tool_message, images = _convert_tool_message(message, json_tool_results=False)
        if images:
            raise UnsupportedContentError(
                "A ToolMessage with images must be converted with convert_messages(), "
                "which sends the images in a following user message."
            )
        return tool_message
    if isinstance(message, ChatMessage):
        return _convert_chat_message(message)
    raise UnsupportedContentError(
        f"{type(message).__name__} cannot be sent to the Azure AI Model Inference API. "
        "Use SystemMessage, HumanMessage, AIMessage, ToolMessage or ChatMessage "
        "(FunctionMessage is superseded by ToolMessage)."
    )


def _is_developer(message: BaseMessage) -> bool:
    return message.additional_kwargs.get("__openai_role__") == "developer"


def _with_name(wire: dict[str, Any], message: BaseMessage) -> dict[str, Any]:
    if message.name is not None:
        wire["name"] = message.name
    return wire


def _convert_chat_message(message: ChatMessage) -> dict[str, Any]:
    role = message.role
    if role in _TEXT_ONLY_ROLES:
        content: Any = _text_only(message.content, role)
    elif role == "assistant":
        content = _assistant_text(message.content)
    else:
        content = _user_content(message.content)
    return _with_name({"role": role, "content": content}, message)


def _text_only(content: str | list[str | dict[str, Any]], role: str) -> str:
    if isinstance(content, str):
        return content
    texts: list[str] = []
    for block in content:
        text = _block_text(block)
        if text is None:
            raise UnsupportedContentError(
                f"A {role} message can only hold text, got a "
                f"{_describe(block)} block. Move images and other media to a user message."
            )
        texts.append(text)
    return "".join(texts)


def _block_text(block: str | Mapping[str, Any]) -> str | None:
    """Return the text of a plain-text block, or None if the block is not text."""
    if isinstance(block, str):
        return block
    block_type = block.get("type")
    if block_type == "text" and isinstance(block.get("text"), str):
        return str(block["text"])
    if block_type == "text-plain" and isinstance(block.get("text"), str):
        return str(block["text"])
    return None


def _describe(block: str | Mapping[str, Any]) -> str:
    if isinstance(block, str):
        return "string"
    return repr(block.get("type", "<no type>"))


def _user_content(content: str | list[str | dict[str, Any]]) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    return [convert_content_part(block) for block in content]


def convert_content_part(block: str | Mapping[str, Any]) -> dict[str, Any]:
    """Convert one user content block into a wire content part.

    Accepted: strings and ``text`` blocks; OpenAI ``image_url`` and
    ``input_audio`` parts; LangChain standard ``image``/``audio`` blocks (v1
    ``base64``/``url`` keys and v0 ``source_type`` forms); Anthropic-style
    ``image`` blocks with a ``source``; ``text-plain`` blocks with inline text.

    Args:
        block: the LangChain content block.

    Returns:
        A wire part: ``text``, ``image_url`` or ``input_audio``.

    Raises:
        UnsupportedContentError: the block cannot be expressed on the wire
            (files/PDFs, video, image or file ids, audio by URL, reasoning, ...).
    """
    text = _block_text(block)
    if text is not None:
        return {"type": "text", "text": text}
    part = cast("Mapping[str, Any]", block)  # _block_text took every string
    block_type = part.get("type")
    if block_type == "image_url":
        return _image_url_part(part)
    if block_type == "image":
        return _image_block(part)
    if block_type == "input_audio":
        return _input_audio_part(part)
    if block_type == "audio":
        return _audio_block(part)
    if block_type in {"file", "video"}:
        raise UnsupportedContentError(
            f"The Azure AI Model Inference API takes text, images and audio; a {block_type!r} "
            "block cannot be sent. Extract the text (for documents) or frames (for video) "
            "and send those instead."
        )
    if block_type in _REASONING_TYPES or block_type in _TOOL_CALL_BLOCK_TYPES:
        raise UnsupportedContentError(
            f"A {block_type!r} block belongs in an AIMessage, not in user content."
        )
    raise UnsupportedContentError(
        f"Unsupported content block {_describe(block)}: expected 'text', 'image_url', "
        "'image', 'input_audio' or 'audio'. Blocks need a 'type' key; plain strings "
        "are taken as text."
    )


def _image_url_part(block: Mapping[str, Any]) -> dict[str, Any]:
    raw = block.get("image_url")
    if isinstance(raw, str):
        return {"type": "image_url", "image_url": {"url": raw}}
    if isinstance(raw, Mapping) and isinstance(raw.get("url"), str):
        image_url: dict[str, Any] = {"url": raw["url"]}
        if raw.get("detail") is not None:
            image_url["detail"] = raw["detail"]
        return {"type": "image_url", "image_url": image_url}
    raise UnsupportedContentError(
        "An 'image_url' block needs {'image_url': {'url': 'https://... or data:...'}}."
    )


def _detail(block: Mapping[str, Any]) -> Any:
    extras = block.get("extras")
    if block.get("detail") is not None:
        return block["detail"]
    if isinstance(extras, Mapping):
        return extras.get("detail")
    return None


def _image_part(url: str, detail: Any) -> dict[str, Any]:
    image_url: dict[str, Any] = {"url": url}
    if detail is not None:
        image_url["detail"] = detail
    return {"type": "image_url", "image_url": image_url}


def _image_block(block: Mapping[str, Any]) -> dict[str, Any]:
    detail = _detail(block)
    source = block.get("source")
    if isinstance(source, Mapping):  # Anthropic form
        if source.get("type") == "base64" and source.get("data"):
            media = source.get("media_type") or block.get("mime_type")
            return _image_part(_data_url(media, str(source["data"]), "image"), detail)
        if source.get("type") == "url" and source.get("url"):
            return _image_part(str(source["url"]), detail)
    source_type = block.get("source_type")
    if block.get("base64") or (source_type == "base64" and block.get("data")):
        data = block.get("base64") or block.get("data")
        return _image_part(_data_url(block.get("mime_type"), str(data), "image"), detail)
    if block.get("url") and source_type in (None, "url"):
        return _image_part(str(block["url"]), detail)
    if block.get("file_id") or source_type == "id":
        raise UnsupportedContentError(
            "Image blocks that reference a file id cannot be sent: the inference API has "
            "no file store. Pass the image as base64 ('base64' + 'mime_type') or a URL."
        )
    raise UnsupportedContentError("An 'image' block needs 'base64' with 'mime_type', or 'url'.")


def _data_url(mime_type: Any, data: str, kind: str) -> str:
    if data.startswith("data:"):
        return data
    if not mime_type:
        raise UnsupportedContentError(
            f"A base64 {kind} block needs 'mime_type' (e.g. 'image/png') to build its data URL."
        )
    return f"data:{mime_type};base64,{data}"


def _input_audio_part(block: Mapping[str, Any]) -> dict[str, Any]:
    raw = block.get("input_audio")
    if isinstance(raw, Mapping) and raw.get("data") and raw.get("format"):
        return {
            "type": "input_audio",
            "input_audio": {"data": raw["data"], "format": raw["format"]},
        }
    raise UnsupportedContentError(
        "An 'input_audio' block needs {'input_audio': {'data': <base64>, 'format': 'wav'|'mp3'}}."
    )


def _audio_block(block: Mapping[str, Any]) -> dict[str, Any]:
    source_type = block.get("source_type")
    data = block.get("base64") or (block.get("data") if source_type == "base64" else None)
    if not data:
        raise UnsupportedContentError(
            "Audio must be sent inline as base64 ('base64' + 'mime_type'): the inference "
            "API does not fetch audio URLs or file ids."
        )
    mime_type = str(block.get("mime_type") or "")
    audio_format = _AUDIO_FORMATS.get(mime_type.lower())
    if audio_format is None:
        raise UnsupportedContentError(
            f"Unsupported audio mime_type {mime_type!r}: the inference API takes wav "
            "('audio/wav') or mp3 ('audio/mpeg')."
        )
    return {"type": "input_audio", "input_audio": {"data": data, "format": audio_format}}


def _assistant_text(content: str | list[str | dict[str, Any]]) -> str:
    if isinstance(content, str):
        return content
    texts: list[str] = []
    for block in content:
        text = _block_text(block)
        if text is not None:
            texts.append(text)
            continue
        part = cast("Mapping[str, Any]", block)  # strings are text, handled above
        block_type = part.get("type")
        if block_type in _REASONING_TYPES or block_type in _TOOL_CALL_BLOCK_TYPES:
            continue  # reasoning: see module docstring; tool calls: see _content_tool_calls
        raise UnsupportedContentError(
            f"An assistant message can hold text and tool calls only, got a "
            f"{_describe(part)} block."
        )
    return "".join(texts)


def _content_tool_calls(message: AIMessage, known_ids: set[str]) -> Iterable[dict[str, Any]]:
    """Tool calls present only as content blocks (Anthropic ``tool_use``, v1 ``tool_call``)."""
    if isinstance(message.content, str):
        return
    for block in message.content:
        if not isinstance(block, Mapping) or block.get("type") not in _TOOL_CALL_BLOCK_TYPES:
            continue
        call_id = block.get("id") or block.get("call_id")
        if call_id in known_ids:
            continue
        args = block.get("args", block.get("input", block.get("arguments", {})))
        yield tool_call_to_wire(call_id, str(block.get("name", "")), args or {})


def _convert_ai_message(message: AIMessage) -> dict[str, Any]:
    calls = [tool_call_to_wire(tc["id"], tc["name"], tc["args"]) for tc in message.tool_calls]
    calls += [
        tool_call_to_wire(tc["id"], tc["name"] or "", tc["args"] or "")
        for tc in message.invalid_tool_calls
    ]
    known = {call["id"] for call in calls}
    calls += list(_content_tool_calls(message, known))
    wire = assistant_to_wire(_assistant_text(message.content), calls or None)
    return _with_name(wire, message)


def _convert_tool_message(
    message: ToolMessage, *, json_tool_results: bool
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    content = message.content
    images: list[dict[str, Any]] = []
    if isinstance(content, str):
        text = content
    else:
        texts: list[str] = []
        for block in content:
            block_text = _block_text(block)
            if block_text is not None:
                texts.append(block_text)
                continue
            part = cast("Mapping[str, Any]", block)  # strings are text, handled above
            if part.get("type") in {"image", "image_url"}:
                images.append(convert_content_part(part))
            elif "type" not in part or part.get("type") == "json":
                payload = part.get("json", part) if "type" in part else part
                texts.append(json.dumps(payload, ensure_ascii=False))
            else:
                raise UnsupportedContentError(
                    f"A ToolMessage can hold text, JSON and images, got a {_describe(part)} "
                    "block. Return the tool's result as text or an image."
                )
        text = "".join(texts)
    wire = tool_result_to_wire(message.tool_call_id, text, json_object=json_tool_results)
    return wire, images


def _tool_images_message(pending: list[tuple[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    ids = ", ".join(call_id for call_id, _ in pending)
    parts: list[dict[str, Any]] = [
        {"type": "text", "text": f"Image(s) returned by tool call(s) {ids}:"}
    ]
    for _, images in pending:
        parts.extend(images)
    return {"role": "user", "content": parts}
