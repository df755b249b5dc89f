"""What a prompt offers to fill JSON values: quoted strings, names, numbers, places, words."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["PromptFacts"]


_QUOTED_RE = re.compile(r"\"([^\"]+)\"|'([^']+)'|“([^”]+)”")
_NUMBER_RE = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])")
_WORD_RE = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)
_FROM_RE = re.compile(r"\bfrom\s+([^\W\d_][\w'-]*(?:\s+[A-Z][\w'-]*)*)", re.UNICODE)
_TO_RE = re.compile(r"\bto\s+([^\W\d_][\w'-]*(?:\s+[A-Z][\w'-]*)*)", re.UNICODE)
_SKIP_NAMES = frozenset(
    {
        "what",
        "when",
        "where",
        "who",
        "why",
        "how",
        "which",
        "is",
        "are",
        "can",
        "could",
        "would",
        "please",
        "tell",
        "give",
        "find",
        "get",
        "call",
        "use",
        "the",
        "a",
        "an",
        "i",
        "and",
        "or",
        "then",
        "also",
        "what's",
        "do",
        "does",
        "show",
        "list",
        "book",
        "check",
        "look",
        "search",
        "send",
        "compute",
        "calculate",
        "add",
        "multiply",
        "convert",
        "set",
        "create",
        "make",
        "run",
        "let",
        "hi",
        "hello",
        "thanks",
        "you",
        "my",
        "next",
        "in",
        "on",
        "at",
        "for",
    }
)
_TEXTUAL = ("query", "text", "question", "message", "prompt", "input", "content", "topic")
_PLACE = ("city", "location", "place", "town", "country", "origin", "destination", "region")


def _capitalised_names(text: str) -> list[str]:
    """Capitalised words, neighbours joined ("New York", "São Paulo")."""
    names: list[str] = []
    last_end = -2
    for match in _WORD_RE.finditer(text):
        word = match.group(0)
        if not word[0].isupper() or word.lower() in _SKIP_NAMES:
            last_end = -2
            continue
        if names and match.start() == last_end + 1 and text[last_end] == " ":
            names[-1] = f"{names[-1]} {word}"
        else:
            names.append(word)
        last_end = match.end()
    return names


@dataclass
class PromptFacts:
    """Values found in the prompt, handed out to schema fields in order."""

    text: str
    quoted: list[str] = field(default_factory=list)
    lead_ins: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)
    origin: str | None = None
    destination: str | None = None

    @classmethod
    def from_text(cls, text: str) -> PromptFacts:
        """Collect quoted strings, capitalised names and numbers from ``text``."""
        matches = list(_QUOTED_RE.finditer(text))
        quoted = [next(g for g in m.groups() if g) for m in matches]
        lead_ins = [" ".join(text[: m.start()].lower().split()[-3:]) for m in matches]
        unquoted = _QUOTED_RE.sub(" ", text)
        names = _capitalised_names(unquoted)
        numbers = [float(n) for n in _NUMBER_RE.findall(unquoted)]
        facts = cls(
            text=text.strip(), quoted=quoted, lead_ins=lead_ins, names=names, numbers=numbers
        )
        origin = _FROM_RE.search(unquoted)
        dest = _TO_RE.search(unquoted)
        if origin and origin.group(1)[0].isupper():
            facts.origin = origin.group(1)
        if dest and dest.group(1)[0].isupper():
            facts.destination = dest.group(1)
        return facts

    def take_string(self, key: str) -> str | None:
        """The next prompt value that fits a string field called ``key``."""
        lowered = key.lower()
        if self.origin and any(w in lowered for w in ("origin", "from", "source", "start")):
            value, self.origin = self.origin, None
            self._forget(value)
            return value
        if self.destination and any(w in lowered for w in ("destination", "to_", "target")):
            value, self.destination = self.destination, None
            self._forget(value)
            return value
        keyed = self._keyed_quote(lowered)
        if keyed is not None:
            return keyed
        if self.names and (any(w in lowered for w in _PLACE) or "name" in lowered):
            return self._pop_name()
        if self.quoted:
            self.lead_ins.pop(0)
            return self.quoted.pop(0)
        if any(w in lowered for w in _TEXTUAL):
            return self.text
        if self.names:
            return self._pop_name()
        return None

    def _keyed_quote(self, key: str) -> str | None:
        """A quoted value introduced by a word of the key ("customer named '...'")."""
        parts = [p[:4] for p in re.split(r"[_\W]+", key) if len(p) >= 3]
        for i, lead in enumerate(self.lead_ins):
            words = re.findall(r"\w+", lead)
            if any(w.startswith(p) for p in parts for w in words):
                self.lead_ins.pop(i)
                return self.quoted.pop(i)
        return None

    def _pop_name(self) -> str:
        value = self.names.pop(0)
        if value == self.origin:
            self.origin = None
        if value == self.destination:
            self.destination = None
        return value

    def _forget(self, value: str) -> None:
        if value in self.names:
            self.names.remove(value)

    def take_number(self) -> float | None:
        """The next number in the prompt, if any."""
        return self.numbers.pop(0) if self.numbers else None
