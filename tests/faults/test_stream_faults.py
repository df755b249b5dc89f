"""Streams that break after the 200, content filtering, and unsupported parameters.

A broken stream must raise a typed ``StreamError``, never end quietly as if
the partial text were the whole answer, and must not be retried once a
chunk reached the caller (the emulator counts the requests). The content
filter and the 422 for unsupported parameters must be catchable by the
name each package exports and carry what the user needs to act.
"""

from __future__ import annotations

from typing import Any

import pytest

import azure_inference_core as core
from azure_inference_emulator import Emulator

from ._support import Target, fault_id, hits

PROMPT = "Describe the water cycle in a few words please"

BROKEN = {
    "drop": "drop-after=3",
    "malformed": "malformed-after=2",
    "error-event": "error-event-after=2",
    "no-done": "no-done",
    "stall": "chunk-delay=3.0",  # the second chunk comes after the read timeout
}


@pytest.mark.parametrize("kind", list(BROKEN), ids=list(BROKEN))
async def test_broken_stream_raises_typed_error_without_retry(
    target: Target, emu: Emulator, kind: str
) -> None:
    fid = fault_id()
    timeout = 1.0 if kind == "stall" else 10.0
    client = target.make(
        emu.endpoint, fault=f"{BROKEN[kind]}; id={fid}", max_retries=2, timeout=timeout
    )
    seen: list[str] = []
    try:
        with pytest.raises(target.errors.StreamError) as caught:
            await target.stream(client, PROMPT, sink=seen.append)
    finally:
        await target.close(client)
    assert isinstance(caught.value, core.StreamError)
    assert hits(emu, fid) == 1, "a stream that already delivered chunks was retried"
    if kind == "error-event":
        assert "failed while streaming" in str(caught.value)
    if kind == "stall":
        assert "timed out" in str(caught.value)
    if kind in ("drop", "malformed", "error-event"):
        assert PROMPT not in "".join(seen), "the whole answer arrived despite the fault"


async def answer_through_internal_stream(target: Target, client: Any) -> str:
    """The final answer of an API that streams under the hood."""
    if target.family == "core":
        stream = client.stream([{"role": "user", "content": PROMPT}])
        if target.is_async:
            async for _ in await stream:
                pass
        else:
            for _ in stream:
                pass
        return str(stream.final_completion().choices[0].message.content)
    if target.family == "langchain":
        streaming = client.model_copy(update={"streaming": True})
        message = await streaming.ainvoke(PROMPT) if target.is_async else streaming.invoke(PROMPT)
        return str(message.content)
    text = ""
    if target.is_async:
        async for response in await client.astream_complete(PROMPT):
            text = response.text
    else:
        for response in client.stream_complete(PROMPT):
            text = response.text
    return text


async def test_broken_stream_never_becomes_an_answer_through_invoke(
    target: Target, emu: Emulator
) -> None:
    """Code paths that stream internally must raise too, not return the partial text."""
    fid = fault_id()
    client = target.make(emu.endpoint, fault=f"drop-after=4; id={fid}", max_retries=2)
    try:
        with pytest.raises(target.errors.StreamError):
            await answer_through_internal_stream(target, client)
    finally:
        await target.close(client)
    assert hits(emu, fid) == 1


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
@pytest.mark.parametrize("form", ["nested", "flat"])
async def test_prompt_content_filter_is_a_clear_catchable_error(
    target: Target, emu: Emulator, streamed: bool, form: str
) -> None:
    fid = fault_id()
    fault = f"content-filter=prompt; form={form}; id={fid}"
    with pytest.raises(target.errors.ContentFilterError) as caught:
        await target.run(emu.endpoint, PROMPT, streamed=streamed, fault=fault)
    error = caught.value
    assert error.status_code == 400
    assert error.code == "content_filter"
    assert "filter" in str(error).lower()
    if form == "nested":
        assert error.details is not None, "the filter results were lost"
        assert error.details["violence"]["filtered"] is True
    assert hits(emu, fid) == 1, "a content-filter 400 is not transient and must not be retried"


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_completion_cut_by_content_filter_raises_with_details(
    target: Target, emu: Emulator, streamed: bool
) -> None:
    fid = fault_id()
    fault = f"content-filter=completion; id={fid}"
    same: dict[str, Any] = {"temperature": 0}
    if target.family == "core" and streamed:
        # The core keeps the joined answer (for .completion) only when asked.
        same["accumulate"] = True
    whole = await target.run(emu.endpoint, PROMPT, streamed=streamed, params=same)
    with pytest.raises(target.errors.ContentFilterError) as caught:
        await target.run(emu.endpoint, PROMPT, streamed=streamed, fault=fault, params=same)
    error = caught.value
    assert error.code == "content_filter"
    assert error.details is not None
    assert error.details["violence"] == {"filtered": True, "severity": "medium"}
    assert error.completion is not None
    partial = error.completion.choices[0]
    assert partial.finish_reason == "content_filter"
    assert partial.message.content, "the partial answer is not on .completion"
    assert whole.startswith(partial.message.content)
    assert len(partial.message.content) < len(whole), "the cut answer is the whole answer"
    assert hits(emu, fid) == 1


async def test_unsupported_parameter_names_it_and_says_what_to_do(
    target: Target, emu: Emulator
) -> None:
    """Phi-3 has no JSON mode: the service's 422 must reach the user as a clear error.

    The deployment name ``plain-chat`` hides the model from the adapters' own
    model tables, so the request really goes out and the 422 comes back.
    """
    client = target.make(emu.foundry_endpoint, model="plain-chat", max_retries=2)
    try:
        with pytest.raises(target.errors.UnsupportedParameterError) as caught:
            await target.complete(client, PROMPT, response_format={"type": "json_object"})
    finally:
        await target.close(client)
    error = caught.value
    assert error.status_code == 422
    assert error.parameters == ["response_format"]
    text = str(error)
    assert "response_format" in text
    assert "Remove" in text or "remove" in text or "supported value" in text


@pytest.mark.parametrize("family", ["langchain", "llamaindex"])
async def test_known_model_limits_are_refused_before_sending(emu: Emulator, family: str) -> None:
    """With the real model name the adapters know Phi-3 has no JSON mode: a clear error, no call."""
    target = Target(family, False)
    emu.clear_requests()
    client = target.make(emu.foundry_endpoint, model="Phi-3-mini-4k-Instruct")
    try:
        with pytest.raises(target.errors.UnsupportedFeatureError) as caught:
            await target.complete(client, PROMPT, response_format={"type": "json_object"})
    finally:
        await target.close(client)
    text = str(caught.value)
    assert "Phi-3" in text
    assert "JSON" in text or "json" in text
    assert not [r for r in emu.requests if r.path.endswith("/chat/completions")]
