"""``ChatAzureInference`` on the Responses API (``use_responses_api``).

The chat request is built as for chat completions (message and tool conversion,
capability checks), then mapped onto Responses arguments by the core's
``_responses_map``. Past assistant turns carry their reasoning items in
``additional_kwargs["reasoning"]`` (or ``reasoning`` content blocks with an ``id``);
they are sent back in place, so multi-turn needs no server storage: by default
requests go with ``store: false`` and, on reasoning models, ask for
``reasoning.encrypted_content``. With ``use_previous_response_id=True`` the
service stores responses and only the messages after the last answer are sent,
with its id as ``previous_response_id``.

Answers: the text is the content; ``additional_kwargs["reasoning_content"]`` the
reasoning summary (a ``reasoning`` block in ``content_blocks``);
``additional_kwargs["reasoning"]`` the reasoning item(s) to send back;
``response_metadata["id"]`` the response id; usage with reasoning tokens.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeGuard

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import OutputTokenDetails, UsageMetadata
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from azure_inference_core import TruncatedAnswerError
from azure_inference_core._responses_map import (
    response_finish_reason,
    response_tool_calls,
    responses_request,
    uses_responses_api,
)

from ._errors import mapped_errors
from ._request import build_chat_request

if TYPE_CHECKING:
    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        CallbackManagerForLLMRun,
    )

    from azure_inference_core._responses_wire import Response, ResponseEvent, ResponseFunctionCall

    from .chat_models import ChatAzureInference

__all__ = [
    "ResponsesRequest",
    "agenerate",
    "astream",
    "event_to_chunk",
    "generate",
    "response_to_message",
    "responses_on",
    "stream",
]

ResponsesRequest = tuple[list[dict[str, Any]], dict[str, Any]]


def responses_on(llm: ChatAzureInference, kwargs: Mapping[str, Any]) -> bool:
    """Whether this call goes to the Responses API (``use_responses_api``; None:
    on for Responses-only models in the core's table)."""
    return uses_responses_api(llm.use_responses_api, kwargs.get("model"), llm.model, llm.endpoint)


# -- request ---------------------------------------------------------------------------


def _reasoning_items(message: AIMessage) -> list[dict[str, Any]]:
    """The reasoning items an answer carried (additional_kwargs or content blocks)."""
    found = message.additional_kwargs.get("reasoning")
    items = [found] if isinstance(found, Mapping) else list(found or ())
    if isinstance(message.content, list):
        for block in message.content:
            if isinstance(block, Mapping) and block.get("type") == "reasoning":
                extras = block.get("extras") or {}
                encrypted = block.get("encrypted_content") or extras.get("encrypted_content")
                if block.get("id") and encrypted:
                    text = block.get("reasoning")
                    summary = [{"type": "summary_text", "text": text}] if text else []
                    items.append({"type": "reasoning", "id": block["id"], "summary": summary,
                                  "encrypted_content": encrypted})  # fmt: skip
    out: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, Mapping) or item.get("type", "reasoning") != "reasoning":
            raise ValueError(
                "additional_kwargs['reasoning'] must be the reasoning item(s) a Responses "
                f"answer carried (dicts with type 'reasoning'); got {item!r:.80}."
            )
        if item.get("id") is not None:
            out.append({**item, "type": "reasoning"})
    return out


def _after_last_answer(messages: Sequence[BaseMessage]) -> tuple[list[BaseMessage], str | None]:
    for position in range(len(messages) - 1, -1, -1):
        message = messages[position]
        if isinstance(message, AIMessage):
            answer_id = message.response_metadata.get("id")
            if isinstance(answer_id, str) and answer_id.startswith("resp"):
                return list(messages[position + 1 :]), answer_id
    return list(messages), None


def build_request(
    llm: ChatAzureInference,
    messages: Sequence[BaseMessage],
    stop: list[str] | None,
    kwargs: Mapping[str, Any],
) -> ResponsesRequest:
    """Input items and ``client.responses`` arguments for one call.

    Raises:
        TypeError, ValueError, UnsupportedFeatureError: as for chat, and ``ValueError``
            for a parameter the Responses API has no field for (``stop``, ``seed``...).
    """
    kwargs = {k: v for k, v in kwargs.items() if k != "stream"}
    previous_id = None
    if llm.use_previous_response_id:
        messages, previous_id = _after_last_answer(messages)
    chat = build_chat_request(llm, messages, stop, kwargs, stream=False)
    reasoning = [_reasoning_items(m) for m in messages if isinstance(m, AIMessage)]
    return responses_request(chat.messages, reasoning, chat.params, llm, previous_id)


# -- answer ----------------------------------------------------------------------------


def usage_metadata(response: Response) -> UsageMetadata | None:
    """Usage with reasoning tokens (``output_token_details["reasoning"]``)."""
    usage = response.usage
    if usage is None:
        return None
    metadata = UsageMetadata(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        total_tokens=usage.total_tokens,
    )
    if usage.output_tokens_details is not None:
        metadata["output_token_details"] = OutputTokenDetails(reasoning=usage.reasoning_tokens)
    cached = (usage.input_tokens_details or {}).get("cached_tokens")
    if isinstance(cached, int):
        metadata["input_token_details"] = {"cache_read": cached}
    return metadata


def _answer_fields(response: Response) -> dict[str, Any]:
    """Everything but the text and tool-call fragments: the same on ``invoke``'s
    message and on a stream's last chunk."""
    from azure_inference_core._responses_wire import ResponseReasoning  # loaded with the answer

    additional: dict[str, Any] = {}
    items = [
        item.model_dump(exclude_none=True)
        for item in response.output
        if isinstance(item, ResponseReasoning)
    ]
    if items:
        additional["reasoning"] = items[0] if len(items) == 1 else items
    if response.reasoning_summary:
        additional["reasoning_content"] = response.reasoning_summary
    metadata = {
        "id": response.id,
        "model_name": response.model,
        "status": response.status,
        "finish_reason": response_finish_reason(response),
        "model_provider": "azure_inference",
    }
    fields: dict[str, Any] = {
        "additional_kwargs": additional,
        "response_metadata": {k: v for k, v in metadata.items() if v is not None},
    }
    usage = usage_metadata(response)
    if usage is not None:
        fields["usage_metadata"] = usage
    return fields


def response_to_message(response: Response) -> AIMessage:
    """A ``Response`` as an ``AIMessage`` (text, tool calls, reasoning, usage)."""
    valid, invalid = [], []
    for call in response_tool_calls(response):
        if call.arguments is None:
            invalid.append(
                invalid_tool_call(
                    name=call.name, args=call.raw_arguments, id=call.id, error=call.error
                )
            )
        else:
            valid.append(tool_call(name=call.name, args=call.arguments, id=call.id))
    return AIMessage(
        content=response.output_text,
        tool_calls=valid,
        invalid_tool_calls=invalid,
        id=response.id,
        **_answer_fields(response),
    )


def _is_function_call(item: object) -> TypeGuard[ResponseFunctionCall]:
    # Imported here: the Responses wire models load with the first answer, not with us.
    from azure_inference_core._responses_wire import ResponseFunctionCall

    return isinstance(item, ResponseFunctionCall)


def event_to_chunk(event: ResponseEvent) -> AIMessageChunk | None:
    """One stream event as a chunk (None for events that carry nothing new).

    A call's fragments carry its output position as ``index``, which is what
    LangChain joins ``tool_call_chunks`` by.
    """
    kind = event.type
    if kind == "response.output_text.delta" and event.delta:
        return AIMessageChunk(content=event.delta)
    if kind == "response.reasoning_summary_text.delta" and event.delta:
        return AIMessageChunk(content="", additional_kwargs={"reasoning_content": event.delta})
    if kind == "response.output_item.added" and _is_function_call(event.item):
        index = event.output_index or 0
        fragment = tool_call_chunk(
            name=event.item.name, args=event.item.arguments, id=event.item.call_id, index=index
        )
        return AIMessageChunk(content="", tool_call_chunks=[fragment])
    if kind == "response.function_call_arguments.delta" and event.delta:
        fragment = tool_call_chunk(args=event.delta, index=event.output_index or 0)
        return AIMessageChunk(content="", tool_call_chunks=[fragment])
    return None


def _last_chunk(response: Response) -> AIMessageChunk:
    if response.function_calls and response_finish_reason(response) == "length":
        raise TruncatedAnswerError(
            "The answer was cut off by max_output_tokens while a tool call's arguments "
            "were being written; raise max_output_tokens (max_tokens) and ask again.",
            completion=response,
        )
    fields = _answer_fields(response)
    summary = fields["additional_kwargs"].pop("reasoning_content", None)
    del summary  # already streamed as deltas
    return AIMessageChunk(content="", id=response.id, chunk_position="last", **fields)


def _result(response: Response) -> ChatResult:
    message = response_to_message(response)
    return ChatResult(generations=[ChatGeneration(message=message)])


# -- the four hooks ----------------------------------------------------------------------


def generate(
    llm: ChatAzureInference, messages: Sequence[BaseMessage], stop: Any, kwargs: Any
) -> ChatResult:
    items, params = build_request(llm, messages, stop, kwargs)
    with mapped_errors(), llm._sync_client() as client:
        return _result(client.responses.create(items, **params))


async def agenerate(
    llm: ChatAzureInference, messages: Sequence[BaseMessage], stop: Any, kwargs: Any
) -> ChatResult:
    items, params = build_request(llm, messages, stop, kwargs)
    with mapped_errors():
        async with llm._async_client() as client:
            return _result(await client.responses.create(items, **params))


def stream(
    llm: ChatAzureInference,
    messages: Sequence[BaseMessage],
    stop: Any,
    kwargs: Any,
    run_manager: CallbackManagerForLLMRun | None,
) -> Iterator[ChatGenerationChunk]:
    items, params = build_request(llm, messages, stop, kwargs)
    with (
        mapped_errors(),
        llm._sync_client() as client,
        client.responses.stream(items, **params) as events,
    ):
        for event in events:
            message = event_to_chunk(event)
            if message is not None:
                chunk = ChatGenerationChunk(message=message)
                if run_manager is not None:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
        last = ChatGenerationChunk(message=_last_chunk(events.final_response()))
    if run_manager is not None:
        run_manager.on_llm_new_token(last.text, chunk=last)
    yield last


async def astream(
    llm: ChatAzureInference,
    messages: Sequence[BaseMessage],
    stop: Any,
    kwargs: Any,
    run_manager: AsyncCallbackManagerForLLMRun | None,
) -> AsyncIterator[ChatGenerationChunk]:
    items, params = build_request(llm, messages, stop, kwargs)
    with mapped_errors():
        async with (
            llm._async_client() as client,
            client.responses.stream(items, **params) as events,
        ):
            async for event in events:
                message = event_to_chunk(event)
                if message is not None:
                    chunk = ChatGenerationChunk(message=message)
                    if run_manager is not None:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
            last = ChatGenerationChunk(message=_last_chunk(events.final_response()))
    if run_manager is not None:
        await run_manager.on_llm_new_token(last.text, chunk=last)
    yield last
