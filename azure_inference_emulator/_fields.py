"""Which body fields each route knows, and the ``extra-parameters`` rules."""

from __future__ import annotations

from typing import Any

from ._errors import bad_request, extra_parameters_error, openai_invalid, parameter_not_supported
from ._profiles import ModelProfile
from ._routing import Route

__all__ = ["check_fields"]

CHAT_FIELDS = frozenset(
    {
        "messages",
        "model",
        "stream",
        "frequency_penalty",
        "presence_penalty",
        "temperature",
        "top_p",
        "max_tokens",
        "response_format",
        "stop",
        "tools",
        "tool_choice",
        "seed",
        "modalities",
    }
)
EMBED_FIELDS = frozenset({"input", "dimensions", "encoding_format", "input_type", "model"})
OPENAI_CHAT_FIELDS = CHAT_FIELDS | frozenset(
    {
        "stream_options",
        "parallel_tool_calls",
        "n",
        "logprobs",
        "top_logprobs",
        "logit_bias",
        "user",
        "max_completion_tokens",
        "reasoning_effort",
        "store",
        "metadata",
        "service_tier",
    }
)
OPENAI_EMBED_FIELDS = EMBED_FIELDS | frozenset({"user"})


def check_fields(
    body: dict[str, Any], route: Route, profile: ModelProfile, mode: str | None
) -> dict[str, Any]:
    """The body the model sees, after the ``extra-parameters`` rules.

    Raises:
        ServiceError: an unknown field (400), or one the model lacks (422 / 400).
    """
    openai = route.flavour in ("aoai", "v1")
    if route.kind == "chat":
        known = OPENAI_CHAT_FIELDS if openai else CHAT_FIELDS
    else:
        known = OPENAI_EMBED_FIELDS if openai else EMBED_FIELDS
    extra = [k for k in body if k not in known]
    if openai:
        if extra:
            raise openai_invalid(f"Unrecognized request argument supplied: {extra[0]}", None)
        mode = "pass-through"
        extra = [
            k for k in body if k not in (CHAT_FIELDS if route.kind == "chat" else EMBED_FIELDS)
        ]
    elif mode not in (None, "error", "drop", "pass-through"):
        raise bad_request(
            f"extra-parameters must be 'pass-through', 'drop' or 'error'; got {mode!r}.",
            param="extra-parameters",
        )
    if not extra:
        return body
    if mode in (None, "error"):
        raise extra_parameters_error(extra)
    if mode == "drop":
        return {k: v for k, v in body.items() if k not in extra}
    for name in extra:
        if name in profile.extra_parameters:
            continue
        if name == "n" and body[name] == 1:
            continue  # a single choice is what every model gives (recorded on Mistral)
        raise parameter_not_supported([name], body[name])
    return body
