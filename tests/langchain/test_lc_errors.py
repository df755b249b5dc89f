"""Core errors are re-raised as classes that are also langchain-core model errors."""

from __future__ import annotations

import pytest
from langchain_core import exceptions as lc

import azure_inference_core as core
import langchain_azure_inference as pkg
from langchain_azure_inference._errors import mapped_errors, translate_error


def _status(cls: type[core.AzureInferenceError], **kw: object) -> core.AzureInferenceError:
    return cls("boom", status_code=400, code="c", request_id="r1", body={"x": 1}, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("core_error", "ours", "theirs"),
    [
        (
            _status(core.ContentFilterError, details={"hate": 1}),
            pkg.ContentFilterError,
            lc.ModelInvalidRequestError,
        ),
        (
            _status(core.UnsupportedParameterError, parameters=["seed"]),
            pkg.UnsupportedParameterError,
            lc.ModelInvalidRequestError,
        ),
        (_status(core.BadRequestError), pkg.BadRequestError, lc.ModelInvalidRequestError),
        (_status(core.AuthenticationError), pkg.AuthenticationError, lc.ModelAuthenticationError),
        (
            _status(core.PermissionDeniedError),
            pkg.PermissionDeniedError,
            lc.ModelPermissionDeniedError,
        ),
        (_status(core.NotFoundError), pkg.NotFoundError, lc.ModelNotFoundError),
        (_status(core.RateLimitError, retry_after=1.5), pkg.RateLimitError, lc.ModelRateLimitError),
        (_status(core.ServerError), pkg.ServerError, lc.ModelAPIError),
        (_status(core.APIStatusError), pkg.APIStatusError, lc.ModelError),
        (core.APITimeoutError("slow"), pkg.APITimeoutError, lc.ModelTimeoutError),
        (core.APIConnectionError("down"), pkg.APIConnectionError, lc.ModelConnectionError),
        (core.StreamError("cut"), pkg.StreamError, lc.ModelAPIError),
    ],
)
def test_mapping_keeps_both_types_and_attributes(
    core_error: core.AzureInferenceError, ours: type[Exception], theirs: type[Exception]
) -> None:
    with pytest.raises(ours) as info, mapped_errors():
        raise core_error
    error = info.value
    assert isinstance(error, type(core_error))
    assert isinstance(error, theirs)
    assert error.__dict__ == core_error.__dict__
    assert str(error) == str(core_error)


def test_retryable_flags_follow_langchain() -> None:
    assert translate_error(_status(core.RateLimitError)).is_retryable  # type: ignore[attr-defined]
    assert not translate_error(_status(core.BadRequestError)).is_retryable  # type: ignore[attr-defined]


def test_content_filter_details_and_completion_kept() -> None:
    error = translate_error(
        _status(core.ContentFilterError, details={"violence": {"filtered": True}})
    )
    assert isinstance(error, pkg.ContentFilterError)
    assert error.details == {"violence": {"filtered": True}}
    assert error.completion is None


def test_context_overflow_recognised() -> None:
    overflow = core.BadRequestError(
        "This model's maximum context length is 4096 tokens.", status_code=400
    )
    error = translate_error(overflow)
    assert isinstance(error, pkg.ContextLengthExceededError)
    assert isinstance(error, lc.ContextOverflowError)
    assert isinstance(error, core.BadRequestError)


def test_configuration_error_left_alone() -> None:
    error = core.ConfigurationError("no endpoint")
    assert translate_error(error) is error
    with pytest.raises(core.ConfigurationError), mapped_errors():
        raise error


def test_other_exceptions_pass_untouched() -> None:
    with pytest.raises(KeyError), mapped_errors():
        raise KeyError("x")


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        (pkg.BadRequestError, pkg.APIStatusError),
        (pkg.ContentFilterError, pkg.BadRequestError),
        (pkg.ContextLengthExceededError, pkg.BadRequestError),
        (pkg.UnsupportedParameterError, pkg.APIStatusError),
        (pkg.AuthenticationError, pkg.APIStatusError),
        (pkg.PermissionDeniedError, pkg.APIStatusError),
        (pkg.NotFoundError, pkg.APIStatusError),
        (pkg.RateLimitError, pkg.APIStatusError),
        (pkg.ServerError, pkg.APIStatusError),
        (pkg.APITimeoutError, pkg.APIConnectionError),
    ],
)
def test_package_tree_mirrors_the_core(child: type, parent: type) -> None:
    """``except langchain_azure_inference.APIStatusError`` catches every status error."""
    assert issubclass(child, parent)
