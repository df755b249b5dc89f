"""Core completions and stream updates -> LangChain messages (pure translation).

The joining of a stream is the core's ``StreamAccumulator``: each wire chunk
becomes a core update whose tool-call fragments already carry their call's
slot, which is the ``index`` LangChain merges ``tool_call_chunks`` by. Tool-call
arguments are parsed by the core (never raising), which also marks a call cut
off by ``max_tokens`` as invalid.

Merging the chunks of a stream gives the message ``invoke`` returns (a test says so):

* text, reasoning and tool-call fragments travel on the chunks as they come;
* usage, ``finish_reason``, model name, id, fingerprint, logprobs and filter
  results are gathered while streaming and put on one final chunk marked
  ``chunk_position="last"``. That chunk exists in both stream shapes: usage on
  the last chunk with choices (Mistral style) or on a trailing ``"choices": []``
  chunk (OpenAI style with ``stream_options.include_usage``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from langchain_core.messages import AIMessage, AIMessageChunk, InvalidToolCall, ToolCall
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from azure_inference_core import (
    ThinkSplitter,
    TruncatedAnswerError,
    parse_tool_calls,
    split_think,
)

if TYPE_CHECKING:
    from azure_inference_core import (
        ChatCompletion,
        ChatCompletionChunk,
        CompletionUsage,
    )
    from azure_inference_core import (
        ToolCall as WireToolCall,
    )
    from azure_inference_core._accumulate import StreamAccumulator

__all__ = [
    "MODEL_PROVIDER",
    "StreamProcessor",
    "completion_to_result",
    "split_tool_calls",
    "usage_to_metadata",
]

MODEL_PROVIDER = "azure_inference"


def _extra(model: Any, name: str) -> Any:
    """Read a field the wire model keeps as an extra (``extra="allow"``), or None.

    Falls back to a declared field of that name, so a core that starts declaring
    it keeps working; reads ``__dict__`` directly (this runs for every chunk).
    """
    extra = model.__pydantic_extra__
    if extra and name in extra:
        return extra[name]
    return model.__dict__.get(name)


def _detail(details: Any, key: str) -> int | None:
    value = details.get(key) if isinstance(details, Mapping) else getattr(details, key, None)
    return value if isinstance(value, int) else None


def usage_to_metadata(usage: CompletionUsage | None) -> UsageMetadata | None:
    """Convert the wire ``usage`` object into LangChain usage metadata.

    Args:
        usage: the ``usage`` of a completion or chunk.

    Returns:
        ``UsageMetadata`` with input/output/total tokens and, when the service
        reports them, cached-input, reasoning and audio token details; None when
        there is no usage.
    """
    if usage is None:
        return None
    # A cast, not the constructor: some langchain-core builds declare the detail
    # keys without NotRequired for type checkers, though they are optional.
    metadata = cast(
        "UsageMetadata",
        {
            "input_tokens": usage.prompt_tokens,
            "output_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens,
        },
    )
    prompt_details = _extra(usage, "prompt_tokens_details")
    input_details = InputTokenDetails()
    if (cached := _detail(prompt_details, "cached_tokens")) is not None:
        input_details["cache_read"] = cached
    if (audio_in := _detail(prompt_details, "audio_tokens")) is not None:
        input_details["audio"] = audio_in
    if input_details:
        metadata["input_token_details"] = input_details
    completion_details = _extra(usage, "completion_tokens_details")
    output_details = OutputTokenDetails()
    if (reasoning := _detail(completion_details, "reasoning_tokens")) is not None:
        output_details["reasoning"] = reasoning
    if (audio_out := _detail(completion_details, "audio_tokens")) is not None:
        output_details["audio"] = audio_out
    if output_details:
        metadata["output_token_details"] = output_details
    return metadata


def split_tool_calls(
    calls: list[WireToolCall] | None, finish_reason: str | None = None
) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    """Split wire tool calls into parsed and invalid ones (never raises).

    Args:
        calls: ``message.tool_calls`` of a completion.
        finish_reason: the choice's; ``length`` makes the call being written invalid.

    Returns:
        ``(tool_calls, invalid_tool_calls)``; a call whose arguments are not a
        JSON object, or were cut off, lands in the second list with the raw text
        and the reason.
    """
    valid: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for call in parse_tool_calls(calls, finish_reason):
        if call.arguments is None:
            invalid.append(
                invalid_tool_call(
                    name=call.name, args=call.raw_arguments, id=call.id, error=call.error
                )
            )
        else:
            valid.append(tool_call(name=call.name, args=call.arguments, id=call.id))
    return valid, invalid


def _completion_metadata(completion: ChatCompletion) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "model_name": completion.model,
        "id": completion.id,
        "model_provider": MODEL_PROVIDER,
    }
    if (fingerprint := _extra(completion, "system_fingerprint")) is not None:
        metadata["system_fingerprint"] = fingerprint
    if (prompt_filter := _extra(completion, "prompt_filter_results")) is not None:
        metadata["prompt_filter_results"] = prompt_filter
    return metadata


def completion_to_result(completion: ChatCompletion) -> ChatResult:
    """Convert a chat completion into a LangChain ``ChatResult`` (one generation per choice).

    Args:
        completion: the parsed ``/chat/completions`` answer.

    Returns:
        The result; each ``AIMessage`` carries content (``""`` when the service
        sent null), tool calls, invalid tool calls, usage (on every choice, as the
        service reports it per completion), ``response_metadata`` and, when
        present, ``additional_kwargs["reasoning_content"]``.
    """
    usage = usage_to_metadata(completion.usage)
    base_metadata = _completion_metadata(completion)
    generations: list[ChatGeneration] = []
    for choice in completion.choices:
        message = choice.message
        tool_calls, invalid = split_tool_calls(message.tool_calls, choice.finish_reason)
        additional: dict[str, Any] = {}
        content, reasoning = message.content or "", message.reasoning_content
        if reasoning is None and content:
            # Older api-versions: DeepSeek-R1's reasoning in <think> tags in the content.
            reasoning, content = split_think(content)
            reasoning = reasoning or None
        if reasoning is not None:
            additional["reasoning_content"] = reasoning
        metadata = dict(base_metadata)
        metadata["finish_reason"] = choice.finish_reason
        if choice.logprobs is not None:
            metadata["logprobs"] = choice.logprobs
        if (filters := _extra(choice, "content_filter_results")) is not None:
            metadata["content_filter_results"] = filters
        ai = AIMessage(
            content=content,
            tool_calls=tool_calls,
            invalid_tool_calls=invalid,
            additional_kwargs=additional,
            usage_metadata=usage,
            response_metadata=metadata,
            id=completion.id or None,
        )
        generation_info: dict[str, Any] = {"finish_reason": choice.finish_reason}
        if choice.logprobs is not None:
            generation_info["logprobs"] = choice.logprobs
        generations.append(ChatGeneration(message=ai, generation_info=generation_info))
    # Usage travels as usage_metadata on the messages; llm_output stays free of it so
    # the metadata of invoke() and of a merged stream are the same.
    llm_output = {"model_name": completion.model, "id": completion.id}
    return ChatResult(generations=generations, llm_output=llm_output)


class StreamProcessor:
    """Turns wire chunks into ``ChatGenerationChunk``s; one instance per stream.

    Shared by the sync and async paths: they differ only in how they iterate.
    Call :meth:`feed` for every wire chunk, then :meth:`finish` once for the
    final chunk (usage and metadata, ``chunk_position="last"``).
    """

    __slots__ = (
        "_accumulator",
        "_content_filter",
        "_fingerprint",
        "_logprobs",
        "_prompt_filter",
        "_think",
    )

    def __init__(self) -> None:
        from azure_inference_core._accumulate import StreamAccumulator  # with the first stream

        self._accumulator = StreamAccumulator()
        self._fingerprint: Any = None
        self._prompt_filter: Any = None
        self._logprobs: list[Any] = []
        self._content_filter: Any = None
        self._think = ThinkSplitter()

    @property
    def accumulator(self) -> StreamAccumulator:
        """The core's joiner of this stream's chunks."""
        return self._accumulator

    def feed(self, chunk: ChatCompletionChunk) -> ChatGenerationChunk | None:
        """Take one wire chunk.

        Args:
            chunk: a parsed ``chat.completion.chunk``.

        Returns:
            The generation chunk to yield, or None when the wire chunk carried
            nothing to show (usage-only, filter-only, role-only or empty delta);
            what such chunks carry is kept for :meth:`finish`.

        Raises:
            ValueError: the stream holds a second choice (``n`` > 1), which a
                LangChain stream cannot represent.
        """
        update = self._accumulator.feed_once(chunk)  # fed already by a stream given it
        if (fingerprint := _extra(chunk, "system_fingerprint")) is not None:
            self._fingerprint = fingerprint
        if (prompt_filter := _extra(chunk, "prompt_filter_results")) is not None:
            self._prompt_filter = prompt_filter
        if not update.choices:
            return None
        if len(update.choices) > 1 or update.choices[0].index != 0:
            raise ValueError(
                "The stream holds more than one choice (n > 1); LangChain streams carry one. "
                "Use invoke()/generate() for several choices."
            )
        choice = update.choices[0]
        if choice.logprobs is not None:
            self._collect_logprobs(choice.logprobs)
        if filters := _extra(chunk.choices[0], "content_filter_results"):
            self._content_filter = filters
        tool_chunks = [
            tool_call_chunk(
                name=call.name, args=call.arguments or None, id=call.id, index=call.index
            )
            for call in choice.tool_calls
        ]
        content, reasoning = choice.content or "", choice.reasoning_content or ""
        if content and not reasoning:
            # <think> in the content (older api-versions): its part goes to reasoning.
            reasoning, content = self._think.feed(content)
        return self._chunk(content, reasoning, tool_chunks)

    def _chunk(
        self, content: str, reasoning: str, tool_chunks: list[Any]
    ) -> ChatGenerationChunk | None:
        if not content and not tool_chunks and not reasoning:
            return None
        fields: dict[str, Any] = {"content": content, "id": self._accumulator.id or None}
        if tool_chunks:
            fields["tool_call_chunks"] = tool_chunks
        if reasoning:
            fields["additional_kwargs"] = {"reasoning_content": reasoning}
        return ChatGenerationChunk(message=AIMessageChunk(**fields))

    def _collect_logprobs(self, logprobs: Any) -> None:
        content = logprobs.get("content") if isinstance(logprobs, Mapping) else None
        if isinstance(content, list):
            self._logprobs.extend(content)

    def finish(self) -> ChatGenerationChunk:
        """Build the final chunk: usage and response metadata, ``chunk_position="last"``.

        Returns:
            The last generation chunk of the stream.

        Raises:
            TruncatedAnswerError: the answer was cut off by ``max_tokens`` while a
                tool call was being written. A LangChain stream cannot take back
                the fragments already sent, and merged chunks would turn the partial
                arguments into a call that looks valid; raising keeps that call from
                being executed (``invoke`` without streaming returns it in
                ``invalid_tool_calls`` instead).
        """
        completion = self._accumulator.result()
        choice = completion.choices[0] if completion.choices else None
        finish_reason = choice.finish_reason if choice is not None else None
        if choice is not None and finish_reason == "length" and choice.message.tool_calls:
            raise TruncatedAnswerError(
                "The answer was cut off by max_tokens (finish_reason 'length') while a tool "
                "call's arguments were being written; raise max_tokens and ask again.",
                completion=completion,
            )
        reasoning, held_back = self._think.finish()
        metadata: dict[str, Any] = {
            "model_name": completion.model,
            "id": completion.id,
            "model_provider": MODEL_PROVIDER,
        }
        if self._fingerprint is not None:
            metadata["system_fingerprint"] = self._fingerprint
        if self._prompt_filter is not None:
            metadata["prompt_filter_results"] = self._prompt_filter
        metadata["finish_reason"] = finish_reason
        if self._logprobs:
            metadata["logprobs"] = {"content": self._logprobs}
        if self._content_filter is not None:
            metadata["content_filter_results"] = self._content_filter
        message = AIMessageChunk(
            content=held_back,
            additional_kwargs={"reasoning_content": reasoning} if reasoning else {},
            usage_metadata=usage_to_metadata(completion.usage),
            response_metadata=metadata,
            id=completion.id or None,
            chunk_position="last",
        )
        return ChatGenerationChunk(
            message=message, generation_info={"finish_reason": finish_reason}
        )
