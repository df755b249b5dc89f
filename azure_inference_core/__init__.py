"""A fast, typed, framework-free client for the Azure AI Model Inference API.

The public names are gathered here from private modules; ``tests/core`` pins them.
"""

from . import _no_httpx_cli  # noqa: F401  (first: httpx without its CLI; see the module)
from ._accumulate import StreamAccumulator
from ._async_client import AsyncInferenceClient
from ._call import SECRET_HEADERS
from ._client import InferenceClient
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
    ServerError,
    StreamError,
    StreamTimeoutError,
    UnsupportedParameterError,
)
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
from ._retry import RetryPolicy
from ._sse import ServerSentEvent, SSEDecoder
from ._stream import AsyncChatCompletionStream, ChatCompletionStream
from ._version import __version__
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
    "ChatChoice",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionStream",
    "ChunkChoice",
    "CompletionUsage",
    "ConfigurationError",
    "ContentFilterError",
    "Delta",
    "DeveloperMessage",
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
    "ModelInfo",
    "ModelType",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseMessage",
    "RetryPolicy",
    "SECRET_HEADERS",
    "SSEDecoder",
    "ServerError",
    "ServerSentEvent",
    "StreamAccumulator",
    "StreamError",
    "StreamTimeoutError",
    "SystemMessage",
    "TextContentItem",
    "ToolCall",
    "ToolCallDelta",
    "ToolMessage",
    "UnsupportedParameterError",
    "UserMessage",
    "__version__",
    "resolve_endpoint",
]

# -- Responses API (issue 16) ---------------------------------------------------
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
