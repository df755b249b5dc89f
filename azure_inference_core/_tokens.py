"""Token counts that never touch the network.

Exact counts need a model's tokenizer. OpenAI models use tiktoken's
``o200k_base`` (gpt-4o, 4.1, 5, o-series) or ``cl100k_base`` (gpt-4, 3.5,
text-embedding-3). tiktoken downloads those files on first use unless they are
cached, so this module never asks tiktoken for an encoding it has not found on
disk first, with the SHA-256 tiktoken itself expects (a file that does not
match would make tiktoken download it again). It looks in tiktoken's own cache
(``TIKTOKEN_CACHE_DIR``, ``DATA_GYM_CACHE_DIR``, ``<tmp>/data-gym-cache``) and in
directories the caller names (LlamaIndex ships both files in its wheel).

Everything else is estimated, never an ``ImportError``: the other families'
tokenizers (Mistral, Llama, DeepSeek, Phi, Cohere, Grok) are not available
offline in Python without a model download. The estimate is the larger of
"one token per word or punctuation mark" and "one token per four characters",
which errs on the high side for English prose and code (the safe side when
trimming a conversation to fit a window).

Messages: each costs its content plus 3 tokens of framing (and 1 for a
``name``), tool calls cost their name and arguments, each image costs 85 (the
low-detail price; high detail costs more), and 3 more prime the reply, as
OpenAI documents for chat models.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._models import capabilities_for

__all__ = ["TokenCounter", "token_counter"]

# SHA-256 of the BPE files, as tiktoken checks them.
_HASHES = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
_URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
_PIECES = re.compile(r"\w+|[^\w\s]")
_PER_MESSAGE, _PER_NAME, _REPLY, _PER_IMAGE = 3, 1, 3, 85
_LOCK = threading.Lock()
_LOADED: dict[tuple[str, tuple[str, ...]], Any] = {}


def _cache_dirs(extra: Sequence[str]) -> list[str]:
    dirs = [os.environ.get("TIKTOKEN_CACHE_DIR"), os.environ.get("DATA_GYM_CACHE_DIR")]
    dirs.append(os.path.join(tempfile.gettempdir(), "data-gym-cache"))
    return [d for d in (*dirs, *extra) if d]


def _verified_dir(name: str, extra: Sequence[str]) -> str | None:
    key = hashlib.sha1(_URL.format(name).encode()).hexdigest()  # tiktoken's cache name
    for directory in _cache_dirs(extra):
        path = os.path.join(directory, key)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest() == _HASHES[name]:
            return directory
    return None


def _load(name: str, extra: tuple[str, ...]) -> Any:
    """The tiktoken encoding ``name`` when it is on disk and tiktoken is installed, else None."""
    try:
        import tiktoken
    except ImportError:
        return None
    with _LOCK:
        if (name, extra) in _LOADED:
            return _LOADED[(name, extra)]
        directory = _verified_dir(name, extra)
        encoding = None
        if directory is not None:
            saved = os.environ.get("TIKTOKEN_CACHE_DIR")
            os.environ["TIKTOKEN_CACHE_DIR"] = directory  # read from there, verified above
            try:
                encoding = tiktoken.get_encoding(name)
            finally:
                if saved is None:
                    del os.environ["TIKTOKEN_CACHE_DIR"]
                else:
                    os.environ["TIKTOKEN_CACHE_DIR"] = saved
        _LOADED[(name, extra)] = encoding
        return encoding


def _estimate(text: str) -> int:
    if not text:
        return 0
    return max(len(_PIECES.findall(text)), math.ceil(len(text) / 4))


@dataclass(frozen=True)
class TokenCounter:
    """Counts tokens for one model, exactly or by the documented estimate.

    Attributes:
        model: the table name the counter was chosen for ("" when unknown).
        encoding: the tiktoken encoding in use, or None (estimates).
    """

    model: str
    encoding: Any = None

    @property
    def exact(self) -> bool:
        """True when counts come from the model's own tokenizer."""
        return self.encoding is not None

    def ids(self, text: str) -> list[int] | None:
        """The token ids of ``text``; None without an offline tokenizer."""
        if self.encoding is None:
            return None
        return list(self.encoding.encode(text, disallowed_special=()))

    def count(self, text: str) -> int:
        """Tokens in ``text``."""
        if self.encoding is None:
            return _estimate(text)
        return len(self.encoding.encode(text, disallowed_special=()))

    def count_messages(
        self, messages: Sequence[Mapping[str, Any]], tools: Sequence[Any] | None = None
    ) -> int:
        """Tokens a chat request's wire messages (and tool definitions) take."""
        total = _REPLY
        for message in messages:
            total += _PER_MESSAGE + self.count(str(message.get("role") or ""))
            total += self._content(message.get("content"))
            if message.get("name"):
                total += _PER_NAME + self.count(str(message["name"]))
            for call in message.get("tool_calls") or ():
                function = (call.get("function") or {}) if isinstance(call, Mapping) else {}
                total += self.count(str(function.get("name") or ""))
                total += self.count(str(function.get("arguments") or ""))
            if message.get("tool_call_id"):
                total += self.count(str(message["tool_call_id"]))
        if tools:
            total += self.count(json.dumps(list(tools), separators=(",", ":")))
        return total

    def _content(self, content: Any) -> int:
        if isinstance(content, str):
            return self.count(content)
        total = 0
        for part in content if isinstance(content, list) else ():
            if not isinstance(part, Mapping):
                continue
            if part.get("type") == "text":
                total += self.count(str(part.get("text") or ""))
            elif part.get("type") == "image_url":
                total += _PER_IMAGE
        return total


def token_counter(*names: str | None, cache_dirs: Sequence[str] = ()) -> TokenCounter:
    """The counter for the first name the model table knows (model, deployment, URL).

    Args:
        names: per-call model, configured model, endpoint URL (as ``capabilities_for``).
        cache_dirs: more directories holding tiktoken's cached BPE files.

    Returns:
        An exact counter where the model's tiktoken encoding is on disk, else an
        estimating one. Never downloads, never raises ``ImportError``.
    """
    capabilities, matched = capabilities_for(*names)
    encoding = None
    if capabilities.encoding in _HASHES:
        encoding = _load(capabilities.encoding, tuple(cache_dirs))
    return TokenCounter(model=matched, encoding=encoding)
