"""The package's public face and what importing it loads."""

from __future__ import annotations

import json
import subprocess
import sys

import langchain_azure_inference

EXPECTED = [
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


def test_public_names_pinned() -> None:
    assert sorted(langchain_azure_inference.__all__) == EXPECTED
    for name in EXPECTED:
        assert getattr(langchain_azure_inference, name)


def test_import_loads_no_llama_index() -> None:
    code = (
        "import json, sys; import langchain_azure_inference; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('llama_index', 'llamaindex_azure_inference', 'azure_inference_emulator'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == []
