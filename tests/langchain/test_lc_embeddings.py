"""AzureInferenceEmbeddings on the emulator: batching, input types, dimensions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from _lc_mock import EMULATOR_KEY, clients
from pydantic import ValidationError

from azure_inference_emulator import Emulator
from langchain_azure_inference import AzureInferenceEmbeddings, UnsupportedParameterError


@pytest.fixture
async def make(fresh_emulator: Emulator) -> AsyncIterator[Any]:
    made: list[AzureInferenceEmbeddings] = []

    def factory(**kwargs: Any) -> AzureInferenceEmbeddings:
        params: dict[str, Any] = {
            "endpoint": fresh_emulator.foundry_endpoint,
            "credential": EMULATOR_KEY,
            "model": "Cohere-embed-v3-english",
            "max_retries": 0,
        }
        params.update(kwargs)
        embeddings = AzureInferenceEmbeddings(**params)
        made.append(embeddings)
        return embeddings

    yield factory
    for embeddings in made:
        await embeddings.aclose()


def _bodies(emulator: Emulator) -> list[dict[str, Any]]:
    return [r.body for r in emulator.requests if r.path.endswith("/embeddings")]


def test_one_request_per_batch_in_order(make: Any, fresh_emulator: Emulator) -> None:
    texts = [f"text number {i}" for i in range(5)]
    vectors = make(batch_size=2).embed_documents(texts)
    assert len(vectors) == 5
    assert [len(b["input"]) for b in _bodies(fresh_emulator)] == [2, 2, 1]
    single = make().embed_documents([texts[3]])[0]
    assert vectors[3] == single  # order kept across batches


def test_input_types_for_cohere(make: Any, fresh_emulator: Emulator) -> None:
    embeddings = make()
    embeddings.embed_documents(["a doc"])
    embeddings.embed_query("a query")
    assert [b["input_type"] for b in _bodies(fresh_emulator)] == ["document", "query"]


def test_input_type_settable_and_omittable(make: Any, fresh_emulator: Emulator) -> None:
    make(input_type_documents="text", input_type_query=None).embed_documents(["x"])
    make(input_type_documents="text", input_type_query=None).embed_query("y")
    bodies = _bodies(fresh_emulator)
    assert bodies[0]["input_type"] == "text"
    assert "input_type" not in bodies[1]


def test_input_type_not_sent_to_models_without_it(make: Any, fresh_emulator: Emulator) -> None:
    vectors = make(model="text-embedding-3-small", dimensions=256).embed_documents(["x"])
    assert len(vectors[0]) == 256
    body = _bodies(fresh_emulator)[0]
    assert "input_type" not in body
    assert body["dimensions"] == 256


def test_unsupported_dimensions_is_a_clear_error(make: Any) -> None:
    with pytest.raises(UnsupportedParameterError):
        make(dimensions=7).embed_query("x")


def test_empty_list_sends_nothing(make: Any, fresh_emulator: Emulator) -> None:
    assert make().embed_documents([]) == []
    assert _bodies(fresh_emulator) == []


async def test_async_twins(make: Any, fresh_emulator: Emulator) -> None:
    embeddings = make(batch_size=3)
    documents = await embeddings.aembed_documents(["a", "b", "c", "d"])
    query = await embeddings.aembed_query("a")
    assert len(documents) == 4
    assert len(query) == len(documents[0])
    assert [len(b["input"]) for b in _bodies(fresh_emulator)] == [3, 1, 1]
    assert clients(embeddings)[0] is None


def test_settings_validated() -> None:
    with pytest.raises(ValidationError):
        AzureInferenceEmbeddings(endpoint="https://x.models.ai.azure.com", batch_size=0)
    with pytest.raises(ValidationError, match="dimensions"):
        AzureInferenceEmbeddings(
            endpoint="https://x.models.ai.azure.com", model_kwargs={"dimensions": 3}
        )
    with pytest.raises(TypeError, match=r"'bogus'.*Valid names: .*key_header"):
        AzureInferenceEmbeddings(endpoint="https://x.models.ai.azure.com", bogus=1)


def test_key_hidden_and_pickle_roundtrip(make: Any, fresh_emulator: Emulator) -> None:
    import pickle

    embeddings = make(dimensions=1024)
    for text in (repr(embeddings), str(embeddings)):
        assert EMULATOR_KEY not in text
    embeddings.embed_query("warm up")  # creates the client, which is not pickled
    clone = pickle.loads(pickle.dumps(embeddings))
    assert clients(clone)[0] is None
    assert clone.embed_query("x") == embeddings.embed_query("x")
    clone.close()


def test_model_kwargs_pass_through(make: Any, fresh_emulator: Emulator) -> None:
    # The emulated model takes no extra parameters, so it names the one it refused.
    with pytest.raises(UnsupportedParameterError) as info:
        make(model_kwargs={"truncate": "END"}).embed_query("x")
    assert info.value.parameters == ["truncate"]
    sent = [r for r in fresh_emulator.requests if r.path.endswith("/embeddings")][-1]
    assert sent.body["truncate"] == "END"
    assert sent.headers["extra-parameters"] == "pass-through"


def test_base64_encoding_gives_the_same_floats(make: Any, fresh_emulator: Emulator) -> None:
    # Issue 13: the advice to drop encoding_format could not be followed; now it is a field.
    plain = make().embed_query("hello")
    packed = make(encoding_format="base64").embed_query("hello")
    assert fresh_emulator.requests[-1].body["encoding_format"] == "base64"
    assert packed == pytest.approx(plain, rel=1e-6)
