"""Which header values are secrets, and their redaction, for every package.

The core never logs or shows these values; adapters use the same test to keep
them out of reprs and serialized objects (a serialized object never carries the
masked value either: it is left out, so loading it cannot send ``***``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ._call import SECRET_HEADERS, redact_headers

__all__ = ["MASK", "SECRET_HEADERS", "is_secret_header", "public_headers", "redact_headers"]

#: What a secret header value is shown as.
MASK = "***"


def is_secret_header(name: str) -> bool:
    """True when ``name`` (any case) carries a credential."""
    return name.lower() in SECRET_HEADERS


def public_headers(headers: Mapping[str, str] | None) -> dict[str, str] | None:
    """``headers`` without the secret ones (for serialization); None stays None."""
    if headers is None:
        return None
    return {k: v for k, v in headers.items() if not is_secret_header(k)}
