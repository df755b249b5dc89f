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
errors surface unchanged; `ContentFilterError` and its relatives are
re-exported so they can be caught by name from here. Content or features the
model cannot take raise `UnsupportedContentError` / `UnsupportedFeatureError`
before anything is sent.
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
    UnsupportedParameterError,
)

from ._convert import UnsupportedContentError
from ._embeddings import AzureInferenceEmbedding
from ._llm import AzureInference
from ._profiles import ModelProfile, profile_for
from ._request import UnsupportedFeatureError

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
    "ModelProfile",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "StreamError",
    "StreamTimeoutError",
    "UnsupportedContentError",
    "UnsupportedFeatureError",
    "UnsupportedParameterError",
    "profile_for",
]
