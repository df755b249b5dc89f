"""Reasoning models' parameter rules, applied to a chat body before it is sent.

OpenAI's reasoning models (o1, o3, o3-mini, o4-mini, gpt-5; rows with
``max_tokens_field == "max_completion_tokens"`` in the model table):

* take ``max_completion_tokens``, never ``max_tokens``: a ``max_tokens`` is
  sent as ``max_completion_tokens`` (as langchain-openai and
  llama-index-llms-openai do); both at once is refused;
* refuse sampling parameters, penalties and logprobs (Azure answers 400
  ``unsupported_parameter`` / ``unsupported_value``; ``temperature`` and
  ``top_p`` pass at their default 1, as Azure takes them): the library **refuses**
  them before sending with :class:`RejectedParameterError`, naming each one.
  Nothing is dropped with a warning: a setting that silently does nothing is
  a bug the user never sees;
* read system messages as ``developer`` messages: a system message is sent
  with the ``developer`` role (o1-mini and o1-preview take neither: refused).

``reasoning_effort`` is refused for a known model that has no such setting.
Unknown models get no rule (the service's own answer says what it refuses).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._features import UnsupportedFeatureError
from ._models import ModelCapabilities, check_chat_completions

__all__ = ["REASONING_EFFORTS", "RejectedParameterError", "apply_model_rules"]

# Accepted at their default value 1 only (Azure answers unsupported_value otherwise).
_DEFAULT_ONLY = ("temperature", "top_p")

#: Values Azure documents for ``reasoning_effort`` (gpt-5 adds ``minimal``).
REASONING_EFFORTS = ("minimal", "low", "medium", "high")


class RejectedParameterError(UnsupportedFeatureError):
    """A parameter the model is known to refuse, caught before sending.

    Attributes:
        parameters: the refused parameter names.
    """

    def __init__(self, message: str, parameters: list[str]) -> None:
        super().__init__(message)
        self.parameters = parameters


def _check_effort(value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise TypeError(
            f"reasoning_effort must be one of {', '.join(REASONING_EFFORTS)}, got {value!r}."
        )


def apply_model_rules(
    body: dict[str, Any], capabilities: ModelCapabilities, model_name: str
) -> None:
    """Adapt ``body`` (in place) to the model's parameter rules, or refuse it.

    Raises:
        UnsupportedFeatureError: a Responses-only model (``check_chat_completions``).
        RejectedParameterError: a parameter the model refuses (names them all).
        ValueError: both ``max_tokens`` and ``max_completion_tokens``.
        TypeError: a ``reasoning_effort`` that is not a string.
    """
    if "reasoning_effort" in body:
        _check_effort(body["reasoning_effort"])
    if body.get("max_tokens") is not None and body.get("max_completion_tokens") is not None:
        raise ValueError(
            "Both max_tokens and max_completion_tokens were given; pass only one "
            "(max_completion_tokens on reasoning models, which count their reasoning in it)."
        )
    if not capabilities.known:
        return
    check_chat_completions(capabilities, model_name)
    label = f"Model {model_name!r} ({capabilities.family} family)"
    refused = sorted(
        name
        for name in capabilities.rejected
        if body.get(name) is not None and not (name in _DEFAULT_ONLY and body[name] == 1)
    )
    if "reasoning_effort" in body and not capabilities.reasoning_effort:
        refused.append("reasoning_effort")
    if refused:
        names = ", ".join(refused)
        raise RejectedParameterError(
            f"{label} does not accept {names} (the service answers 400 "
            f"unsupported_parameter). Remove {'them' if len(refused) > 1 else 'it'}"
            + (
                "; bound the answer with max_completion_tokens and steer it with "
                "reasoning_effort instead."
                if capabilities.max_tokens_field == "max_completion_tokens"
                else "."
            ),
            refused,
        )
    if (
        capabilities.max_tokens_field == "max_completion_tokens"
        and not capabilities.system_role
        and any(_role(m) in ("system", "developer") for m in body.get("messages", []))
    ):
        raise RejectedParameterError(
            f"{label} takes no system or developer message (the service answers 400 "
            "unsupported_value for messages[].role). Put the instructions at the start of "
            "the first user message.",
            ["messages"],
        )
    if capabilities.max_tokens_field == "max_completion_tokens" and "max_tokens" in body:
        body["max_completion_tokens"] = body.pop("max_tokens")
    if capabilities.developer_role:
        body["messages"] = [_as_developer(m) for m in body.get("messages", [])]


def _role(message: Any) -> Any:
    return message.get("role") if isinstance(message, Mapping) else None


def _as_developer(message: Any) -> Any:
    if isinstance(message, Mapping) and message.get("role") == "system":
        return {**message, "role": "developer"}
    return message
