"""Serving ``/openai/v1/responses`` and ``/openai/responses``: the answer body,
its typed event stream, storage for ``previous_response_id``.

The request is checked and translated by :mod:`._responses`, composed by the
chat composer, then written in the Responses shape: a reasoning item (for
reasoning models: summary when asked, ``encrypted_content`` when included),
then the message or the function calls. Streams are named SSE events with
``sequence_number``; the pipeline's faults and latency apply as for chat.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from ._chat import ChatResult, compose, cut_by_filter
from ._errors import ServiceError, content_filter_error, error_body
from ._faults import FaultSpec
from ._http import SSEResponse, StreamPlan, json_response, sse_events
from ._profiles import ModelProfile
from ._responses import (
    ResponseStore,
    Stored,
    Translated,
    invalid,
    seal_reasoning,
    translate,
)
from ._routing import Route
from ._state import AppState, RecordedRequest
from ._text import count_tokens, split_words
from ._validate import validate_chat

if TYPE_CHECKING:
    from ._validate import ChatRequest

__all__ = [
    "encode_events",
    "response_body",
    "response_events",
    "serve_responses",
    "store_of",
    "stored_response",
]

_ARG_FRAGMENT = 12


def store_of(state: AppState) -> ResponseStore:
    """The response storage of one emulator."""
    return state.responses


def _short(seed: str, kind: str) -> str:
    return hashlib.sha256(f"{seed}:{kind}".encode()).hexdigest()[:32]


def _pad(delta: str) -> str:
    """``obfuscation``: padding that evens out delta sizes, as the service adds (recorded)."""
    digest = base64.b64encode(hashlib.sha256(delta.encode()).digest()).decode()
    alnum = "".join(c for c in digest if c.isalnum())
    return alnum[: max(4, 16 - len(delta.encode()))]


def _question(checked: ChatRequest) -> str:
    for turn in reversed(checked.turns):
        if turn.role == "user" and not turn.was_system:
            return turn.text.strip()
    return ""


def response_body(
    result: ChatResult,
    translated: Translated,
    body: Mapping[str, Any],
    profile: ModelProfile,
    question: str,
) -> dict[str, Any]:
    """The non-streamed ``response`` object for a composed answer."""
    rid = result.id
    choice = result.choices[0]
    output: list[dict[str, Any]] = []
    reasoning_tokens = result.reasoning_tokens
    if profile.reasoning != "none":
        thought = choice.reasoning or (
            f'The user asks: "{question}". I will answer directly and concisely.'
        )
        item: dict[str, Any] = {"id": f"rs_{_short(rid, 'rs')}", "type": "reasoning", "summary": []}
        if translated.summary is not None:
            item["summary"] = [{"type": "summary_text", "text": f"**Answering**\n\n{thought}"}]
        if translated.encrypted:
            item["encrypted_content"] = seal_reasoning({"rid": rid, "text": thought})
        output.append(item)
        reasoning_tokens = reasoning_tokens or count_tokens(thought)
    cut = choice.finish_reason in ("length", "content_filter")
    if choice.tool_calls:
        for call in choice.tool_calls:
            output.append(
                {
                    "id": f"fc_{_short(rid + call.id, 'fc')}",
                    "type": "function_call",
                    "status": "completed",
                    "arguments": call.arguments,
                    "call_id": call.id,
                    "name": call.name,
                }
            )
    else:
        output.append(
            {
                "id": f"msg_{_short(rid, 'msg')}",
                "type": "message",
                "status": "incomplete" if cut else "completed",
                "role": "assistant",
                "content": [
                    {
                        "type": "output_text",
                        "text": choice.content or "",
                        "annotations": [],
                        "logprobs": [],
                    }
                ],
            }
        )
    output_tokens = result.completion_tokens + (reasoning_tokens - result.reasoning_tokens)
    reason = {"length": "max_output_tokens", "content_filter": "content_filter"}.get(
        choice.finish_reason
    )
    given = body.get("text")
    text: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    # Keys and defaults as recorded on Azure (tests/emulator/_recorded_responses.py).
    answer: dict[str, Any] = {
        "id": rid,
        "object": "response",
        "created_at": result.created,
        "status": "incomplete" if reason else "completed",
        "background": False,
        "content_filters": None,
        "error": None,
        "incomplete_details": {"reason": reason} if reason else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": body.get("max_tool_calls"),
        "model": result.model,
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "prompt_cache_key": body.get("prompt_cache_key"),
        "prompt_cache_retention": body.get("prompt_cache_retention"),
        "reasoning": {"effort": translated.effort, "summary": translated.summary},
        "safety_identifier": body.get("safety_identifier"),
        "service_tier": body.get("service_tier") or "default",
        "store": translated.store,
        "temperature": body.get("temperature", 1.0),
        "text": {"format": translated.text_format, "verbosity": text.get("verbosity", "medium")},
        "tool_choice": body.get("tool_choice"),
        "tools": body.get("tools", []),
        "top_logprobs": body.get("top_logprobs", 0),
        "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation", "disabled"),
        "usage": {
            "input_tokens": result.prompt_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": result.prompt_tokens + output_tokens,
        },
        "user": body.get("user"),
        "metadata": body.get("metadata") or {},
    }
    if choice.content_filter_results is not None:
        answer["content_filters"] = [{"blocked": True, **choice.content_filter_results}]
    return answer


def _item_events(index: int, item: dict[str, Any]) -> list[dict[str, Any]]:
    kind, item_id = item["type"], item["id"]
    where = {"item_id": item_id, "output_index": index}
    if kind == "reasoning":
        events = [{"type": "response.output_item.added", "output_index": index,
                   "item": {**item, "summary": []}}]  # fmt: skip
        for s, part in enumerate(item["summary"]):
            empty = {"type": "summary_text", "text": ""}
            events.append({"type": "response.reasoning_summary_part.added", **where,
                           "summary_index": s, "part": empty})  # fmt: skip
            for piece in split_words(part["text"]):
                events.append({"type": "response.reasoning_summary_text.delta", **where,
                               "summary_index": s, "delta": piece})  # fmt: skip
            events.append({"type": "response.reasoning_summary_text.done", **where,
                           "summary_index": s, "text": part["text"]})  # fmt: skip
            events.append({"type": "response.reasoning_summary_part.done", **where,
                           "summary_index": s, "part": part})  # fmt: skip
    elif kind == "function_call":
        events = [{"type": "response.output_item.added", "output_index": index,
                   "item": {**item, "arguments": "", "status": "in_progress"}}]  # fmt: skip
        args = item["arguments"]
        for start in range(0, len(args), _ARG_FRAGMENT):
            piece = args[start : start + _ARG_FRAGMENT]
            events.append({"type": "response.function_call_arguments.delta", **where,
                           "delta": piece, "obfuscation": _pad(piece)})  # fmt: skip
        events.append({"type": "response.function_call_arguments.done", **where,
                       "arguments": args})  # fmt: skip
    else:
        events = [{"type": "response.output_item.added", "output_index": index,
                   "item": {**item, "content": [], "status": "in_progress"}}]  # fmt: skip
        part = item["content"][0]
        empty = {**part, "text": ""}
        at = {**where, "content_index": 0}
        events.append({"type": "response.content_part.added", **at, "part": empty})
        for piece in split_words(part["text"]):
            events.append({"type": "response.output_text.delta", **at, "delta": piece,
                           "logprobs": [], "obfuscation": _pad(piece)})  # fmt: skip
        events.append({"type": "response.output_text.done", **at, "text": part["text"],
                       "logprobs": []})  # fmt: skip
        events.append({"type": "response.content_part.done", **at, "part": part})
    events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    return events


def response_events(final: dict[str, Any]) -> list[dict[str, Any]]:
    """The typed events of a streamed answer, ``sequence_number`` from 0."""
    tier = "auto" if final["service_tier"] == "default" else final["service_tier"]
    start = {**final, "status": "in_progress", "output": [], "usage": None,
             "incomplete_details": None, "service_tier": tier}  # fmt: skip
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": start},
        {"type": "response.in_progress", "response": start},
    ]
    for index, item in enumerate(final["output"]):
        events.extend(_item_events(index, item))
    end = "response.incomplete" if final["status"] == "incomplete" else "response.completed"
    events.append({"type": end, "response": final})
    for number, event in enumerate(events):
        event["sequence_number"] = number
    return events


def encode_events(events: list[dict[str, Any]]) -> list[bytes]:
    """Events as SSE: ``event: <type>`` and ``data: <json>`` (no ``[DONE]``)."""
    return [
        f"event: {e['type']}\ndata: {json.dumps(e, separators=(',', ':'))}\n\n".encode()
        for e in events
    ]


def _about_input(error: ServiceError) -> ServiceError:
    """A chat check's error, worded for the Responses request (``input``, not ``messages``)."""
    text = json.dumps(error.body).replace('"messages"', '"input"').replace("messages[", "input[")
    return ServiceError(error.status, json.loads(text), error.headers)


def _raw(chunk: Any) -> bytes:
    """A scripted event: a dict as ``event:`` + ``data:``, a string as ``data:`` verbatim."""
    if isinstance(chunk, Mapping):
        data = json.dumps(chunk, separators=(",", ":"))
        return f"event: {chunk.get('type', 'message')}\ndata: {data}\n\n".encode()
    return f"data: {chunk}\n\n".encode()


def _stored_messages(translated: Translated, final: dict[str, Any]) -> list[dict[str, Any]]:
    messages = list(translated.conversation)
    calls: list[dict[str, Any]] = []
    for item in final["output"]:
        if item["type"] == "message":
            text = "".join(p.get("text", "") for p in item["content"])
            messages.append({"role": "assistant", "content": text})
        elif item["type"] == "function_call":
            function = {"name": item["name"], "arguments": item["arguments"]}
            calls.append({"id": item["call_id"], "type": "function", "function": function})
    if calls:
        messages.append({"role": "assistant", "content": None, "tool_calls": calls})
    return messages


async def serve_responses(
    state: AppState,
    body: dict[str, Any],
    profile: ModelProfile,
    name: str,
    route: Route,
    request: Request,
    record: RecordedRequest,
    firing: list[FaultSpec],
    base: dict[str, str],
) -> Response | SSEResponse:
    """Answer one Responses request (after the pipeline's route, auth, fault and quota checks)."""
    from ._pipeline import _message_texts, _scripted_result  # the pipeline imports this module

    store = store_of(state)
    translated = translate(body, store, profile.reasoning != "none")
    try:
        checked = validate_chat(translated.chat, profile)
    except ServiceError as error:
        raise _about_input(error) from None
    texts = " ".join(_message_texts(translated.chat)).lower()
    prompt_fault = next((f for f in firing if f.content_filter == "prompt"), None)
    if prompt_fault is not None or any(p.lower() in texts for p in state.content_filter_phrases):
        raise content_filter_error(flat=bool(prompt_fault and prompt_fault.flat))
    question = _question(checked)
    scripted = state.script.take(question)
    if scripted is not None and scripted.status is not None:
        raise ServiceError(scripted.status, scripted.body, scripted.headers)
    if scripted is not None and scripted.chunks is not None and not translated.stream:
        raise invalid("This scripted answer has raw events; send stream=true.", "stream")
    rid = "resp_" + base["x-request-id"].replace("-", "")
    if scripted is not None:
        result = _scripted_result(scripted, rid, name, checked.prompt_tokens)
        base = {**base, **scripted.headers}
    else:
        result = compose(checked, profile, request_id=rid, rng=state.rng, reasoning_in_field=True)
        result.model = name
    if any(f.content_filter == "completion" for f in firing):
        result = cut_by_filter(result)
    final = response_body(result, translated, body, profile, question)
    usage = final["usage"]
    state.quotas.spend(name, usage["total_tokens"])
    state.count("tokens", usage["total_tokens"])
    state.count("responses")
    if translated.store:
        reasoning_ids = frozenset(i["id"] for i in final["output"] if i["type"] == "reasoning")
        store.put(rid, Stored(_stored_messages(translated, final), reasoning_ids, final))
    headers = {**base, **state.quotas.headers(name), "x-ms-rai-invoked": "true"}
    latency = state.latency
    if not translated.stream:
        if latency is not None:
            rng = state.latency_rng
            wait = latency.first_token.draw(rng) + sum(
                latency.per_token.draw(rng) for _ in range(usage["output_tokens"])
            )
            await asyncio.sleep(wait)
        return json_response(final, headers)
    fault_delay = next((f.chunk_delay for f in firing if f.chunk_delay is not None), None)
    if fault_delay is not None or latency is None:
        delay = state.chunk_delay if fault_delay is None else fault_delay
        plan = StreamPlan(firing, chunk_delay=delay)
    else:
        rng = state.latency_rng
        plan = StreamPlan(
            firing,
            first_delay=latency.first_token.draw(rng),
            chunk_delay=lambda: latency.per_token.draw(rng),
        )
    state.count("streams")
    events: list[Any] = encode_events(response_events(final))
    if scripted is not None and scripted.chunks is not None:
        events = [_raw(chunk) for chunk in scripted.chunks]
    return SSEResponse(sse_events(events, plan, False, record), headers)


def stored_response(state: AppState, route: Route, method: str, base: dict[str, str]) -> Response:
    """``GET`` (the stored body) or ``DELETE`` of ``.../responses/<id>``.

    Raises:
        ServiceError: 404 for an id never stored (or deleted), 405 for another method.
    """
    store = store_of(state)
    rid = route.item or ""
    if method not in ("GET", "DELETE"):
        raise ServiceError(405, error_body("MethodNotAllowed", "Use GET or DELETE for this route."))
    stored = store.get(rid)
    if stored is None:
        raise invalid(f"Response with id '{rid}' not found.", None, status=404)
    if method == "DELETE":
        store.delete(rid)
        return json_response({"id": rid, "object": "response.deleted", "deleted": True}, base)
    return json_response(stored.body, base)
