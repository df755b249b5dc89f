"""LangChain chat model for the Azure AI Model Inference API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import (
    BaseChatModel,
    LangSmithParams,
    LanguageModelInput,
    ModelProfile,
)
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from pydantic import AliasChoices, ConfigDict, Field, model_validator
from typing_extensions import Self

from azure_inference_core import (
    UnsupportedFeatureError,
    capabilities_for,
    check_names,
    is_secret_header,
    normalize_tool_choice,
    tool_names,
)

from . import _responses_api as responses_api
from ._client import ClientSettings
from ._errors import mapped_errors
from ._profile import model_profile
from ._request import CALL_KWARGS, ChatRequest, build_chat_request
from ._responses import StreamProcessor, completion_to_result
from ._structured import StructuredMethod, output_parser, with_raw
from ._token_count import TokenCounting
from ._tools import ToolLike, convert_tools, json_schema_response_format

__all__ = ["ChatAzureInference"]


class ChatAzureInference(ClientSettings, TokenCounting, BaseChatModel):
    """Chat model on the Azure AI Model Inference API (serverless, managed compute,
    Foundry ``/models``, Azure OpenAI deployments, ``/openai/v1``).

    Setup: ``AZURE_INFERENCE_ENDPOINT`` and ``AZURE_INFERENCE_CREDENTIAL`` (a key)
    or ``credential=`` (a key or an ``azure.identity`` token credential)::

        llm = ChatAzureInference(endpoint=url, credential=key, model="Mistral-Large")

    Parameters are sent exactly as given (``temperature=0`` and ``seed=0`` too);
    ``n``, ``logprobs``, ``top_logprobs`` and ``model_kwargs`` go into the body with
    ``extra-parameters: pass-through``. Nothing else is added: ``stream_options`` is
    sent only with ``stream_usage=True``, and then only to models that report
    streamed usage only when asked (OpenAI-style or unknown; Mistral-style models
    put it on their last chunk unasked); ``parallel_tool_calls`` only when given.

    What a model can do comes from the core's capability table, matched by name
    (``model``, a per-call ``model=``, or the endpoint URL) and checked before
    anything is sent: tools or JSON mode on a model without them (Phi-3, Phi-4,
    DeepSeek-R1), ``json_schema`` where only JSON mode exists (Mistral, Cohere),
    too many images (Phi-3-vision) raise ``UnsupportedFeatureError`` naming the
    model and what to do. Cohere tool results that are not a JSON object are sent
    as ``{"result": ...}``. A tool call cut off by ``max_tokens`` comes back in
    ``invalid_tool_calls`` (a stream raises ``TruncatedAnswerError`` at its end).

    Content mapping: images (OpenAI ``image_url``, standard ``image`` blocks by
    base64 or URL, v0 ``source_type`` and Anthropic ``source`` forms) and audio
    (``input_audio``, base64 ``audio`` blocks) go to user turns; images in tool
    results follow the tool messages in one user message (the wire's tool content
    is text); files/PDF/video raise. Text blocks of one message are joined
    without separator, as ``BaseMessage.text`` does. Past reasoning is not sent
    back and a ``ToolMessage``'s ``name`` is not sent (no wire field).

    Errors are the core's, re-raised as classes that also derive from
    ``langchain_core.exceptions`` (``ContentFilterError`` is a
    ``ModelInvalidRequestError``, ``RateLimitError`` a ``ModelRateLimitError``, ...).

    With the ``otel`` extra and an OpenTelemetry provider, each model call is one
    GenAI span (see the README); message content is recorded on it only with
    ``capture_message_content=True`` or ``$OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``.

    Connections open on first use (never in the constructor; ``/info`` is never
    called). Close them with ``close()`` / ``await aclose()`` or ``with`` /
    ``async with``; a model dropped unclosed releases them too (the async pool
    when its event loop shuts down).
    """

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        arbitrary_types_allowed=True,
        protected_namespaces=(),
        defer_build=False,  # the settings bases defer theirs; this class is the one validated
    )

    model: str | None = Field(default=None, validation_alias=AliasChoices("model", "model_name"))
    """Model or deployment name (body ``model``; required on Foundry ``/models``)."""
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    """Completion budget; reasoning models (o-series, gpt-5) get it as ``max_completion_tokens``."""
    max_completion_tokens: int | None = None
    """Completion budget including reasoning tokens (OpenAI reasoning models)."""
    reasoning_effort: str | None = None
    """``"minimal"``, ``"low"``, ``"medium"`` or ``"high"`` (o-series, gpt-5, grok-3-mini)."""
    stop: list[str] | None = Field(
        default=None, validation_alias=AliasChoices("stop", "stop_sequences")
    )
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    n: int | None = None
    """Number of choices (extra parameter); streaming needs 1."""
    logprobs: bool | None = None
    """Return token log probabilities (extra parameter), in ``response_metadata["logprobs"]``."""
    top_logprobs: int | None = None
    response_format: dict[str, Any] | None = None
    """``{"type": "text" | "json_object"}`` or ``{"type": "json_schema", "json_schema": {...}}``."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Model-specific body parameters, sent with ``extra-parameters: pass-through``."""
    streaming: bool = False
    """Stream internally for ``invoke`` (tokens reach callbacks as they arrive)."""
    stream_usage: bool | None = None
    """True: ask for usage on streams where the model needs asking (see the class
    docstring); None / False: never send ``stream_options``."""
    use_responses_api: bool | None = None
    """Use the Responses API (``/openai/v1/responses``); None: on for Responses-only
    models (codex-mini, o3-pro), off otherwise. See the README's LangChain section."""
    use_previous_response_id: bool = False
    """Responses API: let the service store answers and send only the messages after
    the last one, with ``previous_response_id`` (default: stateless, ``store: false``)."""
    reasoning_summary: str | None = None
    """Responses API: ``"auto"``, ``"concise"`` or ``"detailed"`` reasoning summaries."""
    disabled_params: dict[str, Any] | None = None
    """Parameters never to send: ``{"parallel_tool_calls": None}`` drops it always,
    ``{"name": [v1, v2]}`` drops it when its value is one of those."""

    @model_validator(mode="after")
    def _check_model_kwargs(self) -> Self:
        clash = sorted(set(self.model_kwargs) & set(type(self).model_fields))
        if clash:
            raise ValueError(
                f"model_kwargs has {', '.join(clash)}, which are fields of "
                f"{type(self).__name__}: pass them as keyword arguments instead."
            )
        return self

    # -- LangChain plumbing --------------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "azure-inference-chat"

    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        return ["langchain_azure_inference", "chat_models"]

    @property
    def lc_secrets(self) -> dict[str, str]:
        secrets = {"credential": "AZURE_INFERENCE_CREDENTIAL"}
        for name in self.default_headers or {}:
            if is_secret_header(name):
                env = "AZURE_INFERENCE_HEADER_" + name.upper().replace("-", "_")
                secrets[f"default_headers.{name}"] = env
        return secrets

    @property
    def _identifying_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "endpoint": self.endpoint,
            "model": self.model,
            "api_version": self.api_version,
        }
        for name in (
            "temperature",
            "top_p",
            "max_tokens",
            "max_completion_tokens",
            "reasoning_effort",
            "stop",
            "seed",
            "presence_penalty",
            "frequency_penalty",
            "n",
            "logprobs",
            "top_logprobs",
            "response_format",
        ):
            value = getattr(self, name)
            if value is not None:
                params[name] = value
        if self.model_kwargs:
            params["model_kwargs"] = self.model_kwargs
        return params

    def _resolve_model_profile(self) -> ModelProfile:
        return model_profile(capabilities_for(self.model, self.endpoint)[0])

    def _model_label(self) -> str:
        return self.model or self.endpoint or ""

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider="azure_inference",
            ls_model_name=str(kwargs.get("model") or self._model_label()),
            ls_model_type="chat",
        )
        temperature = kwargs.get("temperature", self.temperature)
        if temperature is not None:
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_completion_tokens", self.max_completion_tokens)
        if max_tokens is None:
            max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        ls_stop = stop if stop is not None else self.stop
        if ls_stop:
            params["ls_stop"] = ls_stop
        return params

    def _prepare(
        self,
        messages: Sequence[BaseMessage],
        stop: list[str] | None,
        kwargs: Mapping[str, Any],
        *,
        stream: bool,
    ) -> ChatRequest:
        return build_chat_request(self, messages, stop, kwargs, stream=stream)

    # -- the four hooks --------------------------------------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if responses_api.responses_on(self, kwargs):
            return responses_api.generate(self, messages, stop, kwargs)
        request = self._prepare(messages, stop, kwargs, stream=False)
        with mapped_errors(), self._sync_client() as client:
            completion = client.complete(request.messages, **request.params)
        return completion_to_result(completion)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if responses_api.responses_on(self, kwargs):
            return await responses_api.agenerate(self, messages, stop, kwargs)
        request = self._prepare(messages, stop, kwargs, stream=False)
        with mapped_errors():
            async with self._async_client() as client:
                completion = await client.complete(request.messages, **request.params)
        return completion_to_result(completion)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        if responses_api.responses_on(self, kwargs):
            yield from responses_api.stream(self, messages, stop, kwargs, run_manager)
            return
        request = self._prepare(messages, stop, kwargs, stream=True)
        processor = StreamProcessor()  # the stream joins into its accumulator
        joined = processor.accumulator
        with (
            mapped_errors(),
            self._sync_client() as client,
            client.stream(request.messages, accumulate=joined, **request.params) as wire,
        ):
            for raw in wire:
                chunk = processor.feed(raw)
                if chunk is not None:
                    if run_manager is not None:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
            last = processor.finish()
        if run_manager is not None:
            run_manager.on_llm_new_token(last.text, chunk=last)
        yield last

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        if responses_api.responses_on(self, kwargs):
            async for part in responses_api.astream(self, messages, stop, kwargs, run_manager):
                yield part
            return
        request = self._prepare(messages, stop, kwargs, stream=True)
        processor = StreamProcessor()
        joined = processor.accumulator
        with mapped_errors():
            async with (
                self._async_client() as client,
                client.stream(request.messages, accumulate=joined, **request.params) as wire,
            ):
                async for raw in wire:
                    chunk = processor.feed(raw)
                    if chunk is not None:
                        if run_manager is not None:
                            await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                        yield chunk
            last = processor.finish()
        if run_manager is not None:
            await run_manager.on_llm_new_token(last.text, chunk=last)
        yield last

    # -- tools and structured output ---------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | bool | dict[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (and how the model may use them) to this model.

        Args:
            tools: pydantic models, TypedDicts, functions, ``BaseTool``s or tool dicts.
            tool_choice: ``"auto"``, ``"none"``, ``"required"`` (``"any"`` and
                ``True`` mean the same), a tool name, or a function dict.
            parallel_tool_calls: allow several calls in one answer (sent as given).
            strict: sent as ``function.strict`` on every tool when not None.
            **kwargs: other per-call parameters (``temperature``, ``response_format``...).

        Returns:
            A runnable that calls the model with the tools.

        Raises:
            TypeError: an unknown keyword argument.
            ValueError: a non-function tool, or a ``tool_choice`` naming no bound tool.
        """
        self._check_bind_kwargs(kwargs)
        formatted = convert_tools(tools, strict=strict)
        bound: dict[str, Any] = {"tools": formatted}
        choice = normalize_tool_choice(tool_choice, tool_names(formatted))
        if choice is not None:
            bound["tool_choice"] = choice
        if parallel_tool_calls is not None:
            bound["parallel_tool_calls"] = parallel_tool_calls
        return super().bind(**bound, **kwargs)

    def _check_bind_kwargs(self, kwargs: Mapping[str, Any]) -> None:
        valid = (CALL_KWARGS - {"tools"}) | {"ls_structured_output_format", "strict"}
        check_names(kwargs, valid, f"{type(self).__name__}.bind_tools()")

    def _default_structured_method(self) -> StructuredMethod:
        capabilities, matched = capabilities_for(self.model, self.endpoint)
        if capabilities.json_schema:
            return "json_schema"
        if capabilities.tools:
            return "function_calling"
        raise UnsupportedFeatureError(
            f"Model {matched!r} ({capabilities.family} family) has neither JSON mode nor tool "
            "calling, so with_structured_output cannot constrain its answer. Prompt for JSON "
            "and parse it with JsonOutputParser, or use a model such as Mistral-Large or gpt-4o."
        )

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: StructuredMethod | None = None,
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
        """Return a runnable whose output follows ``schema``.

        Args:
            schema: a pydantic model (output is an instance), a TypedDict or a
                JSON schema dict (output is a dict). Optional for ``json_mode``.
            method: ``"json_schema"`` (``response_format`` json_schema, the default
                where the model supports it), ``"function_calling"`` (a forced tool
                call) or ``"json_mode"`` (``response_format`` json_object; the prompt
                must describe the keys). None picks the best the model supports.
            include_raw: return ``{"raw", "parsed", "parsing_error"}`` instead of
                raising on a parsing error.
            strict: sent as the schema's / tool's ``strict`` when not None.
            **kwargs: not accepted (raises ``TypeError``): pass call parameters via ``bind``.

        Returns:
            A runnable producing the parsed output (or the ``include_raw`` dict).

        Raises:
            TypeError: unknown keyword arguments.
            ValueError: no schema for a method that needs one, an unknown method.
            UnsupportedFeatureError: the model is known to support no method.
        """
        if kwargs:
            raise TypeError(
                f"Unknown argument(s) for with_structured_output: {', '.join(sorted(kwargs))}."
            )
        chosen = method or self._default_structured_method()
        if schema is None and chosen != "json_mode":
            raise ValueError(f"method={chosen!r} needs a schema; only 'json_mode' works without.")
        ls_format = {"kwargs": {"method": chosen, "strict": strict}, "schema": schema}
        tool_name: str | None = None
        if chosen == "function_calling":
            assert schema is not None  # checked above
            tool_name = str(convert_tools([schema])[0]["function"]["name"])
            llm = self.bind_tools(
                [schema],
                tool_choice=tool_name,
                strict=strict,
                ls_structured_output_format=ls_format,
            )
        elif chosen == "json_schema":
            assert schema is not None  # checked above
            response_format = json_schema_response_format(schema, strict=strict)
            llm = self.bind(response_format=response_format, ls_structured_output_format=ls_format)
        elif chosen == "json_mode":
            llm = self.bind(
                response_format={"type": "json_object"}, ls_structured_output_format=ls_format
            )
        else:
            raise ValueError(
                f"Unknown method {chosen!r}: use 'json_schema', 'function_calling' or 'json_mode'."
            )
        parser = output_parser(schema, chosen, tool_name)
        return with_raw(llm, parser) if include_raw else llm | parser
