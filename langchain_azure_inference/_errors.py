"""Core errors re-raised as classes that are also langchain-core's model errors.

Each class below inherits from the core error *and* from the matching
``langchain_core.exceptions`` type, so both ``except RateLimitError`` (core or
ours) and ``except ModelRateLimitError`` catch it; the tree of the core is kept
(every status error here is also this package's ``APIStatusError``,
``ContentFilterError`` a ``BadRequestError``, ``APITimeoutError`` an
``APIConnectionError``), and LangChain middleware that
looks at ``is_retryable`` sees the right answer. The attributes of the core
error (``status_code``, ``code``, ``message``, ``request_id``, ``body``,
``retry_after``, ``details``, ``completion``, ``parameters``) are kept.

::

    core error                    raised here as                 also a langchain-core
    ContentFilterError            ContentFilterError             ModelInvalidRequestError
    UnsupportedParameterError     UnsupportedParameterError      ModelInvalidRequestError
    BadRequestError               BadRequestError                ModelInvalidRequestError
      ... context length text     ContextLengthExceededError     ContextOverflowError
    AuthenticationError           AuthenticationError            ModelAuthenticationError
    PermissionDeniedError         PermissionDeniedError          ModelPermissionDeniedError
    NotFoundError                 NotFoundError                  ModelNotFoundError
    RateLimitError                RateLimitError                 ModelRateLimitError
    ServerError                   ServerError                    ModelAPIError
    APIStatusError (other)        APIStatusError                 ModelError
    APITimeoutError               APITimeoutError                ModelTimeoutError
    APIConnectionError            APIConnectionError             ModelConnectionError
    StreamError                   StreamError                    ModelAPIError
    StreamTimeoutError            StreamTimeoutError             ModelTimeoutError (+ StreamError)

``ConfigurationError`` (bad settings, raised before sending) stays as it is: a
``ValueError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)

import azure_inference_core as core

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ContentFilterError",
    "ContextLengthExceededError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "StreamError",
    "StreamTimeoutError",
    "UnsupportedParameterError",
    "mapped_errors",
    "translate_error",
]


class APIStatusError(core.APIStatusError, ModelError):
    """The service answered with an error status; base of every status error here."""


class BadRequestError(core.BadRequestError, APIStatusError, ModelInvalidRequestError):
    """400: the service rejected the request."""


class ContentFilterError(core.ContentFilterError, BadRequestError):
    """The content filter blocked the prompt (400) or cut the completion (200).

    ``details`` holds the filter results, ``completion`` the partial answer (200 case).
    """


class ContextLengthExceededError(BadRequestError, ContextOverflowError):
    """400: the prompt (plus ``max_tokens``) does not fit the model's context window."""


class UnsupportedParameterError(
    core.UnsupportedParameterError, APIStatusError, ModelInvalidRequestError
):
    """422: the model does not support a parameter or value (see ``parameters``)."""


class AuthenticationError(core.AuthenticationError, APIStatusError, ModelAuthenticationError):
    """401: missing or wrong key or token."""


class PermissionDeniedError(core.PermissionDeniedError, APIStatusError, ModelPermissionDeniedError):
    """403: the identity may not call this endpoint."""


class NotFoundError(core.NotFoundError, APIStatusError, ModelNotFoundError):
    """404: route, deployment or model not there."""


class RateLimitError(core.RateLimitError, APIStatusError, ModelRateLimitError):
    """429: too many requests or tokens (``retry_after`` in seconds)."""


class ServerError(core.ServerError, APIStatusError, ModelAPIError):
    """5xx: the service failed (already retried ``max_retries`` times)."""


class APIConnectionError(core.APIConnectionError, ModelConnectionError):
    """No HTTP answer (DNS, refused, reset)."""


class APITimeoutError(core.APITimeoutError, APIConnectionError, ModelTimeoutError):
    """A timeout expired."""


class StreamError(core.StreamError, ModelAPIError):
    """A 200 stream broke (error event, malformed chunk, no ``[DONE]``)."""


class StreamTimeoutError(core.StreamTimeoutError, StreamError, APITimeoutError):
    """A stream stalled past the read timeout, or ran past ``total_timeout``."""


# Most specific first: the first core class the error is an instance of wins.
_MAPPING: tuple[tuple[type[core.AzureInferenceError], type[core.AzureInferenceError]], ...] = (
    (core.ContentFilterError, ContentFilterError),
    (core.UnsupportedParameterError, UnsupportedParameterError),
    (core.BadRequestError, BadRequestError),
    (core.AuthenticationError, AuthenticationError),
    (core.PermissionDeniedError, PermissionDeniedError),
    (core.NotFoundError, NotFoundError),
    (core.RateLimitError, RateLimitError),
    (core.ServerError, ServerError),
    (core.APIStatusError, APIStatusError),
    (core.StreamTimeoutError, StreamTimeoutError),
    (core.APITimeoutError, APITimeoutError),
    (core.APIConnectionError, APIConnectionError),
    (core.StreamError, StreamError),
)

_CONTEXT_CODES = frozenset({"context_length_exceeded", "context_window_exceeded"})
_CONTEXT_TEXT = re.compile(
    r"maximum context length|context (length|window)|too many (input )?tokens|prompt is too long",
    re.IGNORECASE,
)


def _is_context_overflow(error: core.AzureInferenceError) -> bool:
    return error.code in _CONTEXT_CODES or bool(_CONTEXT_TEXT.search(error.message or ""))


def translate_error(error: core.AzureInferenceError) -> BaseException:
    """Return the error as an instance of the class that is also a langchain-core error.

    Args:
        error: an error raised by the core client.

    Returns:
        A new exception of the mapped class carrying the same attributes, or
        ``error`` itself when it is already mapped or has no counterpart
        (``ConfigurationError``).
    """
    if isinstance(error, ModelError):
        return error
    target: type[core.AzureInferenceError] | None = None
    if type(error) is core.BadRequestError and _is_context_overflow(error):
        target = ContextLengthExceededError
    else:
        for source, mapped in _MAPPING:
            if isinstance(error, source):
                target = mapped
                break
    if target is None:
        return error
    translated = target.__new__(target, *error.args)
    translated.__dict__.update(error.__dict__)
    return translated


@contextmanager
def mapped_errors() -> Iterator[None]:
    """Re-raise core errors raised inside the block as their mapped classes."""
    try:
        yield
    except core.AzureInferenceError as exc:
        translated = translate_error(exc)
        if translated is exc:
            raise
        raise translated.with_traceback(exc.__traceback__) from exc.__cause__
