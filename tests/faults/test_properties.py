"""Property-based checks: stream decoding through a socket, message conversion round trips.

* Any valid stream, cut anywhere into network reads, with any of the three
  SSE line endings and keep-alive comments, decodes to exactly the text sent
  (core client, sync and async, over a real loopback socket).
* LangChain and LlamaIndex conversations with text, images and tool calls
  reach the wire with nothing lost, and an answer's text and tool calls come
  back and go out again unchanged (the adapters' public paths, with an httpx
  ``MockTransport`` standing in for the service).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from azure_inference_core import AsyncInferenceClient, InferenceClient

from ._raw import Act, RawServer, chunk
from ._support import KEY

FAKE_ENDPOINT = "https://props.eastus2.models.ai.azure.com"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="
)

texts = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30)
names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,15}", fullmatch=True)
call_ids = st.from_regex(r"call_[A-Za-z0-9]{1,12}", fullmatch=True)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=6,
)
arguments = st.dictionaries(names, json_values, max_size=4)
tool_calls = st.lists(st.tuples(call_ids, names, arguments), max_size=3, unique_by=lambda c: c[0])
slow = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def server() -> Iterator[RawServer]:
    with RawServer() as raw:
        yield raw


# -- SSE through a socket ------------------------------------------------------------


@st.composite
def split_streams(draw: st.DrawFn) -> tuple[list[str], list[bytes]]:
    words = draw(st.lists(texts, min_size=1, max_size=8))
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    events = [f"data: {chunk('', role=True)}{eol}{eol}"]
    for word in words:
        if draw(st.booleans()):
            events.append(f": ping{eol}")
        events.append(f"data: {chunk(word)}{eol}{eol}")
    events.append(f"data: {chunk('', finish='stop')}{eol}{eol}data: [DONE]{eol}{eol}")
    body = "".join(events).encode("utf-8")
    cuts = sorted(draw(st.sets(st.integers(1, len(body) - 1), max_size=40)))
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    return words, pieces


@slow
@given(case=split_streams(), use_async=st.booleans())
def test_any_split_of_a_valid_stream_decodes_exactly(
    server: RawServer, case: tuple[list[str], list[bytes]], use_async: bool
) -> None:
    words, pieces = case
    server.push(Act.pieces_of(pieces, pause=0))
    messages = [{"role": "user", "content": "x"}]
    if use_async:

        async def run() -> list[str]:
            async with AsyncInferenceClient(server.url, KEY, max_retries=0) as client:
                return [
                    c.choices[0].delta.content or ""
                    async for c in client.stream(messages)
                    if c.choices
                ]

        got = asyncio.run(run())
    else:
        with InferenceClient(server.url, KEY, max_retries=0) as client:
            got = [c.choices[0].delta.content or "" for c in client.stream(messages) if c.choices]
    assert "".join(got) == "".join(words)
    assert [g for g in got if g] == [w for w in words if w]


# -- the adapters' converters ---------------------------------------------------------


class Service:
    """Answers every chat request with ``reply`` and keeps the request bodies."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.reply: dict[str, Any] = {"role": "assistant", "content": "ok"}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        finish = "tool_calls" if self.reply.get("tool_calls") else "stop"
        return httpx.Response(
            200,
            json={
                "id": "p1",
                "object": "chat.completion",
                "created": 1,
                "model": "gpt-4o",
                "choices": [{"index": 0, "finish_reason": finish, "message": self.reply}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        )


def wire_calls(calls: list[tuple[str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [
        {"id": i, "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
        for i, n, a in calls
    ]


def decoded(message: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """A wire message's tool calls with arguments decoded (JSON spacing is free)."""
    return [
        (c["id"], c["function"]["name"], json.loads(c["function"]["arguments"]))
        for c in message.get("tool_calls") or []
    ]


def user_parts(message: dict[str, Any]) -> tuple[list[str], list[str]]:
    content = message["content"]
    if isinstance(content, str):
        return [content], []
    text = [p["text"] for p in content if p["type"] == "text"]
    urls = [p["image_url"]["url"] for p in content if p["type"] == "image_url"]
    return text, urls


image_urls = st.sampled_from(
    ["https://example.com/a.png", "https://example.com/b.jpg?x=1", "https://cdn.example.org/c"]
)

# A user turn with text and images, a prior assistant turn with tool calls and
# their results, then the reply the service gives (text and/or tool calls).
round_trip_inputs = given(
    user_text=texts,
    urls=st.lists(image_urls, max_size=2),
    inline=st.booleans(),
    prior_text=texts,
    prior_calls=tool_calls,
    result=texts,
    reply_text=st.one_of(st.none(), texts),
    reply_calls=tool_calls,
)


def replying(reply_text: str | None, reply_calls: list[tuple[str, str, dict[str, Any]]]) -> Service:
    """A service answering with this text and these tool calls."""
    service = Service()
    service.reply = {"role": "assistant", "content": reply_text}
    if reply_calls:
        service.reply["tool_calls"] = wire_calls(reply_calls)
    return service


def check_history_sent(
    sent: list[dict[str, Any]],
    user_text: str,
    urls: list[str],
    inline: bool,
    prior_text: str,
    prior_calls: list[tuple[str, str, dict[str, Any]]],
    result: str,
) -> None:
    """The wire history holds every text, image, tool call and tool result, unchanged."""
    got_text, got_urls = user_parts(sent[0])
    assert got_text == [user_text]
    expected_urls = list(urls)
    if inline:
        expected_urls.append("data:image/png;base64," + base64.b64encode(PNG).decode())
    assert got_urls == expected_urls, "an image was lost or altered"
    assert (sent[1].get("content") or "") == prior_text
    assert decoded(sent[1]) == [(i, n, a) for i, n, a in prior_calls]
    tool_turns = [m for m in sent if m["role"] == "tool"]
    assert [(m["tool_call_id"], m["content"]) for m in tool_turns] == [
        (i, result) for i, _, _ in prior_calls
    ]


def check_echoed(
    echoed: dict[str, Any],
    reply_text: str | None,
    reply_calls: list[tuple[str, str, dict[str, Any]]],
) -> None:
    """The answer, sent back as history, goes out as it came in."""
    assert (echoed.get("content") or "") == (reply_text or "")
    assert decoded(echoed) == [(i, n, a) for i, n, a in reply_calls]


@slow
@round_trip_inputs
def test_langchain_messages_round_trip_through_the_wire(
    user_text: str,
    urls: list[str],
    inline: bool,
    prior_text: str,
    prior_calls: list[tuple[str, str, dict[str, Any]]],
    result: str,
    reply_text: str | None,
    reply_calls: list[tuple[str, str, dict[str, Any]]],
) -> None:
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    from langchain_azure_inference import ChatAzureInference

    if not reply_calls and reply_text is None:
        reply_text = ""
    service = replying(reply_text, reply_calls)
    llm = ChatAzureInference(
        endpoint=FAKE_ENDPOINT,
        credential=KEY,
        model="gpt-4o",
        http_client=httpx.Client(transport=httpx.MockTransport(service)),
    )
    blocks: list[Any] = [{"type": "text", "text": user_text}]
    blocks += [{"type": "image_url", "image_url": {"url": u}} for u in urls]
    if inline:
        inline_block = {"type": "image", "base64": base64.b64encode(PNG).decode()}
        blocks.append({**inline_block, "mime_type": "image/png"})
    history: list[Any] = [
        HumanMessage(content=blocks),
        AIMessage(
            content=prior_text,
            tool_calls=[{"name": n, "args": a, "id": i} for i, n, a in prior_calls],
        ),
        *[ToolMessage(content=result, tool_call_id=i) for i, _, _ in prior_calls],
        HumanMessage(content="go on"),
    ]
    answer = llm.invoke(history)

    sent = service.bodies[0]["messages"]
    check_history_sent(sent, user_text, urls, inline, prior_text, prior_calls, result)
    assert sent[1]["role"] == "assistant"

    # Back: the answer's text and tool calls, then out again unchanged.
    assert answer.content == (reply_text or "")
    assert [(c["id"], c["name"], c["args"]) for c in answer.tool_calls] == reply_calls
    llm.invoke(
        [
            HumanMessage(content="q"),
            answer,
            *[ToolMessage(content="r", tool_call_id=i) for i, _, _ in reply_calls],
        ]
    )
    check_echoed(service.bodies[1]["messages"][1], reply_text, reply_calls)


@slow
@round_trip_inputs
def test_llamaindex_messages_round_trip_through_the_wire(
    user_text: str,
    urls: list[str],
    inline: bool,
    prior_text: str,
    prior_calls: list[tuple[str, str, dict[str, Any]]],
    result: str,
    reply_text: str | None,
    reply_calls: list[tuple[str, str, dict[str, Any]]],
) -> None:
    from llama_index.core.base.llms.types import ImageBlock, TextBlock, ToolCallBlock
    from llama_index.core.llms import ChatMessage

    from llamaindex_azure_inference import AzureInference

    if not reply_calls and reply_text is None:
        reply_text = ""
    service = replying(reply_text, reply_calls)
    llm = AzureInference(
        endpoint=FAKE_ENDPOINT,
        credential=KEY,
        model="gpt-4o",
        http_client=httpx.Client(transport=httpx.MockTransport(service)),
    )
    blocks: list[Any] = [TextBlock(text=user_text)]
    blocks += [ImageBlock(url=u) for u in urls]
    if inline:
        blocks.append(ImageBlock(image=PNG, image_mimetype="image/png"))
    assistant_blocks: list[Any] = [TextBlock(text=prior_text)]
    assistant_blocks += [
        ToolCallBlock(tool_call_id=i, tool_name=n, tool_kwargs=a) for i, n, a in prior_calls
    ]
    history = [
        ChatMessage(role="user", blocks=blocks),
        ChatMessage(role="assistant", blocks=assistant_blocks),
        *[
            ChatMessage(role="tool", content=result, additional_kwargs={"tool_call_id": i})
            for i, _, _ in prior_calls
        ],
        ChatMessage(role="user", content="go on"),
    ]
    response = llm.chat(history)

    sent = service.bodies[0]["messages"]
    check_history_sent(sent, user_text, urls, inline, prior_text, prior_calls, result)

    # Back: text and tool calls, then out again unchanged.
    assert (response.message.content or "") == (reply_text or "")
    selections = llm.get_tool_calls_from_response(response, error_on_no_tool_call=False)
    assert [(s.tool_id, s.tool_name, s.tool_kwargs) for s in selections] == reply_calls
    llm.chat(
        [
            ChatMessage(role="user", content="q"),
            response.message,
            *[
                ChatMessage(role="tool", content="r", additional_kwargs={"tool_call_id": i})
                for i, _, _ in reply_calls
            ],
        ]
    )
    check_echoed(service.bodies[1]["messages"][1], reply_text, reply_calls)
