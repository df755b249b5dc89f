"""Cassettes: the Azure SDK test-proxy recording format, read as is and written back.

A cassette is ``{"Entries": [...], "Variables": {}}``; each entry has
``RequestUri``, ``RequestMethod``, ``RequestHeaders``, ``RequestBody``,
``StatusCode``, ``ResponseHeaders`` and ``ResponseBody`` (a JSON value, a
string, or for a stream the list of SSE pieces as they arrived).

Matching (replay): a request matches an entry when the method, the route
(URL path; host, scheme and query are ignored, since recordings sanitize
hosts and ``api-version``) and the JSON body are equal after dropping
volatile fields: ``null`` values, ``id`` / ``tool_call_id`` / ``call_id``
(sanitized in recordings), ``user``, ``metadata``, ``stream_options`` and an
empty ``content`` on an assistant turn that carries tool calls. Identical
requests are answered by their entries in recorded order; the last one repeats.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Cassette", "Match", "normalize_body", "sanitize_uri"]

VOLATILE_KEYS = frozenset({"id", "tool_call_id", "call_id", "user", "metadata", "stream_options"})
SANITIZED = "Sanitized"
_SECRET_REQUEST_HEADERS = frozenset(
    {"api-key", "authorization", "ocp-apim-subscription-key", "cookie", "x-api-key"}
)
_SECRET_RESPONSE_HEADERS = frozenset({"set-cookie"})


def _clean(value: Any) -> Any:
    if isinstance(value, Mapping):
        out = {k: _clean(v) for k, v in value.items() if v is not None and k not in VOLATILE_KEYS}
        if out.get("role") == "assistant" and out.get("tool_calls") and out.get("content") == "":
            del out["content"]
        return out
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def normalize_body(body: Any) -> Any:
    """The body as matching compares it (volatile fields dropped)."""
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return body
    return _clean(body)


def _route(uri: str) -> str:
    path = urlsplit(uri).path if "://" in uri else uri.split("?", 1)[0]
    return path.rstrip("/") or "/"


def sanitize_uri(uri: str) -> str:
    """The URI with its host name replaced, as the test proxy does."""
    parts = urlsplit(uri)
    host = parts.hostname or ""
    if re.fullmatch(r"[\d.]+|\[?[0-9a-fA-F:]+\]?", host):
        new_host = SANITIZED
    else:
        labels = host.split(".")
        new_host = ".".join([SANITIZED, *labels[1:]]) if len(labels) > 1 else SANITIZED
    return parts._replace(netloc=new_host).geturl()


def sanitize_headers(headers: Mapping[str, str], response: bool = False) -> dict[str, str]:
    """Headers with keys and tokens replaced by ``Sanitized``; ``Host`` left out."""
    secret = _SECRET_RESPONSE_HEADERS if response else _SECRET_REQUEST_HEADERS
    return {
        k: (SANITIZED if k.lower() in secret else v)
        for k, v in headers.items()
        if k.lower() not in ("host", "x-forwarded-host")
    }


def _differences(a: Any, b: Any, where: str = "body") -> list[str]:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        out: list[str] = []
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                out.append(f"{where}.{key}")
            else:
                out.extend(_differences(a[key], b[key], f"{where}.{key}"))
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where} (length {len(a)} vs {len(b)})"]
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out.extend(_differences(x, y, f"{where}[{i}]"))
        return out
    return [] if a == b else [where]


class Match:
    """The result of a lookup: the entry, or the closest one and how it differs."""

    def __init__(
        self, entry: dict[str, Any] | None, closest: int | None, differences: list[str]
    ) -> None:
        self.entry = entry
        self.closest = closest
        self.differences = differences


class Cassette:
    """Entries of one recording file, with replay bookkeeping and appends."""

    def __init__(self, path: str | os.PathLike[str], *, must_exist: bool) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._used: dict[int, int] = {}
        self.variables: dict[str, Any] = {}
        self.entries: list[dict[str, Any]] = []
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise ValueError(f"cassette {self.path} is not JSON: {exc}") from None
            if not isinstance(data, Mapping) or not isinstance(data.get("Entries"), list):
                raise ValueError(
                    f"cassette {self.path} has no 'Entries' list; expected the Azure SDK "
                    "test-proxy format {'Entries': [...], 'Variables': {}}"
                )
            self.entries = [dict(e) for e in data["Entries"]]
            self.variables = dict(data.get("Variables") or {})
        elif must_exist:
            raise ValueError(f"cassette {self.path} does not exist; record one first")

    def find(self, method: str, path: str, body: Any) -> Match:
        """The entry to replay for a request (see the module notes for the rules)."""
        route = _route(path)
        wanted = normalize_body(body)
        candidates: list[int] = []
        best: tuple[int, int, list[str]] | None = None
        for i, entry in enumerate(self.entries):
            same_call = (
                str(entry.get("RequestMethod", "")).upper() == method.upper()
                and _route(str(entry.get("RequestUri", ""))) == route
            )
            diffs = _differences(normalize_body(entry.get("RequestBody")), wanted)
            if same_call and not diffs:
                candidates.append(i)
                continue
            score = len(diffs) + (0 if same_call else 1000)
            if best is None or score < best[0]:
                best = (score, i, diffs if same_call else ["method or route"])
        if candidates:
            with self._lock:
                pick = next((i for i in candidates if not self._used.get(i)), candidates[-1])
                self._used[pick] = self._used.get(pick, 0) + 1
            return Match(self.entries[pick], pick, [])
        if best is None:
            return Match(None, None, [])
        return Match(None, best[1], best[2])

    def describe(self, index: int) -> str:
        """``#3 POST /chat/completions`` for messages."""
        entry = self.entries[index]
        return f"#{index} {entry.get('RequestMethod')} {_route(str(entry.get('RequestUri')))}"

    def append(self, entry: dict[str, Any]) -> None:
        """Add an entry and rewrite the file atomically (what was recorded so far survives)."""
        with self._lock:
            self.entries.append(entry)
            data = {"Entries": self.entries, "Variables": self.variables}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=2, ensure_ascii=False)
                f.write("\n")
            os.replace(tmp, self.path)
