"""Pure conversions from the inference API's responses to LlamaIndex objects.

A `ChatCompletion` becomes a `ChatResponse`; streamed chunks become one
`ChatResponse` each through `StreamState`, which carries the text, the
reasoning and the tool calls received so far; tool calls are read back out of
messages in every form LlamaIndex stores them. Wire shapes:
/work/shared/reference/wire-protocol.md sections 4-5.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    LogProb,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.llms.utils import parse_partial_json

from azure_inference_core import (
    ChatCompletion,
    ChatCompletionChunk,
    CompletionUsage,
    ToolCallDelta,
)

from ._convert import tool_call_from_legacy, wire_tool_call

__all__ = [
    "StreamState",
    "from_wire_completion",
    "parse_arguments",
    "split_think",
    "tool_selections",
    "usage_kwargs",
]

_log = logging.getLogger(__name__)


def _extra(obj: Any, name: str) -> Any:
    """A field the wire models keep as an untyped extra (a dict, or a model)."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def usage_kwargs(usage: CompletionUsage | None) -> dict[str, Any]:
    """Token counts as LlamaIndex integrations report them in `additional_kwargs`."""
    if usage is None:
        return {}
    out: dict[str, Any] = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }
    details = usage.model_extra.get("completion_tokens_details") if usage.model_extra else None
    reasoning = _extra(details, "reasoning_tokens")
    if reasoning is not None:
        out["reasoning_tokens"] = reasoning
    return out


def _logprobs(raw: Any) -> list[list[LogProb]] | None:
    """Map `choice.logprobs.content` to LlamaIndex's per-token alternatives."""
    content = _extra(raw, "content")
    if not content:
        return None
    out: list[list[LogProb]] = []
    for item in content:
        tops = _extra(item, "top_logprobs") or [item]
        out.append(
            [
                LogProb(
                    token=_extra(t, "token") or "",
                    logprob=_extra(t, "logprob") or 0.0,
                    bytes=_extra(t, "bytes") or [],
                )
                for t in tops
            ]
        )
    return out


def _response_kwargs(
    obj: ChatCompletion | ChatCompletionChunk, finish_reason: str | None
) -> dict[str, Any]:
    out = usage_kwargs(obj.usage)
    if obj.id:
        out["id"] = obj.id
    if obj.model:
        out["model"] = obj.model
    if finish_reason is not None:
        out["finish_reason"] = finish_reason
    return out


def _message(
    text: str | None,
    reasoning: str | None,
    calls: Sequence[tuple[str | None, str, str]],
) -> ChatMessage:
    """Build the assistant message: reasoning, text, then tool calls.

    Tool calls are given twice on purpose: as `ToolCallBlock`s (the current
    LlamaIndex form) and as wire dicts in `additional_kwargs["tool_calls"]`,
    which `llama_index.core.program.utils.process_streaming_objects` still
    reads to decide that a streamed answer is a function call. When the
    message is sent back, the blocks win and the dicts are ignored.
    """
    blocks: list[Any] = []
    if reasoning:
        blocks.append(ThinkingBlock(content=reasoning))
    if text is not None or not calls:
        blocks.append(TextBlock(text=text or ""))
    kwargs: dict[str, Any] = {}
    if calls:
        blocks.extend(
            ToolCallBlock(tool_call_id=cid, tool_name=name, tool_kwargs=args)
            for cid, name, args in calls
        )
        kwargs["tool_calls"] = [wire_tool_call(cid or "", n, a) for cid, n, a in calls]
    return ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks, additional_kwargs=kwargs)


_OPEN, _CLOSE = "<think>", "</think>"


def split_think(content: str, *, final: bool = True) -> tuple[str, str]:
    """Split `<think>...</think>` reasoning off the front of a model's content.

    Reasoning models (DeepSeek-R1 and kin) put their reasoning in tags inside
    `content` on api-versions before 2025-04-01, which have no
    `reasoning_content` field. While streaming (`final=False`) a partial tag
    is held back, so both parts only ever grow.

    Returns:
        `(reasoning, text)`; reasoning is "" when the content has no leading
        `<think>` block.
    """
    stripped = content.lstrip()
    if not stripped.startswith(_OPEN):
        if not final and _OPEN.startswith(stripped):
            return "", ""  # may still turn into "<think>"
        return "", content
    body = stripped[len(_OPEN) :]
    end = body.find(_CLOSE)
    if end >= 0:
        return body[:end].strip(), body[end + len(_CLOSE) :].lstrip()
    if not final:
        for k in range(len(_CLOSE) - 1, 0, -1):
            if body.endswith(_CLOSE[:k]):
                body = body[:-k]
                break
    return body.strip(), ""


def from_wire_completion(completion: ChatCompletion) -> ChatResponse:
    """Convert a non-streamed `ChatCompletion` (its first choice) to a `ChatResponse`.

    Tool-call arguments stay the exact string the model produced (parsed
    tolerantly by `tool_selections`), so they go back to the model unchanged.

    Returns:
        The response with usage, id, model and finish reason in
        `additional_kwargs`, logprobs when the model sent them, and the wire
        object in `raw`.

    Raises:
        ValueError: The completion has no choices.
    """
    if not completion.choices:
        raise ValueError("the service answered with no choices")
    choice = completion.choices[0]
    msg = choice.message
    calls = [(c.id, c.function.name, c.function.arguments) for c in msg.tool_calls or ()]
    text, reasoning = msg.content, msg.reasoning_content
    if reasoning is None and text:
        reasoning, text = split_think(text)
    return ChatResponse(
        message=_message(text, reasoning, calls),
        raw=completion,
        logprobs=_logprobs(choice.logprobs),
        additional_kwargs=_response_kwargs(completion, choice.finish_reason),
    )


class _PartialCall:
    __slots__ = ("arguments", "id", "name")

    def __init__(self, call_id: str | None, name: str) -> None:
        self.id = call_id
        self.name = name
        self.arguments = ""


class StreamState:
    """Joins streamed chunks of the first choice into growing `ChatResponse`s.

    Each `feed` returns the response for that chunk: `delta` is the new text,
    `message` holds everything so far (text, reasoning as a `ThinkingBlock`,
    tool calls as `ToolCallBlock`s with the arguments received so far), and
    `additional_kwargs` holds the usage once a chunk carried it (the last
    chunk for Mistral-style models, the `choices: []` chunk for OpenAI-style
    ones) and `thinking_delta` when reasoning arrived, which LlamaIndex agents
    forward as `AgentStream.thinking_delta`.
    """

    __slots__ = (
        "_calls",
        "_content",
        "_extra",
        "_extra_key",
        "_field_reasoning",
        "_finish_reason",
        "_logprobs",
        "_plain",
        "_reasoning",
        "_text",
        "usage",
    )

    def __init__(self) -> None:
        self._content = ""  # `content` as received
        self._field_reasoning = ""  # `reasoning_content` as received
        self._text = ""  # answer text reported so far
        self._reasoning = ""  # reasoning reported so far
        self._calls: dict[int, _PartialCall] = {}
        self._logprobs: list[list[LogProb]] = []
        self._finish_reason: str | None = None
        self._plain = False
        self.usage: dict[str, Any] = {}
        # `additional_kwargs` change only when id, model, finish reason or
        # usage do: built once per change, copied per response.
        self._extra: dict[str, Any] = {}
        self._extra_key: tuple[Any, ...] | None = None

    def feed(self, chunk: ChatCompletionChunk) -> ChatResponse:
        """Take one chunk and return the response so far."""
        for choice in chunk.choices:
            if choice.index != 0:
                continue  # LlamaIndex has one message per response: choice 0.
            delta = choice.delta
            if delta.content:
                self._content += delta.content
            if delta.reasoning_content:
                self._field_reasoning += delta.reasoning_content
            if delta.tool_calls:
                for position, tc in enumerate(delta.tool_calls):
                    self._add_call(tc, position)
            if choice.logprobs is not None:
                self._logprobs.extend(_logprobs(choice.logprobs) or ())
            if choice.finish_reason is not None:
                self._finish_reason = choice.finish_reason
        if self._field_reasoning or self._plain:
            reasoning, text = self._field_reasoning, self._content
        else:
            final = self._finish_reason is not None
            reasoning, text = split_think(self._content, final=final)
            # Once the content visibly does not open with <think>, skip the scan.
            self._plain = bool(text) and not reasoning and text == self._content
        delta_text = text[len(self._text) :]
        thinking_delta = reasoning[len(self._reasoning) :]
        self._text, self._reasoning = text, reasoning
        if chunk.usage is not None:
            self.usage = usage_kwargs(chunk.usage)
            self._extra_key = None
        # Usage stays on every later response too, so the last one always has it
        # even when a service sends a trailing chunk after the usage chunk.
        key = (chunk.id, chunk.model, self._finish_reason)
        if key != self._extra_key:
            self._extra_key = key
            self._extra = {**_response_kwargs(chunk, self._finish_reason), **self.usage}
        extra = self._extra.copy()
        if thinking_delta:
            extra["thinking_delta"] = thinking_delta
        return ChatResponse(
            message=self.message(),
            delta=delta_text,
            raw=chunk,
            logprobs=list(self._logprobs) if self._logprobs else None,
            additional_kwargs=extra,
        )

    def _add_call(self, tc: ToolCallDelta, position: int) -> None:
        index = tc.index
        fn = tc.function
        if index is None:
            # Some models omit `index`. Same rule as the core's
            # StreamAccumulator, so both join a stream identically: the
            # position in the delta, or a new call when that position
            # already holds a call with another id.
            index = position
            existing = self._calls.get(index)
            if existing is not None and tc.id and existing.id and tc.id != existing.id:
                index = max(self._calls) + 1
        call = self._calls.get(index)
        if call is None:
            call = self._calls[index] = _PartialCall(tc.id, (fn.name if fn else None) or "")
        else:
            if tc.id and not call.id:
                call.id = tc.id
            if fn is not None and fn.name and not call.name:
                call.name = fn.name
        if fn is not None and fn.arguments:
            call.arguments += fn.arguments

    def message(self) -> ChatMessage:
        """The assistant message accumulated so far."""
        if not self._calls and not self._reasoning:
            # The common case, once per streamed chunk: text only.
            return ChatMessage(role=MessageRole.ASSISTANT, blocks=[TextBlock(text=self._text)])
        calls = [(c.id, c.name, c.arguments) for _, c in sorted(self._calls.items())]
        text = self._text if self._text or not calls else None
        return _message(text, self._reasoning, calls)


# --------------------------------------------------------------------------
# Tool calls back out of responses
# --------------------------------------------------------------------------


def parse_arguments(arguments: Any, tool_name: str = "", *, final: bool = True) -> dict[str, Any]:
    """Parse tool-call arguments, tolerating partial and invalid JSON.

    Partial JSON (a streamed call cut short) is completed by LlamaIndex's own
    `parse_partial_json`. Text that is not JSON at all, or JSON that is not an
    object, yields `{}` and a warning: the tool then reports the missing
    arguments back to the model, which can correct itself. While a stream is
    still running (`final=False`) an unparsable prefix is normal and only
    logged at debug level.
    """
    level = logging.WARNING if final else logging.DEBUG
    if isinstance(arguments, Mapping):
        return dict(arguments)
    if arguments is None or arguments == "":
        return {}
    try:
        parsed = parse_partial_json(str(arguments))
    except (ValueError, TypeError):
        _log.log(level, "tool call %r: arguments are not valid JSON; using {}", tool_name)
        return {}
    if not isinstance(parsed, dict):
        _log.log(level, "tool call %r: arguments are not a JSON object; using {}", tool_name)
        return {}
    return parsed


def tool_selections(message: ChatMessage, *, final: bool = True) -> list[ToolSelection]:
    """Read the tool calls of an assistant message, in any form it may be stored.

    `ToolCallBlock`s first (fresh responses, and messages rebuilt from
    memory or JSON); otherwise legacy `additional_kwargs["tool_calls"]`
    entries, as wire dicts or objects. `final`: see `parse_arguments`.
    """
    out: list[ToolSelection] = []
    blocks = [b for b in message.blocks if isinstance(b, ToolCallBlock)]
    if blocks:
        for b in blocks:
            out.append(
                ToolSelection(
                    tool_id=b.tool_call_id or "",
                    tool_name=b.tool_name,
                    tool_kwargs=parse_arguments(b.tool_kwargs, b.tool_name, final=final),
                )
            )
        return out
    for call in message.additional_kwargs.get("tool_calls") or []:
        wire = tool_call_from_legacy(call, "response")
        fn = wire["function"]
        out.append(
            ToolSelection(
                tool_id=wire["id"],
                tool_name=fn["name"],
                tool_kwargs=parse_arguments(fn["arguments"], fn["name"], final=final),
            )
        )
    return out
