"""Model profiles: what each emulated model can do, enforced on the wire.

The capabilities come from the seed documents (Azure's Phi, Phi-3-vision,
Mistral and model-inference pages) and from the quirks listed in
``docs/wire.md``: Phi models have no system role and no JSON mode,
Phi-3-vision takes one image per turn, Cohere needs JSON tool results,
OpenAI-style models send streamed usage only when asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["PROFILES", "ModelProfile", "get_profile"]

UsageStyle = Literal["last_chunk", "stream_options"]
ReasoningStyle = Literal["none", "content", "hidden"]
ModelType = Literal["chat-completions", "embeddings"]
ResponsesApi = Literal["no", "also", "only"]

_ALL_ENCODINGS = ("float", "base64", "int8", "uint8", "binary", "ubinary")


@dataclass(frozen=True)
class ModelProfile:
    """Capabilities of one emulated model.

    Attributes:
        name: the model name as Azure writes it; ``/info`` reports it.
        provider: ``model_provider_name`` on ``/info``.
        model_type: ``chat-completions`` or ``embeddings``.
        context_window: prompt plus completion tokens the model accepts.
        max_output: largest accepted ``max_tokens``.
        supports_system_role: False -> system messages become user messages.
        supports_tools: False -> ``tools`` / ``tool_choice`` answer 422.
        supports_parallel_tool_calls: several calls in one answer.
        json_object: ``response_format`` ``json_object`` accepted.
        json_schema: ``response_format`` ``json_schema`` accepted.
        vision: most images per user turn (0 = no image input).
        audio: ``input_audio`` parts accepted.
        extra_parameters: body fields accepted under ``extra-parameters: pass-through``.
        unsupported_parameters: standard fields this model rejects with 422.
        usage_style: where streamed usage goes (see docs/wire.md section 5).
        reasoning: ``content`` returns ``reasoning_content``; ``hidden`` counts
            reasoning tokens only (OpenAI o-series).
        reasoning_parameters: an OpenAI reasoning model: ``max_tokens``, penalties,
            logprobs and non-default ``temperature`` / ``top_p`` answer Azure's 400
            (``_reasoning_rules.py``).
        tool_result_must_be_json: a tool message must hold a JSON string (Cohere).
        embedding_input_types: accepted ``input_type`` values (empty = none).
        embedding_dimensions: accepted ``dimensions`` (empty = 1..default).
        default_dimensions: vector length when ``dimensions`` is not given.
        encoding_formats: accepted ``encoding_format`` values.
        image_embeddings: serves ``/images/embeddings``.
        aliases: other names that select this profile (Foundry deployment names).
        responses_api: ``also`` serves ``/responses`` too; ``only`` serves nothing else
            (chat completions answer 400 OperationNotSupported, as for codex models).
    """

    name: str
    provider: str
    model_type: ModelType = "chat-completions"
    context_window: int = 131072
    max_output: int = 4096
    supports_system_role: bool = True
    supports_tools: bool = False
    supports_parallel_tool_calls: bool = False
    json_object: bool = False
    json_schema: bool = False
    vision: int = 0
    audio: bool = False
    extra_parameters: frozenset[str] = frozenset()
    unsupported_parameters: frozenset[str] = frozenset()
    usage_style: UsageStyle = "last_chunk"
    reasoning: ReasoningStyle = "none"
    reasoning_parameters: bool = False
    tool_result_must_be_json: bool = False
    embedding_input_types: tuple[str, ...] = ()
    embedding_dimensions: tuple[int, ...] = ()
    default_dimensions: int = 0
    encoding_formats: tuple[str, ...] = ()
    image_embeddings: bool = False
    aliases: tuple[str, ...] = ()
    responses_api: ResponsesApi = "no"

    @property
    def is_chat(self) -> bool:
        """True for chat-completions models."""
        return self.model_type == "chat-completions"


_PHI_EXTRAS = frozenset({"logit_bias", "logprobs", "top_logprobs", "n", "stream_options"})
_MISTRAL_EXTRAS = frozenset({"safe_prompt", "parallel_tool_calls", "stream_options"})
_COHERE_EXTRAS = frozenset({"parallel_tool_calls", "stream_options"})
_OPENAI_EXTRAS = frozenset(
    {
        "stream_options",
        "parallel_tool_calls",
        "n",
        "logprobs",
        "top_logprobs",
        "logit_bias",
        "user",
        "max_completion_tokens",
        "reasoning_effort",
        "store",
        "metadata",
        "service_tier",
    }
)


def _phi(name: str, context: int, vision: int = 0) -> ModelProfile:
    return ModelProfile(
        name=name,
        provider="Microsoft",
        context_window=context,
        max_output=4096,
        supports_system_role=False,
        vision=vision,
        extra_parameters=_PHI_EXTRAS,
    )


def _reasoning(
    name: str, context: int, output: int, vision: int, responses_api: ResponsesApi = "no"
) -> ModelProfile:
    """An OpenAI reasoning model: hidden reasoning, Azure's refusals of sampling parameters."""
    return ModelProfile(
        name=name,
        provider="OpenAI",
        context_window=context,
        max_output=output,
        supports_tools=True,
        supports_parallel_tool_calls=True,
        json_object=True,
        json_schema=True,
        vision=vision,
        extra_parameters=_OPENAI_EXTRAS,
        usage_style="stream_options",
        reasoning="hidden",
        reasoning_parameters=True,
        responses_api=responses_api,
    )


_BUILTIN: tuple[ModelProfile, ...] = (
    _phi("Phi-3-mini-4k-Instruct", 4096),
    _phi("Phi-3-mini-128k-Instruct", 131072),
    _phi("Phi-3-small-8k-Instruct", 8192),
    _phi("Phi-3-small-128k-Instruct", 131072),
    _phi("Phi-3-medium-4k-Instruct", 4096),
    _phi("Phi-3-medium-128k-Instruct", 131072),
    _phi("Phi-3.5-mini-instruct", 131072),
    _phi("Phi-3-vision-128k-Instruct", 131072, vision=1),
    ModelProfile(
        name="Mistral-Large",
        provider="MistralAI",
        context_window=131072,
        max_output=8192,
        supports_tools=True,
        supports_parallel_tool_calls=True,
        json_object=True,
        json_schema=False,
        extra_parameters=_MISTRAL_EXTRAS,
        aliases=("mistral-large-2407",),
    ),
    ModelProfile(
        name="Cohere-command-r-plus",
        provider="Cohere",
        context_window=131072,
        max_output=4096,
        supports_tools=True,
        supports_parallel_tool_calls=True,
        json_object=True,
        json_schema=False,
        extra_parameters=_COHERE_EXTRAS,
        tool_result_must_be_json=True,
        aliases=("cohere-command-r-plus-08-2024",),
    ),
    ModelProfile(
        name="Cohere-command-r",
        provider="Cohere",
        context_window=131072,
        max_output=4096,
        supports_tools=True,
        supports_parallel_tool_calls=True,
        json_object=True,
        json_schema=False,
        extra_parameters=_COHERE_EXTRAS,
        tool_result_must_be_json=True,
        aliases=("cohere-command-r-08-2024",),
    ),
    ModelProfile(
        name="gpt-4o-mini",
        provider="OpenAI",
        context_window=128000,
        max_output=16384,
        supports_tools=True,
        supports_parallel_tool_calls=True,
        json_object=True,
        json_schema=True,
        vision=10,
        extra_parameters=_OPENAI_EXTRAS,
        usage_style="stream_options",
        responses_api="also",
    ),
    ModelProfile(
        name="gpt-4o",
        provider="OpenAI",
        context_window=128000,
        max_output=16384,
        supports_tools=True,
        supports_parallel_tool_calls=True,
        json_object=True,
        json_schema=True,
        vision=10,
        audio=False,
        extra_parameters=_OPENAI_EXTRAS,
        usage_style="stream_options",
        responses_api="also",
    ),
    _reasoning("o3-mini", 200000, 100000, vision=0, responses_api="also"),
    _reasoning("o1", 200000, 100000, vision=10),
    _reasoning("o4-mini", 200000, 100000, vision=10),
    _reasoning("gpt-5-mini", 400000, 128000, vision=10),
    _reasoning("codex-mini", 200000, 100000, vision=0, responses_api="only"),
    _reasoning("o3-pro", 200000, 100000, vision=10, responses_api="only"),
    ModelProfile(
        name="DeepSeek-R1",
        provider="DeepSeek",
        context_window=128000,
        max_output=32768,
        extra_parameters=frozenset({"stream_options"}),
        reasoning="content",
    ),
    ModelProfile(
        name="Phi-4-multimodal-instruct",
        provider="Microsoft",
        context_window=131072,
        max_output=4096,
        vision=5,
        audio=True,
        extra_parameters=_PHI_EXTRAS,
    ),
    ModelProfile(
        name="Cohere-embed-v3-english",
        provider="Cohere",
        model_type="embeddings",
        context_window=512,
        embedding_input_types=("text", "query", "document"),
        embedding_dimensions=(1024,),
        default_dimensions=1024,
        encoding_formats=_ALL_ENCODINGS,
        image_embeddings=True,
    ),
    ModelProfile(
        name="Cohere-embed-v3-multilingual",
        provider="Cohere",
        model_type="embeddings",
        context_window=512,
        embedding_input_types=("text", "query", "document"),
        embedding_dimensions=(1024,),
        default_dimensions=1024,
        encoding_formats=_ALL_ENCODINGS,
        image_embeddings=True,
    ),
    ModelProfile(
        name="text-embedding-3-small",
        provider="OpenAI",
        model_type="embeddings",
        context_window=8191,
        default_dimensions=1536,
        encoding_formats=("float", "base64"),
    ),
)

PROFILES: Mapping[str, ModelProfile] = {p.name: p for p in _BUILTIN}
"""Built-in profiles by their Azure name."""

_BY_LOWER: dict[str, ModelProfile] = {}
for _p in _BUILTIN:
    _BY_LOWER[_p.name.lower()] = _p
    for _alias in _p.aliases:
        _BY_LOWER[_alias.lower()] = _p


def get_profile(name: str) -> ModelProfile:
    """Look a built-in profile up by model name, case-insensitively.

    Args:
        name: a model name as Azure writes it (``Phi-3-mini-4k-Instruct``,
            ``Mistral-Large``, ``mistral-large-2407``, ``Cohere-embed-v3-english``).

    Returns:
        The matching profile.

    Raises:
        KeyError: no built-in profile has that name; the message lists them.
    """
    found = _BY_LOWER.get(name.strip().lower())
    if found is None:
        known = ", ".join(sorted(PROFILES))
        raise KeyError(f"unknown model profile {name!r}; built-in profiles: {known}")
    return found
