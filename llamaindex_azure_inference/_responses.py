"""Pure conversions from the inference API's responses to LlamaIndex objects.

A `ChatCompletion` becomes a `ChatResponse`; streamed chunks become one
`ChatResponse` each through `StreamState`, which carries the text, the
reasoning and the tool calls received so far (placed by the core's
`StreamAccumulator`); tool calls are read back out of messages in every form
LlamaIndex stores them, a call cut off by `max_tokens` raising.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

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
    TruncatedAnswerError,
    parse_tool_arguments,
    parse_tool_calls,
    split_think,
    tool_call_to_wire,
)

from ._messages import tool_call_from_legacy

if TYPE_CHECKING:
    from azure_inference_core import ChatCompletion, ChatCompletionChunk, CompletionUsage
    from azure_inference_core._accumulate import StreamAccumulator

__all__ = [
    "StreamState",
    "force_single_tool_call",
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
        kwargs["tool_calls"] = [_legacy_call(cid, n, a) for cid, n, a in calls]
    return ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks, additional_kwargs=kwargs)


def _legacy_call(call_id: str | None, name: str, arguments: str) -> dict[str, Any]:
    if call_id:
        return tool_call_to_wire(call_id, name, arguments)
    # A call the model sent without id cannot go back on the wire anyway (the
    # core says so when it is sent); here it is only read.
    return {"id": "", "type": "function", "function": {"name": name, "arguments": arguments}}


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


class StreamState:
    """Turns streamed chunks of the first choice into growing `ChatResponse`s.

    The core's `StreamAccumulator` places every fragment (tool-call fragments
    with or without `index` included); this class only shapes its updates for
    LlamaIndex. Each `feed` returns the response for that chunk: `delta` is the
    new text, `message` holds everything so far (text, reasoning as a
    `ThinkingBlock`, tool calls as `ToolCallBlock`s with the arguments received
    so far), and `additional_kwargs` holds the usage once a chunk carried it
    (the last chunk for Mistral-style models, the `choices: []` chunk for
    OpenAI-style ones) and `thinking_delta` when reasoning arrived, which
    LlamaIndex agents forward as `AgentStream.thinking_delta`.
    """

    __slots__ = (
        "_acc",
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
        from azure_inference_core._accumulate import StreamAccumulator  # with the first stream

        self._acc = StreamAccumulator()
        self._content = ""  # `content` as received
        self._field_reasoning = ""  # `reasoning_content` as received
        self._text = ""  # answer text reported so far
        self._reasoning = ""  # reasoning reported so far
        self._calls: list[tuple[str | None, str, str]] = []
        self._logprobs: list[list[LogProb]] = []
        self._finish_reason: str | None = None
        self._plain = False
        self.usage: dict[str, Any] = {}
        # `additional_kwargs` change only when id, model, finish reason or
        # usage do: built once per change, copied per response.
        self._extra: dict[str, Any] = {}
        self._extra_key: tuple[Any, ...] | None = None

    @property
    def accumulator(self) -> StreamAccumulator:
        """The core's joiner of this stream's chunks."""
        return self._acc

    def feed(self, chunk: ChatCompletionChunk) -> ChatResponse:
        """Take one chunk and return the response so far."""
        update = self._acc.feed_once(chunk)  # fed already by a stream given it
        for choice in update.choices:
            if choice.index != 0:
                continue  # LlamaIndex has one message per response: choice 0.
            if choice.content:
                self._content += choice.content
            if choice.reasoning_content:
                self._field_reasoning += choice.reasoning_content
            if choice.tool_calls:
                calls = self._acc.result().choices[0].message.tool_calls or ()
                self._calls = [(c.id or None, c.function.name, c.function.arguments) for c in calls]
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

    def message(self) -> ChatMessage:
        """The assistant message accumulated so far."""
        if not self._calls and not self._reasoning:
            # The common case, once per streamed chunk: text only.
            return ChatMessage(role=MessageRole.ASSISTANT, blocks=[TextBlock(text=self._text)])
        text = self._text if self._text or not self._calls else None
        return _message(text, self._reasoning, self._calls)


# --------------------------------------------------------------------------
# Tool calls back out of responses
# --------------------------------------------------------------------------


def parse_arguments(arguments: Any, tool_name: str = "", *, final: bool = True) -> dict[str, Any]:
    """Parse tool-call arguments; never raises.

    A finished call is parsed by the core's `parse_tool_arguments`; text that
    is not a JSON object yields `{}` and a warning (the tool then reports the
    missing arguments back to the model, which can correct itself). While a
    stream is still running (`final=False`) the partial JSON received so far
    is completed by LlamaIndex's `parse_partial_json`, to show progress.
    """
    if isinstance(arguments, Mapping):
        return dict(arguments)
    text = "" if arguments is None else str(arguments)
    if not final:
        if not text.strip():
            return {}
        try:
            partial = parse_partial_json(text)
        except (ValueError, TypeError, RecursionError):
            return {}
        return partial if isinstance(partial, dict) else {}
    parsed, error = parse_tool_arguments(text)
    if parsed is None:
        _log.warning("tool call %r: %s Using {}.", tool_name, error)
        return {}
    return parsed


def _calls_of(message: ChatMessage) -> list[tuple[str, str, Any]]:
    """(id, name, arguments) of each call, from blocks or legacy `tool_calls` entries."""
    blocks = [b for b in message.blocks if isinstance(b, ToolCallBlock)]
    if blocks:
        return [(b.tool_call_id or "", b.tool_name, b.tool_kwargs) for b in blocks]
    out = []
    for call in message.additional_kwargs.get("tool_calls") or []:
        wire = tool_call_from_legacy(call, "response")
        fn = wire["function"]
        out.append((wire["id"], fn["name"], fn["arguments"]))
    return out


def tool_selections(
    message: ChatMessage, *, final: bool = True, finish_reason: str | None = None
) -> list[ToolSelection]:
    """Read the tool calls of an assistant message, in any form it may be stored.

    `ToolCallBlock`s first (fresh responses, and messages rebuilt from
    memory or JSON); otherwise legacy `additional_kwargs["tool_calls"]`
    entries, as wire dicts or objects. `final`: see `parse_arguments`.

    Raises:
        TruncatedAnswerError: `finish_reason` is "length": the last call's
            arguments were cut off by `max_tokens` (never handed out to run).
    """
    calls = _calls_of(message)
    if final and finish_reason == "length" and calls:
        from azure_inference_core import FunctionCall, ToolCall  # only for this error

        wire = [
            ToolCall(
                id=cid,
                type="function",
                function=FunctionCall(
                    name=name,
                    arguments=args if isinstance(args, str) else json.dumps(args),
                ),
            )
            for cid, name, args in calls
        ]
        cut = parse_tool_calls(wire, finish_reason)[-1]
        raise TruncatedAnswerError(f"Tool call {cut.name!r} is incomplete. {cut.error}")
    return [
        ToolSelection(
            tool_id=cid,
            tool_name=name,
            tool_kwargs=parse_arguments(args, name, final=final),
        )
        for cid, name, args in calls
    ]


def force_single_tool_call(response: ChatResponse) -> None:
    """Keep only the first tool call of `response` (in place), in both stored forms."""
    message = response.message
    calls = [b for b in message.blocks if isinstance(b, ToolCallBlock)]
    if len(calls) > 1:
        message.blocks = [
            b for b in message.blocks if not isinstance(b, ToolCallBlock) or b is calls[0]
        ]
    legacy = message.additional_kwargs.get("tool_calls")
    if isinstance(legacy, list) and len(legacy) > 1:
        message.additional_kwargs["tool_calls"] = legacy[:1]
