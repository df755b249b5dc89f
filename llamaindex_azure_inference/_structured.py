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
from contextlib import aclosing, closing
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
    from llama_index.core.llms.function_calling import FunctionCallingLLM
    from llama_index.core.program.utils import FlexibleModel
    from llama_index.core.prompts import PromptTemplate

    _Base = FunctionCallingLLM
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


def _objects(response: ChatResponse, output_cls: type[Model], current: Any, llm: Any) -> Any:
    """The objects streamed so far, or None while the arguments cannot be read yet."""
    from llama_index.core.program.utils import process_streaming_objects

    cur = current if current is None or isinstance(current, list) else [current]
    try:
        return process_streaming_objects(
            response, output_cls, cur_objects=cur, flexible_mode=True, llm=llm
        )
    except ValueError:  # partial arguments that do not parse yet (LlamaIndex's own rule)
        return current


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

    def _forced_tool_call(self) -> bool:
        default = self.pydantic_program_mode == PydanticProgramMode.DEFAULT
        return default and self.metadata.is_function_calling_model

    def _tool_stream_kwargs(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None,
        prompt_args: dict[str, Any],
    ) -> dict[str, Any]:
        """`stream_chat_with_tools` arguments forcing a call of the output tool.

        LlamaIndex's own function-calling program streams without `tool_required`
        or a `tool_choice`, so a model free to answer in text (Mistral, Cohere)
        did and every field came back None; and it swallows every error, a
        truncated answer included. So the call is made here, the tool named.
        """
        from llama_index.core.program.function_program import get_function_tool

        tool = get_function_tool(output_cls)
        kwargs = dict(llm_kwargs or {})
        for name in ("tool_required", "tool_choice", "allow_parallel_tool_calls"):
            kwargs.pop(name, None)
        return {
            "tools": [tool],
            "chat_history": self._messages_for(prompt, prompt_args),
            "tool_choice": tool.metadata.name,
            **kwargs,
        }

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
            if self._forced_tool_call():
                kwargs = self._tool_stream_kwargs(output_cls, prompt, llm_kwargs, prompt_args)
                objects: Any = None
                with closing(self.stream_chat_with_tools(**kwargs)) as responses:
                    for response in responses:
                        _check_complete(response, output_cls)
                        objects = _objects(response, output_cls, objects, self)
                        if objects is not None:
                            yield objects
                return
            yield from super()._structured_stream_call(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
            return
        from llama_index.core.program.streaming_utils import (
            process_streaming_content_incremental,
        )

        current: Model | FlexibleModel | None = None
        responses = self.stream_chat(
            self._messages_for(prompt, prompt_args), **self._schema_kwargs(output_cls, llm_kwargs)
        )
        with closing(responses):
            for response in responses:
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
            if self._forced_tool_call():
                kwargs = self._tool_stream_kwargs(output_cls, prompt, llm_kwargs, prompt_args)

                async def tool_gen() -> AsyncGenerator[Any, None]:
                    objects: Any = None
                    responses = await self.astream_chat_with_tools(**kwargs)
                    async with aclosing(responses):
                        async for response in responses:
                            _check_complete(response, output_cls)
                            objects = _objects(response, output_cls, objects, self)
                            if objects is not None:
                                yield objects

                return tool_gen()
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
            responses = await self.astream_chat(messages, **kwargs)
            async with aclosing(responses):
                async for response in responses:
                    _check_complete(response, output_cls)
                    current = process_streaming_content_incremental(response, output_cls, current)
                    yield current

        return gen()
