"""The pure Responses event decoder and accumulator: streamed events add up to the
non-streamed response, however the network splits the bytes and the text."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azure_inference_core import (
    Response,
    ResponseAccumulator,
    ResponseEventDecoder,
    SSEDecoder,
    StreamError,
    StreamTooLargeError,
)

from ._responses_data import RESPONSE, events_for, sse

text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=0, max_size=40
)
ids = st.text(alphabet="abcdef0123456789", min_size=1, max_size=8)


@st.composite
def output_items(draw: st.DrawFn) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for n in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["message", "function_call", "reasoning"]))
        if kind == "message":
            parts = [
                {"type": "output_text", "text": t, "annotations": []}
                for t in draw(st.lists(text, min_size=1, max_size=2))
            ]
            items.append({"id": f"msg_{n}", "type": "message", "status": "completed",
                          "role": "assistant", "content": parts})  # fmt: skip
        elif kind == "function_call":
            items.append({"id": f"fc_{n}", "type": "function_call", "status": "completed",
                          "call_id": "call_" + draw(ids), "name": "f" + draw(ids),
                          "arguments": draw(text)})  # fmt: skip
        else:
            summary = [
                {"type": "summary_text", "text": t} for t in draw(st.lists(text, max_size=2))
            ]
            item = {"id": f"rs_{n}", "type": "reasoning", "summary": summary}
            if draw(st.booleans()):
                item["encrypted_content"] = "enc-" + draw(ids)
            items.append(item)
    return items


@st.composite
def responses(draw: st.DrawFn) -> dict[str, Any]:
    answer = copy.deepcopy(RESPONSE)
    answer["id"] = "resp_" + draw(ids)
    answer["output"] = draw(output_items())
    answer["status"] = draw(st.sampled_from(["completed", "incomplete"]))
    if answer["status"] == "incomplete":
        answer["incomplete_details"] = {"reason": "max_output_tokens"}
    return answer


def decode(wire: bytes, cuts: list[int]) -> tuple[ResponseAccumulator, ResponseEventDecoder, int]:
    decoder = ResponseEventDecoder()
    accumulator = ResponseAccumulator()
    points = sorted({c % (len(wire) + 1) for c in cuts} | {0, len(wire)})
    seen = 0
    for a, b in itertools.pairwise(points):
        for event in decoder.feed(wire[a:b]):
            accumulator.feed(event)
            seen += 1
    for event in decoder.flush():
        accumulator.feed(event)
        seen += 1
    return accumulator, decoder, seen


@settings(max_examples=150, deadline=None)
@given(responses(), st.lists(st.integers(0, 10_000), max_size=12), st.lists(st.integers(0, 50)))
def test_streamed_events_equal_the_non_streamed_response(
    answer: dict[str, Any], byte_cuts: list[int], text_cuts: list[int]
) -> None:
    events = events_for(answer, text_cuts)
    accumulator, decoder, seen = decode(sse(events), byte_cuts)
    assert seen == len(events)
    assert accumulator.result() == Response.model_validate(answer)
    decoder.finish(accumulator)  # a complete stream passes the end checks


@settings(max_examples=100, deadline=None)
@given(responses(), st.lists(st.integers(0, 50)))
def test_the_deltas_alone_rebuild_text_arguments_and_summaries(
    answer: dict[str, Any], text_cuts: list[int]
) -> None:
    # Without the .done events and with a terminal event that carries no output, the
    # accumulator has only the deltas to go on.
    events = [
        e for e in events_for(answer, text_cuts)
        if not e["type"].endswith(".done") and e["type"] != "response.content_part.done"
    ]  # fmt: skip
    events[-1] = {**events[-1], "response": {**answer, "output": []}}
    accumulator, _, _ = decode(sse(events), [])
    got = accumulator.result()
    expected = Response.model_validate(answer)
    assert got.output_text == expected.output_text
    assert [(c.call_id, c.name, c.arguments) for c in got.function_calls] == [
        (c.call_id, c.name, c.arguments) for c in expected.function_calls
    ]
    assert got.reasoning_summary == expected.reasoning_summary
    assert got.usage == expected.usage
    assert got.status == expected.status


def test_a_partial_stream_accumulates_what_arrived() -> None:
    events = events_for(RESPONSE, [4])
    upto = next(i for i, e in enumerate(events) if e["type"] == "response.output_text.delta")
    accumulator, decoder, _ = decode(sse(events[: upto + 1]), [])
    partial = accumulator.result()
    assert partial.output_text
    assert "It is sunny in Paris.".startswith(partial.output_text)
    assert partial.output_text != "It is sunny in Paris."
    with pytest.raises(StreamError, match=r"without response\.completed"):
        decoder.finish(accumulator)


def test_unknown_events_and_items_are_kept_not_fatal() -> None:
    events = events_for(RESPONSE)
    extra = {"type": "response.web_search_call.searching", "output_index": 9, "sequence_number": 99}
    answer = copy.deepcopy(RESPONSE)
    answer["output"].append({"type": "web_search_call", "id": "ws_1", "status": "completed"})
    events = events_for(answer)
    events.insert(3, extra)
    accumulator, decoder, _ = decode(sse(events), [])
    result = accumulator.result()
    assert result.output[-1].type == "web_search_call"
    assert result.output[-1].model_extra == {"id": "ws_1", "status": "completed"}
    decoder.finish(accumulator)


def test_done_is_tolerated_and_data_only_events_work() -> None:
    wire = (
        b"".join(b"data: " + sse([e]).split(b"data: ", 1)[1] for e in events_for(RESPONSE))
        + b"data: [DONE]\n\n"
    )
    accumulator, decoder, _ = decode(wire, [5, 50, 500])
    assert accumulator.result() == Response.model_validate(RESPONSE)
    decoder.finish(accumulator)


def test_json_that_is_not_an_event_is_an_error() -> None:
    with pytest.raises(StreamError, match="not a Responses event"):
        ResponseEventDecoder().feed(b'data: {"id": "chatcmpl-1", "choices": []}\n\n')


# -- named events (``event:`` + ``data:``), the shape of every Responses event ----------------

_NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz._", max_size=12)
_DATA = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=20
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(_NAME, _DATA, st.booleans(), st.booleans()), min_size=1, max_size=6),
    st.lists(st.integers(0, 10_000), max_size=8),
)
def test_named_events_decode_the_same_whole_and_byte_by_byte(
    events: list[tuple[str, str, bool, bool]], cuts: list[int]
) -> None:
    data = b"".join(
        b"event:" + (b" " if space else b"") + name.encode() + b"\n"
        + b"data:" + (b" " if data_space else b"") + text.encode() + b"\n\n"
        for name, text, space, data_space in events
    )  # fmt: skip

    def decoded(*reads: bytes) -> list[tuple[str, bytes]]:
        decoder = SSEDecoder()
        out = [e for read in reads for e in decoder.feed(read)] + decoder.flush()
        return [(e.event, e.data_bytes) for e in out]

    whole = decoded(data)
    # One space after the colon is the separator (a data starting with one, unseparated, loses it).
    expected = [(n, t if sep or t[:1] != " " else t[1:]) for n, t, _, sep in events]
    assert whole == [(n or "message", t.encode()) for n, t in expected]
    assert decoded(*[data[i : i + 1] for i in range(len(data))]) == whole  # the line path
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    assert decoded(*[data[a:b] for a, b in itertools.pairwise(points)]) == whole


def test_a_named_event_over_max_event_bytes_raises() -> None:
    with pytest.raises(StreamTooLargeError):
        SSEDecoder(64).feed(b"event: response.output_text.delta\ndata: " + b"x" * 70 + b"\n\n")
    assert SSEDecoder(64).feed(b"event: e\ndata: " + b"x" * 40 + b"\n\n")[0].event == "e"
