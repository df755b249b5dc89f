"""`AzureInference`: a LlamaIndex function-calling LLM on the shared core client."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.generic_utils import (
    achat_to_completion_decorator,
    astream_chat_to_completion_decorator,
    chat_to_completion_decorator,
    stream_chat_to_completion_decorator,
)
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.bridge.pydantic import ConfigDict, Field
from llama_index.core.constants import DEFAULT_CONTEXT_WINDOW, DEFAULT_NUM_OUTPUTS
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection

from azure_inference_core import ModelCapabilities, capabilities_for, model_names

from . import _responses_api as responses_api
from ._client import ClientSettings, openai_route
from ._request import ChatRequest, build_chat_request
from ._responses import StreamState, force_single_tool_call, from_wire_completion, tool_selections
from ._structured import StructuredOutput
from ._tokens import tokenizer_for
from ._tools import resolve_tool_choice, to_wire_tools

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool

__all__ = ["AzureInference"]


@lru_cache(maxsize=256)
def _capabilities(model: str | None, endpoint: str | None) -> tuple[ModelCapabilities, str]:
    """The core table's row for the model (or the deployment in the endpoint URL), cached."""
    return capabilities_for(model, endpoint)


def _deployment(endpoint: str | None) -> str:
    """The deployment or model name an endpoint URL carries, else "unknown"."""
    names = model_names(endpoint)
    return names[0] if names else "unknown"


class AzureInference(ClientSettings, StructuredOutput, FunctionCallingLLM):
    """Chat models behind the Azure AI Model Inference API, as a LlamaIndex LLM.

    Works with serverless and managed endpoints, Azure AI Foundry `/models`
    endpoints (set `model` to the deployment name) and Azure OpenAI routes.
    Nothing is fetched at construction or for `metadata`: the model's
    capabilities come from a table keyed by `model` and can be overridden.

    Args:
        endpoint: Endpoint URL; defaults to `$AZURE_INFERENCE_ENDPOINT`.
        credential: A key (`str` / `SecretStr`), an object with `.key`, or an
            Entra ID token credential. Defaults (in the core client) to
            `$AZURE_INFERENCE_CREDENTIAL`, then azure-identity's default credential.
        model: Model or deployment name, sent as body `model` and used to look up
            the model's capabilities.
        api_version: Overrides the endpoint flavour's api-version.
        temperature, max_tokens, top_p, seed, stop, presence_penalty,
            frequency_penalty: Sampling parameters; None means "not sent",
            every other value (0 included) is sent.
        max_completion_tokens, reasoning_effort: Reasoning models' budget and
            effort. On OpenAI reasoning models (o-series, gpt-5) `max_tokens`
            is sent as `max_completion_tokens`, a system message as a
            `developer` one, and sampling parameters are refused before
            sending (`RejectedParameterError`).
        additional_kwargs: Model-specific parameters merged into the body root
            with `extra-parameters: pass-through` (e.g. `logprobs`, `safe_prompt`).
        timeout: Seconds per request (None: no limit).
        total_timeout: Seconds for a whole call, retries included, and for a
            stream until its last chunk (None: no overall limit).
        max_concurrency: Requests and open streams in flight at once on the
            pool the core creates (not with `http_client`).
        max_retries: Retries on 408/429/5xx and connection errors.
        default_headers: Headers sent with every request (secret ones are
            never serialized).
        extra_parameters, key_header, credential_scopes, allow_insecure_http,
            proxy, trust_env, verify: The core client's options, same names
            and defaults (see `azure_inference_core.InferenceClient`).
        http_client, async_http_client: httpx clients to use (never closed by us).
        capture_message_content: Record messages and answers on the
            OpenTelemetry spans (True / False); None (default) follows
            `$OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`.
        context_window, num_output, is_function_calling_model: Override the
            model table's answers.

    Changing any connection setting after a call (`llm.model = ...`,
    `model_copy(update=...)`) takes effect on the next call.

    Raises:
        TypeError: An unknown argument (the message lists the valid names).
        ValueError: No endpoint, or an endpoint URL that cannot be used.
    """

    # The settings bases defer their validators; this class is the one validated.
    model_config = ConfigDict(defer_build=False)

    temperature: float | None = Field(default=None, description="Sampling temperature.")
    max_tokens: int | None = Field(
        default=None,
        description="Completion token limit (sent as max_completion_tokens to reasoning models).",
    )
    max_completion_tokens: int | None = Field(
        default=None, description="Completion token limit including reasoning tokens."
    )
    reasoning_effort: str | None = Field(
        default=None, description="minimal / low / medium / high on reasoning models."
    )
    top_p: float | None = Field(default=None, description="Nucleus sampling mass.")
    seed: int | None = Field(default=None, description="Sampling seed.")
    stop: list[str] | None = Field(default=None, description="Stop sequences.")
    presence_penalty: float | None = Field(default=None, description="Presence penalty.")
    frequency_penalty: float | None = Field(default=None, description="Frequency penalty.")
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Extra model parameters (pass-through)."
    )
    context_window: int | None = Field(default=None, description="Overrides the table.")
    num_output: int | None = Field(default=None, description="Overrides the table.")
    is_function_calling_model: bool | None = Field(default=None, description="Overrides the table.")
    use_responses_api: bool | None = Field(
        default=None, description="Responses API; None: on for Responses-only models."
    )
    use_previous_response_id: bool = Field(
        default=False, description="Responses API: stored answers, previous_response_id."
    )
    reasoning_summary: str | None = Field(
        default=None, description="Responses API: 'auto', 'concise' or 'detailed'."
    )

    @classmethod
    def class_name(cls) -> str:
        return "AzureInference"

    # -- capabilities ---------------------------------------------------------

    @property
    def capabilities(self) -> ModelCapabilities:
        """The core capability table's row for `model` (no I/O)."""
        return _capabilities(self.model, self.endpoint)[0]

    @property
    def tokenizer(self) -> Callable[[str], list[int]]:
        """Token ids for LlamaIndex (`Settings.tokenizer = llm.tokenizer`), offline.

        Exact for OpenAI models (tiktoken files bundled with llama-index-core);
        for the others, the core's estimate as that many placeholder ids.
        """
        return tokenizer_for(self.model, self.endpoint)

    @property
    def metadata(self) -> LLMMetadata:
        """Model capabilities from the table and overrides; never any I/O."""
        caps = self.capabilities
        num_output = self.num_output
        if num_output is None:
            budgets = (self.max_completion_tokens, self.max_tokens, caps.max_output)
            num_output = next((b for b in budgets if b is not None), None)
        context_window = self.context_window
        if context_window is None:
            context_window = caps.context_window
        return LLMMetadata(
            context_window=DEFAULT_CONTEXT_WINDOW if context_window is None else context_window,
            num_output=DEFAULT_NUM_OUTPUTS if num_output is None else num_output,
            is_chat_model=True,
            is_function_calling_model=self._function_calling,
            model_name=self.model
            or _capabilities(None, self.endpoint)[1]
            or _deployment(self.endpoint),
        )

    @property
    def _function_calling(self) -> bool:
        if self.is_function_calling_model is not None:
            return self.is_function_calling_model
        return self.capabilities.tools

    # -- the shared request --------------------------------------------------------

    def _request(
        self, messages: Sequence[ChatMessage], kwargs: dict[str, Any], stream: bool, method: str
    ) -> ChatRequest:
        caps, matched = _capabilities(kwargs.get("model") or self.model, self.endpoint)
        return build_chat_request(
            messages,
            kwargs,
            defaults={
                "temperature": self.temperature,
                "max_tokens": self.max_tokens,
                "max_completion_tokens": self.max_completion_tokens,
                "reasoning_effort": self.reasoning_effort,
                "top_p": self.top_p,
                "seed": self.seed,
                "stop": self.stop,
                "presence_penalty": self.presence_penalty,
                "frequency_penalty": self.frequency_penalty,
                "additional_kwargs": self.additional_kwargs,
            },
            capabilities=caps,
            model_name=matched or self.model or "unknown",
            function_calling=self.is_function_calling_model,
            # LlamaIndex promises usage on a stream's last response. Models known
            # to put it there unasked get nothing extra; OpenAI routes serve
            # only OpenAI models, which report it only when asked.
            stream_usage=caps.known or openai_route(self.endpoint),
            stream=stream,
            method=method,
        )

    # -- chat ---------------------------------------------------------------------

    def _chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        if responses_api.responses_on(self, kwargs):
            items, params = responses_api.build_request(self, messages, kwargs, "chat")
            with self._sync_client() as client:
                return responses_api.from_response(client.responses.create(items, **params))
        req = self._request(messages, kwargs, False, "chat")
        with self._sync_client() as client:
            return from_wire_completion(client.complete(req.messages, **req.params))

    async def _achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        if responses_api.responses_on(self, kwargs):
            items, params = responses_api.build_request(self, messages, kwargs, "achat")
            async with self._async_client() as client:
                answer = await client.responses.create(items, **params)
            return responses_api.from_response(answer)
        req = self._request(messages, kwargs, False, "achat")
        async with self._async_client() as client:
            completion = await client.complete(req.messages, **req.params)
        return from_wire_completion(completion)

    def _stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        # Built now so a bad argument raises at the call, not at the first chunk.
        if responses_api.responses_on(self, kwargs):
            items, params = responses_api.build_request(self, messages, kwargs, "stream_chat")
            return responses_api.stream_chat(self._lease(), items, params)
        req = self._request(messages, kwargs, True, "stream_chat")
        # Leased now: the generator keeps the client open even when this LLM
        # is dropped, changed or closed before the stream ends.
        lease = self._lease()

        def gen() -> Generator[ChatResponse, None, None]:
            state = StreamState()
            joined = state.accumulator  # the stream joins the chunks; the state reads them
            try:
                with lease.client.stream(req.messages, accumulate=joined, **req.params) as stream:
                    for chunk in stream:
                        yield state.feed(chunk)
            finally:
                lease.release()

        return gen()

    async def _astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        if responses_api.responses_on(self, kwargs):
            items, params = responses_api.build_request(self, messages, kwargs, "astream_chat")
            return responses_api.astream_chat(self, items, params)
        req = self._request(messages, kwargs, True, "astream_chat")

        async def gen() -> AsyncGenerator[ChatResponse, None]:
            state = StreamState()
            async with (
                self._async_client() as client,
                client.stream(req.messages, accumulate=state.accumulator, **req.params) as stream,
            ):
                async for chunk in stream:
                    yield state.feed(chunk)

        return gen()

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Send the conversation and return the answer.

        Args:
            messages: The conversation; never modified.
            **kwargs: Per-call `temperature`, `max_tokens`, `top_p`, `seed`, `stop`,
                `presence_penalty`, `frequency_penalty`, `response_format`, `tools`,
                `tool_choice`, `parallel_tool_calls`, `additional_kwargs`, and the
                core's per-call options `model`, `headers`, `timeout`,
                `total_timeout`, `extra_parameters`.

        Returns:
            The answer; usage, id, model and finish reason in `additional_kwargs`.

        Raises:
            TypeError: An unknown keyword argument.
            UnsupportedContentError, UnsupportedFeatureError: Before sending.
            azure_inference_core.AzureInferenceError: The core's typed errors,
                `ContentFilterError` included.
        """
        return self._chat(messages, **kwargs)

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Async `chat` (same arguments, errors and result)."""
        return await self._achat(messages, **kwargs)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        """Stream the answer: one `ChatResponse` per chunk, each holding everything so far.

        The last response carries usage: OpenAI-style models are asked for it
        with `stream_options`; others send it unasked. Arguments and errors as `chat`.
        """
        return self._stream_chat(messages, **kwargs)

    @llm_chat_callback()
    async def astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        """Async `stream_chat`."""
        return await self._astream_chat(messages, **kwargs)

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """Complete a prompt (sent as one user message)."""
        return chat_to_completion_decorator(self._chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        """Async `complete`."""
        return await achat_to_completion_decorator(self._achat)(prompt, **kwargs)

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        """Stream a completion of a prompt."""
        return stream_chat_to_completion_decorator(self._stream_chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        """Async `stream_complete`."""
        return await astream_chat_to_completion_decorator(self._astream_chat)(prompt, **kwargs)

    # -- tools ----------------------------------------------------------------------

    def _prepare_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        tool_choice: str | dict[str, Any] | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Turn LlamaIndex's tool-calling arguments into `chat` keyword arguments.

        Args:
            tools: The tools offered.
            user_msg: A last user message to add (the history is not modified).
            chat_history: The conversation so far.
            verbose: Unused; kept for LlamaIndex's signature.
            allow_parallel_tool_calls: LlamaIndex's wish for several calls at once.
                Not sent (the service's default applies, as with the official
                SDKs); with False, only the first call of an answer is kept
                (see `_validate_chat_with_tools_response`).
            tool_required: The model must call a tool (`tool_choice: "required"`).
            tool_choice: "auto" / "none" / "required", a tool name, or a wire dict.
            strict: Sent as each function's `strict` when not None.
            **kwargs: Passed on to `chat` (unknown ones raise there).

        Returns:
            `messages`, `tools`, `tool_choice` (when asked) and kwargs.
        """
        messages = list(chat_history or [])
        if isinstance(user_msg, str):
            messages.append(ChatMessage(role=MessageRole.USER, content=user_msg))
        elif user_msg is not None:
            messages.append(user_msg)
        wire_tools = to_wire_tools(tools, strict)
        out: dict[str, Any] = {"messages": messages, **kwargs}
        if wire_tools:
            names = [t["function"]["name"] for t in wire_tools]
            out["tools"] = wire_tools
            choice = resolve_tool_choice(tool_choice, tool_required, names)
            if choice is not None:
                out["tool_choice"] = choice
        return out

    def _validate_chat_with_tools_response(
        self,
        response: ChatResponse,
        tools: Sequence[BaseTool],
        allow_parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        """Keep only the first tool call when the caller allows no parallel calls."""
        if not allow_parallel_tool_calls:
            force_single_tool_call(response)
        return response

    def get_tool_calls_from_response(
        self, response: ChatResponse, error_on_no_tool_call: bool = True, **kwargs: Any
    ) -> list[ToolSelection]:
        """The tool calls of a response, however its message was stored.

        Reads `ToolCallBlock`s (fresh, streamed, or restored from memory or JSON)
        and legacy `additional_kwargs["tool_calls"]`; invalid JSON arguments
        give `{}` (see `parse_arguments`).

        Raises:
            TruncatedAnswerError: The answer was cut off by `max_tokens` while a
                call's arguments were being written: the agent run stops with
                this error instead of running the tool with partial arguments.
            ValueError: No tool call and `error_on_no_tool_call` is true.
        """
        # A streamed response without a finish reason is still growing.
        finish_reason = response.additional_kwargs.get("finish_reason")
        final = response.delta is None or finish_reason is not None
        selections = tool_selections(response.message, final=final, finish_reason=finish_reason)
        if not selections and error_on_no_tool_call:
            text = (response.message.content or "")[:200]
            raise ValueError(f"Expected at least one tool call, but the model answered: {text!r}")
        return selections
