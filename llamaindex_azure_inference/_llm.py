"""`AzureInference`: a LlamaIndex function-calling LLM on the shared core client."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator, Sequence
from dataclasses import replace
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
from llama_index.core.bridge.pydantic import Field, PrivateAttr, SecretStr, field_validator
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.types import Model, PydanticProgramMode
from llama_index_instrumentation import get_dispatcher

from ._clients import AsyncHttpClientField as _AsyncHttpClient
from ._clients import ClientHolder, ClientOwner, SecretHeaders, check_endpoint, openai_route
from ._clients import HttpClientField as _HttpClient
from ._convert import resolve_tool_choice, to_wire_tools
from ._profiles import ModelProfile, profile_for
from ._request import ChatRequest, build_chat_request, json_schema_format
from ._responses import StreamState, from_wire_completion, tool_selections

if TYPE_CHECKING:
    from llama_index.core.program.utils import FlexibleModel
    from llama_index.core.prompts import PromptTemplate
    from llama_index.core.tools.types import BaseTool

__all__ = ["AzureInference"]

dispatcher = get_dispatcher(__name__)


@lru_cache(maxsize=256)
def _profile(model: str | None, endpoint: str | None) -> ModelProfile:
    """`AzureInference.profile`, computed once per model and endpoint (read on every call)."""
    profile = profile_for(model)
    if not profile.stream_usage_opt_in and openai_route(endpoint):
        profile = replace(profile, stream_usage_opt_in=True)
    return profile


class AzureInference(ClientOwner, FunctionCallingLLM):
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
        additional_kwargs: Model-specific parameters merged into the body root
            with `extra-parameters: pass-through` (e.g. `logprobs`, `safe_prompt`).
        timeout: Seconds per request (None: no limit).
        total_timeout: Seconds for a whole call, retries included, and for a
            stream until its last chunk (None: no overall limit).
        max_concurrency: Requests and open streams in flight at once on the
            pool the core creates (not with `http_client`).
        max_retries: Retries on 408/429/5xx and connection errors.
        default_headers: Headers sent with every request.
        http_client, async_http_client: httpx clients to use (never closed by us).
        context_window, num_output, is_function_calling_model: Override the
            model table's answers.

    Raises:
        ValueError: No endpoint, or an endpoint URL that cannot be used.
    """

    endpoint: str | None = Field(default=None, validate_default=True, description="Endpoint URL.")
    credential: SecretStr | Any | None = Field(
        default=None, exclude=True, repr=False, description="Key or token credential."
    )
    model: str | None = Field(default=None, description="Model or deployment name.")
    api_version: str | None = Field(default=None, description="api-version override.")
    temperature: float | None = Field(default=None, description="Sampling temperature.")
    max_tokens: int | None = Field(default=None, description="Completion token limit.")
    top_p: float | None = Field(default=None, description="Nucleus sampling mass.")
    seed: int | None = Field(default=None, description="Sampling seed.")
    stop: list[str] | None = Field(default=None, description="Stop sequences.")
    presence_penalty: float | None = Field(default=None, description="Presence penalty.")
    frequency_penalty: float | None = Field(default=None, description="Frequency penalty.")
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Extra model parameters (pass-through)."
    )
    timeout: float | None = Field(default=60.0, description="Seconds per request.")
    total_timeout: float | None = Field(
        default=None, description="Seconds for a whole call, retries and streams included."
    )
    max_retries: int = Field(default=2, ge=0, description="Retries on transient errors.")
    max_concurrency: int | None = Field(
        default=None, description="Requests in flight per client (core default when None)."
    )
    default_headers: SecretHeaders = Field(default=None, repr=False, description="Extra headers.")
    http_client: _HttpClient = Field(default=None, exclude=True, repr=False)
    async_http_client: _AsyncHttpClient = Field(default=None, exclude=True, repr=False)
    context_window: int | None = Field(default=None, description="Overrides the table.")
    num_output: int | None = Field(default=None, description="Overrides the table.")
    is_function_calling_model: bool | None = Field(default=None, description="Overrides the table.")

    _clients: ClientHolder | None = PrivateAttr(default=None)

    @field_validator("credential", mode="before")
    @classmethod
    def _secret_key(cls, value: Any) -> Any:
        return SecretStr(value) if isinstance(value, str) else value

    @field_validator("endpoint", mode="after")
    @classmethod
    def _endpoint(cls, value: str | None) -> str:
        return check_endpoint(value)

    @classmethod
    def class_name(cls) -> str:
        return "AzureInference"

    # -- capabilities ---------------------------------------------------------

    @property
    def profile(self) -> ModelProfile:
        """The model table's entry for `model`.

        Azure OpenAI routes serve only OpenAI models, which stream usage only
        when asked, whatever the deployment is called.
        """
        return _profile(self.model, self.endpoint)

    @property
    def metadata(self) -> LLMMetadata:
        """Model capabilities from the table and overrides; never any I/O."""
        p = self.profile
        num_output = self.num_output
        if num_output is None:
            num_output = self.max_tokens if self.max_tokens is not None else p.num_output
        return LLMMetadata(
            context_window=self.context_window
            if self.context_window is not None
            else p.context_window,
            num_output=num_output,
            is_chat_model=True,
            is_function_calling_model=self._function_calling,
            model_name=self.model or "unknown",
        )

    @property
    def _function_calling(self) -> bool:
        if self.is_function_calling_model is not None:
            return self.is_function_calling_model
        return self.profile.function_calling

    # -- the shared request --------------------------------------------------------

    def _request(
        self, messages: Sequence[ChatMessage], kwargs: dict[str, Any], stream: bool, method: str
    ) -> ChatRequest:
        return build_chat_request(
            messages,
            kwargs,
            defaults={
                "temperature": self.temperature,
                "max_tokens": self.max_tokens,
                "top_p": self.top_p,
                "seed": self.seed,
                "stop": self.stop,
                "presence_penalty": self.presence_penalty,
                "frequency_penalty": self.frequency_penalty,
                "additional_kwargs": self.additional_kwargs,
            },
            profile=self.profile,
            function_calling=self._function_calling,
            stream=stream,
            method=method,
        )

    # -- chat ---------------------------------------------------------------------

    def _chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        req = self._request(messages, kwargs, False, "chat")
        return from_wire_completion(self._holder.sync().complete(req.messages, **req.params))

    async def _achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        req = self._request(messages, kwargs, False, "achat")
        async with self._holder.async_client() as client:
            completion = await client.complete(req.messages, **req.params)
        return from_wire_completion(completion)

    def _stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        # Built now so a bad argument raises at the call, not at the first chunk.
        req = self._request(messages, kwargs, True, "stream_chat")
        client = self._holder.sync()

        def gen() -> Generator[ChatResponse, None, None]:
            state = StreamState()
            with client.stream(req.messages, accumulate=True, **req.params) as stream:
                for chunk in stream:
                    yield state.feed(chunk)

        return gen()

    async def _astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        req = self._request(messages, kwargs, True, "astream_chat")

        async def gen() -> AsyncGenerator[ChatResponse, None]:
            state = StreamState()
            async with (
                self._holder.async_client() as client,
                client.stream(req.messages, accumulate=True, **req.params) as stream,
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
                `tool_choice`, `parallel_tool_calls`, `additional_kwargs`.

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

        The last response carries usage, also for OpenAI-style models (which
        are asked for it with `stream_options`). Arguments and errors as `chat`.
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
            allow_parallel_tool_calls: Sent as `parallel_tool_calls`.
            tool_required: The model must call a tool (`tool_choice: "required"`).
            tool_choice: "auto" / "none" / "required", a tool name, or a wire dict.
            strict: Sent as each function's `strict` when not None.
            **kwargs: Passed on to `chat` (unknown ones raise there).

        Returns:
            `messages`, `tools`, `tool_choice`, `parallel_tool_calls` and kwargs.
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
            out["tool_choice"] = resolve_tool_choice(tool_choice, tool_required, names)
            out["parallel_tool_calls"] = allow_parallel_tool_calls
        return out

    def get_tool_calls_from_response(
        self, response: ChatResponse, error_on_no_tool_call: bool = True, **kwargs: Any
    ) -> list[ToolSelection]:
        """The tool calls of a response, however its message was stored.

        Reads `ToolCallBlock`s (fresh, streamed, or restored from memory or JSON)
        and legacy `additional_kwargs["tool_calls"]`; partial or invalid JSON
        arguments are tolerated (see `parse_arguments`).

        Raises:
            ValueError: No tool call and `error_on_no_tool_call` is true.
        """
        # A streamed response without a finish reason is still growing.
        final = response.delta is None or "finish_reason" in response.additional_kwargs
        selections = tool_selections(response.message, final=final)
        if not selections and error_on_no_tool_call:
            text = (response.message.content or "")[:200]
            raise ValueError(f"Expected at least one tool call, but the model answered: {text!r}")
        return selections

    # -- structured output ------------------------------------------------------------

    def _json_schema_route(self) -> bool:
        return (
            self.pydantic_program_mode == PydanticProgramMode.DEFAULT and self.profile.json_schema
        )

    def _schema_kwargs(
        self, output_cls: type[Model], llm_kwargs: dict[str, Any] | None
    ) -> dict[str, Any]:
        kwargs = dict(llm_kwargs or {})
        kwargs.pop("tool_choice", None)
        kwargs["response_format"] = json_schema_format(output_cls)
        return kwargs

    def _messages_for(
        self, prompt: PromptTemplate, prompt_args: dict[str, Any]
    ) -> list[ChatMessage]:
        return self._extend_messages(prompt.format_messages(llm=self, **prompt_args))

    @dispatcher.span
    def structured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """Predict an `output_cls` instance.

        Models known to take `response_format: json_schema` (gpt-4o family,
        Mistral-Large...) get the schema directly; others go through LlamaIndex's
        default program (forced function calling, or prompting for JSON on
        models without tools). `pydantic_program_mode` other than DEFAULT is
        honoured as LlamaIndex defines it.
        """
        if not self._json_schema_route():
            result: Model = super().structured_predict(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
            return result
        response = self.chat(
            self._messages_for(prompt, prompt_args), **self._schema_kwargs(output_cls, llm_kwargs)
        )
        return output_cls.model_validate_json(response.message.content or "")

    @dispatcher.span
    async def astructured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """Async `structured_predict`."""
        if not self._json_schema_route():
            aresult: Model = await super().astructured_predict(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
            return aresult
        response = await self.achat(
            self._messages_for(prompt, prompt_args), **self._schema_kwargs(output_cls, llm_kwargs)
        )
        return output_cls.model_validate_json(response.message.content or "")

    def _structured_stream_call(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Generator[Model | list[Model] | FlexibleModel | list[FlexibleModel], None, None]:
        if not self._json_schema_route():
            yield from super()._structured_stream_call(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
            return
        from llama_index.core.program.streaming_utils import (
            process_streaming_content_incremental,
        )

        current: Model | FlexibleModel | None = None
        for response in self.stream_chat(
            self._messages_for(prompt, prompt_args), **self._schema_kwargs(output_cls, llm_kwargs)
        ):
            current = process_streaming_content_incremental(response, output_cls, current)
            yield current

    async def _structured_astream_call(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> AsyncGenerator[Model | list[Model] | FlexibleModel | list[FlexibleModel], None]:
        if not self._json_schema_route():
            return await super()._structured_astream_call(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
        from llama_index.core.program.streaming_utils import (
            process_streaming_content_incremental,
        )

        messages = self._messages_for(prompt, prompt_args)
        kwargs = self._schema_kwargs(output_cls, llm_kwargs)

        async def gen() -> AsyncGenerator[
            Model | list[Model] | FlexibleModel | list[FlexibleModel], None
        ]:
            current: Model | FlexibleModel | None = None
            async for response in await self.astream_chat(messages, **kwargs):
                current = process_streaming_content_incremental(response, output_cls, current)
                yield current

        return gen()
