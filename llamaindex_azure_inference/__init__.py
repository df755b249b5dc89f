"""LlamaIndex integration of the Azure AI Model Inference API.

`AzureInference` is a function-calling LLM and `AzureInferenceEmbedding` an
embedding model (text and images), both on `azure_inference_core`::

    from llama_index.core.agent.workflow import FunctionAgent
    from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding

    llm = AzureInference(endpoint="https://<resource>.services.ai.azure.com/models",
                         credential="<key>", model="Mistral-Large")
    agent = FunctionAgent(tools=[...], llm=llm)
    embed_model = AzureInferenceEmbedding(endpoint=..., model="Cohere-embed-v3-english")

Nothing is fetched at construction; connection pools open on first use and
close with `close()` / `aclose()` or `with` / `async with`. The core's
errors surface unchanged and are re-exported so they can be caught by name
from here. Content or features the model cannot take raise the core's
`UnsupportedContentError` / `UnsupportedFeatureError` before anything is sent;
an answer cut off by `max_tokens` where a partial one cannot be used (a tool
call, structured output) raises `TruncatedAnswerError`.
"""

from azure_inference_core import ModelCapabilities, capabilities_for

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
    TruncatedAnswerError,
    UnsupportedContentError,
    UnsupportedFeatureError,
    UnsupportedParameterError,
)
from .embeddings import AzureInferenceEmbedding
from .llms import AzureInference

#: Former name of the core's capability row (kept so existing imports work).
ModelProfile = ModelCapabilities


def profile_for(model: str | None) -> ModelCapabilities:
    """The core capability table's row for `model` (former name; see `capabilities_for`)."""
    return capabilities_for(model)[0]


__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "AzureInference",
    "AzureInferenceEmbedding",
    "AzureInferenceError",
    "BadRequestError",
    "ConfigurationError",
    "ContentFilterError",
    "ModelCapabilities",
    "ModelProfile",
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
    "capabilities_for",
    "profile_for",
]
