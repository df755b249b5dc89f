"""One prepared API call, and the pure helpers that build its headers and body."""

from __future__ import annotations

import functools
import ssl
from collections.abc import Mapping
from typing import Any

from pydantic_core import PydanticSerializationError, to_json

from ._auth import check_header_value
from ._deadline import Deadline
from ._no_httpx_cli import httpx

__all__ = [
    "SECRET_HEADERS",
    "Call",
    "check_headers",
    "dumps",
    "redact_headers",
    "shared_ssl_context",
    "to_timeout",
]

#: Header names (lower case) whose values are credentials: never logged, shown or serialized.
SECRET_HEADERS = frozenset({"authorization", "api-key", "ocp-apim-subscription-key"})


class Call:
    """One API call, ready to send (and re-send on retry)."""

    __slots__ = (
        "client_request_id",
        "content",
        "deadline",
        "extensions",
        "headers",
        "method",
        "stream",
        "total_timeout",
        "url",
    )

    def __init__(
        self,
        method: str,
        url: httpx.URL,
        content: bytes | None,
        headers: dict[str, str],
        extensions: dict[str, Any],
        stream: bool,
        client_request_id: str,
        total_timeout: float | None = None,
    ) -> None:
        self.method = method
        self.url = url
        self.content = content
        self.headers = headers
        self.extensions = extensions
        self.stream = stream
        self.client_request_id = client_request_id
        self.total_timeout = total_timeout
        self.deadline: Deadline | None = None

    def start(self) -> Deadline | None:
        """Start the call's total deadline (on its first send); None without a limit."""
        self.deadline = Deadline.start(self.total_timeout)
        return self.deadline

    def attempt(
        self, auth_headers: Mapping[str, str] | None
    ) -> tuple[dict[str, str], dict[str, Any]]:
        """The headers (credentials added) and extensions of one attempt: with a
        deadline, every timeout of the attempt is cut to the time left."""
        headers = self.headers if not auth_headers else {**self.headers, **auth_headers}
        deadline = self.deadline
        extensions = self.extensions if deadline is None else deadline.shrink(self.extensions)
        return headers, extensions

    def request(
        self, http: httpx.Client | httpx.AsyncClient, auth_headers: Mapping[str, str] | None
    ) -> httpx.Request:
        """A fresh ``httpx.Request`` for one attempt.

        Built by the httpx client so that a caller-supplied client's own default
        headers, cookies and event hooks still apply; ours take precedence.
        (A client we built sends on its direct route instead: ``_direct``.)
        """
        headers, extensions = self.attempt(auth_headers)
        return http.build_request(
            self.method, self.url, content=self.content, headers=headers, extensions=extensions
        )


def to_timeout(value: float | httpx.Timeout | None, name: str = "timeout") -> httpx.Timeout:
    if isinstance(value, httpx.Timeout):
        return value
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return httpx.Timeout(value)
    raise TypeError(f"{name} must be seconds (float), an httpx.Timeout, or None for no limit.")


def check_headers(headers: Mapping[str, str] | None, where: str) -> dict[str, str]:
    """Validate caller headers; names come back lower-cased so they merge case-insensitively."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise TypeError(f"{where} must be a dict of header names to string values.")
    out: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(f"{where}: header names and values must be strings ({name!r}).")
        check_header_value(name, name)
        check_header_value(name, value, secret=name.lower() in SECRET_HEADERS)
        out[name.lower()] = value
    return out


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers with credentials replaced, for logs."""
    return {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def dumps(body: dict[str, Any]) -> bytes:
    try:
        return to_json(body)
    except PydanticSerializationError as exc:
        raise TypeError(
            f"The request body holds a value that cannot be sent as JSON: {exc}. "
            "Pass plain dicts, lists, strings and numbers."
        ) from None


@functools.lru_cache(maxsize=1)
def shared_ssl_context() -> ssl.SSLContext:
    """One verified TLS context for every client we create.

    Loading the CA bundle costs tens of milliseconds per ``httpx.Client``;
    framework adapters create a client per event loop, so it is done once per
    process (honouring ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` as they are then).
    """
    return httpx.create_ssl_context()
