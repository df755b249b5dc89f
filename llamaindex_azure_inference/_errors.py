"""The errors LlamaIndex code catches: the core's own classes, unchanged.

LlamaIndex has no exception hierarchy of its own to map onto (LangChain's
adapter adds its framework's bases here), so the core's errors are re-exported
as they are: `except AzureInferenceError` catches every one of them.
"""

from azure_inference_core import (
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
    TruncatedAnswerError,
    UnsupportedContentError,
    UnsupportedFeatureError,
    UnsupportedParameterError,
)

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "AzureInferenceError",
    "BadRequestError",
    "ConfigurationError",
    "ContentFilterError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "StreamError",
    "StreamTimeoutError",
    "TruncatedAnswerError",
    "UnsupportedContentError",
    "UnsupportedFeatureError",
    "UnsupportedParameterError",
]
