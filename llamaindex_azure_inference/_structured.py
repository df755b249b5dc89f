"""Structured output: `json_schema` for models that take it, LlamaIndex's programs otherwise.

Mixed into `AzureInference` before LlamaIndex's `LLM`, so `super()` is the
default program (forced function calling, or prompting for JSON). The
`json_schema` route emits the same instrumentation events as LlamaIndex's own
(`LLMStructuredPredictStartEvent` / `EndEvent`), and an answer cut off by
`max_tokens` raises `TruncatedAnswerError` instead of a pydantic error about
broken JSON.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse
from llama_index.core.instrumentation.events.llm import (
    LLMStructuredPredictEndEvent,
    LLMStructuredPredictStartEvent,
)
from llama_index.core.types import Model, PydanticProgramMode
from llama_index_instrumentation import get_dispatcher
from pydantic import BaseModel

from azure_inference_core import ModelCapabilities, TruncatedAnswerError

if TYPE_CHECKING:
    from llama_index.core.llms.llm import LLM
    from llama_index.core.program.function_program import FunctionCallingProgram
    from llama_index.core.program.utils import FlexibleModel
    from llama_index.core.prompts import PromptTemplate

    _Base = LLM
else:
    _Base = object

__all__ = ["StructuredOutput", "json_schema_format"]

dispatcher = get_dispatcher(__name__)

_SCHEMA_NAME = re.compile(r"[^A-Za-z0-9_-]")


def json_schema_format(output_cls: type[BaseModel]) -> dict[str, Any]:
    """The `response_format` asking for JSON that matches `output_cls`.

    The name is the class name with characters outside `[A-Za-z0-9_-]`
    replaced, cut to 64 (the API's rule); the docstring becomes the
    description. `strict` is not set: pydantic schemas rarely meet strict
    mode's rules (every property required, no open objects).
    """
    spec: dict[str, Any] = {
        "name": _SCHEMA_NAME.sub("_", output_cls.__name__)[:64],
        "schema": output_cls.model_json_schema(),
    }
    if output_cls.__doc__:
        spec["description"] = output_cls.__doc__.strip()
    return {"type": "json_schema", "json_schema": spec}


def _check_complete(response: ChatResponse, output_cls: type[BaseModel]) -> None:
    if response.additional_kwargs.get("finish_reason") == "length":
        raise TruncatedAnswerError(
            f"The {output_cls.__name__} answer was cut off by max_tokens (finish_reason "
            "'length') before its JSON was complete; raise max_tokens and ask again.",
            completion=response.raw,
        )


def _parse(response: ChatResponse, output_cls: type[Model]) -> Model:
    _check_complete(response, output_cls)
    return output_cls.model_validate_json(response.message.content or "")


class StructuredOutput(_Base):
    """`structured_predict` and its async and streaming forms (see the module docstring)."""

    if TYPE_CHECKING:

        @property
        def capabilities(self) -> ModelCapabilities: ...

    def _json_schema_route(self) -> bool:
        return (
            self.pydantic_program_mode == PydanticProgramMode.DEFAULT
            and self.capabilities.json_schema
        )

    def _forced_program(
        self, output_cls: type[Model], prompt: PromptTemplate
    ) -> FunctionCallingProgram[Model] | None:
        """LlamaIndex's function-calling program, forced to call the output tool.

        Its streaming path passes neither `tool_required` nor a `tool_choice`,
        so a model free to answer in text (Mistral, Cohere) did, and every
        field came back None. The tool is named, as its non-streaming path
        requires a call.
        """
        if self.pydantic_program_mode != PydanticProgramMode.DEFAULT:
            return None
        if not self.metadata.is_function_calling_model:
            return None
        from llama_index.core.program.function_program import (
            FunctionCallingProgram,
            get_function_tool,
        )

        return FunctionCallingProgram.from_defaults(
            output_cls=output_cls,
            prompt=prompt,
            llm=self,
            tool_choice=get_function_tool(output_cls).metadata.name,
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
        dispatcher.event(
            LLMStructuredPredictStartEvent(
                output_cls=output_cls, template=prompt, template_args=prompt_args
            )
        )
        response = self.chat(
            self._messages_for(prompt, prompt_args), **self._schema_kwargs(output_cls, llm_kwargs)
        )
        result = _parse(response, output_cls)
        dispatcher.event(LLMStructuredPredictEndEvent(output=result))
        return result

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
        dispatcher.event(
            LLMStructuredPredictStartEvent(
                output_cls=output_cls, template=prompt, template_args=prompt_args
            )
        )
        response = await self.achat(
            self._messages_for(prompt, prompt_args), **self._schema_kwargs(output_cls, llm_kwargs)
        )
        result = _parse(response, output_cls)
        dispatcher.event(LLMStructuredPredictEndEvent(output=result))
        return result

    def _structured_stream_call(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Generator[Model | list[Model] | FlexibleModel | list[FlexibleModel], None, None]:
        if not self._json_schema_route():
            forced = self._forced_program(output_cls, prompt)
            if forced is not None:
                yield from forced.stream_call(llm_kwargs=llm_kwargs, **prompt_args)
                return
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
            _check_complete(response, output_cls)
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
            forced = self._forced_program(output_cls, prompt)
            if forced is not None:
                return await forced.astream_call(llm_kwargs=llm_kwargs, **prompt_args)
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
                _check_complete(response, output_cls)
                current = process_streaming_content_incremental(response, output_cls, current)
                yield current

        return gen()
