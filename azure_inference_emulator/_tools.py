"""Decide which tools to call and with which arguments, from the prompt.

Rules, in order: a ``name(args)`` pattern for an offered tool calls it (once
per occurrence); tools named in the text are called (all of them when
parallel calls are allowed); otherwise the tool whose name and description
share the most words with the prompt is called if the match is decent.
``tool_choice`` ``required`` or a named function forces a call; ``none``
forbids one.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._schema import PromptFacts, instance_for

__all__ = ["PlannedCall", "plan_tool_calls"]

_STOPWORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "and",
        "or",
        "is",
        "are",
        "be",
        "what",
        "when",
        "where",
        "which",
        "who",
        "how",
        "me",
        "my",
        "i",
        "you",
        "your",
        "it",
        "its",
        "this",
        "that",
        "please",
        "can",
        "could",
        "would",
        "should",
        "do",
        "does",
        "get",
        "give",
        "tell",
        "about",
        "into",
        "as",
        "up",
        "out",
        "if",
        "then",
        "than",
        "there",
        "their",
        "them",
        "they",
        "we",
        "our",
    }
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class PlannedCall:
    """One tool call to answer with."""

    id: str
    name: str
    arguments: str


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if w.lower() not in _STOPWORDS}


def _stem(word: str) -> str:
    for suffix in ("ing", "es", "s", "ed"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _score(tool: Mapping[str, Any], prompt_words: set[str]) -> float:
    stems = {_stem(w) for w in prompt_words}
    name_parts = {
        _stem(w.lower()) for w in re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", tool["name"]) if w
    }
    name_parts -= {_stem(w) for w in _STOPWORDS}
    desc = {_stem(w) for w in _words(str(tool.get("description") or ""))}
    return 2.0 * len(name_parts & stems) + 0.5 * len(desc & stems)


def _call_id(seed: str, index: int) -> str:
    digest = hashlib.sha256(f"{seed}:{index}".encode()).hexdigest()
    return f"call_{digest[:24]}"


def _explicit_args(raw: str) -> dict[str, Any]:
    raw = raw.strip()
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        return parsed
    out: dict[str, Any] = {}
    for part in re.split(r",\s*(?=\w+\s*[=:])", raw):
        m = re.match(r"\s*(\w+)\s*[=:]\s*(.+?)\s*$", part, re.DOTALL)
        if m:
            value = m.group(2).strip()
            try:
                out[m.group(1)] = json.loads(value)
            except ValueError:
                out[m.group(1)] = value.strip("'\"")
    return out


def _arguments(tool: Mapping[str, Any], text: str, explicit: Mapping[str, Any]) -> str:
    schema = tool.get("parameters") or {"type": "object", "properties": {}}
    facts = PromptFacts.from_text(text)
    value = instance_for(schema, facts)
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for key, given in explicit.items():
            if key in props:
                value[key] = given
    return json.dumps(value, ensure_ascii=False)


def plan_tool_calls(
    tools: Sequence[Mapping[str, Any]],
    tool_choice: Any,
    text: str,
    *,
    parallel: bool,
    id_seed: str,
) -> list[PlannedCall]:
    """Choose the calls an answer should make.

    Args:
        tools: the ``function`` objects of the offered tools.
        tool_choice: the request's ``tool_choice`` (None = ``auto``).
        text: the last user message, where names and values come from.
        parallel: several calls allowed in one answer.
        id_seed: makes call ids unique per request and repeatable.

    Returns:
        The planned calls; empty means answer in text.
    """
    if not tools or tool_choice == "none":
        return []
    by_name = {str(t["name"]): t for t in tools}
    forced: str | None = None
    if isinstance(tool_choice, Mapping):
        forced = str((tool_choice.get("function") or {}).get("name"))
    picks: list[tuple[str, Mapping[str, Any], str]] = []
    for match in re.finditer(r"([A-Za-z_][\w.-]*)\(([^()]*)\)", text):
        if match.group(1) in by_name:
            explicit = _explicit_args(match.group(2))
            source = text if explicit or not match.group(2).strip() else match.group(2)
            picks.append((match.group(1), explicit, source))
    if not picks:
        lowered = text.lower()
        named = [
            (lowered.find(n.lower()), n)
            for n in by_name
            if re.search(rf"(?<!\w){re.escape(n.lower())}(?!\w)", lowered)
            or (("_" in n) and n.lower().replace("_", " ") in lowered)
        ]
        for _, name in sorted(named):
            picks.append((name, {}, text))
    if forced is not None:
        picks = [p for p in picks if p[0] == forced] or [(forced, {}, text)]
    if not picks:
        words = _words(text)
        scored = sorted(((_score(t, words), n) for n, t in by_name.items()), key=lambda s: -s[0])
        best_score, best = scored[0]
        if best_score >= 2.0 or tool_choice == "required":
            picks = [(best, {}, text)]
    if not parallel:
        picks = picks[:1]
    return [
        PlannedCall(_call_id(id_seed, i), name, _arguments(by_name[name], src, explicit))
        for i, (name, explicit, src) in enumerate(picks)
    ]
