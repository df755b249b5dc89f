"""The service's own shapes, per model family and endpoint flavour (from recorded traffic).

The composer (``_chat``, ``_stream``, ``_embeddings``) builds neutral answers;
this module dresses them the way each family answers on the wire:

- **Mistral-style** (serverless Mistral): no ``choices[].logprobs`` on a JSON
  answer; ``message.tool_calls: null`` without calls; a tool-call message has
  ``content: ""`` and ``function.call_id: null``; a streamed tool call arrives
  whole in the final chunk, without ``index`` or ``type``, with
  ``finish_reason`` and usage.
- **Azure OpenAI-style** (``/openai/...`` routes, and OpenAI models anywhere):
  ``content_filter_results`` on every choice (JSON and chunks),
  ``system_fingerprint``, ``message.refusal: null``, a final chunk with
  ``delta: {}``, full usage details, and on ``/openai/deployments``
  ``prompt_filter_results`` (with ``jailbreak``).
- **Phi-4-multimodal**: content-filter results, ``reasoning_content: null``,
  ``tool_calls: []`` and per-modality prompt token counts.
- ``/info`` spells ``model_type`` ``chat-completion`` / ``embedding`` and adds
  ``served_model_name`` / ``served_model_type``.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from ._errors import filter_results
from ._profiles import ModelProfile
from ._routing import Route

__all__ = [
    "Family",
    "family_of",
    "info_body",
    "prompt_filter_results",
    "shape_completion",
    "shape_chunks",
    "shape_embeddings",
]

Family = Literal["mistral", "openai", "phi", "phi4mm", "cohere", "deepseek", "embeddings"]


def family_of(profile: ModelProfile) -> Family:
    """The wire family a profile answers in."""
    if not profile.is_chat:
        return "embeddings"
    if profile.provider == "OpenAI":
        return "openai"
    if profile.provider == "MistralAI":
        return "mistral"
    if profile.provider == "Cohere":
        return "cohere"
    if profile.provider == "DeepSeek":
        return "deepseek"
    return "phi4mm" if profile.audio else "phi"


def _openai_style(profile: ModelProfile, route: Route) -> bool:
    return route.flavour in ("aoai", "v1") or family_of(profile) == "openai"


def choice_filter_results() -> dict[str, Any]:
    """A choice's ``content_filter_results`` with nothing flagged (recorded keys)."""
    out = filter_results(None)
    out["protected_material_code"] = {"filtered": False, "detected": False}
    out["protected_material_text"] = {"filtered": False, "detected": False}
    return dict(sorted(out.items()))


def prompt_filter_results(images: str | None = None) -> list[dict[str, Any]]:
    """``prompt_filter_results`` of an unflagged prompt (Azure OpenAI, recorded).

    With images (``images`` = ``"data"`` or ``"url"``) there are two entries, text
    and image, each under the singular ``content_filter_result``; an image given
    by URL is not scanned, so both then carry only ``custom_blocklists``.
    """
    jailbreak = {"filtered": False, "detected": False}
    blocklists = {"filtered": False, "details": []}
    if images is None:
        results = {**filter_results(None), "jailbreak": jailbreak}
        return [{"prompt_index": 0, "content_filter_results": dict(sorted(results.items()))}]
    if images == "url":
        text: dict[str, Any] = {"custom_blocklists": blocklists}
        image: dict[str, Any] = {"custom_blocklists": blocklists}
    else:
        text = {"jailbreak": jailbreak, "custom_blocklists": blocklists}
        image = {**filter_results(None), "custom_blocklists": blocklists}
    return [
        {"prompt_index": 0, "content_filter_result": text},
        {"prompt_index": 1, "content_filter_result": image},
    ]


def _fingerprint(model: str) -> str:
    return "fp_" + hashlib.sha256(model.encode()).hexdigest()[:10]


def _openai_usage(usage: dict[str, Any]) -> dict[str, Any]:
    completion = dict(usage.get("completion_tokens_details") or {})
    prompt = dict(usage.get("prompt_tokens_details") or {})
    return {
        **usage,
        "completion_tokens_details": {
            "accepted_prediction_tokens": 0,
            "audio_tokens": 0,
            "reasoning_tokens": int(completion.get("reasoning_tokens", 0)),
            "rejected_prediction_tokens": 0,
        },
        "prompt_tokens_details": {
            "audio_tokens": 0,
            "cached_tokens": int(prompt.get("cached_tokens", 0)),
        },
    }


def shape_completion(
    body: dict[str, Any], profile: ModelProfile, route: Route, images: str | None = None
) -> dict[str, Any]:
    """A non-streamed ``chat.completion`` body as the family sends it.

    ``images``: ``"url"`` / ``"data"`` when the prompt held images (by URL / inline).
    """
    family = family_of(profile)
    if _openai_style(profile, route):
        for choice in body["choices"]:
            choice.setdefault("content_filter_results", choice_filter_results())
            message = choice["message"]
            message["refusal"] = None
            if message.get("tool_calls") is None:
                message.pop("tool_calls", None)
        body["system_fingerprint"] = _fingerprint(body["model"])
        body["usage"] = _openai_usage(body["usage"])
        if route.flavour == "aoai":
            body["prompt_filter_results"] = prompt_filter_results(images)
    elif family == "mistral":
        for choice in body["choices"]:
            if choice.get("logprobs") is None:
                choice.pop("logprobs", None)
            message = choice["message"]
            for call in message.get("tool_calls") or []:
                call["function"]["call_id"] = None
            if message.get("tool_calls") and message.get("content") is None:
                message["content"] = ""
    elif family == "phi4mm":
        for choice in body["choices"]:
            choice.setdefault("content_filter_results", choice_filter_results())
            if choice.get("logprobs") is None:
                choice.pop("logprobs", None)
            message = choice["message"]
            message.setdefault("reasoning_content", None)
            if message.get("tool_calls") is None:
                message["tool_calls"] = []
        body["prompt_filter_results"] = prompt_filter_results()
        usage = body["usage"]
        body["usage"] = {
            "audio_prompt_tokens": 0,
            **usage,
            "image_prompt_tokens": 0,
            "prompt_tokens_details": None,
        }
    return body


def _whole_call_chunks(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mistral: gather streamed tool-call fragments into one call in the final chunk."""
    calls: dict[int, dict[str, Any]] = {}
    kept: list[dict[str, Any]] = []
    for chunk in chunks:
        choices = chunk.get("choices") or []
        fragments = [f for c in choices for f in (c.get("delta") or {}).get("tool_calls") or []]
        if not fragments:
            kept.append(chunk)
            continue
        for fragment in fragments:
            call = calls.setdefault(
                int(fragment.get("index", 0)),
                {"function": {"arguments": "", "name": ""}, "id": None},
            )
            fn = fragment.get("function") or {}
            call["function"]["arguments"] += fn.get("arguments") or ""
            if fn.get("name"):
                call["function"]["name"] = fn["name"]
            if fragment.get("id"):
                call["id"] = fragment["id"]
        delta = {k: v for k, v in choices[0]["delta"].items() if k != "tool_calls"}
        if delta.get("role"):  # the opening fragment also carried the role
            kept.append({**chunk, "choices": [{**choices[0], "delta": {"content": "", **delta}}]})
            kept[-1]["choices"][0]["delta"]["content"] = ""
    if calls:
        final = kept[-1]["choices"][0]
        final["delta"] = {"tool_calls": [calls[i] for i in sorted(calls)]}
    return kept


def shape_chunks(
    chunks: list[dict[str, Any]], profile: ModelProfile, route: Route, images: str | None = None
) -> list[dict[str, Any]]:
    """Streamed chunks as the family sends them (the filter-only opener included)."""
    family = family_of(profile)
    if _openai_style(profile, route):
        model = chunks[0]["model"] if chunks else profile.name
        for chunk in chunks:
            chunk["system_fingerprint"] = _fingerprint(model)
            for choice in chunk.get("choices") or []:
                delta = choice.get("delta") or {}
                if choice.get("finish_reason") is not None:
                    choice["delta"] = {k: v for k, v in delta.items() if v not in ("", None)}
                    choice.setdefault("content_filter_results", {})
                elif delta.get("role"):
                    delta["refusal"] = None
                    choice.setdefault("content_filter_results", {})
                else:
                    choice.setdefault("content_filter_results", choice_filter_results())
            if chunk.get("usage") is not None:
                chunk["usage"] = _openai_usage(chunk["usage"])
        if route.flavour == "aoai":
            # Azure OpenAI opens with a filter-only chunk: empty id and model, no choices.
            opener = {
                "choices": [],
                "created": 0,
                "id": "",
                "model": "",
                "object": "",
                "prompt_filter_results": prompt_filter_results(images),
            }
            chunks.insert(0, opener)
        return chunks
    if family == "mistral":
        return _whole_call_chunks(chunks)
    return chunks


def shape_embeddings(body: dict[str, Any], profile: ModelProfile, route: Route) -> dict[str, Any]:
    """Embeddings usage as the family reports it (Cohere on serverless: ``completion_tokens``)."""
    if profile.provider != "OpenAI" and route.flavour not in ("aoai", "v1"):
        usage = body["usage"]
        body["usage"] = {
            "completion_tokens": 0,
            "prompt_tokens": usage["prompt_tokens"],
            "total_tokens": usage["total_tokens"],
        }
    return body


def info_body(profile: ModelProfile, name: str) -> dict[str, Any]:
    """``GET /info`` as recorded: singular ``model_type`` and the ``served_*`` pair."""
    model_type = "chat-completion" if profile.is_chat else "embedding"
    return {
        "model_name": name,
        "model_type": model_type,
        "model_provider_name": profile.provider,
        "served_model_name": name,
        "served_model_type": model_type,
    }
