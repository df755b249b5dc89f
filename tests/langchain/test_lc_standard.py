"""langchain-tests standard suites: unit (no server) and integration (emulator on loopback)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from _lc_mock import EMULATOR_KEY
from langchain_core.language_models import BaseChatModel
from langchain_tests.integration_tests import (
    ChatModelIntegrationTests,
    EmbeddingsIntegrationTests,
)
from langchain_tests.unit_tests import ChatModelUnitTests, EmbeddingsUnitTests

from azure_inference_emulator import Emulator
from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference

UNIT_ENDPOINT = "https://res.services.ai.azure.com/models"
NEEDS_INTERNET = (
    "downloads its input from the internet (tests run offline); "
    "covered offline in test_lc_emulator.py"
)


class TestChatUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatAzureInference]:
        return ChatAzureInference

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"endpoint": UNIT_ENDPOINT, "model": "Mistral-Large"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {"AZURE_INFERENCE_ENDPOINT": UNIT_ENDPOINT, "AZURE_INFERENCE_CREDENTIAL": "env-key"},
            {"model": "Mistral-Large"},
            {"endpoint": UNIT_ENDPOINT, "credential": "env-key"},
        )

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @pytest.mark.xfail(
        reason="load(allowed_objects='all') admits only classes in langchain-core's own "
        "mapping, never a third-party class; test_lc_chat_unit.py::test_dumpd_load_roundtrip "
        "runs the same round trip with the class allowed by name",
        raises=ValueError,
        strict=True,
    )
    def test_serdes(self, model: BaseChatModel, snapshot: Any) -> None:
        super().test_serdes(model, snapshot)


class TestEmbeddingsUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[AzureInferenceEmbeddings]:
        return AzureInferenceEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"endpoint": UNIT_ENDPOINT, "model": "Cohere-embed-v3-english", "credential": "k"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {"AZURE_INFERENCE_ENDPOINT": UNIT_ENDPOINT, "AZURE_INFERENCE_CREDENTIAL": "env-key"},
            {"model": "Cohere-embed-v3-english"},
            {"endpoint": UNIT_ENDPOINT, "credential": "env-key"},
        )


class _EmulatorChatIntegration(ChatModelIntegrationTests):
    """Shared settings; subclasses pick the deployment (profile)."""

    deployment = ""

    @pytest.fixture(autouse=True)
    def _emulator(self, emulator: Emulator) -> None:
        self._emu = emulator

    @pytest.fixture
    async def model(self, request: Any) -> AsyncIterator[BaseChatModel]:
        # Async so the teardown runs on the test's event loop and can close the
        # async client there (an httpx pool cannot be closed from another loop).
        extra = getattr(request, "param", None) or {}
        params = {**self.standard_chat_model_params, **self.chat_model_params, **extra}
        async with ChatAzureInference(**params) as llm:
            yield llm

    @property
    def chat_model_class(self) -> type[ChatAzureInference]:
        return ChatAzureInference

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            "endpoint": self._emu.foundry_endpoint,
            "credential": EMULATOR_KEY,
            "model": self.deployment,
            "temperature": 0,
        }

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supports_anthropic_inputs(self) -> bool:
        return True


class TestChatIntegrationGpt4oMini(_EmulatorChatIntegration):
    """OpenAI-style profile: vision, usage only with stream_options."""

    deployment = "gpt-4o-mini"

    @property
    def chat_model_params(self) -> dict[str, Any]:
        # OpenAI-style models stream usage only when asked: the user asks.
        return {**super().chat_model_params, "stream_usage": True}

    @property
    def model_override_value(self) -> str:
        return "gpt-4o"

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_image_urls(self) -> bool:
        return True

    @property
    def supports_image_tool_message(self) -> bool:
        return True

    @pytest.mark.xfail(reason=NEEDS_INTERNET, run=False)
    def test_image_inputs(self, model: BaseChatModel) -> None:
        super().test_image_inputs(model)

    @pytest.mark.xfail(reason=NEEDS_INTERNET, run=False)
    def test_image_tool_message(self, model: BaseChatModel) -> None:
        super().test_image_tool_message(model)

    @pytest.mark.xfail(
        reason="with image inputs it downloads an image from the internet (tests run "
        "offline); the same test runs offline on TestChatIntegrationMistralLarge (no images)",
        run=False,
    )
    def test_anthropic_inputs(self, model: BaseChatModel) -> None:
        super().test_anthropic_inputs(model)


class TestChatIntegrationMistralLarge(_EmulatorChatIntegration):
    """Mistral-style profile: usage on the last chunk, no vision."""

    deployment = "Mistral-Large"

    @property
    def model_override_value(self) -> str:
        return "mistral-large-2407"


class TestEmbeddingsIntegration(EmbeddingsIntegrationTests):
    @pytest.fixture(autouse=True)
    def _emulator(self, emulator: Emulator) -> None:
        self._emu = emulator

    @pytest.fixture
    async def model(self) -> AsyncIterator[AzureInferenceEmbeddings]:
        async with AzureInferenceEmbeddings(**self.embedding_model_params) as embeddings:
            yield embeddings

    @property
    def embeddings_class(self) -> type[AzureInferenceEmbeddings]:
        return AzureInferenceEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {
            "endpoint": self._emu.foundry_endpoint,
            "credential": EMULATOR_KEY,
            "model": "Cohere-embed-v3-english",
        }
