"""OpenTelemetry for the Responses API: what its requests, answers and events mean to a span.

The Responses API is traced by the same ``Trace`` as chat completions
(``_telemetry.py``); this module only translates. Operation name ``chat``: the
GenAI conventions name the operation, not the API, and their OpenAI page
uses ``chat`` for both chat completions and the Responses API, telling them
apart with ``openai.api.type`` (``responses`` here). Provider ``azure.ai.openai``:
every Responses route is Azure OpenAI's v1 or deployment API, a Foundry
``/models`` endpoint's included.

* ``traced_responses_call``: the request's attributes (model, ``temperature``,
  ``top_p``, ``max_output_tokens`` as ``gen_ai.request.max_tokens``, ``text.format``
  as ``gen_ai.output.type``) and, with content capture on, ``input`` and
  ``instructions`` as the conventions' messages and tool definitions;
* ``traced_response``: a created response ends the span with its id, model,
  status as a finish reason (``stop``, ``tool_calls``, ``length``,
  ``content_filter``), usage (cached and reasoning tokens included) and, with
  capture, the output text and function calls;
* ``ResponseTrace``: a stream's events fed to the trace (the first for the time
  to first chunk, the terminal one for the answer); the stream driver ends it.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._call import Call
from ._responses_map import response_finish_reason
from ._responses_stream import ResponseAccumulator, ResponseContentFilterError
from ._responses_wire import Response, ResponseEvent, ResponseFunctionCall, ResponseOutputMessage
from ._telemetry import Trace, TracedCall, traced_call
from ._telemetry_content import capture_enabled
from ._wire import ChatCompletionChunk

if TYPE_CHECKING:
    from ._no_httpx_cli import httpx

__all__ = ["ResponseTrace", "input_attributes", "traced_response", "traced_responses_call"]

#: ``openai.api.type`` of every Responses span (chat spans have none).
API_TYPE = "responses"
PROVIDER = "azure.ai.openai"
_JSON_FORMATS = ("json_object", "json_schema")


def traced_responses_call(client: Any, call: Call, body: Mapping[str, Any]) -> Call:
    """``call`` traced when a provider is configured (``_telemetry.traced_call``), else itself."""
    modules = sys.modules
    if "opentelemetry.trace" not in modules and "opentelemetry.metrics" not in modules:
        return call  # nothing imported OpenTelemetry: no provider, nothing to build
    text = body.get("text")
    kind = text.get("format", {}).get("type") if isinstance(text, Mapping) else None
    request = {
        "model": body.get("model"),
        "temperature": body.get("temperature"),
        "top_p": body.get("top_p"),
        "max_tokens": body.get("max_output_tokens"),
        "response_format": {"type": kind} if kind in _JSON_FORMATS else None,
    }
    traced = traced_call(client, call, "chat", request)
    if type(traced) is TracedCall:
        # Read when the span starts. Every Responses route is Azure OpenAI's API (a Foundry
        # /models endpoint's calls go to its resource's /openai/v1/responses).
        traced.trace.metric_attributes["gen_ai.provider.name"] = PROVIDER
        attributes = traced.trace.attributes
        attributes["gen_ai.provider.name"] = PROVIDER
        attributes["openai.api.type"] = API_TYPE
        if capture_enabled(getattr(client, "capture_message_content", None)):
            attributes.update(input_attributes(body))
    return traced


# -- answers ---------------------------------------------------------------------------------


class _Message:
    __slots__ = ("content", "role", "tool_calls")

    def __init__(self, content: str | None, tool_calls: list[dict[str, Any]]) -> None:
        self.role = "assistant"
        self.content = content
        self.tool_calls = tool_calls or None


class _Choice:
    __slots__ = ("finish_reason", "index", "message")

    def __init__(self, finish_reason: str | None, message: _Message) -> None:
        self.index = 0
        self.finish_reason = finish_reason
        self.message = message


class _Answer:
    """A ``Response`` as the chat-shaped answer ``Trace.done`` / ``Trace.fail`` read
    (no ``__slots__``: ``_telemetry.attribute`` reads fields from ``__dict__``)."""

    def __init__(self, response: Response) -> None:
        self.id = response.id
        self.model = response.model
        fields = _answer_fields(response)
        self.usage = fields["usage"]
        choice = fields["choices"][0]
        delta = choice["delta"]
        self.choices = [
            _Choice(
                choice["finish_reason"],
                _Message(delta.get("content"), delta.get("tool_calls") or []),
            )
        ]


def _usage(response: Response) -> dict[str, Any] | None:
    usage = response.usage
    if usage is None:
        return None
    out: dict[str, Any] = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
    }
    cached = (usage.input_tokens_details or {}).get("cached_tokens")
    if cached is not None:
        out["prompt_tokens_details"] = {"cached_tokens": cached}
    reasoning = (usage.output_tokens_details or {}).get("reasoning_tokens")
    if reasoning is not None:
        out["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return out


def _answer_fields(response: Response) -> dict[str, Any]:
    """The chat-chunk fields of a whole response: text, function calls, reason, usage."""
    text = [i.text for i in response.output if isinstance(i, ResponseOutputMessage)]
    calls = [
        {
            "index": position,
            "id": call.call_id,
            "type": "function",
            "function": {"name": call.name, "arguments": call.arguments},
        }
        for position, call in enumerate(
            i for i in response.output if isinstance(i, ResponseFunctionCall)
        )
    ]
    delta: dict[str, Any] = {"role": "assistant", "content": "".join(text) if text else None}
    if calls:
        delta["tool_calls"] = calls
    reason = None if response.status == "failed" else response_finish_reason(response)
    return {
        "id": response.id,
        "model": response.model or "",
        "choices": [{"index": 0, "delta": delta, "finish_reason": reason}],
        "usage": _usage(response),
    }


def traced_response(
    parse: Callable[[Call, httpx.Response, bytes], Response],
    call: TracedCall,
    response: httpx.Response,
    body: bytes,
) -> Response:
    """``parse`` on the plain call, with the span ended by its outcome (``Trace.ended``)."""
    kept: list[Response] = []

    def answer(plain: Call, response: httpx.Response, body: bytes) -> _Answer:
        try:
            result = parse(plain, response, body)
        except ResponseContentFilterError as exc:
            # ``Trace.fail`` reads a filtered answer from ``.completion`` (chat's field):
            # lent for the span's finish reason and usage, taken back below.
            exc.completion = _Answer(exc.response)  # type: ignore[assignment]
            raise
        kept.append(result)
        return _Answer(result)

    try:
        call.trace.ended(answer, call, response, body)
    except ResponseContentFilterError as exc:
        exc.completion = None
        raise
    return kept[0]


# -- streams ---------------------------------------------------------------------------------

#: What every event without a ``response`` tells the trace: that it arrived.
_EVENT = ChatCompletionChunk()


class ResponseTrace:
    """Feeds a stream's events to its call's ``Trace`` (the ``StreamTrace`` of ``_stream``).

    Per event a pointer comparison and ``Trace.chunk``; an event carrying the
    ``response`` (``response.created``, the terminal one) becomes a chat chunk
    with its id and model, the terminal one with the whole answer too.
    """

    __slots__ = ("answer", "ended", "trace")

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        # With content capture on, the events are joined here too, so a stream cut short
        # still records the output it delivered (as a chat stream does).
        self.answer = ResponseAccumulator() if trace.captures_content else None
        self.ended = False  # a terminal event arrived (it carries the whole answer)

    def chunk(self, chunk: ResponseEvent) -> None:
        if self.answer is not None:
            self.answer.feed(chunk)
        response = chunk.response
        if response is None:
            self.trace.chunk(_EVENT)
        elif response.status in ("completed", "incomplete", "failed"):
            self.ended = True
            self.trace.chunk(ChatCompletionChunk.model_validate(_answer_fields(response)))
        else:
            self.trace.chunk(ChatCompletionChunk(id=response.id, model=response.model or ""))

    def stream_end(self, exc: BaseException | None) -> None:
        answer = self.answer
        if answer is not None and not self.ended:
            partial = answer.result()
            if partial.output:
                fields = _answer_fields(partial)
                fields["choices"][0]["finish_reason"] = None  # cut short: no reason was given
                self.trace.partial_output(ChatCompletionChunk.model_validate(fields))
        self.trace.stream_end(exc)


# -- content (opt-in) ------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _part(part: Any) -> dict[str, Any]:
    """One Responses content part as the conventions' part (inline bytes left out)."""
    if not isinstance(part, Mapping):
        return {"type": "text", "content": str(part)}
    kind = part.get("type")
    if kind in ("input_text", "output_text", "text"):
        return {"type": "text", "content": part.get("text", "")}
    if kind == "refusal":
        return {"type": "text", "content": part.get("refusal", "")}
    if kind == "input_image":
        url = str(part.get("image_url") or "")
        if part.get("file_id"):
            return {"type": "file", "modality": "image", "file_id": part["file_id"]}
        if url.startswith("data:") or not url:
            return {"type": "blob", "modality": "image", "content": "<inline>"}
        return {"type": "uri", "modality": "image", "uri": url}
    if kind == "input_audio":
        return {"type": "blob", "modality": "audio", "content": "<inline>"}
    if kind == "input_file":
        if part.get("file_id"):
            return {"type": "file", "file_id": part["file_id"]}
        if part.get("file_url"):
            return {"type": "uri", "uri": part["file_url"]}
        return {"type": "blob", "content": "<inline>"}
    return {"type": str(kind)}


def _parts(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    return [_part(p) for p in content] if isinstance(content, Sequence) else []


def _arguments(arguments: Any) -> Any:
    if isinstance(arguments, str):
        with contextlib.suppress(ValueError):
            return json.loads(arguments)
    return arguments


def _item(item: Any) -> dict[str, Any]:
    """One input item as a conventions message."""
    if not isinstance(item, Mapping):
        return {"role": "user", "parts": [{"type": "text", "content": str(item)}]}
    kind = item.get("type", "message")
    if kind == "function_call":
        part = {
            "type": "tool_call",
            "id": item.get("call_id"),
            "name": item.get("name"),
            "arguments": _arguments(item.get("arguments")),
        }
        return {"role": "assistant", "parts": [part]}
    if kind == "function_call_output":
        output = item.get("output")
        response = output if isinstance(output, str) else _dumps(output)
        part = {"type": "tool_call_response", "id": item.get("call_id"), "response": response}
        return {"role": "tool", "parts": [part]}
    if kind == "reasoning":  # the summary; encrypted reasoning is never recorded
        summary = item.get("summary") or []
        text = "".join(s.get("text", "") for s in summary if isinstance(s, Mapping))
        return {"role": "assistant", "parts": [{"type": "reasoning", "content": text}]}
    if kind != "message":
        return {"role": "user", "parts": [{"type": str(kind)}]}
    return {"role": str(item.get("role", "user")), "parts": _parts(item.get("content"))}


def input_attributes(body: Mapping[str, Any]) -> dict[str, str]:
    """``input``, ``instructions`` and ``tools`` of a Responses body as the conventions'
    ``gen_ai.input.messages``, ``gen_ai.system_instructions`` and ``gen_ai.tool.definitions``."""
    system: list[dict[str, Any]] = []
    if isinstance(body.get("instructions"), str):
        system.append({"type": "text", "content": body["instructions"]})
    messages: list[dict[str, Any]] = []
    items = body.get("input")
    for item in [items] if isinstance(items, str) else (items or ()):
        message = _item(item)
        if message["role"] in ("system", "developer"):
            system.extend(message["parts"])
        else:
            messages.append(message)
    out = {"gen_ai.input.messages": _dumps(messages)}
    if system:
        out["gen_ai.system_instructions"] = _dumps(system)
    if body.get("tools"):
        out["gen_ai.tool.definitions"] = _dumps(body["tools"])
    return out
