"""Pydantic models of Responses API answers and of its typed stream events.

Like the chat models, every model keeps unknown fields (``extra="allow"``),
and item or event types this library does not know parse into a generic
model rather than failing: the service adds tools and events over time.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag, TypeAdapter

from ._wire import WireModel

__all__ = [
    "OutputContentPart",
    "Response",
    "ResponseError",
    "ResponseEvent",
    "ResponseFunctionCall",
    "ResponseOtherItem",
    "ResponseOutputItem",
    "ResponseOutputMessage",
    "ResponseReasoning",
    "ResponseUsage",
    "SummaryPart",
    "parse_event",
]


class OutputContentPart(WireModel):
    """A part of an output message: ``output_text`` (``text``) or ``refusal``."""

    type: str = "output_text"
    text: str | None = None
    refusal: str | None = None
    annotations: list[Any] = Field(default_factory=list)


class ResponseOutputMessage(WireModel):
    """An assistant message in ``output``."""

    type: str = "message"
    id: str = ""
    role: str = "assistant"
    status: str | None = None
    content: list[OutputContentPart] = Field(default_factory=list)

    @property
    def text(self) -> str:
        """The message's ``output_text`` parts joined."""
        return "".join(p.text or "" for p in self.content if p.type == "output_text")


class ResponseFunctionCall(WireModel):
    """A function call the model asks for; ``arguments`` is a JSON string."""

    type: str = "function_call"
    id: str | None = None
    call_id: str
    name: str
    arguments: str = ""
    status: str | None = None


class SummaryPart(WireModel):
    """One paragraph of a reasoning summary."""

    type: str = "summary_text"
    text: str = ""


class ResponseReasoning(WireModel):
    """A reasoning item: summary paragraphs and, when asked for, ``encrypted_content``
    (send the item back with the next turn to keep the reasoning without storage)."""

    type: str = "reasoning"
    id: str = ""
    summary: list[SummaryPart] = Field(default_factory=list)
    encrypted_content: str | None = None
    status: str | None = None


class ResponseOtherItem(WireModel):
    """An output item of a type this library does not model (kept whole)."""

    type: str


def _item_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in ("message", "function_call", "reasoning") else "other"


ResponseOutputItem = Annotated[
    Annotated[ResponseOutputMessage, Tag("message")]
    | Annotated[ResponseFunctionCall, Tag("function_call")]
    | Annotated[ResponseReasoning, Tag("reasoning")]
    | Annotated[ResponseOtherItem, Tag("other")],
    Discriminator(_item_tag),
]


class ResponseUsage(WireModel):
    """Token counts; ``output_tokens_details.reasoning_tokens`` counts hidden reasoning."""

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_tokens_details: dict[str, Any] | None = None
    output_tokens_details: dict[str, Any] | None = None

    @property
    def reasoning_tokens(self) -> int:
        """Reasoning tokens among ``output_tokens`` (0 when not reported)."""
        return int((self.output_tokens_details or {}).get("reasoning_tokens") or 0)


class ResponseError(WireModel):
    """``error`` of a failed response."""

    code: str | None = None
    message: str = ""


class Response(WireModel):
    """A Responses API answer (``object: "response"``)."""

    id: str
    object: str = "response"
    created_at: float | None = None
    status: str | None = None
    model: str | None = None
    output: list[ResponseOutputItem] = Field(default_factory=list)
    usage: ResponseUsage | None = None
    error: ResponseError | None = None
    incomplete_details: dict[str, Any] | None = None
    previous_response_id: str | None = None

    @property
    def output_text(self) -> str:
        """The text of every output message, joined."""
        return "".join(i.text for i in self.output if isinstance(i, ResponseOutputMessage))

    @property
    def function_calls(self) -> list[ResponseFunctionCall]:
        """The function calls in ``output``, in order."""
        return [i for i in self.output if isinstance(i, ResponseFunctionCall)]

    def input_items(self) -> list[dict[str, Any]]:
        """The output as input items for the next turn (stateless multi-turn).

        Messages, function calls and reasoning items come back in the shape the
        API takes as input. A reasoning item is kept when it carries
        ``encrypted_content`` (ask for it with ``include=["reasoning.encrypted_content"]``)
        or when this response was stored (the service finds it by id); otherwise
        sending it would fail, so it is left out. Other item types are kept whole.
        """
        stored = (self.model_extra or {}).get("store") is not False
        items: list[dict[str, Any]] = []
        for item in self.output:
            if isinstance(item, ResponseOutputMessage):
                content = [p.model_dump(exclude_none=True) for p in item.content]
                items.append({"type": "message", "role": item.role, "content": content,
                              "id": item.id})  # fmt: skip
            elif isinstance(item, ResponseFunctionCall):
                call = {"type": "function_call", "call_id": item.call_id, "name": item.name,
                        "arguments": item.arguments}  # fmt: skip
                items.append(call if item.id is None else {**call, "id": item.id})
            elif isinstance(item, ResponseReasoning):
                if item.encrypted_content is None and not stored:
                    continue
                summary = [p.model_dump() for p in item.summary]
                reasoning: dict[str, Any] = {"type": "reasoning", "id": item.id, "summary": summary}
                if item.encrypted_content is not None:
                    reasoning["encrypted_content"] = item.encrypted_content
                items.append(reasoning)
            else:
                items.append(item.model_dump())
        return items

    @property
    def reasoning_summary(self) -> str:
        """The reasoning summaries' paragraphs, separated by blank lines."""
        return "\n\n".join(
            p.text for i in self.output if isinstance(i, ResponseReasoning) for p in i.summary
        )


class ResponseEvent(WireModel):
    """One typed stream event: ``type``, ``sequence_number`` and the type's fields.

    The fields a type carries (``response``, ``item``, ``output_index``,
    ``item_id``, ``content_index``, ``summary_index``, ``delta``, ``text``,
    ``arguments``, ``part``, ``code``, ``message``) are typed below where this
    library reads them; any other field is kept as an extra.
    """

    type: str
    sequence_number: int | None = None
    response: Response | None = None
    item: ResponseOutputItem | None = None
    output_index: int | None = None
    item_id: str | None = None
    content_index: int | None = None
    summary_index: int | None = None
    delta: str | None = None
    text: str | None = None
    arguments: str | None = None
    code: str | None = None
    message: str | None = None


_event_adapter: TypeAdapter[ResponseEvent] = TypeAdapter(ResponseEvent)


def parse_event(data: bytes | str) -> ResponseEvent:
    """Parse one event's JSON (raises ``pydantic.ValidationError`` when malformed)."""
    return _event_adapter.validate_json(data)
