"""The worst hostile-server cases of issue 18 through every client: the core, LangChain
and LlamaIndex, sync and async, through their public API.

A trickling server with ``total_timeout``, a 200 carrying ``choices: []`` and an
``error``, and bodies nested 100,000 deep: each must end as the package's own
typed error (a core ``AzureInferenceError`` underneath), never a hang, a
``RecursionError``, an ``IndexError`` or a bare ``ValueError``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest

import azure_inference_core as core
from tests.core._hostile import SSE, Hostile, answer, chunk, completion, deep, head, trickle

from ._support import TARGET_IDS, TARGETS, Target

PROMPT = "hello"
MARGIN = 1.5
#: A wall-clock bound per case: a regression must fail here, not hang the suite.
pytestmark = pytest.mark.timeout(60)


@pytest.fixture(params=TARGETS, ids=TARGET_IDS)
def target(request: pytest.FixtureRequest) -> Target:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    with Hostile() as server:
        yield server


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_trickling_server_ends_at_total_timeout(
    target: Target, hostile: Hostile, streamed: bool
) -> None:
    if streamed:
        sse = chunk("hi") * 5 + b"data: [DONE]\n\n"
        hostile.push(trickle(head(200, len(sse), **SSE) + sse, 0.1))
    else:
        body = json.dumps(completion()).encode()
        hostile.push(trickle(head(200, len(body), content_type="application/json") + body, 0.1))
    client = target.make(hostile.url, timeout=2, total_timeout=1.0)  # imports done before timing
    call = target.stream(client, PROMPT) if streamed else target.complete(client, PROMPT)
    started = time.monotonic()
    try:
        with pytest.raises(target.errors.APITimeoutError) as caught:
            await call
        took = time.monotonic() - started
    finally:
        await target.close(client)
    assert isinstance(caught.value, core.APITimeoutError)
    assert took < 1.0 + MARGIN


async def test_error_in_a_200_is_a_typed_error(target: Target, hostile: Hostile) -> None:
    payload = {"choices": [], "error": {"code": "overloaded", "message": "try again later"}}
    hostile.push(answer(200, json.dumps(payload).encode(), content_type="application/json"))
    with pytest.raises(target.errors.APIStatusError) as caught:
        await target.run(hostile.url, PROMPT, streamed=False, max_retries=0)
    assert isinstance(caught.value, core.APIStatusError)
    assert "try again later" in str(caught.value)


@pytest.mark.parametrize("where", ["400 body", "200 body", "stream chunk"])
async def test_deep_nesting_is_a_typed_error(target: Target, hostile: Hostile, where: str) -> None:
    if where == "400 body":
        hostile.push(answer(400, deep(), content_type="application/json"))
        expected: type[BaseException] = target.errors.BadRequestError
    elif where == "200 body":
        hostile.push(answer(200, b'{"choices": ' + deep() + b"}"))
        expected = target.errors.APIStatusError
    else:
        hostile.push(answer(200, b"data: " + deep() + b"\n\ndata: [DONE]\n\n", **SSE))
        expected = target.errors.StreamError
    with pytest.raises(expected) as caught:
        await target.run(hostile.url, PROMPT, streamed=where == "stream chunk", max_retries=0)
    assert isinstance(caught.value, core.AzureInferenceError)
    assert len(str(caught.value)) < 3000


@pytest.mark.parametrize("family", ["langchain", "llamaindex"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_trickling_server_ends_embeddings_at_total_timeout(
    hostile: Hostile, family: str, is_async: bool
) -> None:
    body = json.dumps({"data": [], "model": "m", "usage": {}}).encode()
    hostile.push(trickle(head(200, len(body), content_type="application/json") + body, 0.1))
    options = {"endpoint": hostile.url, "credential": "k", "timeout": 2, "total_timeout": 1.0}
    if family == "langchain":
        from langchain_azure_inference import AzureInferenceEmbeddings

        lc = AzureInferenceEmbeddings(**options)
        call = lc.aembed_query("x") if is_async else asyncio.to_thread(lc.embed_query, "x")
    else:
        from llamaindex_azure_inference import AzureInferenceEmbedding

        li = AzureInferenceEmbedding(**options)
        call = (
            li.aget_text_embedding("x")
            if is_async
            else asyncio.to_thread(li.get_text_embedding, "x")
        )
    started = time.monotonic()
    with pytest.raises(core.APITimeoutError):
        await call
    assert time.monotonic() - started < 1.0 + MARGIN
