"""The two "the model or the wire cannot take this" errors, raised before anything is sent.

Both derive from ``AzureInferenceError`` (so ``except AzureInferenceError`` catches
them) and from ``ValueError`` (a bad input, like the other argument errors).
Both adapters re-export these same classes.
"""

from __future__ import annotations

from ._errors import AzureInferenceError

__all__ = ["TruncatedAnswerError", "UnsupportedContentError", "UnsupportedFeatureError"]


class UnsupportedContentError(AzureInferenceError, ValueError):
    """A message or content block has no representation on the inference wire
    (a file or video block, a tool call without id, ...). The message says what
    to send instead."""


class UnsupportedFeatureError(AzureInferenceError, ValueError):
    """The model is known not to support a feature the request uses (tools on
    Phi-3, JSON mode on DeepSeek-R1, two images for Phi-3-vision, ...). The
    message names the model, the feature and what to do."""


class TruncatedAnswerError(AzureInferenceError, ValueError):
    """The answer was cut off by ``max_tokens`` (``finish_reason: length``) where a
    partial answer cannot be used: a tool call's arguments or a structured-output
    JSON document were still being written.

    Attributes:
        completion: the truncated ``ChatCompletion`` (None when not at hand).
    """

    def __init__(self, message: str, *, completion: object = None) -> None:
        super().__init__(message, code="length")
        self.completion = completion
