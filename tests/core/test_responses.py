"""The Responses API in the core: the typed request, the routes, and ``client.responses``
on the clients' call path (retries, errors, content filter, timeouts), sync and async."""

from __future__ import annotations

import asyncio
import copy
import gc
import subprocess
import sys
from typing import Any

import httpx
import pytest

from azure_inference_core import (
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
    ContentFilterError,
    FunctionCallItem,
    FunctionCallOutputItem,
    FunctionTool,
    InferenceClient,
    InputAudioPart,
    InputFilePart,
    InputImagePart,
    InputMessage,
    InputTextPart,
    OutputTextPart,
    ReasoningConfig,
    ReasoningItem,
    Response,
    ResponseContentFilterError,
    ResponseEvent,
    ServerError,
    StreamError,
    StreamTimeoutError,
    SummaryText,
    build_responses_body,
    json_schema_format,
)
from azure_inference_core._responses import responses_url

from ._loopback import ScriptedServer, json_reply, sse_reply
from ._responses_data import RESPONSE, events_for, sse
from .conftest import Driver

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


# -- the typed request ---------------------------------------------------------------------


def test_every_request_field_reaches_the_wire() -> None:
    body = build_responses_body(
        [
            InputMessage(
                role="user",
                content=[
                    InputTextPart(text="What is in these?"),
                    InputImagePart(image_url="data:image/png;base64,AAAA", detail="low"),
                    InputFilePart(filename="a.pdf", file_data="data:application/pdf;base64,JVBE"),
                    InputAudioPart.of("UklGRg==", "wav"),
                ],
            ),
            ReasoningItem(id="rs_1", summary=[SummaryText(text="t")], encrypted_content="e"),
            FunctionCallItem(call_id="call_1", name="get_weather", arguments='{"city":"Paris"}'),
            FunctionCallOutputItem(call_id="call_1", output="sunny"),
            InputMessage(role="assistant", content=[OutputTextPart(text="Sunny.")]),
        ],
        model="o3-mini",
        instructions="Be brief.",
        tools=[FunctionTool(name="get_weather", parameters=SCHEMA, strict=True)],
        tool_choice={"type": "function", "name": "get_weather"},
        parallel_tool_calls=False,
        text_format=json_schema_format("city", SCHEMA),
        reasoning=ReasoningConfig(effort="low", summary="auto"),
        max_output_tokens=200,
        store=False,
        previous_response_id="resp_0",
        include=["reasoning.encrypted_content"],
        truncation="auto",
        metadata={"run": "1"},
        stream=True,
    )
    assert body["input"][0]["content"] == [
        {"type": "input_text", "text": "What is in these?"},
        {"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "low"},
        {
            "type": "input_file",
            "file_data": "data:application/pdf;base64,JVBE",
            "filename": "a.pdf",
        },
        {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
    ]
    assert body["input"][1] == {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [{"type": "summary_text", "text": "t"}],
        "encrypted_content": "e",
    }
    assert body["input"][2]["type"] == "function_call"
    assert body["input"][3] == {
        "type": "function_call_output",
        "call_id": "call_1",
        "output": "sunny",
    }
    assert body["tools"] == [
        {"type": "function", "name": "get_weather", "parameters": SCHEMA, "strict": True}
    ]
    assert body["text"] == {
        "format": {"type": "json_schema", "name": "city", "schema": SCHEMA, "strict": True}
    }
    assert body["reasoning"] == {"effort": "low", "summary": "auto"}
    for name, value in {
        "model": "o3-mini",
        "instructions": "Be brief.",
        "parallel_tool_calls": False,
        "max_output_tokens": 200,
        "store": False,
        "previous_response_id": "resp_0",
        "include": ["reasoning.encrypted_content"],
        "truncation": "auto",
        "metadata": {"run": "1"},
        "stream": True,
    }.items():
        assert body[name] == value, name


def test_none_means_not_sent_and_a_string_input_stays_a_string() -> None:
    assert build_responses_body("hi", model="m") == {"model": "m", "input": "hi"}
    body = build_responses_body("hi", model="m", store=False, parallel_tool_calls=False)
    assert body["store"] is False
    assert body["parallel_tool_calls"] is False


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"tools": [{"type": "function", "function": {"name": "f"}}]}, ValueError, "top level"),
        ({"tools": [object()]}, TypeError, "FunctionTool"),
        ({"tool_choice": "always"}, ValueError, "tool_choice"),
        ({"tool_choice": {"name": "f"}}, ValueError, "tool_choice"),
        ({"reasoning": {"effort": "extreme"}}, ValueError, "reasoning.effort"),
        ({"text_format": {"type": "yaml"}}, ValueError, "text_format"),
        ({"text_format": {"type": "json_schema", "name": "x"}}, ValueError, "schema"),
        ({"max_output_tokens": 0}, ValueError, "max_output_tokens"),
        ({"include": "reasoning.encrypted_content"}, TypeError, "list of strings"),
        ({"truncation": "middle"}, ValueError, "truncation"),
        ({"metadata": {str(i): "v" for i in range(17)}}, ValueError, "16"),
        ({"store": "no"}, TypeError, "store"),
        ({"model_extras": {"store": True}, "store": False}, ValueError, "repeats"),
    ],
)
def test_bad_arguments_say_what_to_pass(kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        build_responses_body("hi", model="m", **kwargs)


def test_bad_input_items_are_refused() -> None:
    with pytest.raises(ValueError, match="input\\[0\\] has type 'input_text'"):
        build_responses_body([{"type": "input_text", "text": "x"}], model="m")
    with pytest.raises(TypeError, match="input\\[1\\]"):
        build_responses_body([{"role": "user", "content": "x"}, 3], model="m")  # type: ignore[list-item]
    with pytest.raises(TypeError, match="string or a list"):
        build_responses_body(b"bytes", model="m")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="role"):
        InputMessage(role="tool", content="x")  # type: ignore[arg-type]


# -- routes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "url"),
    [
        ("https://r.openai.azure.com/openai/v1", "https://r.openai.azure.com/openai/v1/responses"),
        (
            "https://r.openai.azure.com/openai/deployments/codex",
            "https://r.openai.azure.com/openai/responses?api-version=2025-04-01-preview",
        ),
        (
            "https://r.services.ai.azure.com/models",
            "https://r.services.ai.azure.com/openai/v1/responses",
        ),
        ("http://127.0.0.1:9/api", "http://127.0.0.1:9/api/responses"),
        (
            "https://r.services.ai.azure.com/api/projects/p1",
            "https://r.services.ai.azure.com/openai/v1/responses",
        ),
    ],
)
def test_each_flavour_maps_onto_its_responses_route(endpoint: str, url: str) -> None:
    client = InferenceClient(endpoint, "k")
    assert str(responses_url(client.endpoint_config)) == url
    client.close()


def test_serverless_endpoints_have_no_responses_route() -> None:
    client = InferenceClient("https://m.eastus2.models.ai.azure.com", "k")
    with pytest.raises(ConfigurationError, match="/openai/v1"):
        client.responses.create("hi", model="m")
    client.close()


# -- the call path --------------------------------------------------------------------------


async def create(driver: Driver, client: Any, *args: Any, **kwargs: Any) -> Any:
    return await driver.call(client.responses, "create", *args, **kwargs)


async def stream(driver: Driver, client: Any, *args: Any, **kwargs: Any) -> tuple[list[Any], Any]:
    opened = client.responses.stream(*args, **kwargs)
    events = [event async for event in opened] if driver.is_async else list(opened)
    return events, opened


async def test_create_posts_to_responses_and_parses_the_answer(
    driver: Driver, server: ScriptedServer
) -> None:
    server.push(json_reply(RESPONSE))
    client = driver.client(server.url + "/api", model="o3-mini")
    answer = await create(driver, client, "Weather in Paris?", store=False)
    assert isinstance(answer, Response)
    assert answer.output_text == "It is sunny in Paris."
    assert answer.function_calls[0].name == "get_weather"
    assert answer.reasoning_summary.endswith("Look the weather up.")
    assert answer.usage is not None
    assert answer.usage.reasoning_tokens == 64
    seen = server.seen[0]
    assert seen.path == "/api/responses"
    assert seen.json() == {"model": "o3-mini", "input": "Weather in Paris?", "store": False}
    assert seen.headers["api-key"] == "test-key"
    await driver.close(client)


async def test_an_azure_openai_deployment_url_names_the_model(
    driver: Driver, server: ScriptedServer
) -> None:
    server.push(json_reply(RESPONSE))
    client = driver.client(server.url + "/openai/deployments/codex-mini")
    await create(driver, client, "hi")
    assert server.seen[0].path == "/openai/responses?api-version=2025-04-01-preview"
    assert server.seen[0].json()["model"] == "codex-mini"
    await driver.close(client)


async def test_without_a_model_nothing_is_sent(driver: Driver, server: ScriptedServer) -> None:
    client = driver.client(server.url)
    with pytest.raises(ConfigurationError, match="model="):
        await create(driver, client, "hi")
    with pytest.raises(TypeError):
        await create(driver, client, "hi", model="m", max_tokens=3)
    assert server.seen == []
    await driver.close(client)


async def test_retries_and_errors_as_for_chat(driver: Driver, server: ScriptedServer) -> None:
    busy = {"error": {"code": "server_error", "message": "overloaded"}}
    server.push(json_reply(busy, 503, **{"retry-after-ms": "10"}), json_reply(RESPONSE))
    client = driver.client(server.url, model="m", max_retries=1)
    assert (await create(driver, client, "hi")).id == "resp_1"
    assert len(server.seen) == 2
    server.push(*(json_reply(busy, 503, **{"retry-after-ms": "10"}) for _ in range(2)))
    with pytest.raises(ServerError, match="overloaded"):
        await create(driver, client, "hi")
    await driver.close(client)


async def test_a_blocked_prompt_raises_content_filter_error(
    driver: Driver, server: ScriptedServer
) -> None:
    blocked = {
        "error": {
            "message": "The response was filtered due to the prompt triggering Microsoft's policy",
            "type": None,
            "param": "prompt",
            "code": "content_filter",
            "status": 400,
        }
    }
    server.push(json_reply(blocked, 400))
    client = driver.client(server.url, model="m")
    with pytest.raises(ContentFilterError):
        await create(driver, client, "bad words")
    await driver.close(client)


def _filtered() -> dict[str, Any]:
    cut = copy.deepcopy(RESPONSE)
    cut["status"] = "incomplete"
    cut["incomplete_details"] = {"reason": "content_filter"}
    cut["output"] = [RESPONSE["output"][2]]
    return cut


async def test_an_answer_cut_by_the_filter_raises_with_the_partial_response(
    driver: Driver, server: ScriptedServer
) -> None:
    server.push(json_reply(_filtered()), sse_reply([sse(events_for(_filtered()))]))
    client = driver.client(server.url, model="m")
    with pytest.raises(ResponseContentFilterError) as caught:
        await create(driver, client, "hi")
    assert caught.value.response.output_text == "It is sunny in Paris."
    with pytest.raises(ContentFilterError):
        await stream(driver, client, "hi")
    await driver.close(client)


async def test_stream_yields_typed_events_adding_up_to_the_answer(
    driver: Driver, server: ScriptedServer
) -> None:
    wire = sse(events_for(RESPONSE))
    server.push(sse_reply([wire[i : i + 37] for i in range(0, len(wire), 37)]))
    client = driver.client(server.url, model="o3-mini")
    events, opened = await stream(driver, client, "Weather?", reasoning={"summary": "auto"})
    assert all(isinstance(e, ResponseEvent) for e in events)
    assert events[0].type == "response.created"
    assert events[-1].type == "response.completed"
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert "".join(d or "" for d in deltas) == "It is sunny in Paris."
    assert opened.final_response() == Response.model_validate(RESPONSE)
    assert server.seen[0].json()["stream"] is True
    assert server.seen[0].headers["accept"] == "text/event-stream"
    await driver.close(client)


@pytest.mark.parametrize(
    ("tail", "match"),
    [
        (
            b'event: error\ndata: {"type":"error","code":"server_error","message":"boom"}\n\n',
            "boom",
        ),
        (b'data: {"error": {"code": "server_error", "message": "chat-style"}}\n\n', "chat-style"),
        (b"data: {not json\n\n", "not valid JSON"),
        (b"", "without response.completed"),
    ],
)
async def test_broken_streams_raise_stream_error(
    driver: Driver, server: ScriptedServer, tail: bytes, match: str
) -> None:
    head = sse(events_for(RESPONSE)[:5])
    server.push(sse_reply([head, tail]))
    client = driver.client(server.url, model="m")
    with pytest.raises(StreamError, match=match):
        await stream(driver, client, "hi")
    await driver.close(client)


async def test_a_failed_response_raises_with_its_error(
    driver: Driver, server: ScriptedServer
) -> None:
    failed = {**RESPONSE, "status": "failed", "output": []}
    failed["error"] = {"code": "server_error", "message": "The model crashed."}
    server.push(sse_reply([sse(events_for(failed))]), json_reply(failed))
    client = driver.client(server.url, model="m")
    with pytest.raises(StreamError, match="The model crashed") as caught:
        await stream(driver, client, "hi")
    assert caught.value.code == "server_error"
    with pytest.raises(APIStatusError, match="The model crashed") as plain:
        await create(driver, client, "hi")
    assert plain.value.code == "server_error"
    await driver.close(client)


async def test_total_timeout_bounds_a_slow_stream(driver: Driver, server: ScriptedServer) -> None:
    pieces = [sse([e]) for e in events_for(RESPONSE)]
    reply = sse_reply(pieces)
    reply.piece_delay = 0.1
    server.push(reply)
    client = driver.client(server.url, model="m")
    with pytest.raises(StreamTimeoutError, match="total_timeout"):
        await stream(driver, client, "hi", total_timeout=0.3)
    slow = json_reply(RESPONSE)
    slow.delay = 1.0
    server.push(slow)
    with pytest.raises(APITimeoutError):
        await create(driver, client, "hi", total_timeout=0.2)
    await driver.close(client)


async def test_request_options_apply(driver: Driver, server: ScriptedServer) -> None:
    server.push(json_reply(RESPONSE))
    client = driver.client(server.url, model="m")
    await create(driver, client, "hi", headers={"x-trace": "1"}, api_version="preview")
    assert server.seen[0].headers["x-trace"] == "1"
    assert server.seen[0].path == "/responses?api-version=preview"
    await driver.close(client)


def test_the_responses_api_loads_on_first_use() -> None:
    code = (
        "import sys, azure_inference_core as core\n"
        "print('azure_inference_core._responses_wire' in sys.modules)\n"
        "from azure_inference_core import Response, ResponseStream\n"
        "print(Response.__name__, core.InferenceClient('http://127.0.0.1:9', 'k').responses)\n"
        "try:\n    core.NoSuchName\nexcept AttributeError as e:\n    print('missing', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert lines[0] == "False"  # chat-only users do not pay for the Responses models
    assert lines[1].startswith("Response <azure_inference_core._responses_api.Responses")
    assert "NoSuchName" in lines[2]


def test_input_items_give_the_output_back_as_input() -> None:
    answer = Response.model_validate(RESPONSE)
    items = answer.input_items()
    assert [i["type"] for i in items] == ["reasoning", "function_call", "message"]
    assert items[0]["encrypted_content"] == "gAAAAB-opaque"
    assert items[1] == {
        "type": "function_call",
        "call_id": "call_a",
        "name": "get_weather",
        "arguments": '{"city":"Paris"}',
        "id": "fc_1",
    }
    assert items[2]["content"][0]["text"] == "It is sunny in Paris."
    # They are valid input for the next request.
    body = build_responses_body([*items, InputMessage(role="user", content="Thanks")], model="m")
    assert len(body["input"]) == 4
    unsealed = copy.deepcopy(RESPONSE)
    del unsealed["output"][0]["encrypted_content"]
    assert [i["type"] for i in Response.model_validate(unsealed).input_items()] == [
        "function_call",
        "message",
    ]
    unsealed["store"] = True
    assert len(Response.model_validate(unsealed).input_items()) == 3


async def test_abandoned_streams_free_their_pool_slot(
    driver: Driver, server: ScriptedServer
) -> None:
    wire = sse(events_for(RESPONSE))
    server.push(sse_reply([wire]), sse_reply([wire]), json_reply(RESPONSE))
    client = driver.client(
        server.url, model="m", max_concurrency=1, max_retries=0,
        timeout=httpx.Timeout(5.0, pool=0.5),
    )  # fmt: skip
    gc.disable()  # the slot must come back by refcounting alone, not at a collection
    try:
        if driver.is_async:
            async for _event in client.responses.stream("hi"):
                break
            for _ in range(3):  # the loop's async-generator finalizer closes it
                await asyncio.sleep(0)
            opened = await client.responses.stream("hi")
            await opened.aclose()
        else:
            for _event in client.responses.stream("hi"):
                break
            client.responses.stream("hi")  # never iterated, dropped at once
        assert (await create(driver, client, "hi")).id == "resp_1"
    finally:
        gc.enable()
    await driver.close(client)


def test_the_model_table_knows_the_responses_only_models() -> None:
    from azure_inference_core import capabilities_for
    from azure_inference_emulator import PROFILES

    for name, profile in PROFILES.items():
        if profile.is_chat:
            capabilities, _ = capabilities_for(name)
            assert capabilities.responses_only == (profile.responses_api == "only"), name
    assert capabilities_for("codex-mini")[0].responses_only


async def test_opening_a_stream_is_retried_but_not_once_events_flow(
    driver: Driver, server: ScriptedServer
) -> None:
    busy = {"error": {"code": "server_error", "message": "overloaded"}}
    head = sse(events_for(RESPONSE)[:4])
    server.push(
        json_reply(busy, 503, **{"retry-after-ms": "10"}),
        sse_reply([sse(events_for(RESPONSE))]),
        sse_reply([head], cut=True),
    )
    client = driver.client(server.url, model="m", max_retries=2)
    _, opened = await stream(driver, client, "hi")
    assert len(server.seen) == 2  # the 503 was retried
    assert opened.final_response().id == "resp_1"
    with pytest.raises(StreamError, match=r"broke|without response\.completed"):
        await stream(driver, client, "hi")
    assert len(server.seen) == 3  # a stream cut after its 200 is not resent
    await driver.close(client)
