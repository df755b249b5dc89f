"""Pydantic models of what the service sends back.

Every model keeps unknown fields (``extra="allow"``): services add keys such as
``system_fingerprint``, ``content_filter_results`` or ``reasoning_content``
and dropping them would lose information users ask for. Fields that real
services omit or null have defaults, so a valid answer never fails to parse.
"""

import enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "ChatChoice",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChunkChoice",
    "CompletionUsage",
    "Delta",
    "EmbeddingItem",
    "EmbeddingsResult",
    "EmbeddingsUsage",
    "FunctionCall",
    "FunctionCallDelta",
    "ModelInfo",
    "ModelType",
    "ResponseMessage",
    "ToolCall",
    "ToolCallDelta",
    "WireModel",
]


class WireModel(BaseModel):
    """Base of the response models: unknown fields are kept, never rejected."""

    model_config = ConfigDict(extra="allow", defer_build=True)


class FunctionCall(WireModel):
    """The function a tool call invokes; ``arguments`` is a JSON string."""

    name: str
    arguments: str = ""


class ToolCall(WireModel):
    """One tool call the model asked for."""

    id: str
    type: str = "function"
    function: FunctionCall


class ResponseMessage(WireModel):
    """The assistant message of a choice; ``content`` may be null."""

    role: str = "assistant"
    content: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[ToolCall] | None = None


class ChatChoice(WireModel):
    """One choice of a chat completion."""

    index: int = 0
    message: ResponseMessage = Field(default_factory=ResponseMessage)
    finish_reason: str | None = None
    logprobs: Any = None


class CompletionUsage(WireModel):
    """Token counts; ``*_details`` fields are kept as extras when present."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatCompletion(WireModel):
    """A chat completion (``object: chat.completion``)."""

    id: str = ""
    object: str = "chat.completion"
    created: int = 0
    model: str = ""
    choices: list[ChatChoice] = Field(default_factory=list)
    usage: CompletionUsage | None = None


class FunctionCallDelta(WireModel):
    """A fragment of a streamed function call."""

    name: str | None = None
    arguments: str | None = None


class ToolCallDelta(WireModel):
    """A fragment of a streamed tool call, keyed by ``index`` (which some models omit)."""

    index: int | None = None
    id: str | None = None
    type: str | None = None
    function: FunctionCallDelta | None = None


class Delta(WireModel):
    """What one chunk adds to a choice."""

    role: str | None = None
    content: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[ToolCallDelta] | None = None


class ChunkChoice(WireModel):
    """One choice of a streamed chunk."""

    index: int = 0
    delta: Delta = Field(default_factory=Delta)
    finish_reason: str | None = None
    logprobs: Any = None


class ChatCompletionChunk(WireModel):
    """One streamed chunk; ``choices`` may be empty (usage-only or filter-only chunks)."""

    id: str = ""
    object: str = "chat.completion.chunk"
    created: int = 0
    model: str = ""
    choices: list[ChunkChoice] = Field(default_factory=list)
    usage: CompletionUsage | None = None


class EmbeddingItem(WireModel):
    """One embedding; a list of numbers, or a string for ``encoding_format='base64'``."""

    index: int = 0
    object: str = "embedding"
    embedding: list[float] | str


class EmbeddingsUsage(WireModel):
    """Token counts of an embeddings call."""

    prompt_tokens: int = 0
    total_tokens: int = 0


class EmbeddingsResult(WireModel):
    """The answer of ``/embeddings`` and ``/images/embeddings``."""

    id: str = ""
    object: str = "list"
    model: str = ""
    data: list[EmbeddingItem] = Field(default_factory=list)
    usage: EmbeddingsUsage | None = None


class ModelType(str, enum.Enum):
    """Canonical model types; the service spells them several ways."""

    CHAT_COMPLETION = "chat-completion"
    COMPLETION = "completion"
    EMBEDDINGS = "embeddings"
    IMAGE_EMBEDDINGS = "image-embeddings"
    TEXT_GENERATION = "text-generation"
    AUDIO_GENERATION = "audio-generation"
    IMAGE_GENERATION = "image-generation"


_MODEL_TYPE_SPELLINGS: dict[str, ModelType] = {
    "chat-completion": ModelType.CHAT_COMPLETION,
    "chat-completions": ModelType.CHAT_COMPLETION,
    "chat": ModelType.CHAT_COMPLETION,
    "completion": ModelType.COMPLETION,
    "completions": ModelType.COMPLETION,
    "embedding": ModelType.EMBEDDINGS,
    "embeddings": ModelType.EMBEDDINGS,
    "text-embedding": ModelType.EMBEDDINGS,
    "text-embeddings": ModelType.EMBEDDINGS,
    "image-embedding": ModelType.IMAGE_EMBEDDINGS,
    "image-embeddings": ModelType.IMAGE_EMBEDDINGS,
    "text-generation": ModelType.TEXT_GENERATION,
    "audio-generation": ModelType.AUDIO_GENERATION,
    "image-generation": ModelType.IMAGE_GENERATION,
}


class ModelInfo(WireModel):
    """The answer of ``GET /info``.

    ``model_type`` is a ``ModelType`` when the spelling is known
    (``chat_completion``, ``chat-completions``, ... all map to
    ``CHAT_COMPLETION``) and the raw string otherwise.
    """

    # The API's own field names start with "model_"; pydantic before 2.10 warns about
    # that prefix unless the model says it is intended.
    model_config = ConfigDict(extra="allow", protected_namespaces=(), defer_build=True)

    model_name: str = ""
    model_type: ModelType | str = ""
    model_provider_name: str = ""

    @field_validator("model_type", mode="before")
    @classmethod
    def _normalise_type(cls, value: Any) -> Any:
        if isinstance(value, str) and not isinstance(value, ModelType):
            key = value.strip().lower().replace("_", "-").replace(" ", "-")
            return _MODEL_TYPE_SPELLINGS.get(key, value)
        return value

    @property
    def is_chat_model(self) -> bool:
        """True for chat-completion models, however the service spelled it."""
        return self.model_type is ModelType.CHAT_COMPLETION

    @property
    def is_embeddings_model(self) -> bool:
        """True for text or image embeddings models."""
        return self.model_type in (ModelType.EMBEDDINGS, ModelType.IMAGE_EMBEDDINGS)
