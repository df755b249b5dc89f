"""Keys and tokens never show up where users and their tools look.

Covered: ``repr``/``str`` of every client, log records at DEBUG of every
logger (ours, httpx, httpcore, the frameworks'), exceptions for 401, 404,
429, 500 and connection failures (message, repr, body and the whole
formatted traceback chain), LangChain ``dumpd``/``dumps``, LlamaIndex
``to_dict``/``to_json``/``model_dump_json``, pickles, and the emulator's
recorded requests.

Pickles: langchain-openai keeps its key in a pydantic ``SecretStr`` field and
pydantic pickles a ``SecretStr`` with its value, so a pickled ``ChatOpenAI``
carries the key; LangChain's own secret handling (``lc_secrets``) applies to
``dumpd``/``dumps`` only. Worker processes (multiprocessing, Ray) need the
key to call the service, so the adapters do the same: the pickle carries the
key, restored as a ``SecretStr`` (masked in every repr). What must never be
pickled is live state: cached Entra tokens and connection pools.
"""

from __future__ import annotations

import logging
import pickle
import socket
import traceback
from typing import Any

import pytest
from faults._support import KEY, Target, fault_id
from pydantic import SecretStr

from azure_inference_emulator import Emulator

from ._fakes import FakeCredential
from .conftest import TOKEN, TOKEN_PARTS

WRONG_KEY = "wrong-key-secret-3f9a0b6d11"
SECRETS = (KEY, WRONG_KEY, TOKEN)
LOGGERS = (
    "",
    "azure_inference_core",
    "azure_inference_emulator",
    "httpx",
    "httpcore",
    "langchain",
    "langchain_core",
    "llama_index",
    "uvicorn",
    "uvicorn.error",
)


def assert_clean(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"a secret leaked into {where}"


def exception_text(error: BaseException) -> str:
    """Everything a logger or a crash report would print about an exception chain."""
    parts = ["".join(traceback.format_exception(error))]
    seen: BaseException | None = error
    while seen is not None:
        parts += [str(seen), repr(seen), repr(getattr(seen, "body", None)), repr(seen.args)]
        seen = seen.__cause__ or seen.__context__
    return "\n".join(parts)


def log_text(records: list[logging.LogRecord]) -> str:
    parts: list[str] = []
    for record in records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_info and record.exc_info[1] is not None:
            parts.append(exception_text(record.exc_info[1]))
    return "\n".join(parts)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- repr and str ---------------------------------------------------------------------


def _adapters(endpoint: str, credential: Any) -> list[Any]:
    from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference
    from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding

    return [
        ChatAzureInference(endpoint=endpoint, credential=credential, model="Mistral-Large"),
        AzureInferenceEmbeddings(endpoint=endpoint, credential=credential, model="embedder"),
        AzureInference(endpoint=endpoint, credential=credential, model="Mistral-Large"),
        AzureInferenceEmbedding(endpoint=endpoint, credential=credential, model="embedder"),
    ]


@pytest.mark.parametrize("as_secret", [False, True], ids=["str", "SecretStr"])
async def test_repr_and_str_never_show_the_key(emu: Emulator, as_secret: bool) -> None:
    from azure_inference_core import AsyncInferenceClient, InferenceClient

    credential: Any = SecretStr(KEY) if as_secret else KEY
    objects: list[Any] = [
        InferenceClient(emu.endpoint, credential),
        AsyncInferenceClient(emu.endpoint, credential),
        *_adapters(emu.endpoint, credential),
    ]
    # After a call too: lazily built clients and auth state are then in place.
    objects[0].complete([{"role": "user", "content": "hi"}])
    objects[2].invoke("hi")
    objects[4].chat(_li_messages("hi"))
    for obj in objects:
        assert_clean(repr(obj), f"repr({type(obj).__name__})")
        assert_clean(str(obj), f"str({type(obj).__name__})")
        if hasattr(obj, "model_dump"):
            assert_clean(repr(obj.model_dump()), f"{type(obj).__name__}.model_dump()")
    objects[0].close()
    await objects[1].aclose()
    objects[2].close()
    objects[4].close()


def _li_messages(text: str) -> list[Any]:
    from llama_index.core.llms import ChatMessage

    return [ChatMessage(role="user", content=text)]


# -- logs and exceptions ----------------------------------------------------------------

SCENARIOS = ["ok", "401", "404", "429", "500", "connect"]


@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_logs_and_errors_never_show_the_key(
    target: Target, emu: Emulator, debug_logs: pytest.LogCaptureFixture, scenario: str
) -> None:
    endpoint, credential, model, fault = emu.endpoint, KEY, None, None
    if scenario == "401":
        credential = WRONG_KEY
    elif scenario == "404":
        endpoint, model = emu.foundry_endpoint, "no-such-deployment"
    elif scenario in ("429", "500"):
        fault = f"status={scenario}; retry-after-ms=5; id={fault_id()}"
    elif scenario == "connect":
        endpoint = f"http://127.0.0.1:{closed_port()}"
    client = target.make(endpoint, credential=credential, model=model, fault=fault, max_retries=1)
    error: BaseException | None = None
    try:
        for streamed in (False, True):
            try:
                if streamed:
                    await target.stream(client, "hello there")
                else:
                    await target.complete(client, "hello there")
            except Exception as exc:
                error = exc
                assert_clean(exception_text(exc), f"the {scenario} exception")
    finally:
        await target.close(client)
    if scenario == "ok":
        assert error is None
    else:
        assert error is not None, f"the {scenario} scenario raised nothing"
    assert debug_logs.records, "nothing was logged at DEBUG: the check would be vacuous"
    assert_clean(debug_logs.text, "the captured log output")
    assert_clean(log_text(debug_logs.records), "a log record")


async def test_token_credential_errors_and_logs_never_show_the_token(
    emu: Emulator, debug_logs: pytest.LogCaptureFixture
) -> None:
    from azure_inference_core import AuthenticationError, InferenceClient

    credential = FakeCredential(prefix="entra-token-secret-")
    client = InferenceClient(emu.endpoint, credential, max_retries=0)
    with pytest.raises(AuthenticationError) as caught:
        client.complete([{"role": "user", "content": "hi"}])
    client.close()
    sent = credential.issued[-1]
    assert sent not in exception_text(caught.value)
    assert sent not in debug_logs.text
    assert sent not in log_text(debug_logs.records)
    assert sent not in repr(client)


def test_emulator_records_no_secret(emu: Emulator) -> None:
    from azure_inference_core import InferenceClient

    emu.clear_requests()
    for header in ("api-key", "authorization", "both"):
        with InferenceClient(emu.endpoint, KEY, key_header=header) as client:  # type: ignore[arg-type]
            client.complete([{"role": "user", "content": "hi"}])
    with InferenceClient(emu.endpoint, FakeCredential(parts=TOKEN_PARTS)) as client:
        client.complete([{"role": "user", "content": "hi"}])
    recorded = emu.requests
    assert len(recorded) == 4
    assert_clean(repr(recorded), "the emulator's recorded requests")
    for request in recorded:
        for name in ("api-key", "authorization"):
            if name in request.headers:
                assert request.headers[name] == "REDACTED"


# -- serialization ---------------------------------------------------------------------------


def test_langchain_dumpd_and_dumps_keep_the_key_out(emu: Emulator) -> None:
    from langchain_core.load import dumpd, dumps, load

    from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference

    chat = ChatAzureInference(endpoint=emu.endpoint, credential=KEY, temperature=0)
    embeddings = AzureInferenceEmbeddings(endpoint=emu.endpoint, credential=KEY)
    for obj in (chat, embeddings):
        assert_clean(repr(dumpd(obj)), f"dumpd({type(obj).__name__})")
        assert_clean(dumps(obj), f"dumps({type(obj).__name__})")
        assert_clean(dumps(obj, pretty=True), f"dumps({type(obj).__name__}, pretty=True)")
    serialized = dumpd(chat)
    assert serialized["kwargs"]["credential"] == {
        "lc": 1,
        "type": "secret",
        "id": ["AZURE_INFERENCE_CREDENTIAL"],
    }
    restored = load(
        serialized,
        secrets_map={"AZURE_INFERENCE_CREDENTIAL": KEY},
        valid_namespaces=["langchain_azure_inference"],
        allowed_objects=[ChatAzureInference],
    )
    assert isinstance(restored, ChatAzureInference)
    assert "hello from a restored model" in str(
        restored.invoke("hello from a restored model").content
    )
    restored.close()


def test_llamaindex_serialization_keeps_the_key_out(emu: Emulator) -> None:
    from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding

    for obj in (
        AzureInference(endpoint=emu.endpoint, credential=KEY),
        AzureInferenceEmbedding(endpoint=emu.endpoint, credential=KEY),
    ):
        name = type(obj).__name__
        assert_clean(repr(obj.to_dict()), f"{name}.to_dict()")
        assert_clean(obj.to_json(), f"{name}.to_json()")
        assert_clean(obj.model_dump_json(), f"{name}.model_dump_json()")
        assert_clean(repr(obj.model_dump()), f"{name}.model_dump()")


def test_pickles_carry_the_key_only_as_a_secret_and_no_live_state(emu: Emulator) -> None:
    """The key travels (workers need it, as with langchain-openai); tokens and pools do not."""
    for obj in _adapters(emu.endpoint, KEY):
        restored = pickle.loads(pickle.dumps(obj))
        assert isinstance(restored.credential, SecretStr)
        assert restored.credential.get_secret_value() == KEY
        assert_clean(repr(restored), f"repr of an unpickled {type(obj).__name__}")

    from langchain_azure_inference import ChatAzureInference
    from llamaindex_azure_inference import AzureInference

    for build, call in (
        (lambda c: ChatAzureInference(endpoint=emu.endpoint, credential=c), "invoke"),
        (lambda c: AzureInference(endpoint=emu.endpoint, credential=c), "complete"),
    ):
        credential = FakeCredential(parts=TOKEN_PARTS)
        model = build(credential)
        getattr(model, call)("hi")  # fetches, caches and sends the token
        assert credential.calls == 1
        data = pickle.dumps(model)
        assert TOKEN.encode() not in data, "a cached Entra token was pickled"
        assert b"httpx" not in data, "a connection pool was pickled"
        model.close()


HEADER_SECRET = "apim-subscription-secret-61d0c2"


@pytest.mark.parametrize("family", ["langchain", "llamaindex"])
def test_secret_headers_are_kept_out_of_repr_and_serialization(family: str) -> None:
    """APIM gateways take a subscription key in a header; it is a secret like the key."""
    headers = {
        "Ocp-Apim-Subscription-Key": HEADER_SECRET,
        "api-key": HEADER_SECRET,
        "x-trace": "visible",
    }
    texts: list[str] = []
    if family == "langchain":
        from langchain_core.load import dumps

        from langchain_azure_inference import ChatAzureInference

        model: Any = ChatAzureInference(
            endpoint="https://gw.example.com/models", credential=KEY, default_headers=headers
        )
        texts += [dumps(model)]
    else:
        from llamaindex_azure_inference import AzureInference

        model = AzureInference(
            endpoint="https://gw.example.com/models", credential=KEY, default_headers=headers
        )
        texts += [model.to_json(), model.model_dump_json(), repr(model.to_dict())]
    texts += [repr(model), str(model)]
    for text in texts:
        assert HEADER_SECRET not in text
