"""`AzureInferenceEmbedding`: text and image embeddings on the shared core client."""

from __future__ import annotations

import base64
from typing import Any, Literal

import filetype  # type: ignore[import-untyped]
from llama_index.core.base.embeddings.base import Embedding
from llama_index.core.bridge.pydantic import ConfigDict, Field, PrivateAttr, model_validator
from llama_index.core.embeddings.multi_modal_base import MultiModalEmbedding
from llama_index.core.schema import ImageType

from azure_inference_core import vectors_from

from ._client import ClientSettings

__all__ = ["AzureInferenceEmbedding", "image_embedding_input"]

# Models that tell queries from documents (Cohere embed v3 and later). Others
# reject `input_type` with a 422, so it is left out unless the user sets it.
_INPUT_TYPE_PREFIXES = ("cohere-embed", "embed-v-4", "embed-english", "embed-multilingual")
_INPUT_TYPE_FIELDS = {"query_input_type": "query", "document_input_type": "document"}


def image_embedding_input(image: ImageType) -> dict[str, str]:
    """An `/images/embeddings` input item: the image as a data URL.

    Args:
        image: A file path, a `data:` URL, or a `BytesIO` of the image.

    Raises:
        ValueError: A web URL (the API takes inline images only), or an image
            whose type cannot be recognised.
    """
    if isinstance(image, str):
        if image.startswith("data:"):
            return {"image": image}
        if image.startswith(("http://", "https://")):
            raise ValueError(
                "/images/embeddings takes images inline only; download the image and pass "
                "its path or a BytesIO."
            )
        with open(image, "rb") as fh:
            raw = fh.read()
    else:
        pos = image.tell()
        raw = image.read()
        image.seek(pos)
    guess = filetype.guess(raw)
    if guess is None or not str(guess.mime).startswith("image/"):
        raise ValueError("cannot tell the image's type; pass a PNG, JPEG, GIF or WebP image")
    return {"image": f"data:{guess.mime};base64,{base64.b64encode(raw).decode('ascii')}"}


class AzureInferenceEmbedding(ClientSettings, MultiModalEmbedding):
    """Embedding models behind the Azure AI Model Inference API, for LlamaIndex.

    Queries and documents are embedded with `input_type` "query" and
    "document" on models that distinguish them (Cohere embed); each batch of
    `embed_batch_size` texts is one request. Images go to `/images/embeddings`.

    Args:
        endpoint: Endpoint URL; defaults to `$AZURE_INFERENCE_ENDPOINT`.
        credential: Key or token credential (see `AzureInference`).
        model: Model or deployment name (body `model`); also the `model_name`
            unless that is given.
        api_version, timeout, total_timeout, max_retries, max_concurrency,
            default_headers, extra_parameters, key_header, credential_scopes,
            allow_insecure_http, proxy, trust_env, verify, http_client,
            async_http_client, capture_message_content: As for
            `AzureInference` (the core's options).
        dimensions: Vector length, for models that support several.
        encoding_format: "base64" ships vectors packed (smaller responses);
            they are decoded to floats either way. None: not sent.
        query_input_type, document_input_type: `input_type` sent with queries
            and documents. Default: "query" / "document" for Cohere embed
            models, not sent otherwise. None: never sent.
        additional_kwargs: Model-specific parameters (pass-through).

    Raises:
        TypeError: An unknown argument (the message lists the valid names).
        ValueError: No endpoint, or an endpoint URL that cannot be used.
    """

    # The settings bases defer their validators; this class is the one validated.
    model_config = ConfigDict(defer_build=False)

    dimensions: int | None = Field(default=None, gt=0)
    encoding_format: Literal["float", "base64"] | None = None
    query_input_type: str | None = None
    document_input_type: str | None = None
    additional_kwargs: dict[str, Any] = Field(default_factory=dict)

    # Input types not given by the user, as derived from `model` at construction.
    _derived: dict[str, str | None] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _defaults_from_model(self) -> AzureInferenceEmbedding:
        given = self.model_fields_set
        if self.model and "model_name" not in given:
            self.model_name = self.model
        for name in _INPUT_TYPE_FIELDS:
            if name not in given:
                value = self._default_input_type(name)
                setattr(self, name, value)
                self._derived[name] = value
        return self

    def _default_input_type(self, name: str) -> str | None:
        if (self.model or "").lower().startswith(_INPUT_TYPE_PREFIXES):
            return _INPUT_TYPE_FIELDS[name]
        return None

    def _input_type(self, name: str) -> str | None:
        """The field's value; a default derived from `model` follows later model changes."""
        value: str | None = getattr(self, name)
        if name in self._derived and value == self._derived[name]:
            return self._default_input_type(name)
        return value

    @classmethod
    def class_name(cls) -> str:
        return "AzureInferenceEmbedding"

    # -- requests (one shape for sync and async) -------------------------------------

    def _params(self, input_type: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self.dimensions is not None:
            params["dimensions"] = self.dimensions
        if self.encoding_format is not None:
            params["encoding_format"] = self.encoding_format
        if input_type is not None:
            params["input_type"] = input_type
        if self.additional_kwargs:
            params["model_extras"] = dict(self.additional_kwargs)
        return params

    def _embed(self, texts: list[str], input_type: str | None) -> list[Embedding]:
        with self._sync_client() as client:
            result = client.embed(texts, **self._params(input_type))
        return vectors_from(result, len(texts))

    async def _aembed(self, texts: list[str], input_type: str | None) -> list[Embedding]:
        async with self._async_client() as client:
            result = await client.embed(texts, **self._params(input_type))
        return vectors_from(result, len(texts))

    def _get_query_embedding(self, query: str) -> Embedding:
        return self._embed([query], self._input_type("query_input_type"))[0]

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return (await self._aembed([query], self._input_type("query_input_type")))[0]

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._embed([text], self._input_type("document_input_type"))[0]

    async def _aget_text_embedding(self, text: str) -> Embedding:
        return (await self._aembed([text], self._input_type("document_input_type")))[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return self._embed(texts, self._input_type("document_input_type"))

    async def _aget_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return await self._aembed(texts, self._input_type("document_input_type"))

    def _get_image_embeddings(self, img_file_paths: list[ImageType]) -> list[Embedding]:
        inputs = [image_embedding_input(p) for p in img_file_paths]
        with self._sync_client() as client:
            result = client.embed_images(inputs, **self._params(None))
        return vectors_from(result, len(inputs))

    async def _aget_image_embeddings(self, img_file_paths: list[ImageType]) -> list[Embedding]:
        inputs = [image_embedding_input(p) for p in img_file_paths]
        async with self._async_client() as client:
            result = await client.embed_images(inputs, **self._params(None))
        return vectors_from(result, len(inputs))

    def _get_image_embedding(self, img_file_path: ImageType) -> Embedding:
        return self._get_image_embeddings([img_file_path])[0]

    async def _aget_image_embedding(self, img_file_path: ImageType) -> Embedding:
        return (await self._aget_image_embeddings([img_file_path]))[0]
