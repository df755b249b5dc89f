"""Property (issue 13): a streamed answer joins into exactly the non-streamed one.

A completion (text, several tool calls with unicode arguments, usage) is cut
into chunks in every shape services produce: indexed fragments, fragments whose
later parts carry no ``index``, parallel calls interleaved, a whole call in one
chunk without ``index`` or ``type`` (Mistral), usage on the last chunk or in a
usage-only chunk. The core's ``StreamAccumulator``, ``ChatAzureInference`` and
``AzureInference`` each give the non-streamed result, sync and async (the
adapters through their public methods, an httpx ``MockTransport`` serving the
stream and the plain answer).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from azure_inference_core import ChatCompletion, ChatCompletionChunk, StreamAccumulator

ENDPOINT = "https://props.eastus2.models.ai.azure.com"
KEY = "property-key-0123456789"

texts = st.text(st.characters(codec="utf-8"), min_size=1, max_size=20)  # no lone surrogates
names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True)
values = st.one_of(st.integers(-1000, 1000), st.booleans(), texts, st.lists(texts, max_size=2))
calls = st.lists(
    st.tuples(
        st.from_regex(r"call_[A-Za-z0-9]{1,8}", fullmatch=True),
        names,
        st.dictionaries(names, values, min_size=1, max_size=3),
    ),
    max_size=3,
    unique_by=lambda c: c[0],
)
SHAPES = ("indexed", "unindexed_after_first", "interleaved", "whole_unindexed")
USAGE = ("last_chunk", "usage_only_chunk")
examples = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def completion_body(text: str | None, tool_calls: list[Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if tool_calls:
        message["tool_calls"] = [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)},
            }
            for call_id, name, args in tool_calls
        ]
    return {
        "id": "cmpl-9",
        "object": "chat.completion",
        "created": 1718726371,
        "model": "mistral-large-2411",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tool_calls else "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
    }


def _pieces(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(points) if b > a] or [text]


def stream_chunks(body: dict[str, Any], shape: str, usage: str, cuts: list[int]) -> list[Any]:
    """The stream a service would send for ``body``, in ``shape``."""
    head = {k: body[k] for k in ("id", "created", "model")}
    head["object"] = "chat.completion.chunk"
    choice = body["choices"][0]
    message = choice["message"]

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
        return {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}

    out = [chunk({"role": "assistant", "content": "" if message["content"] is not None else None})]
    if message["content"]:
        out += [chunk({"content": p}) for p in _pieces(message["content"], cuts)]
    wire_calls = message.get("tool_calls") or []
    fragments: list[list[dict[str, Any]]] = []
    for index, call in enumerate(wire_calls):
        args = call["function"]["arguments"]
        first: dict[str, Any] = {
            "id": call["id"],
            "type": "function",
            "function": {"name": call["function"]["name"]},
        }
        rest: list[dict[str, Any]] = [{"function": {"arguments": p}} for p in _pieces(args, cuts)]
        if shape in ("indexed", "interleaved"):
            first["index"] = index
            for r in rest:
                r["index"] = index
        fragments.append([first, *rest])
    final: dict[str, Any] = {}
    if shape == "whole_unindexed":  # Mistral: every call whole, in the final chunk
        final["tool_calls"] = [
            {
                "id": c["id"],
                "function": {
                    "name": c["function"]["name"],
                    "arguments": c["function"]["arguments"],
                },
            }
            for c in wire_calls
        ]
    elif shape == "interleaved":
        longest = max((len(f) for f in fragments), default=0)
        for position in range(longest):
            for parts in fragments:
                if position < len(parts):
                    out.append(chunk({"tool_calls": [parts[position]]}))
    else:
        out += [chunk({"tool_calls": [part]}) for parts in fragments for part in parts]
    if usage == "last_chunk":
        out.append(chunk(final, choice["finish_reason"], usage=body["usage"]))
    else:
        out.append(chunk(final, choice["finish_reason"]))
        out.append({**head, "choices": [], "usage": body["usage"]})
    return out


def service(body: dict[str, Any], chunks: list[Any]) -> httpx.MockTransport:
    sse = "".join(f"data: {json.dumps(c, ensure_ascii=False)}\n\n" for c in chunks)
    sse += "data: [DONE]\n\n"

    def reply(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content).get("stream"):
            return httpx.Response(
                200, content=sse.encode(), headers={"content-type": "text/event-stream"}
            )
        return httpx.Response(200, json=body)

    return httpx.MockTransport(reply)


stream_inputs = given(
    text=st.none() | texts,
    tool_calls=calls,
    shape=st.sampled_from(SHAPES),
    usage=st.sampled_from(USAGE),
    cuts=st.lists(st.integers(0, 200), max_size=6),
)


def _inputs(text: str | None, tool_calls: list[Any]) -> str | None:
    return text if text is not None or tool_calls else ""


@examples
@stream_inputs
def test_core_accumulator_joins_every_shape(
    text: str | None, tool_calls: list[Any], shape: str, usage: str, cuts: list[int]
) -> None:
    body = completion_body(_inputs(text, tool_calls), tool_calls)
    acc = StreamAccumulator()
    for raw in stream_chunks(body, shape, usage, cuts):
        acc.feed(ChatCompletionChunk.model_validate(raw))
    assert acc.result().model_dump() == ChatCompletion.model_validate(body).model_dump()


@examples
@stream_inputs
def test_langchain_stream_equals_invoke(
    text: str | None, tool_calls: list[Any], shape: str, usage: str, cuts: list[int]
) -> None:
    from langchain_azure_inference import ChatAzureInference

    body = completion_body(_inputs(text, tool_calls), tool_calls)
    transport = service(body, stream_chunks(body, shape, usage, cuts))
    llm = ChatAzureInference(
        endpoint=ENDPOINT,
        credential=KEY,
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
    )

    def view(message: Any) -> Any:
        calls = [(c["id"], c["name"], c["args"]) for c in message.tool_calls]
        return message.content, calls, message.invalid_tool_calls, message.usage_metadata

    async def astream() -> Any:
        chunks = [c async for c in llm.astream("hi")]
        merged = chunks[0]
        for c in chunks[1:]:
            merged += c
        return merged

    invoked = llm.invoke("hi")
    assert [(c["id"], c["name"], c["args"]) for c in invoked.tool_calls] == tool_calls
    streamed = llm.stream("hi")
    merged = next(streamed)
    for c in streamed:
        merged += c
    assert view(merged) == view(invoked)
    assert view(asyncio.run(astream())) == view(invoked)


@examples
@stream_inputs
def test_llamaindex_stream_equals_chat(
    text: str | None, tool_calls: list[Any], shape: str, usage: str, cuts: list[int]
) -> None:
    from llama_index.core.llms import ChatMessage

    from llamaindex_azure_inference import AzureInference

    body = completion_body(_inputs(text, tool_calls), tool_calls)
    transport = service(body, stream_chunks(body, shape, usage, cuts))
    llm = AzureInference(
        endpoint=ENDPOINT,
        credential=KEY,
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
    )
    messages = [ChatMessage(role="user", content="hi")]

    def view(response: Any) -> Any:
        selections = llm.get_tool_calls_from_response(response, error_on_no_tool_call=False)
        calls = [(s.tool_id, s.tool_name, s.tool_kwargs) for s in selections]
        return response.message.content or "", calls

    async def astream() -> Any:
        last = None
        async for response in await llm.astream_chat(messages):
            last = response
        return last

    said = llm.chat(messages)
    assert view(said)[1] == tool_calls
    last = None
    for response in llm.stream_chat(messages):
        last = response
    assert view(last) == view(said)
    assert view(asyncio.run(astream())) == view(said)
