"""The one model capability table, matched by name, with the checks made before sending.

Everything that depends on *which model* answers is decided here: whether it
takes tools, JSON mode, ``json_schema``, images (how many per turn) and audio,
where a stream puts usage, whether tool results must be JSON, and the context
window and output budget frameworks plan with. Both adapters read this table;
neither keeps one of its own.

Facts and their sources (the disputed ones first):

* Phi-4, Phi-4-multimodal, Phi-4-mini: Microsoft's Foundry model list gives
  every Phi model "tool calling: no, response format: text"; a Phi-4-multimodal
  deployment answers a ``tools`` request with a 400 (vLLM's "auto tool choice
  requires --enable-auto-tool-choice", reported on Microsoft Q&A). No tools, no
  JSON mode.
* Mistral (Large, Small, Nemo, Ministral, Codestral): the same list gives "tool
  calling: yes, response formats: text, JSON" -- JSON mode (``json_object``),
  not structured outputs (``json_schema``).
* DeepSeek-R1: "tool calling: no, response format: text": no tools, no JSON mode.
* o3-mini: text input only (Azure OpenAI model list); o1 and o3 take images.
* codex-mini and o3-pro: served by the Responses API only (chat completions answer 400
  OperationNotSupported, "The chatCompletion operation does not work with the
  specified model"); reasoning like the o-series, text input.
* Phi-3 / Phi-3.5: no JSON mode and no tools (the Phi how-to pages in the
  project's docs); Phi-3-vision takes one image per turn.
* Cohere command models: a tool message must hold JSON (the inference API
  how-to); see ``_tools.tool_result_to_wire``.
* OpenAI models stream usage only when asked (``stream_options``); the others
  put it on their last chunk (recorded Mistral traffic).

Unknown names get ``UNKNOWN_MODEL``: nothing is refused before sending (the service's
own 422 says what it cannot do) and nothing is claimed (``known`` is False).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import urlsplit

from ._features import UnsupportedFeatureError

__all__ = [
    "UNKNOWN_MODEL",
    "ModelCapabilities",
    "UsageStyle",
    "capabilities_for",
    "check_capabilities",
    "model_names",
]

UsageStyle = Literal["last_chunk", "opt_in"]


@dataclass(frozen=True)
class ModelCapabilities:
    """What one model family can do.

    Attributes:
        family: readable family name for messages ("unknown" when not matched).
        known: the name matched a row of the table.
        context_window: prompt plus completion tokens the model takes (None: not known).
        max_output: default completion budget (None: not known).
        tools: accepts ``tools`` / ``tool_choice``.
        json_object: accepts ``response_format`` ``json_object``.
        json_schema: accepts ``response_format`` ``json_schema``.
        vision: most images one user turn may carry; 0 = no image input, None = no limit known.
        audio: accepts ``input_audio`` parts.
        system_role: has a system role (Phi-3 turns system messages into user ones).
        usage_style: where a stream's usage comes: ``last_chunk`` (always, on the
            last chunk with choices) or ``opt_in`` (only with ``stream_options``).
        tool_results_json: a tool message's content must be a JSON object (Cohere).
        reasoning: returns ``reasoning_content``.
        responses_only: served only by the Responses API (``client.responses``); chat
            completions answer 400 ``OperationNotSupported`` (codex models).
    """

    family: str
    known: bool = True
    context_window: int | None = None
    max_output: int | None = None
    tools: bool = True
    json_object: bool = True
    json_schema: bool = False
    vision: int | None = 0
    audio: bool = False
    system_role: bool = True
    usage_style: UsageStyle = "last_chunk"
    tool_results_json: bool = False
    reasoning: bool = False
    responses_only: bool = False


UNKNOWN_MODEL = ModelCapabilities(
    family="unknown", known=False, json_schema=True, vision=None, audio=True
)

_PHI3 = ModelCapabilities(
    family="Phi-3",
    context_window=4096,
    max_output=1024,
    tools=False,
    json_object=False,
    system_role=False,
)
_PHI4 = replace(_PHI3, family="Phi-4", context_window=16384, max_output=4096, system_role=True)
_GPT = ModelCapabilities(
    family="GPT",
    context_window=128000,
    max_output=16384,
    json_schema=True,
    vision=10,
    usage_style="opt_in",
)
_O_SERIES = replace(_GPT, family="o-series", context_window=200000, max_output=100000)
_OLD_GPT = replace(_GPT, context_window=16385, max_output=4096, json_schema=False, vision=0)
_MISTRAL = ModelCapabilities(family="Mistral", context_window=131072, max_output=4096)
_COHERE = ModelCapabilities(
    family="Cohere command", context_window=131072, max_output=4096, tool_results_json=True
)
_LLAMA = ModelCapabilities(
    family="Llama", context_window=131072, max_output=4096, json_object=False
)
_DEEPSEEK_R1 = ModelCapabilities(
    family="DeepSeek-R1",
    context_window=128000,
    max_output=32768,
    tools=False,
    json_object=False,
    reasoning=True,
)

# Ordered: the first prefix of the lower-cased name wins, so specific names come
# before their family's catch-all.
_TABLE: tuple[tuple[str, ModelCapabilities], ...] = (
    ("phi-3-vision", replace(_PHI3, family="Phi-3-vision", context_window=131072, vision=1)),
    ("phi-3.5-vision", replace(_PHI3, family="Phi-3.5-vision", context_window=131072, vision=None)),
    ("phi-3-mini-4k", _PHI3),
    ("phi-3-medium-4k", _PHI3),
    ("phi-3-small-8k", replace(_PHI3, context_window=8192)),
    ("phi-3.5", replace(_PHI3, family="Phi-3.5", context_window=131072)),
    ("phi-3", replace(_PHI3, context_window=131072)),
    ("phi-4-multimodal", replace(_PHI4, context_window=131072, vision=None, audio=True)),
    ("phi-4-mini", replace(_PHI4, context_window=131072)),
    ("phi-4", _PHI4),
    ("mistral-small", replace(_MISTRAL, context_window=32768)),
    ("mistral-medium", replace(_MISTRAL, vision=None)),
    ("mistral", _MISTRAL),
    ("ministral", _MISTRAL),
    ("codestral", replace(_MISTRAL, context_window=262144)),
    ("cohere-command-a", replace(_COHERE, context_window=256000, max_output=8192)),
    ("cohere-command", _COHERE),
    ("command-r", _COHERE),
    ("command-a", replace(_COHERE, context_window=256000, max_output=8192)),
    ("gpt-4o-audio", replace(_GPT, audio=True)),
    ("gpt-4o", _GPT),
    ("gpt-4.1", replace(_GPT, context_window=1047576, max_output=32768)),
    ("gpt-4-turbo", replace(_GPT, max_output=4096)),
    ("gpt-4-32k", replace(_OLD_GPT, context_window=32768)),
    ("gpt-4", replace(_OLD_GPT, context_window=8192)),
    ("gpt-35-turbo", _OLD_GPT),
    ("gpt-3.5-turbo", _OLD_GPT),
    ("gpt-", _GPT),
    ("codex-mini", replace(_O_SERIES, family="codex", vision=0, responses_only=True)),
    ("o3-pro", replace(_O_SERIES, family="o3-pro", responses_only=True)),
    ("o1-mini", replace(_O_SERIES, context_window=128000, max_output=65536, vision=0)),
    ("o3-mini", replace(_O_SERIES, vision=0)),
    ("o1", _O_SERIES),
    ("o3", _O_SERIES),
    ("o4", _O_SERIES),
    ("meta-llama-3.1", _LLAMA),
    ("llama-3.3", _LLAMA),
    ("meta-llama-3", replace(_LLAMA, context_window=8192, tools=False)),
    ("llama-3.2", replace(_LLAMA, vision=None, tools=False)),
    ("deepseek-r1", _DEEPSEEK_R1),
    ("deepseek-v3", replace(_MISTRAL, family="DeepSeek-V3", max_output=8192)),
    ("ai21-jamba", ModelCapabilities(family="Jamba", context_window=262144, max_output=4096)),
    ("jamba", ModelCapabilities(family="Jamba", context_window=262144, max_output=4096)),
)


def model_names(name: str | None) -> list[str]:
    """Candidate model names in ``name``: itself, or for an endpoint URL its
    deployment path segment and its host's first label (serverless hosts and
    Azure OpenAI deployment paths carry the deployment name)."""
    if not name:
        return []
    if "://" not in name:
        return [name]
    parts = urlsplit(name)
    out: list[str] = []
    segments = [s for s in parts.path.split("/") if s]
    if "deployments" in segments:
        position = segments.index("deployments")
        if position + 1 < len(segments):
            out.append(segments[position + 1])
    host = parts.hostname or ""
    if host.count(".") >= 3:  # <name>.<region>.models.ai.azure.com, not <resource>.openai.azure.com
        out.append(host.split(".", 1)[0])
    return out


def _lookup(name: str) -> ModelCapabilities | None:
    lowered = name.lower()
    for prefix, capabilities in _TABLE:
        if lowered.startswith(prefix):
            return capabilities
    return None


def capabilities_for(*names: str | None) -> tuple[ModelCapabilities, str]:
    """The capabilities of the first name (most specific first) that matches the table.

    Args:
        names: per-call model, the configured model, the endpoint URL (a URL is
            searched for its deployment name); None and "" are skipped.

    Returns:
        ``(capabilities, matched_name)``; ``(UNKNOWN_MODEL, "")`` when nothing matches.
    """
    for raw in names:
        for name in model_names(raw):
            found = _lookup(name)
            if found is not None:
                return found, name
    return UNKNOWN_MODEL, ""


def _count_images(content: Any) -> int:
    if not isinstance(content, list):
        return 0
    return sum(1 for p in content if isinstance(p, Mapping) and p.get("type") == "image_url")


def _has_audio(content: Any) -> bool:
    return isinstance(content, list) and any(
        isinstance(p, Mapping) and p.get("type") == "input_audio" for p in content
    )


def check_capabilities(
    capabilities: ModelCapabilities,
    model_name: str,
    *,
    messages: Iterable[Mapping[str, Any]] = (),
    tools: Sequence[Any] | None = None,
    tool_choice: Any = None,
    response_format: Mapping[str, Any] | None = None,
) -> None:
    """Fail before sending when the request uses what the model is known not to do.

    Raises:
        UnsupportedFeatureError: naming the model, the feature and what to do.
    """
    label = f"Model {model_name!r} ({capabilities.family} family)"
    if not capabilities.tools and (tools or tool_choice is not None):
        raise UnsupportedFeatureError(
            f"{label} does not support tool calling (the service answers 4xx). Remove the "
            "tools, or use a model that calls tools, e.g. Mistral-Large or gpt-4o."
        )
    kind = response_format.get("type") if isinstance(response_format, Mapping) else None
    if kind == "json_object" and not capabilities.json_object:
        raise UnsupportedFeatureError(
            f"{label} has no JSON mode: response_format 'json_object' is rejected. Ask for "
            "JSON in the prompt and parse the text, or use a model with JSON mode."
        )
    if kind == "json_schema" and not capabilities.json_schema:
        hint = (
            "use response_format {'type': 'json_object'} with the schema in the prompt, or "
            if capabilities.json_object
            else "ask for JSON in the prompt and parse the text, or use "
        )
        raise UnsupportedFeatureError(
            f"{label} does not take response_format 'json_schema'; {hint}a model with "
            "structured outputs such as gpt-4o."
        )
    limit = capabilities.vision
    for position, message in enumerate(messages):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        count = _count_images(content)
        if count and limit == 0:
            raise UnsupportedFeatureError(
                f"{label} takes no images (message {position} has {count}). Describe the "
                "image in text, or use a vision model such as gpt-4o."
            )
        if limit is not None and count > limit:
            raise UnsupportedFeatureError(
                f"{label} accepts at most {limit} image(s) per turn; message {position} has "
                f"{count}. Send one image per user message."
            )
        if _has_audio(content) and not capabilities.audio:
            raise UnsupportedFeatureError(
                f"{label} takes no audio input (message {position}). Transcribe it first, or "
                "use an audio model such as Phi-4-multimodal."
            )
