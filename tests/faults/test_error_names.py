"""Every error a call can raise is catchable by a name the user's package exports.

Users import from the package they use. A LangChain user writing
``except langchain_azure_inference.APIStatusError`` expects every error
status of that package to land there, as ``azure_inference_core.APIStatusError``
catches all of them in the core; a LlamaIndex user needs ``ServerError`` (what
an exhausted 5xx raises) importable from ``llamaindex_azure_inference``.
"""

from __future__ import annotations

import importlib

import pytest

import azure_inference_core as core

STATUS_ERRORS = [
    "BadRequestError",
    "ContentFilterError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "UnsupportedParameterError",
    "RateLimitError",
    "ServerError",
]
ALL_ERRORS = [
    "AzureInferenceError",
    "ConfigurationError",
    "APIConnectionError",
    "APITimeoutError",
    "APIStatusError",
    "StreamError",
    *STATUS_ERRORS,
]


@pytest.mark.parametrize("package", ["langchain_azure_inference", "llamaindex_azure_inference"])
def test_package_exports_the_errors_its_calls_raise(package: str) -> None:
    module = importlib.import_module(package)
    required = ALL_ERRORS
    if package == "langchain_azure_inference":
        # Its errors all derive from langchain-core's ModelError (the common base there),
        # and bad settings stay ValueError by design.
        required = [n for n in ALL_ERRORS if n not in ("AzureInferenceError", "ConfigurationError")]
    missing = [name for name in required if not hasattr(module, name)]
    assert missing == []


@pytest.mark.parametrize("name", STATUS_ERRORS)
def test_langchain_status_errors_share_the_package_base_class(name: str) -> None:
    module = importlib.import_module("langchain_azure_inference")
    cls = getattr(module, name)
    assert issubclass(cls, getattr(core, name))
    assert issubclass(cls, module.APIStatusError)
