"""One test per LlamaIndex bug of issue 13 not covered by `test_li_lifecycle.py`, and
wire tests pinning which optional fields and headers `AzureInference` sends."""

from __future__ import annotations

import sys
import types
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from _li_support import KEY
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, ToolCallBlock
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.instrumentation.events.llm import (
    LLMStructuredPredictEndEvent,
    LLMStructuredPredictStartEvent,
)
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel, Field

from azure_inference_emulator import Emulator
from llamaindex_azure_inference import (
    AuthenticationError,
    AzureInference,
    AzureInferenceEmbedding,
    AzureInferenceError,
    ConfigurationError,
    TruncatedAnswerError,
)

MSGS = [ChatMessage(role="user", content="Go")]
Factory = Callable[..., AzureInference]


@pytest.fixture
async def make(emu: Emulator) -> AsyncIterator[Factory]:
    made: list[AzureInference] = []

    def factory(model: str | None = "Mistral-Large", **kwargs: Any) -> AzureInference:
        kwargs.setdefault("endpoint", emu.foundry_endpoint)
        kwargs.setdefault("credential", KEY)
        llm = AzureInference(model=model, **kwargs)
        made.append(llm)
        return llm

    yield factory
    for llm in made:
        await llm.aclose()


def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "s1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


async def last_response(llm: AzureInference, mode: str, **kwargs: Any) -> ChatResponse:
    if mode == "stream_chat":
        responses = list(llm.stream_chat(MSGS, **kwargs))
    else:
        responses = [r async for r in await llm.astream_chat(MSGS, **kwargs)]
    return responses[-1]


# -- streamed tool calls keep their arguments ---------------------------------------------

# The first fragment of each call has id and name; later fragments carry only
# arguments and no `index` (as some services stream them).
UNINDEXED = [
    chunk({"role": "assistant", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "add", "arguments": ""}}]}),
    chunk({"tool_calls": [{"function": {"arguments": '{"a": 2, '}}]}),
    chunk({"tool_calls": [{"function": {"arguments": '"b": 3}'}}]}),
    chunk({"tool_calls": [
        {"id": "c2", "type": "function", "function": {"name": "mul", "arguments": '{"a": 4'}}]}),
    chunk({"tool_calls": [{"function": {"arguments": ', "b": "ü"}'}}]}),
    chunk({}, finish="tool_calls"),
]  # fmt: skip


@pytest.mark.parametrize("mode", ["stream_chat", "astream_chat"])
async def test_streamed_tool_calls_without_index_keep_their_arguments(
    make: Factory, emu: Emulator, mode: str
) -> None:
    emu.script.queue(chunks=UNINDEXED)
    llm = make()
    final = await last_response(llm, mode)
    calls = llm.get_tool_calls_from_response(final)
    assert [(c.tool_id, c.tool_name, c.tool_kwargs) for c in calls] == [
        ("c1", "add", {"a": 2, "b": 3}),
        ("c2", "mul", {"a": 4, "b": "ü"}),
    ]


# -- a tool call cut off by max_tokens is never run ----------------------------------------


@pytest.mark.parametrize("mode", ["chat", "stream_chat"])
async def test_a_truncated_tool_call_raises_instead_of_returning_partial_arguments(
    make: Factory, emu: Emulator, mode: str
) -> None:
    # Valid JSON, but the model was cut off while writing it.
    emu.script.queue(
        tool_calls=[{"id": "c1", "name": "add", "arguments": '{"a": 2}'}], finish_reason="length"
    )
    llm = make()
    response = llm.chat(MSGS) if mode == "chat" else list(llm.stream_chat(MSGS))[-1]
    with pytest.raises(TruncatedAnswerError, match="max_tokens") as err:
        llm.get_tool_calls_from_response(response)
    assert isinstance(err.value, AzureInferenceError)


async def test_an_agent_does_not_run_a_truncated_tool_call(make: Factory, emu: Emulator) -> None:
    ran: list[tuple[int, int]] = []

    def add(a: int, b: int = 0) -> int:
        """Add two integers."""
        ran.append((a, b))
        return a + b

    emu.script.queue(
        tool_calls=[{"id": "c1", "name": "add", "arguments": '{"a": 2}'}], finish_reason="length"
    )
    agent = FunctionAgent(tools=[add], llm=make())
    with pytest.raises(Exception, match="max_tokens") as err:  # the workflow may wrap it
        await agent.run("add 2 and 3")
    chain: list[BaseException] = []
    exc: BaseException | None = err.value
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    assert any(isinstance(e, TruncatedAnswerError) for e in chain), chain
    assert ran == []


# -- structured output ---------------------------------------------------------------------


class Person(BaseModel):
    """A person."""

    name: str
    age: int


PROMPT = PromptTemplate("Make up a person called {name}.")


class _Events(BaseEventHandler):
    seen: list[str] = Field(default_factory=list)

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        if isinstance(event, (LLMStructuredPredictStartEvent, LLMStructuredPredictEndEvent)):
            self.seen.append(type(event).__name__)


@pytest.fixture
def events() -> Any:
    handler = _Events()
    root = get_dispatcher()
    root.add_event_handler(handler)
    yield handler
    root.event_handlers.remove(handler)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_json_schema_structured_predict_emits_start_and_end_events(
    make: Factory, emu: Emulator, events: _Events, is_async: bool
) -> None:
    llm = make("gpt-4o")
    if is_async:
        person = await llm.astructured_predict(Person, PROMPT, name="Ada")
    else:
        person = llm.structured_predict(Person, PROMPT, name="Ada")
    assert isinstance(person, Person)
    assert emu.requests[-1].body["response_format"]["type"] == "json_schema"
    assert events.seen == ["LLMStructuredPredictStartEvent", "LLMStructuredPredictEndEvent"]


@pytest.mark.parametrize("mode", ["sync", "async", "stream"])
async def test_json_cut_off_by_max_tokens_says_the_answer_was_truncated(
    make: Factory, emu: Emulator, mode: str
) -> None:
    emu.script.queue('{"name": "Ada", "ag', finish_reason="length")
    llm = make("gpt-4o", max_tokens=8)

    async def predict() -> Any:
        if mode == "sync":
            return llm.structured_predict(Person, PROMPT, name="Ada")
        if mode == "async":
            return await llm.astructured_predict(Person, PROMPT, name="Ada")
        return list(llm.stream_structured_predict(Person, PROMPT, name="Ada"))

    with pytest.raises(TruncatedAnswerError, match="cut off by max_tokens"):
        await predict()


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_a_structured_tool_call_cut_off_by_max_tokens_is_not_swallowed(
    make: Factory, emu: Emulator, is_async: bool
) -> None:
    # Mistral: no json_schema, so the output tool is called; LlamaIndex's own
    # streaming program logs errors and yields the last partial object.
    call = {"id": "c1", "name": "Person", "arguments": '{"name": "Ada"}'}
    emu.script.queue(tool_calls=[call], finish_reason="length")
    llm = make("Mistral-Large", max_tokens=8)

    async def consume() -> list[Any]:
        if is_async:
            stream = await llm.astream_structured_predict(Person, PROMPT, name="Ada")
            return [p async for p in stream]
        return list(llm.stream_structured_predict(Person, PROMPT, name="Ada"))

    with pytest.raises(TruncatedAnswerError, match="cut off by max_tokens"):
        await consume()


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("model", ["Mistral-Large", "Cohere-command-r-plus"])
async def test_structured_llm_stream_chat_fills_the_object(
    make: Factory, emu: Emulator, model: str, is_async: bool
) -> None:
    structured = make(model).as_structured_llm(Person)
    messages = [ChatMessage(role="user", content="Ada, 36")]
    if is_async:
        responses = [r async for r in await structured.astream_chat(messages)]
    else:
        responses = list(structured.stream_chat(messages))
    person = responses[-1].raw
    assert _last(emu).body["tool_choice"] == {"type": "function", "function": {"name": "Person"}}
    assert isinstance(person, Person), person
    assert person.name is not None
    assert person.age is not None


# -- what goes on the wire -----------------------------------------------------------------


def _last(emu: Emulator) -> Any:
    return [r for r in emu.requests if r.path.endswith("/chat/completions")][-1]


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


# A finished tool round in the history: the assistant turn that called the tool
# and the tool's result.
HISTORY = [
    ChatMessage(role="user", content="add 2 and 3"),
    ChatMessage(
        role="assistant",
        blocks=[ToolCallBlock(tool_call_id="c1", tool_name="add", tool_kwargs={"a": 2, "b": 3})],
    ),
    ChatMessage(role="tool", content="5", additional_kwargs={"tool_call_id": "c1"}),
]


@pytest.mark.parametrize(
    ("endpoint", "model", "stream_options", "pass_through"),
    [
        ("serverless", "Mistral-Large", False, False),  # usage on its last chunk unasked
        ("foundry", "Mistral-Large", False, False),
        ("foundry", "Cohere-command-r-plus", False, False),
        ("foundry", "gpt-4o", True, True),  # OpenAI models: only when asked; not a field here
        ("openai", "gpt-4o", True, False),  # a field of the OpenAI route
        ("serverless", None, False, False),  # unknown model: nothing is added
    ],
)
@pytest.mark.parametrize("kind", ["chat", "stream", "tools"])
def test_optional_fields_and_headers_on_the_wire(
    emu: Emulator,
    make: Factory,
    endpoint: str,
    model: str | None,
    stream_options: bool,
    pass_through: bool,
    kind: str,
) -> None:
    url = {
        "serverless": emu.endpoint,
        "foundry": emu.foundry_endpoint,
        "openai": emu.openai_deployment_endpoint(model or "x"),
    }[endpoint]
    llm = make(model, endpoint=url)
    if kind == "stream":
        final = list(llm.stream_chat(MSGS))[-1]
    elif kind == "tools":
        final = llm.chat_with_tools(
            [FunctionTool.from_defaults(fn=add)], user_msg="and 4 and 5?", chat_history=HISTORY
        )
    else:
        final = llm.chat(MSGS)
    request = _last(emu)
    body, headers = request.body, request.headers
    assert "parallel_tool_calls" not in body
    if kind == "stream":
        assert ("stream_options" in body) is stream_options
        assert ("extra-parameters" in headers) is pass_through
        assert final.additional_kwargs.get("total_tokens")  # usage arrives either way
    else:
        assert "stream_options" not in body
        assert "extra-parameters" not in headers
    if kind == "tools":
        [turn] = [m for m in body["messages"] if m.get("tool_calls")]
        assert "content" not in turn  # as the official SDKs: no null or "" content


# -- credential failures -------------------------------------------------------------------


class _FailingCredential:
    """Stands in for DefaultAzureCredential with nothing to sign in with (no network)."""

    error: type[Exception] = RuntimeError

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        raise self.error(
            "DefaultAzureCredential failed to retrieve a token from the included credentials."
        )

    def close(self) -> None:
        pass


class CredentialUnavailableError(Exception):
    """Same name as azure-identity's."""


@pytest.mark.parametrize(
    ("error", "expected"),
    [(RuntimeError, AuthenticationError), (CredentialUnavailableError, ConfigurationError)],
)
def test_default_credential_failure_is_the_package_error(
    emu: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    error: type[Exception],
    expected: type[Exception],
) -> None:
    fake_identity = types.ModuleType("azure.identity")
    monkeypatch.setattr(_FailingCredential, "error", error)
    fake_identity.DefaultAzureCredential = _FailingCredential  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "azure.identity", fake_identity)
    monkeypatch.delenv("AZURE_INFERENCE_CREDENTIAL", raising=False)
    llm = AzureInference(endpoint=emu.endpoint)
    with pytest.raises(expected, match="credential") as err:
        llm.chat(MSGS)
    assert isinstance(err.value.__cause__, error)
    llm.close()


def mul(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def test_no_parallel_calls_keeps_the_first_call_only() -> None:
    two_calls = {
        "id": "x",
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'},
                        },
                        {
                            "id": "c2",
                            "type": "function",
                            "function": {"name": "mul", "arguments": '{"a": 3, "b": 4}'},
                        },
                    ]
                },
            }
        ],
    }
    rec = lambda request: httpx.Response(200, json=two_calls)  # noqa: E731
    with httpx.Client(transport=httpx.MockTransport(rec)) as http:
        llm = AzureInference(
            endpoint="https://unit.eastus2.models.ai.azure.com", credential=KEY, http_client=http
        )
        single = llm.chat_with_tools(
            [FunctionTool.from_defaults(fn=add), FunctionTool.from_defaults(fn=mul)],
            user_msg="go",
            allow_parallel_tool_calls=False,
        )
        both = llm.chat_with_tools(
            [FunctionTool.from_defaults(fn=add), FunctionTool.from_defaults(fn=mul)],
            user_msg="go",
            allow_parallel_tool_calls=True,
        )
    assert [c.tool_name for c in llm.get_tool_calls_from_response(single)] == ["add"]
    assert [c.tool_name for c in llm.get_tool_calls_from_response(both)] == ["add", "mul"]


# -- embeddings ----------------------------------------------------------------------------


def test_base64_embeddings_are_decoded_not_refused_with_advice(emu: Emulator) -> None:
    def embed(**kwargs: Any) -> list[float]:
        model = AzureInferenceEmbedding(
            endpoint=emu.foundry_endpoint, credential=KEY, model="text-embedding-3-small", **kwargs
        )
        return model.get_text_embedding("same text")

    plain = embed()
    packed = embed(encoding_format="base64")
    assert emu.requests[-1].body["encoding_format"] == "base64"
    assert packed == pytest.approx(plain, abs=1e-6)


def test_the_cores_per_call_options_are_accepted(make: Factory, emu: Emulator) -> None:
    llm = make("Mistral-Large")
    llm.chat(MSGS, model="gpt-4o", headers={"x-trace": "t1"}, timeout=30, total_timeout=60)
    request = _last(emu)
    assert request.body["model"] == "gpt-4o"
    assert request.headers["x-trace"] == "t1"
    with pytest.raises(TypeError, match=r"Valid names: .*total_timeout"):
        llm.chat(MSGS, total_timout=5)
