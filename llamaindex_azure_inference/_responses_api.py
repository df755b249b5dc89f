"""`AzureInference` on the Responses API (`use_responses_api`).

The chat request is built as for chat completions (message and tool conversion,
capability checks), then mapped onto Responses arguments by the core's
`_responses_map`. Reasoning comes back as one `ThinkingBlock` per reasoning
item: its `content` is the summary, its `additional_information` the item
(`id`, `encrypted_content`), so sending the message back carries the reasoning
without server storage: by default requests go with `store: false` and, on
reasoning models, ask for `reasoning.encrypted_content`. With
`use_previous_response_id=True` the service stores answers and only the
messages after the last one are sent, with its id as `previous_response_id`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeGuard

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    MessageRole,
    TextBlock,
    ThinkingBlock,
)

from azure_inference_core._responses_map import (
    response_finish_reason,
    responses_request,
    uses_responses_api,
)

from ._responses import _message

if TYPE_CHECKING:
    from azure_inference_core._responses_wire import Response, ResponseEvent, ResponseFunctionCall

    from .llms import AzureInference

__all__ = ["EventState", "build_request", "from_response", "responses_on"]

Request = tuple[list[dict[str, Any]], dict[str, Any]]


def responses_on(llm: AzureInference, kwargs: Mapping[str, Any]) -> bool:
    """Whether this call goes to the Responses API (`use_responses_api`; None: on
    for Responses-only models in the core's table)."""
    return uses_responses_api(llm.use_responses_api, kwargs.get("model"), llm.model, llm.endpoint)


def _reasoning_items(message: ChatMessage) -> list[dict[str, Any]]:
    items = []
    for block in message.blocks:
        if isinstance(block, ThinkingBlock):
            info = block.additional_information or {}
            if info.get("type") == "reasoning" and info.get("id"):
                items.append(dict(info))
    return items


def _after_last_answer(messages: Sequence[ChatMessage]) -> tuple[list[ChatMessage], str | None]:
    for position in range(len(messages) - 1, -1, -1):
        message = messages[position]
        answer_id = message.additional_kwargs.get("response_id")
        if message.role == MessageRole.ASSISTANT and isinstance(answer_id, str):
            return list(messages[position + 1 :]), answer_id
    return list(messages), None


def build_request(
    llm: AzureInference, messages: Sequence[ChatMessage], kwargs: dict[str, Any], method: str
) -> Request:
    """Input items and `client.responses` arguments for one call.

    Raises:
        TypeError, UnsupportedFeatureError: as for chat; `ValueError` for a
            parameter the Responses API has no field for (`stop`, `seed`...).
    """
    previous_id = None
    if llm.use_previous_response_id:
        messages, previous_id = _after_last_answer(messages)
    chat = llm._request(messages, kwargs, False, method)
    reasoning = [_reasoning_items(m) for m in messages if m.role == MessageRole.ASSISTANT]
    return responses_request(chat.messages, reasoning, chat.params, llm, previous_id)


def _usage(response: Response) -> dict[str, Any]:
    usage = response.usage
    if usage is None:
        return {}
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
    }


def _kwargs(response: Response) -> dict[str, Any]:
    out = {"id": response.id, **_usage(response)}
    if response.model:
        out["model"] = response.model
    out["finish_reason"] = response_finish_reason(response)
    return out


def _assistant(
    thinking: list[ThinkingBlock], text: str, calls: Sequence[tuple[str | None, str, str]]
) -> ChatMessage:
    message = _message(text if text or not calls else None, None, calls)
    message.blocks[:0] = thinking
    return message


def from_response(response: Response) -> ChatResponse:
    """A `Response` as a `ChatResponse`: `ThinkingBlock`s (with the reasoning items),
    text, `ToolCallBlock`s; usage (with `reasoning_tokens`), id, model and finish
    reason in `additional_kwargs`; the response id also on the message
    (`additional_kwargs["response_id"]`) for `use_previous_response_id`."""
    from azure_inference_core._responses_wire import ResponseReasoning  # loaded with the answer

    thinking = [
        ThinkingBlock(
            content="\n\n".join(p.text for p in item.summary),
            additional_information=item.model_dump(exclude_none=True),
        )
        for item in response.output
        if isinstance(item, ResponseReasoning)
    ]
    calls: list[tuple[str | None, str, str]] = [
        (c.call_id, c.name, c.arguments) for c in response.function_calls
    ]
    message = _assistant(thinking, response.output_text, calls)
    message.additional_kwargs["response_id"] = response.id
    return ChatResponse(message=message, raw=response, additional_kwargs=_kwargs(response))


def _is_function_call(item: object) -> TypeGuard[ResponseFunctionCall]:
    # Imported here: the Responses wire models load with the first answer, not with us.
    from azure_inference_core._responses_wire import ResponseFunctionCall

    return isinstance(item, ResponseFunctionCall)


class EventState:
    """Stream events in, growing `ChatResponse`s out (one per event that adds
    text, reasoning or a call); `finish` gives the last one, equal to `chat`'s
    answer plus `delta`. Reasoning summary deltas are also put in
    `additional_kwargs["thinking_delta"]`, which agents forward."""

    def __init__(self) -> None:
        self._text = ""
        self._summary = ""
        self._calls: dict[int, list[str]] = {}

    def feed(self, event: ResponseEvent) -> ChatResponse | None:
        """Take one event; None when it adds nothing a caller sees."""
        kind, delta, extra = event.type, event.delta or "", {}
        index = event.output_index or 0
        if kind == "response.output_text.delta" and delta:
            self._text += delta
        elif kind == "response.reasoning_summary_text.delta" and delta:
            self._summary += delta
            extra["thinking_delta"] = delta
            delta = ""
        elif kind == "response.output_item.added" and _is_function_call(event.item):
            self._calls[index] = [event.item.call_id, event.item.name, event.item.arguments]
            delta = ""
        elif kind == "response.function_call_arguments.delta" and index in self._calls:
            self._calls[index][2] += delta
            delta = ""
        else:
            return None
        if not self._calls and not self._summary:  # the common case: text only
            message = ChatMessage(role=MessageRole.ASSISTANT, blocks=[TextBlock(text=self._text)])
        else:
            thinking = [ThinkingBlock(content=self._summary)] if self._summary else []
            calls = [(c[0], c[1], c[2]) for _, c in sorted(self._calls.items())]
            message = _assistant(thinking, self._text, calls)
        return ChatResponse(message=message, delta=delta, raw=event, additional_kwargs=extra)

    def finish(self, response: Response) -> ChatResponse:
        """The last response: the whole answer, with usage."""
        last = from_response(response)
        last.delta = ""
        return last


def stream_chat(
    lease: Any, items: list[dict[str, Any]], params: dict[str, Any]
) -> Generator[ChatResponse, None, None]:
    """The sync stream on a leased client (released at the end)."""
    state = EventState()
    try:
        with lease.client.responses.stream(items, **params) as events:
            for event in events:
                out = state.feed(event)
                if out is not None:
                    yield out
            yield state.finish(events.final_response())
    finally:
        lease.release()


async def astream_chat(
    llm: AzureInference, items: list[dict[str, Any]], params: dict[str, Any]
) -> AsyncGenerator[ChatResponse, None]:
    """The async stream."""
    state = EventState()
    async with (
        llm._async_client() as client,
        client.responses.stream(items, **params) as events,
    ):
        async for event in events:
            out = state.feed(event)
            if out is not None:
                yield out
        yield state.finish(events.final_response())
