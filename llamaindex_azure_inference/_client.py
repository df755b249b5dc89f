"""The adapter's connection settings: the core's, under the core's names.

Every core client option is a field of both LlamaIndex classes through
`CoreClientSettings`, whose `ClientLifecycle` creates the core clients on
first use, rebuilds them when a setting changes, keeps them open while a
stream reads from them and never shares them between copies.
"""

from __future__ import annotations

from functools import lru_cache

from azure_inference_core import EndpointFlavour, resolve_endpoint
from azure_inference_core._settings import CoreClientSettings

__all__ = ["ClientSettings", "openai_route"]


class ClientSettings(CoreClientSettings):
    """Endpoint, credential and core client options of both LlamaIndex classes."""


@lru_cache(maxsize=64)
def openai_route(endpoint: str | None) -> bool:
    """True for Azure OpenAI deployment and `/openai/v1` endpoints (pure, cached)."""
    if not endpoint:
        return False
    flavour = resolve_endpoint(endpoint).flavour
    return flavour in (EndpointFlavour.AZURE_OPENAI, EndpointFlavour.OPENAI_V1)
