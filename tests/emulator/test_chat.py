"""Chat answers depend on the request: quoting, limits, sampling, usage, profiles."""

from __future__ import annotations

import httpx

from .conftest import chat


def message(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()["choices"][0]["message"]


def test_answer_quotes_the_last_user_message(mc: httpx.Client) -> None:
    body = {
        "messages": [
            {"role": "user", "content": "first question"},
            {"role": "assistant", "content": "an answer"},
            {"role": "user", "content": "How many languages are in the world?"},
        ]
    }
    data = mc.post("/chat/completions", json=body).json()
    content = data["choices"][0]["message"]["content"]
    assert '"How many languages are in the world?"' in content
    assert "first question" not in content
    assert data["object"] == "chat.completion"
    assert data["model"] == "Mistral-Large"
    assert data["choices"][0]["finish_reason"] == "stop"


def test_usage_follows_the_text(mc: httpx.Client) -> None:
    short = mc.post(
        "/chat/completions",
        json={"messages": [{"role": "user", "content": "hi"}], "temperature": 0},
    ).json()
    long_prompt = "word " * 200
    long = mc.post(
        "/chat/completions",
        json={"messages": [{"role": "user", "content": long_prompt}], "temperature": 0},
    ).json()
    for data in (short, long):
        usage = data["usage"]
        words = len(data["choices"][0]["message"]["content"].split())
        assert usage["completion_tokens"] == words
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert long["usage"]["prompt_tokens"] == short["usage"]["prompt_tokens"] + 199


def test_max_tokens_truncates_with_finish_reason_length(mc: httpx.Client) -> None:
    data = chat(mc, "Tell me everything about the sea", max_tokens=3, temperature=0).json()
    choice = data["choices"][0]
    assert choice["finish_reason"] == "length"
    assert len(choice["message"]["content"].split()) == 3
    assert data["usage"]["completion_tokens"] == 3


def test_stop_sequences_cut_the_text(mc: httpx.Client) -> None:
    full = message(chat(mc, "stop here please", temperature=0))["content"]
    cut = message(chat(mc, "stop here please", temperature=0, stop=["here"]))["content"]
    assert full.startswith(cut)
    assert "here" not in cut
    assert len(cut) < len(full)
    single = message(chat(mc, "stop here please", temperature=0, stop="please"))["content"]
    assert "please" not in single


def test_temperature_zero_is_deterministic(mc: httpx.Client) -> None:
    answers = {message(chat(mc, "same", temperature=0))["content"] for _ in range(4)}
    assert len(answers) == 1


def test_seed_repeats_and_different_seeds_vary(mc: httpx.Client) -> None:
    a = message(chat(mc, "vary me", temperature=1, seed=1))["content"]
    b = message(chat(mc, "vary me", temperature=1, seed=1))["content"]
    others = {message(chat(mc, "vary me", temperature=1, seed=s))["content"] for s in range(2, 6)}
    assert a == b
    assert a not in others
    assert len(others) > 1


def test_seed_zero_is_a_real_seed(mc: httpx.Client) -> None:
    a = message(chat(mc, "zero", temperature=1, seed=0))["content"]
    b = message(chat(mc, "zero", temperature=1, seed=0))["content"]
    assert a == b


def test_system_message_is_visible_for_mistral(mc: httpx.Client) -> None:
    body = {
        "messages": [
            {"role": "system", "content": "Answer like a pirate."},
            {"role": "user", "content": "Hello"},
        ]
    }
    content = mc.post("/chat/completions", json=body).json()["choices"][0]["message"]["content"]
    assert 'system instruction "Answer like a pirate."' in content


def test_phi_turns_the_system_message_into_user_text(pc: httpx.Client) -> None:
    body = {
        "messages": [
            {"role": "system", "content": "Answer like a pirate."},
            {"role": "user", "content": "Hello"},
        ]
    }
    content = pc.post("/chat/completions", json=body).json()["choices"][0]["message"]["content"]
    assert "no system role" in content
    assert '"Answer like a pirate." arrived as a user message' in content
    assert '"Hello"' in content


def test_phi_extra_parameters_n_and_logprobs(pc: httpx.Client) -> None:
    response = chat(
        pc,
        "two answers",
        temperature=1,
        seed=3,
        n=2,
        logprobs=True,
        top_logprobs=2,
        headers={"extra-parameters": "pass-through"},
    )
    data = response.json()
    assert [c["index"] for c in data["choices"]] == [0, 1]
    first, second = (c["message"]["content"] for c in data["choices"])
    assert first != second
    entries = data["choices"][0]["logprobs"]["content"]
    assert "".join(e["token"] for e in entries) == first
    assert all(len(e["top_logprobs"]) == 2 for e in entries)


def test_phi_rejects_json_object_with_422(pc: httpx.Client) -> None:
    response = chat(pc, "json please", response_format={"type": "json_object"})
    assert response.status_code == 422
    assert response.json() == {
        "status": 422,
        "code": "parameter_not_supported",
        "detail": [{"loc": ["body", "response_format"], "input": "json_object"}],
        "message": "One of the parameters contain invalid values.",
    }


def test_phi_rejects_tools_with_422(pc: httpx.Client) -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    response = chat(pc, "call f", tools=tools)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "tools"]


def test_context_window_is_enforced(pc: httpx.Client) -> None:
    response = chat(pc, "word " * 5000)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "context_length_exceeded"
    assert "4096" in error["message"]


def test_max_tokens_beyond_the_model_is_422(pc: httpx.Client) -> None:
    response = chat(pc, "hi", max_tokens=100_000)
    assert response.status_code == 422
    assert response.json()["detail"][0] == {"loc": ["body", "max_tokens"], "input": 100_000}


def test_malformed_requests_get_clear_400s(mc: httpx.Client) -> None:
    cases = [
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "robot", "content": "x"}]}, "role"),
        ({"messages": [{"role": "user", "content": "x"}], "temperature": "hot"}, "temperature"),
        ({"messages": [{"role": "user", "content": "x"}], "max_tokens": 0}, "max_tokens"),
        ({"messages": [{"role": "user", "content": "x"}], "stop": 5}, "stop"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "tool_call_id"),
    ]
    for body, word in cases:
        response = mc.post("/chat/completions", json=body)
        assert response.status_code == 400, body
        assert word in response.json()["error"]["message"]
    bad_json = mc.post(
        "/chat/completions", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad_json.status_code == 400


def test_json_object_echoes_the_question(mc: httpx.Client) -> None:
    import json

    content = message(chat(mc, "How many languages?", response_format={"type": "json_object"}))
    parsed = json.loads(content["content"])
    assert parsed["question"] == "How many languages?"
    assert isinstance(parsed["answer"], str)
    keyed = chat(
        mc,
        "Tell me a joke about cats. Return the result as a JSON with 'setup' and 'punchline' keys.",
        response_format={"type": "json_object"},
    )
    joke = json.loads(message(keyed)["content"])
    assert set(joke) == {"setup", "punchline"}
    assert all(isinstance(v, str) and v for v in joke.values())


def test_reasoning_content_on_2025_api_versions() -> None:
    from azure_inference_emulator import Emulator

    from .conftest import client_for

    with (
        Emulator("DeepSeek-R1") as emu,
        client_for(emu, key=None, version="2025-05-01") as new,
        client_for(emu, key=None, version="2024-05-01-preview") as old,
    ):
        data = chat(new, "Why is the sky blue?").json()
        msg = data["choices"][0]["message"]
        assert '"Why is the sky blue?"' in msg["reasoning_content"]
        assert "<think>" not in msg["content"]
        details = data["usage"]["completion_tokens_details"]
        assert details["reasoning_tokens"] == len(msg["reasoning_content"].split())
        legacy = chat(old, "Why is the sky blue?").json()["choices"][0]["message"]
        assert "reasoning_content" not in legacy
        assert legacy["content"].startswith("<think>\n")


def test_o3_mini_counts_hidden_reasoning_and_rejects_temperature() -> None:
    from azure_inference_emulator import Emulator

    from .conftest import client_for

    with Emulator("o3-mini") as emu, client_for(emu, key=None, version="2025-05-01") as client:
        data = chat(client, "think").json()
        assert "reasoning_content" not in data["choices"][0]["message"]
        assert data["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0
        rejected = chat(client, "think", temperature=0.5)
        assert rejected.status_code == 400
        assert rejected.json()["error"]["code"] == "unsupported_value"
        assert rejected.json()["error"]["param"] == "temperature"
