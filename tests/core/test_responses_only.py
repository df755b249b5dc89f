"""Chat completions on a model the table marks Responses-only are refused before sending."""

from __future__ import annotations

import pytest

from azure_inference_core import UnsupportedFeatureError, capabilities_for

from ._loopback import ScriptedServer, json_reply
from .conftest import Driver

COMPLETION = {
    "id": "c1",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
    ],
}


@pytest.mark.parametrize("model", ["codex-mini", "o3-pro"])
@pytest.mark.parametrize("method", ["complete", "stream"])
async def test_chat_on_a_responses_only_model_is_refused_before_sending(
    driver: Driver, server: ScriptedServer, model: str, method: str
) -> None:
    assert capabilities_for(model)[0].responses_only
    client = driver.client(server.url + "/openai/v1", model=model)
    try:
        with pytest.raises(UnsupportedFeatureError) as caught:
            await getattr(driver, method)(client)
    finally:
        await driver.close(client)
    message = str(caught.value)
    assert repr(model) in message
    assert "Responses API" in message
    assert "use_responses_api=True" in message
    assert "client.responses.create" in message
    assert server.seen == []


async def test_the_deployment_in_the_url_decides_too(
    driver: Driver, server: ScriptedServer
) -> None:
    client = driver.client(server.url + "/openai/deployments/codex-mini")
    try:
        with pytest.raises(UnsupportedFeatureError, match="served only by the Responses API"):
            await driver.complete(client)
    finally:
        await driver.close(client)
    assert server.seen == []


@pytest.mark.parametrize("model", ["my-own-deployment", "gpt-4o-mini"])
async def test_unknown_and_chat_models_are_sent(
    driver: Driver, server: ScriptedServer, model: str
) -> None:
    server.push(json_reply(COMPLETION))
    client = driver.client(server.url + "/openai/v1", model=model)
    try:
        answer = await driver.complete(client)
    finally:
        await driver.close(client)
    assert answer.choices[0].message.content == "hi"
    assert server.seen[0].path.endswith("/chat/completions")
