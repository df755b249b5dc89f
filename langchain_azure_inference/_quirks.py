"""Known model quirks, recognised by name, checked before a request is sent.

The service answers these cases with a 400/422 whose text rarely says what to
change; catching them here gives an error that names the model and the fix,
and lets Cohere tool loops work without the caller encoding results by hand.

Names come from the ``model`` setting (or a per-call ``model=``) and from the
endpoint URL (serverless hosts and Azure OpenAI deployment paths carry the
deployment name), matched case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import ModelProfile

__all__ = [
    "ModelQuirks",
    "UnsupportedFeatureError",
    "check_request",
    "profile_for",
    "quirks_for",
]

_PHI3 = re.compile(r"phi-3(\.5)?\b")
_PHI3_VISION = re.compile(r"phi-3(\.5)?-vision")
_COHERE_COMMAND = re.compile(r"\bcommand-(r|a)|cohere-command")


class UnsupportedFeatureError(ValueError):
    """The model is known not to support a feature the request uses."""


@dataclass(frozen=True)
class ModelQuirks:
    """What a named model cannot do, or needs done differently.

    Attributes:
        family: readable family name used in error messages ("" when no quirk).
        no_tools: tools / tool_choice are rejected.
        no_json_mode: ``response_format`` json_object / json_schema are rejected.
        max_images_per_turn: most images one user message may carry (None = no limit known).
        json_tool_results: tool message content must be a JSON document.
    """

    family: str = ""
    no_tools: bool = False
    no_json_mode: bool = False
    max_images_per_turn: int | None = None
    json_tool_results: bool = False


_NONE = ModelQuirks()


def quirks_for(*names: str | None) -> tuple[ModelQuirks, str]:
    """Return the quirks of the first name that matches a known family.

    Args:
        names: candidate names, most specific first (per-call model, ``model``
            setting, endpoint URL).

    Returns:
        ``(quirks, matched_name)``; ``(no quirks, "")`` when nothing matches.
    """
    for name in names:
        if not name:
            continue
        lowered = name.lower()
        if _PHI3_VISION.search(lowered):
            return (
                ModelQuirks(
                    family="Phi-3-vision",
                    no_tools=True,
                    no_json_mode=True,
                    max_images_per_turn=1,
                ),
                name,
            )
        if _PHI3.search(lowered):
            return ModelQuirks(family="Phi-3", no_tools=True, no_json_mode=True), name
        if _COHERE_COMMAND.search(lowered):
            return ModelQuirks(family="Cohere command", json_tool_results=True), name
    return _NONE, ""


def profile_for(quirks: ModelQuirks) -> ModelProfile | None:
    """What a known family cannot do, as a LangChain model profile.

    Only limits are stated; None when nothing is known to be missing, so no
    capability is ever claimed on a guess.
    """
    if not (quirks.no_tools or quirks.no_json_mode):
        return None
    profile = ModelProfile(
        tool_calling=not quirks.no_tools,
        structured_output=not (quirks.no_tools and quirks.no_json_mode),
    )
    if quirks.family.startswith("Phi-3"):
        profile["image_inputs"] = bool(quirks.max_images_per_turn)
    return profile


def _count_images(content: Any) -> int:
    if not isinstance(content, list):
        return 0
    return sum(
        1 for part in content if isinstance(part, Mapping) and part.get("type") == "image_url"
    )


def check_request(
    quirks: ModelQuirks,
    model_name: str,
    messages: Sequence[Mapping[str, Any]],
    *,
    tools: Any = None,
    tool_choice: Any = None,
    response_format: Any = None,
) -> None:
    """Fail before sending when the request uses something the model cannot do.

    Args:
        quirks: from :func:`quirks_for`.
        model_name: the name that matched, for the message.
        messages: the wire messages about to be sent.
        tools: wire tools, if any.
        tool_choice: wire tool_choice, if any.
        response_format: wire response_format, if any.

    Raises:
        UnsupportedFeatureError: with the model, the feature and what to do.
    """
    if quirks.no_tools and (tools or tool_choice is not None):
        raise UnsupportedFeatureError(
            f"Model {model_name!r} ({quirks.family} family) does not support tool calling. "
            "Remove the tools (bind_tools / with_structured_output(method='function_calling')), "
            "or use a model that supports tools, e.g. Mistral-Large or gpt-4o."
        )
    if quirks.no_json_mode and isinstance(response_format, Mapping):
        kind = response_format.get("type")
        if kind in {"json_object", "json_schema"}:
            raise UnsupportedFeatureError(
                f"Model {model_name!r} ({quirks.family} family) has no JSON mode: "
                f"response_format {kind!r} is rejected by the service. Ask for JSON in the "
                "prompt and parse it yourself (e.g. with JsonOutputParser), or use a model "
                "with structured output, e.g. Mistral-Large or gpt-4o."
            )
    if quirks.max_images_per_turn is not None:
        for position, message in enumerate(messages):
            count = _count_images(message.get("content"))
            if message.get("role") == "user" and count > quirks.max_images_per_turn:
                raise UnsupportedFeatureError(
                    f"Model {model_name!r} ({quirks.family} family) accepts at most "
                    f"{quirks.max_images_per_turn} image per turn; message {position} has "
                    f"{count}. Send one image per user message (or combine them into one image)."
                )
