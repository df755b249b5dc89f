"""LangChain integration for the Azure AI Model Inference API.

``ChatAzureInference`` (chat model) and ``AzureInferenceEmbeddings`` run on the
project's own core client (httpx + pydantic). The error classes are the core's,
also deriving from ``langchain_core.exceptions`` (see ``_errors``).
"""

from ._convert import UnsupportedContentError
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
from ._quirks import UnsupportedFeatureError
from .chat_models import ChatAzureInference
from .embeddings import AzureInferenceEmbeddings

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "AzureInferenceEmbeddings",
    "BadRequestError",
    "ChatAzureInference",
    "ContentFilterError",
    "ContextLengthExceededError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "StreamError",
    "StreamTimeoutError",
    "UnsupportedContentError",
    "UnsupportedFeatureError",
    "UnsupportedParameterError",
]
