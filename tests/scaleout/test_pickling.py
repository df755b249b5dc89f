"""The adapters' models survive pickling (plain and cloudpickle) as working objects.

Worker pools and Ray ship models to other processes by pickling them. The
restored object must work against the same endpoint, with its key (carried
as a ``SecretStr``, as langchain-openai does), whether or not the original
had already opened its connections.
"""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from faults._support import KEY
from pydantic import SecretStr

from azure_inference_emulator import Emulator

from ._workers import ask, embed
from .conftest import chat_model, embedding_model

FAMILIES = ["langchain", "llamaindex"]


def dumps_with(tool: str, obj: Any) -> bytes:
    if tool == "pickle":
        return pickle.dumps(obj)
    cloudpickle = pytest.importorskip("ray.cloudpickle")
    return bytes(cloudpickle.dumps(obj))


@pytest.mark.parametrize("tool", ["pickle", "cloudpickle"])
@pytest.mark.parametrize("used_first", [False, True], ids=["fresh", "after-use"])
@pytest.mark.parametrize("family", FAMILIES)
def test_chat_model_round_trips_into_a_working_object(
    emu: Emulator, family: str, used_first: bool, tool: str
) -> None:
    model = chat_model(family, emu.foundry_endpoint)
    if used_first:
        assert "first question" in ask(model, "first question")
    restored = pickle.loads(dumps_with(tool, model))
    assert type(restored) is type(model)
    assert isinstance(restored.credential, SecretStr)
    assert restored.credential.get_secret_value() == KEY
    assert "question after unpickling" in ask(restored, "question after unpickling")
    if used_first:
        assert "original still works" in ask(model, "original still works")
    restored.close()
    model.close()


@pytest.mark.parametrize("tool", ["pickle", "cloudpickle"])
@pytest.mark.parametrize("family", FAMILIES)
def test_embeddings_round_trip_into_a_working_object(emu: Emulator, family: str, tool: str) -> None:
    model = embedding_model(family, emu.foundry_endpoint)
    texts = ["a red apple", "a green pear"]
    before = embed(model, texts)
    restored = pickle.loads(dumps_with(tool, model))
    assert isinstance(restored.credential, SecretStr)
    after = embed(restored, texts)
    assert after == before
    assert len(after) == 2
    assert len(after[0]) == 1024
    restored.close()
    model.close()
