"""LangChain integration for the Azure AI Model Inference API.

``ChatAzureInference`` (chat model) and ``AzureInferenceEmbeddings`` run on the
project's own core client (httpx + pydantic). The error classes are the core's,
also deriving from ``langchain_core.exceptions`` (see ``_errors``); the
``Unsupported*`` and ``TruncatedAnswerError`` classes are the core's own, the
same objects LlamaIndex's package exports.
"""

from azure_inference_core import (
    AzureInferenceError,
    ConfigurationError,
    TruncatedAnswerError,
    UnsupportedContentError,
    UnsupportedFeatureError,
)

from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContentFilterError,
    ContextLengthExceededError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    StreamError,
    StreamTimeoutError,
    UnsupportedParameterError,
)
from .chat_models import ChatAzureInference
from .embeddings import AzureInferenceEmbeddings

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "AzureInferenceEmbeddings",
    "AzureInferenceError",
    "BadRequestError",
    "ChatAzureInference",
    "ConfigurationError",
    "ContentFilterError",
    "ContextLengthExceededError",
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
