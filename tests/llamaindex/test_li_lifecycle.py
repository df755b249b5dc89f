"""Client lifecycle of both LlamaIndex classes: streams from dropped LLMs, changed
settings, copies, serialization, and every core client option under its own name."""

from __future__ import annotations

import copy
import gc
import pickle
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from _li_support import KEY
from llama_index.core.base.llms.types import ChatMessage

from azure_inference_core._lifecycle import CORE_CLIENT_OPTIONS
from azure_inference_emulator import Emulator
from llamaindex_azure_inference import (
    AuthenticationError,
    AzureInference,
    AzureInferenceEmbedding,
    ConfigurationError,
)

MSGS = [ChatMessage(role="user", content="Say hello")]


def _chat_bodies(emu: Emulator) -> list[dict[str, Any]]:
    return [r.body for r in emu.requests if r.path.endswith("/chat/completions")]


# -- streams outlive the LLM that started them -------------------------------------------


def test_stream_chat_from_an_llm_that_is_not_kept_alive(emu: Emulator) -> None:
    gen = AzureInference(endpoint=emu.endpoint, credential=KEY).stream_chat(MSGS)
    gc.collect()
    responses = list(gen)
    assert responses[-1].message.content


def test_stream_complete_from_an_llm_that_is_not_kept_alive(emu: Emulator) -> None:
    gen = AzureInference(endpoint=emu.endpoint, credential=KEY).stream_complete("Say hello")
    gc.collect()
    assert "".join(r.delta or "" for r in gen)


def test_close_during_a_stream_waits_for_its_end(emu: Emulator) -> None:
    llm = AzureInference(endpoint=emu.endpoint, credential=KEY)
    gen = llm.stream_chat(MSGS)
    first = next(gen)
    llm.close()
    rest = list(gen)
    assert (rest[-1] if rest else first).message.content


# -- changed settings take effect --------------------------------------------------------


def test_setting_model_after_a_call_sends_the_new_model(emu: Emulator) -> None:
    llm = AzureInference(endpoint=emu.foundry_endpoint, credential=KEY, model="Mistral-Large")
    llm.chat(MSGS)
    llm.model = "gpt-4o"
    llm.chat(MSGS)
    assert [b["model"] for b in _chat_bodies(emu)[-2:]] == ["Mistral-Large", "gpt-4o"]


def test_setting_the_credential_after_a_call_uses_it(emu: Emulator) -> None:
    llm = AzureInference(endpoint=emu.endpoint, credential=KEY)
    llm.chat(MSGS)
    llm.credential = "not-the-key"
    with pytest.raises(AuthenticationError):
        llm.chat(MSGS)


async def test_setting_the_endpoint_after_a_call_uses_it(emu: Emulator) -> None:
    llm = AzureInference(endpoint=emu.endpoint, credential=KEY, model="gpt-4o")
    await llm.achat(MSGS)
    llm.endpoint = emu.foundry_endpoint
    await llm.achat(MSGS)
    paths = [r.path for r in emu.requests if r.path.endswith("/chat/completions")][-2:]
    assert paths == ["/chat/completions", "/models/chat/completions"]
    await llm.aclose()


def test_model_copy_with_update_uses_its_own_settings(emu: Emulator) -> None:
    llm = AzureInference(endpoint=emu.foundry_endpoint, credential=KEY, model="Mistral-Large")
    llm.chat(MSGS)
    other = llm.model_copy(update={"model": "gpt-4o"})
    other.chat(MSGS)
    llm.chat(MSGS)
    assert [b["model"] for b in _chat_bodies(emu)[-3:]] == [
        "Mistral-Large",
        "gpt-4o",
        "Mistral-Large",
    ]


def test_embedding_model_change_after_a_call_is_used(emu: Emulator) -> None:
    embed = AzureInferenceEmbedding(
        endpoint=emu.foundry_endpoint, credential=KEY, model="Cohere-embed-v3-english"
    )
    embed.get_text_embedding("a")
    embed.model = "text-embedding-3-small"  # takes no input_type
    embed.get_text_embedding("b")
    bodies = [r.body for r in emu.requests if r.path.endswith("/embeddings")][-2:]
    assert [b["model"] for b in bodies] == ["Cohere-embed-v3-english", "text-embedding-3-small"]
    assert [b.get("input_type") for b in bodies] == ["document", None]
    embed.document_input_type = "query"  # set by the user: kept
    embed.model = "Cohere-embed-v3-english"
    embed.get_text_embedding("c")
    assert emu.requests[-1].body["input_type"] == "query"


# -- copies and serialization --------------------------------------------------------------


def test_deepcopy_and_pickle_after_the_first_call(emu: Emulator) -> None:
    llm = AzureInference(endpoint=emu.endpoint, credential=KEY)
    llm.chat(MSGS)
    for clone in (copy.deepcopy(llm), pickle.loads(pickle.dumps(llm))):
        assert clone.chat(MSGS).message.content
        assert clone._get_sync_client() is not llm._get_sync_client()


class _Recorder:
    def __init__(self) -> None:
        self.headers: list[httpx.Headers] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.headers.append(request.headers)
        return httpx.Response(
            200,
            json={"id": "x", "choices": [{"index": 0, "message": {"content": "ok"}}]},
        )


@pytest.fixture
def recorder() -> Iterator[tuple[_Recorder, httpx.Client]]:
    rec = _Recorder()
    with httpx.Client(transport=httpx.MockTransport(rec)) as http:
        yield rec, http


def test_from_dict_of_to_dict_never_sends_a_masked_secret_header(
    recorder: tuple[_Recorder, httpx.Client],
) -> None:
    rec, http = recorder
    llm = AzureInference(
        endpoint="https://unit.eastus2.models.ai.azure.com",
        credential=KEY,
        default_headers={"Ocp-Apim-Subscription-Key": "gw-secret", "x-team": "a"},
    )
    data = llm.to_dict()
    assert "gw-secret" not in str(data)
    assert "gw-secret" not in llm.to_json()
    loaded = AzureInference.from_dict(data, credential=KEY, http_client=http)
    loaded.chat(MSGS)
    sent = rec.headers[-1]
    assert sent["x-team"] == "a"
    assert "ocp-apim-subscription-key" not in sent


def test_a_masked_secret_header_is_rejected_with_advice() -> None:
    with pytest.raises(ValueError, match="masked value"):
        AzureInference(
            endpoint="https://unit.eastus2.models.ai.azure.com",
            default_headers={"api-key": "***"},
        )


# -- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [AzureInference, AzureInferenceEmbedding])
@pytest.mark.parametrize(
    ("name", "hint"), [("api_key", "credential"), ("temprature", "temperature")]
)
def test_unknown_constructor_arguments_raise_listing_valid_names(
    cls: type[Any], name: str, hint: str
) -> None:
    if cls is AzureInferenceEmbedding and hint == "temperature":
        hint = ""
    with pytest.raises(TypeError, match=f"'{name}'") as err:
        cls(endpoint="https://unit.eastus2.models.ai.azure.com", **{name: 1})
    text = str(err.value)
    assert "Valid names:" in text
    assert "allow_insecure_http" in text
    if hint:
        assert f"did you mean {hint!r}" in text


@pytest.mark.parametrize("cls", [AzureInference, AzureInferenceEmbedding])
def test_every_core_client_option_is_a_field(cls: type[Any]) -> None:
    missing = [o.name for o in CORE_CLIENT_OPTIONS if o.name not in cls.model_fields]
    assert missing == []
    for option in CORE_CLIENT_OPTIONS:
        assert cls.model_fields[option.name].default == option.default, option.name


def test_allow_insecure_http_is_honoured() -> None:
    plain = "http://gateway.internal.example"
    with pytest.raises(ConfigurationError, match="allow_insecure_http=True") as err:
        AzureInference(endpoint=plain, credential=KEY)._get_sync_client()
    assert "allow_insecure_http" in AzureInference.model_fields  # the advice can be followed
    del err
    llm = AzureInference(endpoint=plain, credential=KEY, allow_insecure_http=True)
    assert llm._get_sync_client().endpoint == plain


def test_key_header_is_honoured(emu: Emulator) -> None:
    llm = AzureInference(endpoint=emu.endpoint, credential=KEY, key_header="api-key")
    llm.chat(MSGS)
    headers = emu.requests[-1].headers
    assert "api-key" in headers
    assert "authorization" not in headers


class _FakeTokenCredential:
    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        self.scopes.append(scopes)
        return type("Token", (), {"token": KEY, "expires_on": 4102444800})()


def test_credential_scopes_are_honoured(emu: Emulator) -> None:
    cred = _FakeTokenCredential()
    scopes = ["api://my-gateway/.default"]
    embed = AzureInferenceEmbedding(
        endpoint=emu.foundry_endpoint,
        credential=cred,
        model="Cohere-embed-v3-english",
        credential_scopes=scopes,
    )
    embed.get_text_embedding("a")
    assert cred.scopes == [tuple(scopes)]


def test_pickling_with_an_http_client_fails_clearly(
    recorder: tuple[_Recorder, httpx.Client],
) -> None:
    llm = AzureInference(
        endpoint="https://unit.eastus2.models.ai.azure.com", credential=KEY, http_client=recorder[1]
    )
    with pytest.raises(TypeError, match="http_client"):
        pickle.dumps(llm)


def test_calls_from_threads_survive_concurrent_setting_changes(emu: Emulator) -> None:
    from concurrent.futures import ThreadPoolExecutor

    llm = AzureInference(endpoint=emu.foundry_endpoint, credential=KEY, model="Mistral-Large")

    def call(i: int) -> str:
        if i % 5 == 0:  # another thread's change retires the client under live calls
            llm.model = "gpt-4o" if llm.model == "Mistral-Large" else "Mistral-Large"
        if i % 2:
            return "".join(r.delta or "" for r in llm.stream_chat(MSGS))
        return llm.chat(MSGS).message.content or ""

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(call, range(40)))
    assert all(answers)
    llm.close()
