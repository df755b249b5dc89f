"""The emulator's Responses API on the wire, and the core's ``client.responses`` through it:
the event stream, errors in the service's shapes, Responses-only profiles, faults,
quotas, the content filter and record/replay."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from azure_inference_core import (
    APITimeoutError,
    AsyncInferenceClient,
    BadRequestError,
    ContentFilterError,
    FunctionCallOutputItem,
    FunctionTool,
    InferenceClient,
    InputImagePart,
    InputMessage,
    InputTextPart,
    RateLimitError,
    ReasoningConfig,
    ResponseContentFilterError,
    StreamError,
    StreamTimeoutError,
)
from azure_inference_emulator import Emulator

from . import _recorded_responses as recorded
from .conftest import KEY, TLS, image_data_url

CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(
        "gpt-4o-mini",
        key=KEY,
        requests_per_minute=None,
        tokens_per_minute=None,
        content_filter_phrases=["forbidden phrase"],
    ) as emulator:
        yield emulator


@pytest.fixture
def v1(emu: Emulator) -> Iterator[httpx.Client]:
    emu.script.clear()
    with httpx.Client(
        base_url=emu.openai_v1_endpoint, headers={"api-key": KEY}, timeout=10, verify=TLS
    ) as client:
        yield client


def error_of(response: httpx.Response) -> dict[str, Any]:
    inner: dict[str, Any] = response.json()["error"]
    return inner


# -- the wire ----------------------------------------------------------------------------------


def test_stream_is_named_events_without_done(v1: httpx.Client) -> None:
    body = {"model": "gpt-4o-mini", "input": "one two three", "stream": True}
    with v1.stream("POST", "/responses", json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        text = response.read().decode()
    blocks = [b for b in text.split("\n\n") if b]
    assert "[DONE]" not in text
    for number, block in enumerate(blocks):
        name, data = block.split("\n")
        event = json.loads(data.removeprefix("data: "))
        assert name == f"event: {event['type']}"
        assert event["sequence_number"] == number
    final = json.loads(blocks[-1].split("\n")[1].removeprefix("data: "))["response"]
    plain = v1.post("/responses", json={**body, "stream": False, "temperature": 0}).json()
    assert final["status"] == plain["status"] == "completed"
    assert final["object"] == "response"


def test_max_output_tokens_leaves_an_incomplete_response(v1: httpx.Client) -> None:
    body = {"model": "gpt-4o-mini", "input": "Tell me a long story", "max_output_tokens": 3}
    answer = v1.post("/responses", json=body).json()
    assert answer["status"] == "incomplete"
    assert answer["incomplete_details"] == {"reason": "max_output_tokens"}
    assert len(answer["output"][0]["content"][0]["text"].split()) == 3


@pytest.mark.parametrize(
    ("body", "status", "code", "param"),
    [
        ({"input": "hi", "temperature_x": 1}, 400, "unknown_parameter", "temperature_x"),
        ({"input": "hi", "previous_response_id": "resp_nope"}, 400,
         "previous_response_not_found", "previous_response_id"),
        ({"input": [{"type": "reasoning", "id": "rs_x", "summary": [],
                     "encrypted_content": "forged"}]}, 400, "invalid_encrypted_content", "input"),
        ({"input": [{"type": "reasoning", "id": "rs_x", "summary": []}]}, 404, None, "input"),
        ({"input": [{"type": "function_call_output", "call_id": "call_9", "output": "x"}]},
         400, None, "input"),
        ({"input": "hi", "tools": [{"type": "function", "function": {"name": "f"}}]}, 400, None,
         "tools[0].name"),
        ({"input": "hi", "reasoning": {"effort": "high"}}, 400, "unsupported_parameter",
         "reasoning.effort"),
        ({"input": "hi", "include": ["everything"]}, 400, "invalid_value", "include"),
        ({"input": "hi", "text": {"format": {"type": "yaml"}}}, 400, "invalid_value",
         "text.format.type"),
        ({}, 400, "missing_required_parameter", "input"),
    ],
)  # fmt: skip
def test_errors_in_the_services_shape(
    v1: httpx.Client, body: dict[str, Any], status: int, code: str | None, param: str
) -> None:
    response = v1.post("/responses", json={"model": "gpt-4o-mini", **body})
    assert response.status_code == status, response.text
    error = error_of(response)
    assert error["type"] == "invalid_request_error"
    assert error["code"] == code
    assert error["param"] == param
    assert error["message"]


def test_deployment_auth_and_api_version_checks(emu: Emulator, v1: httpx.Client) -> None:
    assert v1.get("/responses").status_code == 405
    no_model = v1.post("/responses", json={"input": "hi"})
    assert no_model.status_code == 400
    assert error_of(no_model)["code"] == "no_model_name"
    chat_only = v1.post("/responses", json={"model": "Mistral-Large", "input": "hi"})
    assert chat_only.status_code == 404
    assert "responses operation does not work" in error_of(chat_only)["message"]
    assert httpx.post(f"{emu.openai_v1_endpoint}/responses", json={}, verify=TLS).status_code == 401
    aoai = f"{emu.endpoint}/openai/responses"
    body = {"model": "gpt-4o-mini", "input": "hi"}
    headers = {"api-key": KEY}
    assert httpx.post(aoai, json=body, headers=headers, verify=TLS).status_code == 404
    ok = httpx.post(aoai, params={"api-version": "2025-04-01-preview"}, json=body,
                    headers=headers, verify=TLS)  # fmt: skip
    assert ok.status_code == 200
    codex = v1.post("/responses", json={"model": "codex-mini", "input": "hi", "temperature": 0.2})
    assert codex.status_code == 400
    assert error_of(codex)["param"] == "temperature"


@pytest.mark.parametrize("model", ["codex-mini", "o3-pro"])
def test_responses_only_models_refuse_chat_completions_on_every_route(
    emu: Emulator, model: str
) -> None:
    chat = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
    urls = [
        (f"{emu.openai_v1_endpoint}/chat/completions", {}),
        (f"{emu.foundry_endpoint}/chat/completions", {"api-version": "2024-05-01-preview"}),
        (
            f"{emu.openai_deployment_endpoint(model)}/chat/completions",
            {"api-version": "2024-10-21"},
        ),
    ]
    for url, params in urls:
        answer = httpx.post(url, params=params, json=chat, headers={"api-key": KEY}, verify=TLS)
        assert answer.status_code == 400, url
        assert error_of(answer)["code"] == "OperationNotSupported"
        assert "Please choose different model" in error_of(answer)["message"]
    body = {"model": model, "input": "hi", "reasoning": {"effort": "high"}}
    assert httpx.post(
        f"{emu.openai_v1_endpoint}/responses", json=body, headers={"api-key": KEY}, verify=TLS
    ).is_success


# -- the core client through the emulator ------------------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_core_client_create_and_stream(emu: Emulator, kind: str) -> None:
    tools = [FunctionTool(name="get_weather", parameters=CITY, strict=True)]
    ask = [InputMessage(role="user", content=[InputTextPart(text="What is the weather in Nice?")])]
    if kind == "sync":
        with InferenceClient(emu.openai_v1_endpoint, KEY, model="gpt-4o-mini") as client:
            first = client.responses.create(ask, tools=tools, temperature=0)
            call = first.function_calls[0]
            follow = [FunctionCallOutputItem(call_id=call.call_id, output="mild")]
            with client.responses.stream(
                follow, previous_response_id=first.id, tools=tools, temperature=0
            ) as stream:
                events = list(stream)
                final = stream.final_response()
    else:
        async with AsyncInferenceClient(
            emu.openai_v1_endpoint, KEY, model="gpt-4o-mini"
        ) as aclient:
            first = await aclient.responses.create(ask, tools=tools, temperature=0)
            call = first.function_calls[0]
            follow = [FunctionCallOutputItem(call_id=call.call_id, output="mild")]
            async with aclient.responses.stream(
                follow, previous_response_id=first.id, tools=tools, temperature=0
            ) as astream:
                events = [event async for event in astream]
                final = astream.final_response()
    assert call.name == "get_weather"
    assert json.loads(call.arguments) == {"city": "Nice"}
    assert events[-1].type == "response.completed"
    assert "get_weather returned mild" in final.output_text
    assert events[-1].response is not None
    assert final == events[-1].response


def test_core_client_images_reasoning_and_structured_output(emu: Emulator) -> None:
    with InferenceClient(emu.openai_v1_endpoint, KEY) as client:
        picture = image_data_url("PNG", 32, 16)
        seen = client.responses.create(
            [InputMessage(role="user", content=[InputTextPart(text="What is this?"),
                                                InputImagePart(image_url=picture)])],
            model="gpt-4o",
        )  # fmt: skip
        assert "I see 1 image" in seen.output_text
        assert "32x16" in seen.output_text
        thought = client.responses.create(
            "Why is the sky blue?",
            model="o3-mini",
            reasoning=ReasoningConfig(effort="low", summary="detailed"),
            include=["reasoning.encrypted_content"],
        )
        assert "Why is the sky blue?" in thought.reasoning_summary
        assert thought.usage is not None
        assert thought.usage.reasoning_tokens > 0
        shaped = client.responses.create(
            "Tell me about Berlin",
            model="gpt-4o-mini",
            text_format={"type": "json_schema", "name": "city", "schema": CITY, "strict": True},
        )
        assert set(json.loads(shaped.output_text)) == {"city"}


def test_content_filter_as_for_chat(emu: Emulator) -> None:
    with InferenceClient(emu.openai_v1_endpoint, KEY, model="gpt-4o-mini") as client:
        with pytest.raises(ContentFilterError) as blocked:
            client.responses.create("say the forbidden phrase")
        assert blocked.value.status_code == 400
        cut = {"x-emulator-fault": "content-filter=completion"}
        with pytest.raises(ResponseContentFilterError) as caught:
            client.responses.create("Tell me about Paris", headers=cut)
        assert caught.value.response.status == "incomplete"
        assert caught.value.response.output_text
        with pytest.raises(ResponseContentFilterError):
            list(client.responses.stream("Tell me about Paris", headers=cut))


def test_faults_retries_and_broken_streams(emu: Emulator) -> None:
    fault = "status=503; times=2; id=resp-retry"
    with InferenceClient(emu.openai_v1_endpoint, KEY, model="gpt-4o-mini", max_retries=2) as client:
        client._retry.backoff_factor = 0.01
        before = len(emu.requests)
        answer = client.responses.create("hi", headers={"x-emulator-fault": fault})
        assert answer.status == "completed"
        assert len(emu.requests) - before == 3  # two 503s, then the answer
        with pytest.raises(StreamError, match="broke"):
            list(client.responses.stream("a b c d e", headers={"x-emulator-fault": "drop-after=4"}))
        with pytest.raises(StreamError, match="emulated"):
            list(
                client.responses.stream(
                    "a b c d e", headers={"x-emulator-fault": "error-event-after=3"}
                )
            )


def test_quotas_apply_to_the_responses_route() -> None:
    with (
        Emulator("gpt-4o-mini", key=KEY, requests_per_minute=1) as emu,
        InferenceClient(emu.openai_v1_endpoint, KEY, model="gpt-4o-mini", max_retries=0) as client,
    ):
        client.responses.create("hi")
        with pytest.raises(RateLimitError) as caught:
            client.responses.create("again")
        assert caught.value.retry_after is not None


def test_record_then_replay_a_responses_conversation(tmp_path: Path) -> None:
    cassette = tmp_path / "responses.json"

    def session(endpoint: str) -> list[str]:
        with InferenceClient(endpoint, KEY, model="gpt-4o-mini", max_retries=0) as client:
            first = client.responses.create("My name is Ada.", temperature=0)
            second = client.responses.create(
                "What is my name?", previous_response_id=first.id, temperature=0
            )
            streamed = "".join(
                e.delta or "" for e in client.responses.stream("Stream this", temperature=0)
                if e.type == "response.output_text.delta"
            )  # fmt: skip
            return [first.id, first.output_text, second.output_text, streamed]

    with (
        Emulator("gpt-4o-mini", key=KEY, seed=1) as upstream,
        Emulator(mode="record", upstream=upstream.endpoint, cassette=cassette) as recorder,
    ):
        recorded = session(recorder.openai_v1_endpoint)
    with Emulator(mode="replay", cassette=cassette) as replayer:
        replayed = session(replayer.openai_v1_endpoint)
    assert replayed == recorded
    assert "Stream this" in recorded[3]
    assert KEY not in cassette.read_text()


def test_core_stateless_multi_turn_carries_encrypted_reasoning(emu: Emulator) -> None:
    with InferenceClient(emu.foundry_endpoint, KEY, model="codex-mini") as client:
        turn = client.responses.create(
            "Plan a day in Kyoto",
            store=False,
            include=["reasoning.encrypted_content"],
            reasoning=ReasoningConfig(effort="low", summary="auto"),
        )
        assert emu.requests[-1].path == "/openai/v1/responses"
        kinds = [item.type for item in turn.output]
        assert kinds == ["reasoning", "message"]
        history: list[Any] = [
            {"role": "user", "content": "Plan a day in Kyoto"},
            *turn.input_items(),
            {"role": "user", "content": "And the next day?"},
        ]
        again = client.responses.create(history, store=False)
        assert "And the next day?" in again.output_text
        assert again.usage is not None
        assert turn.usage is not None
        assert again.usage.input_tokens > turn.usage.output_tokens
        history[1]["encrypted_content"] = history[1]["encrypted_content"][:-4] + "AAAA"
        with pytest.raises(BadRequestError, match="could not be verified"):
            client.responses.create(history, store=False)


# -- against recorded Azure traffic (tests/emulator/_recorded_responses.py) ---------------------


def test_core_client_reads_the_recorded_azure_stream(tmp_path: Path) -> None:
    cassette = tmp_path / "recorded.json"
    # Project URLs map to their resource's routes (docs/endpoints.md), so the recorded
    # bytes are served on the resource's /openai/responses?api-version= route.
    cassette.write_text(json.dumps(recorded.cassette("/openai/responses")))
    with (
        Emulator(mode="replay", cassette=cassette) as replayer,
        InferenceClient(
            replayer.endpoint + "/openai/deployments/gpt-4o", KEY, model="gpt-4o"
        ) as client,
    ):
        extra = {"conversation": recorded.CONVERSATION}
        tools = [recorded.REQUEST_TOOL]
        with client.responses.stream(
            "What's the weather in Boston?",
            tools=tools,
            model_extras=extra,
            api_version=recorded.API_VERSION,
        ) as first:
            events = list(first)
        assert [e.type for e in events] == [e["type"] for e in recorded.FIRST_EVENTS]
        call = first.final_response().function_calls[0]
        assert (call.call_id, call.arguments) == (recorded.CALL_ID, recorded.ARGS)
        assert first.final_response() == events[-1].response
        answer = [FunctionCallOutputItem(call_id=call.call_id, output=recorded.SECOND_REQUEST[
            "input"][0]["output"])]  # type: ignore[index]  # fmt: skip
        with client.responses.stream(
            answer, tools=tools, model_extras=extra, api_version=recorded.API_VERSION
        ) as second:
            deltas = [e.delta for e in second if e.type == "response.output_text.delta"]
            final = second.final_response()
        assert "".join(d or "" for d in deltas) == recorded.TEXT
        assert final.output_text == recorded.TEXT
        assert final.usage is not None
        assert final.usage.total_tokens == 111
        assert final.model_extra is not None
        assert final.model_extra["service_tier"] == "default"


def _emulated_events(emu: Emulator, body: dict[str, Any]) -> list[dict[str, Any]]:
    with httpx.stream(
        "POST",
        f"{emu.openai_v1_endpoint}/responses",
        json=body,
        headers={"api-key": KEY},
        verify=TLS,
    ) as response:
        text = response.read().decode()
    return [json.loads(b.split("\n")[1].removeprefix("data: ")) for b in text.split("\n\n") if b]


def _shape(value: Any) -> Any:
    """Keys, recursively (lists by their first element): what must match the recording."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items() if k not in ("tools", "conversation")}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return None


def test_emulated_events_have_the_recorded_shapes(emu: Emulator) -> None:
    first = {k: v for k, v in recorded.FIRST_REQUEST.items() if k != "conversation"}
    first["input"] = "What's the weather in Boston? use get_weather"
    emulated = _emulated_events(emu, first)
    call = next(e for e in emulated if e["type"] == "response.output_item.done")["item"]
    second = {k: v for k, v in recorded.SECOND_REQUEST.items() if k != "conversation"}
    second["previous_response_id"] = emulated[-1]["response"]["id"]
    second["input"] = [{**second["input"][0], "call_id": call["call_id"]}]  # type: ignore[index]
    calls = [
        (emulated, recorded.FIRST_EVENTS),
        (_emulated_events(emu, second), recorded.SECOND_EVENTS),
    ]
    for mine_all, theirs in calls:
        by_type = {e["type"]: e for e in mine_all}
        assert set(by_type) == {e["type"] for e in theirs}
        for event in recorded.numbered(theirs):
            mine = by_type[event["type"]]
            if "response" in event:
                assert set(mine["response"]) == set(event["response"]) - {"conversation"}
            assert _shape(mine) == _shape(event), event["type"]


def test_server_wide_faults_can_target_the_responses_route() -> None:
    with (
        Emulator("gpt-4o-mini", key=KEY, faults=["status=500; route=responses"]) as emu,
        httpx.Client(headers={"api-key": KEY}, verify=TLS, timeout=10) as client,
    ):
        chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
        assert client.post(f"{emu.openai_v1_endpoint}/chat/completions", json=chat).is_success
        body = {"model": "gpt-4o-mini", "input": "hi"}
        assert client.post(f"{emu.openai_v1_endpoint}/responses", json=body).status_code == 500


def test_a_foundry_project_url_reaches_its_responses_route(emu: Emulator) -> None:
    with InferenceClient(f"{emu.endpoint}/api/projects/demo", KEY, model="gpt-4o") as client:
        answer = client.responses.create("Hello project")
    assert "Hello project" in answer.output_text
    # A project URL maps to its resource's routes (docs/endpoints.md): /openai/v1/responses.
    assert emu.requests[-1].path == "/openai/v1/responses"


def _without_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _without_ids(v)
            for k, v in value.items()
            if k not in ("id", "call_id", "created_at", "encrypted_content")
        }
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


@pytest.mark.parametrize(
    ("model", "options"),
    [
        ("gpt-4o-mini", {"input": "Tell me about Lisbon", "instructions": "Be warm.",
                         "temperature": 0}),
        ("gpt-4o-mini", {"input": "What is the weather in Oslo and in Rome?", "temperature": 0,
                         "tools": [{"type": "function", "name": "get_weather",
                                    "parameters": CITY}]}),
        ("o3-mini", {"input": "Why is the sea salty?", "reasoning": {"summary": "detailed"},
                     "include": ["reasoning.encrypted_content"]}),
        ("gpt-4o", {"input": "Describe Berlin", "max_output_tokens": 4, "temperature": 0}),
        ("codex-mini", {"input": "Why is the sea salty, as JSON?",
                        "text_format": {"type": "json_schema", "name": "city", "schema": CITY}}),
    ],
)  # fmt: skip
def test_streamed_answers_accumulate_to_the_non_streamed_one(
    emu: Emulator, model: str, options: dict[str, Any]
) -> None:
    # Reasoning models take no temperature: a scripted answer pins their wording.
    emu.script.on("sea salty", "Rivers carry dissolved minerals.", reasoning="Think about rivers.")
    try:
        with InferenceClient(emu.openai_v1_endpoint, KEY, model=model) as client:
            prompt = options.pop("input")
            plain = client.responses.create(prompt, **options)
            with client.responses.stream(prompt, **options) as stream:
                kinds = [event.type for event in stream]
                streamed = stream.final_response()
    finally:
        emu.script.clear()
    assert kinds[-1] in ("response.completed", "response.incomplete")
    assert plain.output  # something to compare
    assert _without_ids(streamed.model_dump()) == _without_ids(plain.model_dump())


def test_scripted_raw_events_reach_the_client(emu: Emulator) -> None:
    failing = [
        {"type": "response.created", "response": {"id": "resp_s", "status": "in_progress"}},
        {"type": "error", "code": "rate_limit_exceeded", "message": "Scripted trouble."},
    ]
    emu.script.on("scripted stream", chunks=failing, times=2)
    try:
        with InferenceClient(emu.openai_v1_endpoint, KEY, model="gpt-4o-mini") as client:
            with pytest.raises(StreamError, match="Scripted trouble") as caught:
                list(client.responses.stream("a scripted stream"))
            assert caught.value.code == "rate_limit_exceeded"
            with pytest.raises(BadRequestError, match="send stream=true"):
                client.responses.create("a scripted stream")
    finally:
        emu.script.clear()


def test_simulated_latency_applies_to_responses() -> None:
    # The first token comes 0.5 s late: a 0.1 s total_timeout cannot be met, either way.
    latency = {"first_token": 0.5, "per_token": 0.0}
    with (
        Emulator("gpt-4o-mini", key=KEY, latency=latency) as emu,
        InferenceClient(emu.openai_v1_endpoint, KEY, model="gpt-4o-mini", max_retries=0) as client,
    ):
        with pytest.raises(StreamTimeoutError):
            list(client.responses.stream("hello", total_timeout=0.1))
        with pytest.raises(APITimeoutError):
            client.responses.create("hello", total_timeout=0.1)
        assert client.responses.create("hello").status == "completed"


def test_input_items_leave_out_reasoning_that_cannot_be_sent_back(emu: Emulator) -> None:
    with InferenceClient(emu.openai_v1_endpoint, KEY, model="o3-mini") as client:
        unsealed = client.responses.create("Plan a day in Nara", store=False)
        assert [i.type for i in unsealed.output] == ["reasoning", "message"]
        assert [i["type"] for i in unsealed.input_items()] == ["message"]
        stored = client.responses.create("Plan a day in Nara")
        items = stored.input_items()
        assert [i["type"] for i in items] == ["reasoning", "message"]
        follow = client.responses.create([*items, {"role": "user", "content": "And Kobe?"}])
        assert "And Kobe?" in follow.output_text


def test_media_a_model_lacks_is_refused_naming_input(v1: httpx.Client) -> None:
    picture = image_data_url("PNG", 8, 8)
    body = {
        "model": "codex-mini",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "What is it?"},
                                                {"type": "input_image", "image_url": picture}]}],
    }  # fmt: skip
    refused = v1.post("/responses", json=body)
    assert refused.status_code == 400
    error = error_of(refused)
    assert error["param"].startswith("input")
    assert "messages" not in json.dumps(error)
