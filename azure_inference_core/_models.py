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
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import urlsplit

from ._features import UnsupportedFeatureError

__all__ = [
    "UNKNOWN_MODEL",
    "ModelCapabilities",
    "UsageStyle",
    "capabilities_for",
    "check_capabilities",
    "check_chat_completions",
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
        reasoning: thinks before answering: returns ``reasoning_content`` (or
            ``<think>`` in the content on older api-versions), or counts hidden
            reasoning tokens (OpenAI o-series, gpt-5).
        kind: ``chat`` or ``embeddings``.
        parallel_tools: may return several tool calls in one answer.
        max_tokens_field: the body field that bounds the completion; reasoning
            models of OpenAI take ``max_completion_tokens`` only (a ``max_tokens``
            is sent under that name, see ``_reasoning.py``).
        reasoning_effort: accepts ``reasoning_effort``.
        developer_role: system messages are sent with the ``developer`` role.
        rejected: body parameters the service refuses for this model (refused
            before sending, see ``_reasoning.py``).
        encoding: the tiktoken encoding of the model's tokenizer (``o200k_base``,
            ``cl100k_base``); None: no public tokenizer, counts are estimated.
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
    kind: Literal["chat", "embeddings"] = "chat"
    parallel_tools: bool = True
    max_tokens_field: Literal["max_tokens", "max_completion_tokens"] = "max_tokens"
    reasoning_effort: bool = False
    developer_role: bool = False
    rejected: frozenset[str] = frozenset()
    encoding: str | None = None
    responses_only: bool = False

    @property
    def input_modalities(self) -> tuple[str, ...]:
        """``text`` and, where taken, ``image`` and ``audio``."""
        out = ["text"]
        if self.vision != 0:
            out.append("image")
        if self.audio:
            out.append("audio")
        return tuple(out)

    @property
    def structured_output_modes(self) -> tuple[str, ...]:
        """How an answer can be constrained: ``json_schema``, ``json_object``, ``tool``."""
        modes = [
            mode
            for mode, ok in (
                ("json_schema", self.json_schema),
                ("json_object", self.json_object),
                ("tool", self.tools),
            )
            if ok
        ]
        return tuple(modes)


UNKNOWN_MODEL = ModelCapabilities(
    family="unknown", known=False, json_schema=True, vision=None, audio=True
)

# The rows live in _model_table.py (they need this class first).
from ._model_table import TABLE as _TABLE  # noqa: E402


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
    # <name>.<region>.models.ai.azure.com names its deployment; <resource>.openai.azure.com
    # and IPv4 addresses do not.
    if host.count(".") >= 3 and not host.replace(".", "").isdigit():
        out.append(host.split(".", 1)[0])
    return out


def _lookup(name: str) -> ModelCapabilities | None:
    lowered = name.lower()
    for prefix, capabilities in _TABLE:
        if lowered.startswith(prefix):
            return capabilities
    return None


@lru_cache(maxsize=256)  # per call, on a handful of names: the table and names never change
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


def check_chat_completions(capabilities: ModelCapabilities, model_name: str) -> None:
    """Refuse a chat-completions request to a model the table marks Responses-only.

    The service would answer 400 ``OperationNotSupported``; unknown models are sent.

    Raises:
        UnsupportedFeatureError: saying to use the Responses API instead.
    """
    if capabilities.responses_only:
        raise UnsupportedFeatureError(
            f"Model {model_name!r} ({capabilities.family} family) is served only by the "
            "Responses API: chat completions would answer 400 OperationNotSupported. With "
            "LangChain or LlamaIndex set use_responses_api=True or leave it None (the "
            "default picks the Responses API for this model); with the core client use "
            "client.responses.create(...) or client.responses.stream(...)."
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
