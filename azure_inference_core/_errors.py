"""The one error hierarchy of the core client, and the mapping from HTTP answers onto it.

::

    AzureInferenceError                 base: status_code, code, message, request_id, body
    ├── ConfigurationError              bad arguments or environment, raised before sending
    ├── APIConnectionError              the request never got an HTTP answer
    │   └── APITimeoutError             ... because a timeout expired
    ├── APIStatusError                  the service answered with an error status
    │   ├── BadRequestError             400
    │   │   └── ContentFilterError      400 ``content_filter``, or 200 cut by the filter
    │   ├── AuthenticationError         401
    │   ├── PermissionDeniedError       403
    │   ├── NotFoundError               404
    │   ├── UnsupportedParameterError   422 ``parameter_not_supported``
    │   ├── RateLimitError              429 (``retry_after``)
    │   └── ServerError                 5xx
    │   └── ResponseTooLargeError       the answer (decoded) passed a size limit of the client
    └── StreamError                     a 200 stream that broke: error event, bad chunk, no [DONE]
        ├── StreamTimeoutError          ... because a timeout or total_timeout expired
        │                               (also an APITimeoutError)
        └── StreamTooLargeError         ... because a line or event passed ``max_event_bytes``

Every message is built from the service's answer and our own text, never from
request headers, so credentials cannot leak into an exception. Text from the
server is cut to a bounded excerpt and escaped (control characters and bidi
overrides shown as ``\\uXXXX``), so it cannot forge log lines.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._wire import ChatCompletion

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "AzureInferenceError",
    "BadRequestError",
    "ConfigurationError",
    "ContentFilterError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ServerError",
    "StreamError",
    "StreamTimeoutError",
    "StreamTooLargeError",
    "UnsupportedParameterError",
    "error_from_response",
    "escape",
    "excerpt",
    "parse_error_body",
    "request_id_from_headers",
    "safe_loads",
]

_REQUEST_ID_HEADERS = ("x-ms-request-id", "apim-request-id", "x-request-id")
#: Most characters of server text (a message, an excerpt of a body) put in an error message.
EXCERPT_CHARS = 1000
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def escape(text: str) -> str:
    """Server text made safe for one log line: control, format (bidi) and separator
    characters other than the space shown as ``\\xNN`` / ``\\uXXXX`` escapes."""
    if text.isprintable():
        return text
    return "".join(
        (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
        if c != " " and unicodedata.category(c) in _ESCAPED_CATEGORIES
        else c
        for c in text
    )


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """At most ``limit`` characters of server text, escaped, marked when cut."""
    if len(text) > limit:
        return escape(text[:limit]) + f"... [{len(text) - limit} more characters]"
    return escape(text)


def safe_loads(raw: bytes | str) -> Any:
    """``json.loads`` that raises only ``ValueError`` (nesting too deep included)."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("JSON nested too deeply to decode") from None


class AzureInferenceError(Exception):
    """Base of every error raised by this package.

    Attributes:
        status_code: HTTP status of the answer, if there was one.
        code: the service's error code (``content_filter``, ``no_model_name``, ...).
        message: a readable explanation (also ``str(error)``).
        request_id: the id to quote to Azure support.
        body: the decoded error body (dict, list or text), if any.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.code = code
        self.request_id = request_id
        self.body = body

    def __str__(self) -> str:
        parts = [escape(self.message)]
        if self.status_code is not None:
            parts.append(f"(status {self.status_code}")
            parts[-1] += f", code {excerpt(self.code, 200)})" if self.code else ")"
        elif self.code:
            parts.append(f"(code {excerpt(self.code, 200)})")
        if self.request_id:
            parts.append(f"[request id {excerpt(self.request_id, 200)}]")
        return " ".join(parts)


class ConfigurationError(AzureInferenceError, ValueError):
    """The client was given (or found in the environment) settings it cannot use."""


class APIConnectionError(AzureInferenceError):
    """The request did not get an HTTP answer (DNS, refused connection, reset, ...)."""


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout expired."""


class APIStatusError(AzureInferenceError):
    """The service answered with an error status."""


class BadRequestError(APIStatusError):
    """400: the service rejected the request as malformed."""


class ContentFilterError(BadRequestError):
    """The content filter blocked the prompt (400) or cut the completion (200).

    Attributes:
        details: the filter results reported by the service, if any.
        completion: on a 200 cut by the filter, the partial ``ChatCompletion``. For a
            stream opened with ``accumulate=True``, every chunk joined; otherwise (no
            chunk history is kept) the completion made of the chunk that carried
            ``finish_reason: "content_filter"`` alone.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        body: Any = None,
        details: Any = None,
        completion: ChatCompletion | None = None,
    ) -> None:
        super().__init__(
            message, status_code=status_code, code=code, request_id=request_id, body=body
        )
        self.details = details
        self.completion = completion


class AuthenticationError(APIStatusError):
    """401: the key or token is missing, wrong, or for another resource."""


class PermissionDeniedError(APIStatusError):
    """403: the identity is known but not allowed to call this endpoint."""


class NotFoundError(APIStatusError):
    """404: route, deployment or model not there."""


class UnsupportedParameterError(APIStatusError):
    """422: the model does not support a parameter or value.

    Attributes:
        parameters: names of the offending parameters, from the body's ``detail`` locations.
    """

    def __init__(
        self,
        message: str,
        *,
        parameters: list[str],
        status_code: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(
            message, status_code=status_code, code=code, request_id=request_id, body=body
        )
        self.parameters = parameters


class RateLimitError(APIStatusError):
    """429: too many requests or tokens.

    Attributes:
        retry_after: seconds the service asked us to wait, or None.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status_code: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(
            message, status_code=status_code, code=code, request_id=request_id, body=body
        )
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """5xx: the service failed; usually worth a retry (done automatically)."""


class ResponseTooLargeError(APIStatusError):
    """The answer's decoded body passed one of the client's size limits.

    Attributes:
        limit: the limit in bytes.
        setting: the client option that sets it (``max_response_bytes``, ...).
    """

    def __init__(self, message: str, *, limit: int, setting: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.limit = limit
        self.setting = setting


class StreamError(AzureInferenceError):
    """A stream that started with 200 broke: error event, malformed chunk, or no ``[DONE]``."""


class StreamTimeoutError(StreamError, APITimeoutError):
    """A stream that started with 200 ran out of time: a read timed out, or the
    call's ``total_timeout`` passed between two reads. The answer is incomplete.

    Both a ``StreamError`` (the stream broke after the 200, nothing was retried)
    and an ``APITimeoutError`` (so one ``except APITimeoutError`` covers every
    timeout of a call, before or after the first chunk).
    """


class StreamTooLargeError(StreamError):
    """A streamed line or event passed ``max_event_bytes`` (decoded). The answer is incomplete.

    Attributes:
        limit: the limit in bytes.
        setting: the client option that sets it (``max_event_bytes``).
    """

    def __init__(self, message: str, *, limit: int, setting: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.limit = limit
        self.setting = setting


def request_id_from_headers(headers: Mapping[str, str], fallback: str | None = None) -> str | None:
    """Return the service's request id (or our client request id as fallback)."""
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return headers.get("x-ms-client-request-id") or fallback


def parse_error_body(raw: bytes) -> Any:
    """Decode an error body as JSON, falling back to text (never raises)."""
    if not raw:
        return None
    try:
        return safe_loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def _as_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        return repr(type(value))


def _detail_parameters(detail: Any) -> list[str]:
    names: list[str] = []
    if isinstance(detail, list):
        for item in detail:
            loc = item.get("loc") if isinstance(item, Mapping) else None
            if isinstance(loc, list) and loc:
                parts = [str(p) for p in loc if p != "body"]
                if parts:
                    names.append(".".join(parts))
    return names


def _extract(body: Any) -> tuple[str | None, str | None, Any]:
    """Pull (code, message, content-filter details) out of every known body shape."""
    if isinstance(body, str):
        return None, body.strip() or None, None
    if not isinstance(body, Mapping):
        return None, None, None
    inner = body.get("error")
    if isinstance(inner, Mapping):
        innererror = inner.get("innererror")
        details = None
        if isinstance(innererror, Mapping):
            details = innererror.get("content_filter_result") or innererror.get(
                "content_filter_results"
            )
        details = details or inner.get("content_filter_results")
        return _as_str(inner.get("code")), _as_str(inner.get("message")), details
    if isinstance(inner, str):
        return _as_str(body.get("code")), inner, None
    code = _as_str(body.get("code"))
    message = _as_str(body.get("message"))
    detail = body.get("detail")
    if isinstance(detail, str):
        message = f"{message}: {detail}" if message else detail
    elif isinstance(detail, list) and not message:
        message = "; ".join(
            str(item.get("msg") or item) if isinstance(item, Mapping) else str(item)
            for item in detail
        )
    return code, message, body.get("content_filter_results")


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    raw_body: bytes,
    *,
    client_request_id: str | None = None,
    retry_after: float | None = None,
    truncated_at: int | None = None,
) -> APIStatusError:
    """Map an error answer onto the hierarchy.

    Args:
        status: the HTTP status (>= 400).
        headers: the response headers.
        raw_body: the response body bytes.
        client_request_id: the ``x-ms-client-request-id`` we sent, used when the
            service gives no request id of its own.
        retry_after: the wait the service asked for, already parsed.
        truncated_at: the ``max_error_bytes`` limit when the body was cut there.

    Returns:
        The typed error, ready to raise.
    """
    body = parse_error_body(raw_body)
    code, message, details = _extract(body)
    code = code or headers.get("x-ms-error-code")
    if code is not None:
        code = excerpt(code, 200)
    request_id = request_id_from_headers(headers, client_request_id)
    text = (
        excerpt(message)
        if message
        else (f"The service answered HTTP {status} without an error message.")
    )
    if truncated_at is not None:
        text += (
            f" (The error body was longer than max_error_bytes={truncated_at} bytes and was "
            "not read further; raise max_error_bytes= on the client to see all of it.)"
        )
    common: dict[str, Any] = {
        "status_code": status,
        "code": code,
        "request_id": request_id,
        "body": body,
    }
    if status == 400:
        if code == "content_filter":
            return ContentFilterError(text, details=details, **common)
        if text.startswith("Extra parameters"):
            text += (
                " Pass model-specific parameters in model_extras={...} with"
                " extra_parameters='pass-through' (or 'drop' to have the service ignore them)."
            )
        return BadRequestError(text, **common)
    if status == 401:
        return AuthenticationError(
            text + " Check the key or token credential and the Entra ID scope for this endpoint.",
            **common,
        )
    if status == 403:
        return PermissionDeniedError(text, **common)
    if status == 404:
        return NotFoundError(text, **common)
    if status == 422:
        detail = body.get("detail") if isinstance(body, Mapping) else None
        parameters = _detail_parameters(detail)
        if parameters:
            text = (
                f"{text} This model does not support the parameter(s) or value(s) of: "
                f"{excerpt(', '.join(parameters))}. Remove them or choose a supported value."
            )
        return UnsupportedParameterError(text, parameters=parameters, **common)
    if status == 429:
        return RateLimitError(text, retry_after=retry_after, **common)
    if status >= 500:
        return ServerError(text, **common)
    return APIStatusError(text, **common)
