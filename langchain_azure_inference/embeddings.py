"""LangChain embeddings for the Azure AI Model Inference API."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any, Literal

from langchain_core.embeddings import Embeddings
from pydantic import AliasChoices, ConfigDict, Field, model_validator
from typing_extensions import Self

from azure_inference_core import vectors_from

from ._client import ClientSettings
from ._errors import mapped_errors

__all__ = ["AzureInferenceEmbeddings"]

# Models known to take ``input_type`` query/document (Cohere embed v3/v4).
_TAKES_INPUT_TYPE = re.compile(r"cohere|embed-(english|multilingual|v\d)", re.IGNORECASE)


def _default_input_type(data: dict[str, Any], value: str) -> str | None:
    names = (data.get("model"), data.get("endpoint"))
    return value if any(n and _TAKES_INPUT_TYPE.search(n) for n in names) else None


def _batches(texts: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(texts), size):
        yield texts[start : start + size]


class AzureInferenceEmbeddings(ClientSettings, Embeddings):
    """Text embeddings on the Azure AI Model Inference API (``POST /embeddings``).

    Texts are sent in batches of ``batch_size``, one request per batch. For
    models that distinguish queries from documents (Cohere embed, recognised by
    the model or endpoint name), ``input_type`` is ``"document"`` for
    ``embed_documents`` and ``"query"`` for ``embed_query`` unless set; set either
    field to None to omit it, or to another value the model takes.
    Texts are recorded on the OpenTelemetry span only with
    ``capture_message_content=True`` (or the conventions' environment variable).

    Example::

        emb = AzureInferenceEmbeddings(endpoint=url, credential=key,
                                       model="Cohere-embed-v3-english")
        vectors = emb.embed_documents(["first text", "second text"])
    """

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        arbitrary_types_allowed=True,
        protected_namespaces=(),
        defer_build=False,  # the settings bases defer theirs; this class is the one validated
    )

    model: str | None = Field(default=None, validation_alias=AliasChoices("model", "model_name"))
    """Model or deployment name (body ``model``)."""
    dimensions: int | None = None
    """Vector length, for models that support choosing it."""
    encoding_format: Literal["float", "base64"] | None = None
    """How the service sends vectors (``base64`` is smaller on the wire); either way
    they come back as lists of floats. None: the service's default (floats)."""
    batch_size: int = Field(default=96, gt=0)
    """Most texts per request (Cohere accepts 96)."""
    input_type_documents: str | None = Field(
        default_factory=lambda data: _default_input_type(data, "document")
    )
    """``input_type`` for ``embed_documents``; None omits it."""
    input_type_query: str | None = Field(
        default_factory=lambda data: _default_input_type(data, "query")
    )
    """``input_type`` for ``embed_query``; None omits it."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Model-specific body parameters, sent with ``extra-parameters: pass-through``."""

    @model_validator(mode="after")
    def _check_model_kwargs(self) -> Self:
        clash = sorted(
            set(self.model_kwargs)
            & {"input", "model", "dimensions", "encoding_format", "input_type"}
        )
        if clash:
            raise ValueError(
                f"model_kwargs has {', '.join(clash)}: use the matching field instead "
                "(model, dimensions, encoding_format, input_type_documents / input_type_query)."
            )
        return self

    def _params(self, input_type: str | None) -> dict[str, Any]:
        return {
            "dimensions": self.dimensions,
            "encoding_format": self.encoding_format,
            "input_type": input_type,
            "model_extras": self.model_kwargs or None,
        }

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed texts as documents.

        Args:
            texts: the texts; an empty list sends nothing.

        Returns:
            One vector per text, in order.
        """
        vectors: list[list[float]] = []
        params = self._params(self.input_type_documents)
        with mapped_errors(), self._sync_client() as client:
            for batch in _batches(texts, self.batch_size):
                vectors += vectors_from(client.embed(list(batch), **params), len(batch))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        """Embed one text as a search query.

        Args:
            text: the query.

        Returns:
            Its vector.
        """
        params = self._params(self.input_type_query)
        with mapped_errors(), self._sync_client() as client:
            result = client.embed([text], **params)
        return vectors_from(result, 1)[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async :meth:`embed_documents` (batches sent one after the other)."""
        vectors: list[list[float]] = []
        params = self._params(self.input_type_documents)
        with mapped_errors():
            async with self._async_client() as client:
                for batch in _batches(texts, self.batch_size):
                    vectors += vectors_from(await client.embed(list(batch), **params), len(batch))
        return vectors

    async def aembed_query(self, text: str) -> list[float]:
        """Async :meth:`embed_query`."""
        params = self._params(self.input_type_query)
        with mapped_errors():
            async with self._async_client() as client:
                result = await client.embed([text], **params)
        return vectors_from(result, 1)[0]
