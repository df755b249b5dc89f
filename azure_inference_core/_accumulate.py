"""The one stream accumulator: chunks in, per-chunk deltas and the joined completion out.

Incremental, like pydantic-ai's parts manager: ``feed(chunk)`` places each
fragment in its slot *and* returns what the chunk added, already resolved
(``ChunkUpdate``: per choice, the text and reasoning pieces, and each tool-call
fragment with the slot it belongs to), so an adapter turns updates into its
framework's chunks and never joins anything itself. ``result()`` is the same
``ChatCompletion`` a non-streamed call returns.

The update objects are plain slotted dataclasses (not frozen: building a frozen
one costs three times as much, and one is built per chunk); treat them as
read-only.

Placement: deltas are joined per choice index; tool-call fragments per
tool-call index. A fragment without ``index`` (Mistral sends a whole call that
way; other models send later fragments that way) is placed by its ``id`` (a
new id opens a new call); one without ``id`` continues the call opened last.
Nothing is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._wire import (
    ChatChoice,
    ChatCompletion,
    ChatCompletionChunk,
    ChunkChoice,
    CompletionUsage,
    FunctionCall,
    ResponseMessage,
    ToolCall,
)

__all__ = ["ChoiceUpdate", "ChunkUpdate", "StreamAccumulator", "ToolCallUpdate"]


@dataclass(slots=True)
class ToolCallUpdate:
    """One tool-call fragment, placed.

    Attributes:
        index: the call's slot in the choice (the ``index`` the joined result uses),
            resolved even when the fragment had none.
        id, name: set on the fragment that carried them (usually the first).
        arguments: the argument text this fragment adds ("" when none).
        opened: this fragment opened the call.
    """

    index: int
    id: str | None
    name: str | None
    arguments: str
    opened: bool


@dataclass(slots=True)
class ChoiceUpdate:
    """What one chunk added to one choice (None / empty: nothing of that kind)."""

    index: int
    role: str | None
    content: str | None
    reasoning_content: str | None
    tool_calls: tuple[ToolCallUpdate, ...]
    finish_reason: str | None
    logprobs: Any


@dataclass(slots=True)
class ChunkUpdate:
    """What one chunk added: per-choice updates and, when it carried it, usage."""

    choices: tuple[ChoiceUpdate, ...]
    usage: CompletionUsage | None


class _ToolCallParts:
    __slots__ = ("arguments", "extra", "id", "name", "type")

    def __init__(self) -> None:
        self.id: str | None = None
        self.type: str | None = None
        self.name: str | None = None
        self.arguments: list[str] = []
        self.extra: dict[str, Any] = {}


class _ChoiceParts:
    __slots__ = (
        "content",
        "extra",
        "finish_reason",
        "last_index",
        "logprobs",
        "reasoning",
        "role",
        "seen_content",
        "tool_calls",
    )

    def __init__(self) -> None:
        self.last_index: int | None = None
        self.role: str | None = None
        self.content: list[str] = []
        self.seen_content = False
        self.reasoning: list[str] | None = None
        self.tool_calls: dict[int, _ToolCallParts] = {}
        self.finish_reason: str | None = None
        self.logprobs: Any = None
        self.extra: dict[str, Any] = {}


class StreamAccumulator:
    """Joins ``ChatCompletionChunk`` objects into one ``ChatCompletion``, incrementally.

    Example::

        acc = StreamAccumulator()
        for chunk in client.stream(messages):
            update = acc.feed(chunk)          # what this chunk added, placed
            for choice in update.choices:
                print(choice.content or "", end="")
        completion = acc.result()             # == the non-streamed answer
    """

    __slots__ = ("_choices", "_created", "_extra", "_id", "_last_chunk", "_model", "_usage", "last")

    def __init__(self) -> None:
        #: What the last chunk fed added (None before the first): a stream opened with
        #: ``accumulate=<this accumulator>`` feeds it, and its reader takes this.
        self.last: ChunkUpdate | None = None
        self._last_chunk: ChatCompletionChunk | None = None
        self._id = ""
        self._model = ""
        self._created = 0
        self._usage: CompletionUsage | None = None
        self._choices: dict[int, _ChoiceParts] = {}
        self._extra: dict[str, Any] = {}

    @property
    def id(self) -> str:
        """The first non-empty chunk id seen ("" before)."""
        return self._id

    @property
    def model(self) -> str:
        """The first non-empty model name seen ("" before)."""
        return self._model

    @property
    def usage(self) -> CompletionUsage | None:
        """The last usage seen (None before)."""
        return self._usage

    def feed(self, chunk: ChatCompletionChunk) -> ChunkUpdate:
        """Add one chunk (usage-only and empty-choice chunks included).

        Returns:
            What the chunk added, with tool-call fragments placed in their slots.
        """
        if chunk.id and not self._id:
            self._id = chunk.id
        if chunk.model and not self._model:
            self._model = chunk.model
        if chunk.created and not self._created:
            self._created = chunk.created
        if chunk.usage is not None:
            self._usage = chunk.usage
        extra = chunk.__pydantic_extra__
        if extra:
            for key, value in extra.items():
                if value is not None:
                    self._extra[key] = value
        update = ChunkUpdate(
            tuple(self._feed_choice(choice) for choice in chunk.choices), chunk.usage
        )
        self.last, self._last_chunk = update, chunk
        return update

    def feed_once(self, chunk: ChatCompletionChunk) -> ChunkUpdate:
        """What ``chunk`` added: fed now, unless it is the chunk fed last (by a stream
        opened with ``accumulate=<this accumulator>``), whose update is kept."""
        if chunk is self._last_chunk and self.last is not None:
            return self.last
        return self.feed(chunk)

    def _feed_choice(self, choice: ChunkChoice) -> ChoiceUpdate:
        parts = self._choices.get(choice.index)
        if parts is None:
            parts = self._choices[choice.index] = _ChoiceParts()
        delta = choice.delta
        if delta.role and parts.role is None:
            parts.role = delta.role
        if delta.content is not None:
            parts.seen_content = True
            parts.content.append(delta.content)
        if delta.reasoning_content is not None:
            if parts.reasoning is None:
                parts.reasoning = []
            parts.reasoning.append(delta.reasoning_content)
        calls: tuple[ToolCallUpdate, ...] = ()
        if delta.tool_calls:
            calls = self._feed_tool_calls(parts, delta.tool_calls)
        if choice.finish_reason is not None:
            parts.finish_reason = choice.finish_reason
        if choice.logprobs is not None:
            parts.logprobs = _merge_logprobs(parts.logprobs, choice.logprobs)
        extra = choice.__pydantic_extra__
        if extra:
            for key, value in extra.items():
                if value is not None:
                    parts.extra[key] = value
        return ChoiceUpdate(
            choice.index,
            delta.role,
            delta.content,
            delta.reasoning_content,
            calls,
            choice.finish_reason,
            choice.logprobs,
        )

    @staticmethod
    def _feed_tool_calls(parts: _ChoiceParts, deltas: list[Any]) -> tuple[ToolCallUpdate, ...]:
        calls = parts.tool_calls
        updates: list[ToolCallUpdate] = []
        for delta in deltas:
            index = delta.index
            if index is None:
                index = _place_unindexed(calls, delta.id, parts.last_index)
            parts.last_index = index
            call = calls.get(index)
            opened = call is None
            if call is None:
                call = calls[index] = _ToolCallParts()
            if delta.id:
                call.id = delta.id
            if delta.type:
                call.type = delta.type
            function = delta.function
            name = arguments = None
            if function is not None:
                name, arguments = function.name, function.arguments
                if name and call.name is None:
                    call.name = name
                if arguments:
                    call.arguments.append(arguments)
                if function.__pydantic_extra__:
                    call.extra.update(function.__pydantic_extra__)
            updates.append(ToolCallUpdate(index, delta.id, name, arguments or "", opened))
        return tuple(updates)

    def finished_by(self, reason: str) -> bool:
        """True when any choice ended with ``reason`` (e.g. ``content_filter``)."""
        return any(parts.finish_reason == reason for parts in self._choices.values())

    def result(self) -> ChatCompletion:
        """The completion so far, shaped exactly like a non-streamed answer."""
        choices = []
        for index in sorted(self._choices):
            parts = self._choices[index]
            tool_calls = None
            if parts.tool_calls:
                tool_calls = [
                    ToolCall(
                        id=call.id or "",
                        type=call.type or "function",
                        function=FunctionCall(
                            name=call.name or "", arguments="".join(call.arguments), **call.extra
                        ),
                    )
                    for _, call in sorted(parts.tool_calls.items())
                ]
            message = ResponseMessage(
                role=parts.role or "assistant",
                content="".join(parts.content) if parts.seen_content else None,
                reasoning_content="".join(parts.reasoning) if parts.reasoning is not None else None,
                tool_calls=tool_calls,
            )
            choices.append(
                ChatChoice(
                    index=index,
                    message=message,
                    finish_reason=parts.finish_reason,
                    logprobs=parts.logprobs,
                    **parts.extra,
                )
            )
        return ChatCompletion(
            id=self._id,
            object="chat.completion",
            created=self._created,
            model=self._model,
            choices=choices,
            usage=self._usage,
            **self._extra,
        )


def _place_unindexed(
    calls: dict[int, _ToolCallParts], call_id: str | None, last_index: int | None
) -> int:
    """Slot for a fragment without ``index``: its id's call, else a new call; a fragment
    without id continues the call that was opened last."""
    if call_id:
        for index, call in calls.items():
            if call.id == call_id:
                return index
        return max(calls) + 1 if calls else 0
    if last_index is not None:
        return last_index
    return max(calls) + 1 if calls else 0


def _merge_logprobs(current: Any, new: Any) -> Any:
    """Streamed logprobs arrive as ``{"content": [...]}`` slices; join the lists."""
    if current is None:
        return new
    if isinstance(current, dict) and isinstance(new, dict):
        merged = dict(current)
        for key, value in new.items():
            old = merged.get(key)
            if isinstance(old, list) and isinstance(value, list):
                merged[key] = old + value
            elif value is not None:
                merged[key] = value
        return merged
    return new
