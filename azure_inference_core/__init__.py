"""A fast, typed, framework-free client for the Azure AI Model Inference API.

The public names are gathered here from private modules; ``tests/core`` pins them.
"""

from ._call import SECRET_HEADERS
from ._endpoint import EndpointConfig, EndpointFlavour, resolve_endpoint
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    AzureInferenceError,
    BadRequestError,
    ConfigurationError,
    ContentFilterError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    StreamError,
    StreamTimeoutError,
    StreamTooLargeError,
    UnsupportedParameterError,
)
from ._features import TruncatedAnswerError, UnsupportedContentError, UnsupportedFeatureError
from ._models import (
    UNKNOWN_MODEL,
    ModelCapabilities,
    capabilities_for,
    check_capabilities,
    model_names,
)
from ._params import CHAT_PARAMS, EMBED_PARAMS, ChatParams, EmbedParams, check_names
from ._policy import needs_pass_through, stream_usage_options
from ._reasoning import REASONING_EFFORTS, RejectedParameterError
from ._retry import RetryPolicy
from ._secrets import is_secret_header, public_headers, redact_headers
from ._sse import ServerSentEvent, SSEDecoder
from ._think import ThinkSplitter, split_think
from ._tools import (
    ParsedToolCall,
    assistant_to_wire,
    normalize_tool_choice,
    parse_tool_arguments,
    parse_tool_calls,
    tool_call_to_wire,
    tool_names,
    tool_result_to_wire,
)
from ._vectors import vectors_from
from ._version import __version__

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AssistantMessage",
    "AsyncChatCompletionStream",
    "AsyncInferenceClient",
    "AudioContentItem",
    "AuthenticationError",
    "AzureInferenceError",
    "BadRequestError",
    "CHAT_PARAMS",
    "ChatChoice",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionStream",
    "ChatParams",
    "ChoiceUpdate",
    "ChunkChoice",
    "ChunkUpdate",
    "CompletionUsage",
    "ConfigurationError",
    "ContentFilterError",
    "Delta",
    "DeveloperMessage",
    "EMBED_PARAMS",
    "EmbedParams",
    "EmbeddingItem",
    "EmbeddingsResult",
    "EmbeddingsUsage",
    "EndpointConfig",
    "EndpointFlavour",
    "FunctionCall",
    "FunctionCallDelta",
    "ImageContentItem",
    "ImageEmbeddingInput",
    "ImageUrl",
    "InferenceClient",
    "InputAudio",
    "ModelCapabilities",
    "ModelInfo",
    "ModelType",
    "NotFoundError",
    "ParsedToolCall",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ResponseMessage",
    "RetryPolicy",
    "SECRET_HEADERS",
    "SSEDecoder",
    "ServerError",
    "ServerSentEvent",
    "StreamAccumulator",
    "StreamError",
    "StreamTimeoutError",
    "StreamTooLargeError",
    "SystemMessage",
    "TextContentItem",
    "ToolCall",
    "ToolCallDelta",
    "ToolCallUpdate",
    "ToolMessage",
    "REASONING_EFFORTS",
    "RejectedParameterError",
    "TruncatedAnswerError",
    "UNKNOWN_MODEL",
    "UnsupportedContentError",
    "UnsupportedFeatureError",
    "UnsupportedParameterError",
    "UserMessage",
    "assistant_to_wire",
    "capabilities_for",
    "check_capabilities",
    "model_names",
    "split_think",
    "ThinkSplitter",
    "TokenCounter",
    "token_counter",
    "check_names",
    "is_secret_header",
    "needs_pass_through",
    "normalize_tool_choice",
    "parse_tool_arguments",
    "parse_tool_calls",
    "public_headers",
    "redact_headers",
    "resolve_endpoint",
    "stream_usage_options",
    "tool_call_to_wire",
    "tool_names",
    "tool_result_to_wire",
    "vectors_from",
    "__version__",
]

# -- Loaded on first use ----------------------------------------------------------
# The Responses API (about 30 ms of pydantic model building that chat-only users, and
# the adapters' import budget, should not pay), and the clients with their streams
# (the httpx-facing code: the adapters import the package, and build a client later).
import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._accumulate import ChoiceUpdate, ChunkUpdate, StreamAccumulator, ToolCallUpdate
    from ._async_client import AsyncInferenceClient
    from ._client import InferenceClient
    from ._messages import (
        AssistantMessage,
        AudioContentItem,
        DeveloperMessage,
        ImageContentItem,
        ImageEmbeddingInput,
        ImageUrl,
        InputAudio,
        SystemMessage,
        TextContentItem,
        ToolMessage,
        UserMessage,
    )
    from ._responses import (
        FunctionCallItem,
        FunctionCallOutputItem,
        FunctionTool,
        InputAudioPart,
        InputFilePart,
        InputImagePart,
        InputMessage,
        InputTextPart,
        OutputTextPart,
        ReasoningConfig,
        ReasoningItem,
        SummaryText,
        build_responses_body,
        json_schema_format,
    )
    from ._responses_api import AsyncResponses, Responses
    from ._responses_io import AsyncResponseStream, ResponseStream
    from ._responses_stream import (
        ResponseAccumulator,
        ResponseContentFilterError,
        ResponseEventDecoder,
    )
    from ._responses_wire import (
        OutputContentPart,
        Response,
        ResponseEvent,
        ResponseFunctionCall,
        ResponseOutputMessage,
        ResponseReasoning,
        ResponseUsage,
    )
    from ._stream import AsyncChatCompletionStream, ChatCompletionStream
    from ._tokens import TokenCounter, token_counter
    from ._wire import (
        ChatChoice,
        ChatCompletion,
        ChatCompletionChunk,
        ChunkChoice,
        CompletionUsage,
        Delta,
        EmbeddingItem,
        EmbeddingsResult,
        EmbeddingsUsage,
        FunctionCall,
        FunctionCallDelta,
        ModelInfo,
        ModelType,
        ResponseMessage,
        ToolCall,
        ToolCallDelta,
    )

_LAZY: dict[str, str] = {
    # The clients and their streams: httpx-facing code, loaded with the first client.
    "AsyncChatCompletionStream": "._stream",
    "AsyncInferenceClient": "._async_client",
    "ChatCompletionStream": "._stream",
    "InferenceClient": "._client",
    # Stream joining and token counting: loaded with the first stream or count.
    "ChoiceUpdate": "._accumulate",
    "ChunkUpdate": "._accumulate",
    "StreamAccumulator": "._accumulate",
    "ToolCallUpdate": "._accumulate",
    # The wire and request models: pydantic classes, loaded with the first answer or use.
    "AssistantMessage": "._messages",
    "AudioContentItem": "._messages",
    "DeveloperMessage": "._messages",
    "ImageContentItem": "._messages",
    "ImageEmbeddingInput": "._messages",
    "ImageUrl": "._messages",
    "InputAudio": "._messages",
    "SystemMessage": "._messages",
    "TextContentItem": "._messages",
    "ToolMessage": "._messages",
    "UserMessage": "._messages",
    "ChatChoice": "._wire",
    "ChatCompletion": "._wire",
    "ChatCompletionChunk": "._wire",
    "ChunkChoice": "._wire",
    "CompletionUsage": "._wire",
    "Delta": "._wire",
    "EmbeddingItem": "._wire",
    "EmbeddingsResult": "._wire",
    "EmbeddingsUsage": "._wire",
    "FunctionCall": "._wire",
    "FunctionCallDelta": "._wire",
    "ModelInfo": "._wire",
    "ModelType": "._wire",
    "ResponseMessage": "._wire",
    "ToolCall": "._wire",
    "ToolCallDelta": "._wire",
    "TokenCounter": "._tokens",
    "token_counter": "._tokens",
    "AsyncResponseStream": "._responses_io",
    "AsyncResponses": "._responses_api",
    "FunctionCallItem": "._responses",
    "FunctionCallOutputItem": "._responses",
    "FunctionTool": "._responses",
    "InputAudioPart": "._responses",
    "InputFilePart": "._responses",
    "InputImagePart": "._responses",
    "InputMessage": "._responses",
    "InputTextPart": "._responses",
    "OutputContentPart": "._responses_wire",
    "OutputTextPart": "._responses",
    "ReasoningConfig": "._responses",
    "ReasoningItem": "._responses",
    "Response": "._responses_wire",
    "ResponseAccumulator": "._responses_stream",
    "ResponseContentFilterError": "._responses_stream",
    "ResponseEvent": "._responses_wire",
    "ResponseEventDecoder": "._responses_stream",
    "ResponseFunctionCall": "._responses_wire",
    "ResponseOutputMessage": "._responses_wire",
    "ResponseReasoning": "._responses_wire",
    "ResponseStream": "._responses_io",
    "ResponseUsage": "._responses_wire",
    "Responses": "._responses_api",
    "SummaryText": "._responses",
    "build_responses_body": "._responses",
    "json_schema_format": "._responses",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ += [
    "AsyncResponseStream",
    "AsyncResponses",
    "FunctionCallItem",
    "FunctionCallOutputItem",
    "FunctionTool",
    "InputAudioPart",
    "InputFilePart",
    "InputImagePart",
    "InputMessage",
    "InputTextPart",
    "OutputContentPart",
    "OutputTextPart",
    "ReasoningConfig",
    "ReasoningItem",
    "Response",
    "ResponseAccumulator",
    "ResponseContentFilterError",
    "ResponseEvent",
    "ResponseEventDecoder",
    "ResponseFunctionCall",
    "ResponseOutputMessage",
    "ResponseReasoning",
    "ResponseStream",
    "ResponseUsage",
    "Responses",
    "SummaryText",
    "build_responses_body",
    "json_schema_format",
]
