"""Scripted answers for exact tests: queued, or chosen by a pattern.

A scripted answer replaces what the emulator would compose for a chat
request that passed the service's checks. Rules added with :meth:`Script.on`
are tried first (regular expression searched in the last user message), then
the queue (first in, first out).
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Script", "ScriptedResponse"]


@dataclass(frozen=True)
class ScriptedResponse:
    """One scripted answer.

    Attributes:
        text: the assistant's content.
        tool_calls: calls as ``{"name": ..., "arguments": dict or JSON string, "id": optional}``.
        reasoning: ``reasoning_content`` to return.
        finish_reason: overrides the natural one (``stop`` / ``tool_calls``).
        status: answer with this HTTP error status instead (with ``body`` and ``headers``).
        body: the error body (JSON) for ``status``.
        headers: extra response headers.
        chunks: for streamed requests, the exact events to send: dicts are sent
            as JSON, strings verbatim after ``data: ``.
        done: send ``data: [DONE]`` after ``chunks``.
    """

    text: str | None = None
    tool_calls: tuple[Mapping[str, Any], ...] = ()
    reasoning: str | None = None
    finish_reason: str | None = None
    status: int | None = None
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    chunks: tuple[Any, ...] | None = None
    done: bool = True

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScriptedResponse:
        """Build from a config-file entry (unknown keys are an error).

        Raises:
            ValueError: an unknown key or a wrong type.
        """
        allowed = {
            "text",
            "tool_calls",
            "reasoning",
            "finish_reason",
            "status",
            "body",
            "headers",
            "chunks",
            "done",
        }
        unknown = set(data) - allowed - {"match", "times"}
        if unknown:
            raise ValueError(f"unknown script keys {sorted(unknown)}; allowed: {sorted(allowed)}")
        chunks = data.get("chunks")
        return cls(
            text=data.get("text"),
            tool_calls=tuple(data.get("tool_calls") or ()),
            reasoning=data.get("reasoning"),
            finish_reason=data.get("finish_reason"),
            status=data.get("status"),
            body=data.get("body"),
            headers=dict(data.get("headers") or {}),
            chunks=tuple(chunks) if chunks is not None else None,
            done=bool(data.get("done", True)),
        )

    def call_list(self) -> list[tuple[str, str, str]]:
        """(id, name, arguments JSON) of each scripted tool call."""
        out: list[tuple[str, str, str]] = []
        for i, call in enumerate(self.tool_calls):
            args = call.get("arguments", {})
            text = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
            out.append((str(call.get("id") or f"call_scripted_{i}"), str(call["name"]), text))
        return out


@dataclass
class _Rule:
    pattern: re.Pattern[str]
    response: ScriptedResponse
    times: int | None


class Script:
    """Scripted answers of one emulator; safe to use from the test's thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[ScriptedResponse] = deque()
        self._rules: list[_Rule] = []

    def queue(
        self,
        text: str | None = None,
        *,
        tool_calls: Sequence[Mapping[str, Any]] = (),
        reasoning: str | None = None,
        finish_reason: str | None = None,
        status: int | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        chunks: Sequence[Any] | None = None,
        done: bool = True,
    ) -> None:
        """Answer the next chat request with this (first in, first out).

        Args: see :class:`ScriptedResponse`.
        """
        response = ScriptedResponse(
            text,
            tuple(tool_calls),
            reasoning,
            finish_reason,
            status,
            body,
            dict(headers or {}),
            tuple(chunks) if chunks is not None else None,
            done,
        )
        with self._lock:
            self._queue.append(response)

    def on(
        self,
        pattern: str,
        text: str | None = None,
        *,
        times: int | None = None,
        tool_calls: Sequence[Mapping[str, Any]] = (),
        reasoning: str | None = None,
        finish_reason: str | None = None,
        status: int | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        chunks: Sequence[Any] | None = None,
        done: bool = True,
    ) -> None:
        """Answer requests whose last user message matches ``pattern``.

        Args:
            pattern: a regular expression, searched (``re.search``) in the text.
            times: how many requests it answers (None = all).
            text: other arguments: see :class:`ScriptedResponse`.
        """
        response = ScriptedResponse(
            text,
            tuple(tool_calls),
            reasoning,
            finish_reason,
            status,
            body,
            dict(headers or {}),
            tuple(chunks) if chunks is not None else None,
            done,
        )
        self.add_rule(pattern, response, times)

    def add_rule(self, pattern: str, response: ScriptedResponse, times: int | None) -> None:
        """Add a pattern rule built elsewhere (config files)."""
        with self._lock:
            self._rules.append(_Rule(re.compile(pattern), response, times))

    def add_queued(self, response: ScriptedResponse) -> None:
        """Queue an answer built elsewhere (config files)."""
        with self._lock:
            self._queue.append(response)

    def clear(self) -> None:
        """Drop all rules and queued answers."""
        with self._lock:
            self._queue.clear()
            self._rules.clear()

    @property
    def pending(self) -> int:
        """Queued answers not used yet."""
        with self._lock:
            return len(self._queue)

    def take(self, text: str) -> ScriptedResponse | None:
        """The scripted answer for a request whose last user message is ``text``."""
        with self._lock:
            for rule in self._rules:
                if rule.times != 0 and rule.pattern.search(text):
                    if rule.times is not None:
                        rule.times -= 1
                    return rule.response
            if self._queue:
                return self._queue.popleft()
        return None
