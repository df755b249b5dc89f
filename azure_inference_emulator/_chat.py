"""Compose chat answers from a checked request (pure; no I/O).

An answer quotes the last user message, says how the system instruction
arrived, describes images and audio it was given, quotes tool results after
a tool turn, calls tools the prompt asks for, and honours ``response_format``,
``stop``, ``max_tokens``, ``seed``, ``temperature``, ``n`` and ``logprobs``.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ._errors import filter_results
from ._profiles import ModelProfile
from ._schema import PromptFacts, instance_for
from ._text import Wording, apply_limits, count_tokens, pick_wording, split_words
from ._tools import PlannedCall, plan_tool_calls
from ._validate import ChatRequest, Turn

__all__ = ["ChatResult", "ChoiceResult", "completion_body", "compose", "cut_by_filter"]


@dataclass
class ChoiceResult:
    """One generated choice."""

    content: str | None
    finish_reason: str
    reasoning: str | None = None
    tool_calls: list[PlannedCall] = field(default_factory=list)
    logprobs: dict[str, Any] | None = None
    content_filter_results: dict[str, Any] | None = None


@dataclass
class ChatResult:
    """A whole answer, before it is written as a body or as chunks."""

    id: str
    created: int
    model: str
    choices: list[ChoiceResult]
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int
    reasoning_in_field: bool
    detailed_usage: bool

    def usage(self) -> dict[str, Any]:
        """The ``usage`` object for this answer."""
        out: dict[str, Any] = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }
        if self.detailed_usage or self.reasoning_tokens:
            out["completion_tokens_details"] = {"reasoning_tokens": self.reasoning_tokens}
            out["prompt_tokens_details"] = {"cached_tokens": 0}
        return out


def _last_user(turns: list[Turn]) -> Turn | None:
    for turn in reversed(turns):
        if turn.role == "user" and not turn.was_system:
            return turn
    for turn in reversed(turns):
        if turn.role == "user":
            return turn
    return None


def _tool_results(turns: list[Turn]) -> list[str]:
    names: dict[str, str] = {}
    results: list[str] = []
    for turn in turns:
        for call in turn.tool_calls:
            fn = call.get("function") or {}
            names[str(call.get("id"))] = str(fn.get("name", "a tool"))
    for turn in reversed(turns):
        if turn.role != "tool":
            break
        name = names.get(str(turn.tool_call_id), "a tool")
        results.insert(0, f"{name} returned {turn.text}")
    return results


def _quote(text: str) -> str:
    """``"text"`` followed by a full stop unless the quote already ends a sentence."""
    return f'"{text}"' + ("" if text[-1:] in ".?!" else ".")


def _describe(turns: list[Turn], wording: Wording, profile: ModelProfile) -> str:
    user = _last_user(turns)
    question = user.text.strip() if user else ""
    parts: list[str] = []
    if turns and turns[-1].role == "tool":
        parts.append("Based on the tool results: " + "; ".join(_tool_results(turns)) + ".")
    system = [t.text.strip() for t in turns if t.role in ("system", "developer") or t.was_system]
    if system:
        if profile.supports_system_role:
            parts.append(f"Following the system instruction {_quote(system[-1])}")
        else:
            parts.append(
                f'{profile.name} has no system role, so the instruction "{system[-1]}" '
                "arrived as a user message."
            )
    if user and user.images:
        count = len(user.images)
        noun = "image" if count == 1 else "images"
        details = "; ".join(image.describe() for image in user.images)
        parts.append(f"I see {count} {noun}: {details}.")
    if user and user.audio:
        count = len(user.audio)
        noun = "audio clip" if count == 1 else "audio clips"
        parts.append(f"I hear {count} {noun}: " + "; ".join(a.describe() for a in user.audio) + ".")
    parts.append(f"{wording.opener}: {_quote(question)}")
    if wording.flavour:
        parts.append(f"I answer {wording.flavour}.")
    parts.append(wording.closer)
    return " ".join(parts)


_KEY_HINT = re.compile(r"\b(keys?|fields?|properties|attributes)\b", re.IGNORECASE)
_QUOTED_KEY = re.compile(r"'([^'\s]{1,64})'|\"([^\"\s]{1,64})\"")
_TEMPLATE = re.compile(r"\{[^{}]*\}")
_TEMPLATE_KEY = re.compile(r"[\"']?(\w+)[\"']?\s*:")


def _json_keys(request: ChatRequest, question: str) -> list[str]:
    """Keys the prompt asks for: quoted after "keys"/"fields", or a ``{...}`` template."""
    if _KEY_HINT.search(question):
        keys = [a or b for a, b in _QUOTED_KEY.findall(question)]
        if keys:
            return list(dict.fromkeys(keys))
    for turn in request.turns:
        for template in _TEMPLATE.finditer(turn.text):
            keys = _TEMPLATE_KEY.findall(template.group(0))
            if keys:
                return list(dict.fromkeys(keys))
    return ["question", "answer"]


def _json_answer(request: ChatRequest, text: str, question: str) -> str:
    fmt = request.response_format or {}
    if fmt.get("type") == "json_schema":
        schema = fmt["json_schema"]["schema"]
        return json.dumps(instance_for(schema, PromptFacts.from_text(question)), ensure_ascii=False)
    out: dict[str, str] = {}
    for key in _json_keys(request, question):
        lowered = key.lower()
        if lowered in ("question", "query", "prompt", "input"):
            out[key] = question
        elif lowered in ("answer", "response", "result", "output", "text", "content"):
            out[key] = text
        else:
            out[key] = f"{key} for: {question}"
    return json.dumps(out, ensure_ascii=False)


def _logprobs(content: str, top: int) -> dict[str, Any]:
    entries: list[dict[str, Any]] = []
    for i, piece in enumerate(split_words(content)):
        logprob = -round(0.01 * (1 + i % 7), 4)
        entries.append(
            {
                "token": piece,
                "logprob": logprob,
                "bytes": list(piece.encode("utf-8")),
                "top_logprobs": [
                    {
                        "token": piece if k == 0 else f"{piece.strip()}_{k}",
                        "logprob": logprob - k,
                        "bytes": list(
                            (piece if k == 0 else f"{piece.strip()}_{k}").encode("utf-8")
                        ),
                    }
                    for k in range(top)
                ],
            }
        )
    return {"content": entries}


def _choice(
    request: ChatRequest, profile: ModelProfile, wording: Wording, id_seed: str
) -> tuple[ChoiceResult, int, int]:
    user = _last_user(request.turns)
    question = user.text.strip() if user else ""
    after_tool = bool(request.turns) and request.turns[-1].role == "tool"
    calls: list[PlannedCall] = []
    if request.tools and not (after_tool and request.tool_choice in (None, "auto")):
        calls = plan_tool_calls(
            request.tools,
            request.tool_choice,
            question,
            parallel=request.parallel_tool_calls,
            id_seed=id_seed,
        )
    reasoning: str | None = None
    reasoning_tokens = 0
    if profile.reasoning != "none":
        reasoning = f'The user asks: "{question}". I will answer directly and concisely.'
        reasoning_tokens = count_tokens(reasoning)
    if calls:
        arg_tokens = sum(count_tokens(c.arguments) + 3 for c in calls)
        content = None
        choice = ChoiceResult(content, "tool_calls", reasoning, calls)
        return choice, arg_tokens + reasoning_tokens, reasoning_tokens
    text = _describe(request.turns, wording, profile)
    if request.response_format is not None:
        text = _json_answer(request, text, question)
    text, finish = apply_limits(text, request.stop, request.max_tokens)
    choice = ChoiceResult(text, finish, reasoning)
    if request.logprobs:
        choice.logprobs = _logprobs(text, request.top_logprobs)
    return choice, count_tokens(text) + reasoning_tokens, reasoning_tokens


def compose(
    request: ChatRequest,
    profile: ModelProfile,
    *,
    request_id: str,
    rng: random.Random,
    reasoning_in_field: bool,
) -> ChatResult:
    """Build the answer for a checked request.

    Args:
        request: the checked request.
        profile: the model answering.
        request_id: the answer's ``id``.
        rng: the server's generator for unseeded sampling.
        reasoning_in_field: True -> ``reasoning_content``; False -> ``<think>`` in content
            (api-versions before 2025-04-01).

    Returns:
        The answer.
    """
    choices: list[ChoiceResult] = []
    completion = 0
    reasoning_total = 0
    for k in range(request.n):
        seed = None if request.seed is None else request.seed + k
        wording = pick_wording(request.temperature, seed, rng)
        choice, tokens, reasoning_tokens = _choice(request, profile, wording, f"{request_id}:{k}")
        reasoning_total += reasoning_tokens
        if profile.reasoning != "content":
            choice.reasoning = None
        elif not reasoning_in_field and choice.reasoning is not None:
            choice.content = f"<think>\n{choice.reasoning}\n</think>\n\n{choice.content or ''}"
            choice.reasoning = None
        choices.append(choice)
        completion += tokens
    hidden = profile.reasoning != "none"
    return ChatResult(
        id=request_id,
        created=int(time.time()),
        model=profile.name,
        choices=choices,
        prompt_tokens=request.prompt_tokens,
        completion_tokens=completion,
        reasoning_tokens=reasoning_total,
        reasoning_in_field=reasoning_in_field,
        detailed_usage=profile.usage_style == "stream_options" or hidden,
    )


def cut_by_filter(result: ChatResult) -> ChatResult:
    """The answer as the completion filter leaves it: cut midway, ``content_filter``."""
    cut: list[ChoiceResult] = []
    for choice in result.choices:
        text = choice.content or ""
        pieces = split_words(text)
        kept = "".join(pieces[: len(pieces) // 2])
        cut.append(
            replace(
                choice,
                content=kept,
                tool_calls=[],
                finish_reason="content_filter",
                content_filter_results=filter_results("violence"),
            )
        )
    tokens = sum(count_tokens(c.content or "") for c in cut)
    return replace(result, choices=cut, completion_tokens=tokens)


def _message(choice: ChoiceResult) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": choice.content}
    if choice.reasoning is not None:
        message["reasoning_content"] = choice.reasoning
    message["tool_calls"] = (
        [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in choice.tool_calls
        ]
        if choice.tool_calls
        else None
    )
    return message


def completion_body(result: ChatResult) -> dict[str, Any]:
    """The non-streamed ``chat.completion`` body."""
    choices: list[dict[str, Any]] = []
    for i, choice in enumerate(result.choices):
        entry: dict[str, Any] = {
            "index": i,
            "message": _message(choice),
            "finish_reason": choice.finish_reason,
            "logprobs": choice.logprobs,
        }
        if choice.content_filter_results is not None:
            entry["content_filter_results"] = choice.content_filter_results
        choices.append(entry)
    return {
        "id": result.id,
        "object": "chat.completion",
        "created": result.created,
        "model": result.model,
        "choices": choices,
        "usage": result.usage(),
    }


def tool_call_dicts(calls: list[PlannedCall]) -> list[Mapping[str, Any]]:
    """Calls as wire dicts (used by scripted answers)."""
    return [
        {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
        for c in calls
    ]
