"""Typed request messages and their conversion to the wire shape.

Callers may pass wire-shaped dicts (sent exactly as given) or these models
(``extra="forbid"``, so a misspelt field is an error, not a silent drop).
Anything else raises a ``TypeError`` naming what is accepted.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ._tools import assistant_to_wire
from ._wire import ResponseMessage, ToolCall

__all__ = [
    "AssistantMessage",
    "AudioContentItem",
    "ChatMessage",
    "ContentItem",
    "DeveloperMessage",
    "ImageContentItem",
    "ImageEmbeddingInput",
    "ImageUrl",
    "InputAudio",
    "MessageInput",
    "SystemMessage",
    "TextContentItem",
    "ToolMessage",
    "UserMessage",
    "assistant_to_wire",
    "image_inputs_to_wire",
    "messages_to_wire",
]


class _RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        """The wire dict: unset optional fields (None) are left out."""
        return self.model_dump(mode="json", exclude_none=True)


class TextContentItem(_RequestModel):
    """A text part of a user message."""

    type: Literal["text"] = "text"
    text: str


class ImageUrl(_RequestModel):
    """An image by URL or ``data:image/...;base64,...`` URL."""

    url: str
    detail: Literal["auto", "low", "high"] | None = None


class ImageContentItem(_RequestModel):
    """An image part of a user message."""

    type: Literal["image_url"] = "image_url"
    image_url: ImageUrl


class InputAudio(_RequestModel):
    """Base64 audio data and its format."""

    data: str
    format: Literal["wav", "mp3"]


class AudioContentItem(_RequestModel):
    """An audio part of a user message."""

    type: Literal["input_audio"] = "input_audio"
    input_audio: InputAudio


ContentItem = TextContentItem | ImageContentItem | AudioContentItem


class SystemMessage(_RequestModel):
    """Instructions for the model (some models turn these into user messages)."""

    role: Literal["system"] = "system"
    content: str
    name: str | None = None


class DeveloperMessage(_RequestModel):
    """Developer instructions (the newer name of system messages)."""

    role: Literal["developer"] = "developer"
    content: str
    name: str | None = None


class UserMessage(_RequestModel):
    """A user turn: text, or a list of text / image / audio parts."""

    role: Literal["user"] = "user"
    content: str | list[ContentItem]
    name: str | None = None


class AssistantMessage(_RequestModel):
    """A previous assistant turn, possibly with the tool calls it made."""

    role: Literal["assistant"] = "assistant"
    content: str | None = None
    tool_calls: list[ToolCall] | None = None
    name: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """The wire turn (see :func:`assistant_to_wire`)."""
        calls = None
        if self.tool_calls is not None:
            calls = [call.model_dump(mode="json") for call in self.tool_calls]
        return assistant_to_wire(self.content, calls, name=self.name)


class ToolMessage(_RequestModel):
    """The result of a tool call, sent back to the model."""

    role: Literal["tool"] = "tool"
    tool_call_id: str
    content: str


ChatMessage = SystemMessage | DeveloperMessage | UserMessage | AssistantMessage | ToolMessage

#: What ``complete`` / ``stream`` accept per message: a model, an earlier answer, or a wire dict.
MessageInput = ChatMessage | ResponseMessage | Mapping[str, Any]


class ImageEmbeddingInput(_RequestModel):
    """One image (data URL) to embed, with optional text."""

    image: str
    text: str | None = None


_MESSAGE_TYPES = (SystemMessage, DeveloperMessage, UserMessage, AssistantMessage, ToolMessage)


def messages_to_wire(messages: Sequence[MessageInput]) -> list[Any]:
    """Turn messages into wire dicts; dicts are passed through untouched.

    Raises:
        TypeError: ``messages`` is not a list, or an item is neither a dict nor a message model.
        ValueError: ``messages`` is empty.
    """
    if isinstance(messages, (str, bytes, Mapping)) or not isinstance(messages, Sequence):
        raise TypeError(
            "messages must be a list of messages (dicts with 'role' and 'content', or "
            f"SystemMessage/UserMessage/... objects), got {type(messages).__name__}."
        )
    if not messages:
        raise ValueError("messages is empty; pass at least one message.")
    out: list[Any] = []
    for position, message in enumerate(messages):
        if isinstance(message, Mapping):
            if "role" not in message:
                raise ValueError(
                    f"messages[{position}] has no 'role'; every message needs one of "
                    "system, developer, user, assistant, tool."
                )
            out.append(message)
        elif isinstance(message, _MESSAGE_TYPES):
            out.append(message.to_wire())
        elif isinstance(message, ResponseMessage):
            out.append(_response_to_wire(message))
        else:
            raise TypeError(
                f"messages[{position}] is a {type(message).__name__}; pass a dict with the wire "
                "shape or one of SystemMessage, DeveloperMessage, UserMessage, "
                "AssistantMessage, ToolMessage (or a ResponseMessage from a completion)."
            )
    return out


def _response_to_wire(message: ResponseMessage) -> dict[str, Any]:
    """A previous answer appended to the history as is: sent as the assistant turn.

    Only role, content and tool calls go back; reasoning and other extras stay out.
    """
    calls = None
    if message.tool_calls:
        calls = [call.model_dump(mode="json") for call in message.tool_calls]
    return assistant_to_wire(message.content, calls)


def image_inputs_to_wire(inputs: Sequence[ImageEmbeddingInput | Mapping[str, Any]]) -> list[Any]:
    """Turn image-embedding inputs into wire dicts; dicts are passed through untouched.

    Raises:
        TypeError: an item is neither a dict nor an ``ImageEmbeddingInput``.
        ValueError: the list is empty or a dict has no ``image``.
    """
    if isinstance(inputs, (str, bytes, Mapping)) or not isinstance(inputs, Sequence):
        raise TypeError(
            "input must be a list of ImageEmbeddingInput or {'image': 'data:...'} dicts, "
            f"got {type(inputs).__name__}."
        )
    if not inputs:
        raise ValueError("input is empty; pass at least one image.")
    out: list[Any] = []
    for position, item in enumerate(inputs):
        if isinstance(item, ImageEmbeddingInput):
            out.append(item.to_wire())
        elif isinstance(item, Mapping):
            if "image" not in item:
                raise ValueError(f"input[{position}] has no 'image' (a data URL) to embed.")
            out.append(item)
        else:
            raise TypeError(
                f"input[{position}] is a {type(item).__name__}; pass ImageEmbeddingInput or a "
                "dict with 'image'."
            )
    return out
