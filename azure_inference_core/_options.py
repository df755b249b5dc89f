"""The core client options every adapter class exposes, declared once.

Adding an option is one line in ``CORE_CLIENT_OPTIONS``: each adapter class
gets the field (same name, the core's default) and ``core_client_kwargs``
passes it on only when it differs from that default.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from ._no_httpx_cli import httpx
from ._params import check_names
from ._read import DEFAULT_MAX_ERROR_BYTES, DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_RESPONSE_BYTES

__all__ = [
    "CONNECTION_FIELDS",
    "CORE_CLIENT_OPTIONS",
    "OPTION_NAMES",
    "ClientOption",
    "CoreClientOptions",
    "core_client_kwargs",
]


@dataclass(frozen=True)
class ClientOption:
    """One keyword of ``InferenceClient`` / ``AsyncInferenceClient``.

    ``default`` is the core's own default: an adapter field left at it is not
    passed on, so an option the installed core lacks breaks nothing until set.
    """

    name: str
    default: Any
    doc: str


#: Every core client option an adapter class exposes, under the same name.
#: (``endpoint``, ``credential``, ``model`` and the httpx clients are handled apart.)
CORE_CLIENT_OPTIONS: tuple[ClientOption, ...] = (
    ClientOption("api_version", None, "api-version query value; None: the flavour's default."),
    ClientOption("extra_parameters", None, "extra-parameters header mode for every request."),
    ClientOption("max_retries", 2, "Retries on 408/429/5xx and connection errors; 0: none."),
    ClientOption("timeout", 60.0, "Seconds per connect/read/write of each request; None: none."),
    ClientOption("total_timeout", None, "Seconds for a whole call, retries and stream included."),
    ClientOption("default_headers", None, "Headers sent with every request."),
    ClientOption("key_header", None, "Where a key goes: authorization, api-key or both."),
    ClientOption("credential_scopes", None, "Entra ID scopes instead of the flavour's."),
    ClientOption("allow_insecure_http", False, "Send a key over http:// to a non-loopback host."),
    ClientOption("max_concurrency", None, "Requests and streams in flight on the core's pool."),
    ClientOption("proxy", None, "Proxy URL or httpx.Proxy for the pool the core creates."),
    ClientOption("trust_env", True, "Read proxy and CA settings from the environment."),
    ClientOption("verify", True, "TLS verification: bool, CA bundle path or SSLContext."),
    ClientOption("max_response_bytes", DEFAULT_MAX_RESPONSE_BYTES, "Largest decoded answer body."),
    ClientOption("max_error_bytes", DEFAULT_MAX_ERROR_BYTES, "Most of an error body read."),
    ClientOption("max_event_bytes", DEFAULT_MAX_EVENT_BYTES, "Longest streamed line or event."),
    ClientOption(
        "capture_message_content", None, "Message content on spans; None: the OTel variable."
    ),
)

OPTION_NAMES: frozenset[str] = frozenset(o.name for o in CORE_CLIENT_OPTIONS)
_DEFAULTS: dict[str, Any] = {o.name: o.default for o in CORE_CLIENT_OPTIONS}

#: The settings that pick a client, besides the options.
CONNECTION_FIELDS: tuple[str, ...] = ("endpoint", "credential", "model")


class CoreClientOptions(TypedDict, total=False):
    """The types of ``CORE_CLIENT_OPTIONS`` (for adapters' signatures)."""

    api_version: str | None
    extra_parameters: Literal["pass-through", "drop", "error"] | None
    max_retries: int
    timeout: float | httpx.Timeout | None
    total_timeout: float | None
    default_headers: Mapping[str, str] | None
    key_header: Literal["authorization", "api-key", "both"] | None
    credential_scopes: Sequence[str] | None
    allow_insecure_http: bool
    max_concurrency: int | None
    proxy: str | httpx.Proxy | None
    trust_env: bool
    verify: bool | str | ssl.SSLContext
    capture_message_content: bool | None


def core_client_kwargs(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for a core client from an adapter's settings.

    ``endpoint``, ``credential`` and ``model`` are always passed; an option
    only when it differs from the core's default.

    Raises:
        TypeError: ``settings`` holds a name that is neither.
    """
    check_names(settings, (*CONNECTION_FIELDS, *OPTION_NAMES), "core client settings")
    kwargs = {name: settings.get(name) for name in CONNECTION_FIELDS}
    for name, value in settings.items():
        if name in OPTION_NAMES and not _same(value, _DEFAULTS[name]):
            kwargs[name] = value
    return kwargs


def _same(value: Any, default: Any) -> bool:
    # `True == 1` must not hide a verify=1 typo, and a Timeout never equals 60.0.
    return type(value) is type(default) and bool(value == default)
