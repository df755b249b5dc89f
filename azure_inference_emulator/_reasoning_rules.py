"""What OpenAI's reasoning models refuse on chat completions, with Azure's answers.

o1, o3, o3-mini, o4-mini and gpt-5 take ``max_completion_tokens`` only and no
sampling parameters. Azure OpenAI answers (same body as OpenAI's; quoted in
many public issue reports of users who hit it, e.g. o1 / o3-mini / gpt-5 on
Azure):

* ``max_tokens``, a penalty, ``logprobs``, ``top_logprobs``, ``logit_bias``:
  400 ``{"error": {"message": "Unsupported parameter: 'max_tokens' is not
  supported with this model. Use 'max_completion_tokens' instead.", "type":
  "invalid_request_error", "param": "max_tokens", "code":
  "unsupported_parameter"}}``;
* ``temperature`` / ``top_p`` other than the default 1: 400 with code
  ``unsupported_value`` ("Unsupported value: 'temperature' does not support
  0.2 with this model. Only the default (1) value is supported.").

These answers are the same on every route the emulator serves the model on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._errors import ServiceError

__all__ = ["check_reasoning_parameters"]

_REFUSED = (
    "max_tokens",
    "presence_penalty",
    "frequency_penalty",
    "logprobs",
    "top_logprobs",
    "logit_bias",
)
_DEFAULT_ONLY = ("temperature", "top_p")


def _error(message: str, param: str, code: str) -> ServiceError:
    return ServiceError(
        400,
        {
            "error": {
                "message": message,
                "type": "invalid_request_error",
                "param": param,
                "code": code,
            }
        },
    )


def check_reasoning_parameters(body: Mapping[str, Any]) -> None:
    """Raise Azure's 400 for the first parameter a reasoning model refuses.

    Raises:
        ServiceError: ``unsupported_parameter`` or ``unsupported_value``.
    """
    for name in _REFUSED:
        if body.get(name) is None:
            continue
        hint = " Use 'max_completion_tokens' instead." if name == "max_tokens" else ""
        raise _error(
            f"Unsupported parameter: '{name}' is not supported with this model.{hint}",
            name,
            "unsupported_parameter",
        )
    for name in _DEFAULT_ONLY:
        value = body.get(name)
        if value is not None and value != 1:
            raise _error(
                f"Unsupported value: '{name}' does not support {value} with this model. Only "
                "the default (1) value is supported.",
                name,
                "unsupported_value",
            )
