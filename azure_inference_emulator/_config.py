"""Load emulator settings from a JSON or TOML file (CLI ``--config``).

Keys: ``profile``, ``key``, ``tokens``, ``deployments`` (name -> profile),
``builtin_deployments``, ``faults``, ``script``, ``chunk_delay``, ``content_filter_phrases``,
``requests_per_minute``, ``tokens_per_minute``, ``host``, ``port``, ``seed``,
``ssl_certfile``, ``ssl_keyfile``, ``requests_per_10_seconds``, ``latency``, ``mode``,
``upstream``, ``upstream_key``, ``cassette``, ``sanitize``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["CONFIG_KEYS", "load_config"]

CONFIG_KEYS = frozenset(
    {
        "profile",
        "key",
        "tokens",
        "deployments",
        "builtin_deployments",
        "faults",
        "script",
        "chunk_delay",
        "content_filter_phrases",
        "requests_per_minute",
        "tokens_per_minute",
        "host",
        "port",
        "seed",
        "ssl_certfile",
        "ssl_keyfile",
        "requests_per_10_seconds",
        "latency",
        "mode",
        "upstream",
        "upstream_key",
        "cassette",
        "sanitize",
    }
)


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a config file; ``.toml`` is TOML, anything else JSON.

    Raises:
        ValueError: not an object, an unknown key, or unparsable content.
        OSError: the file cannot be read.
    """
    file = Path(path)
    text = file.read_text(encoding="utf-8")
    data: Any
    if file.suffix.lower() == ".toml":
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python 3.10
            try:
                import tomli as tomllib  # type: ignore[import-not-found]
            except ImportError as exc:
                raise ValueError("TOML config on Python 3.10 needs 'tomli'; or use JSON") from exc
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{file}: invalid TOML: {exc}") from None
    else:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"{file}: invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{file}: the config must be an object of settings")
    unknown = set(data) - CONFIG_KEYS
    if unknown:
        raise ValueError(f"{file}: unknown keys {sorted(unknown)}; known: {sorted(CONFIG_KEYS)}")
    return data
