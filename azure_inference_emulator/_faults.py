"""Faults: a small header grammar and per-server counters (quotas live in ``_quota``).

Grammar (header ``x-emulator-fault`` or server-wide ``faults=[...]``): items
separated by ``;``, each ``key=value`` or a bare flag::

    status=503                       answer 503 instead of the real answer
    status=429; retry-after=2        ... with Retry-After (seconds) and retry-after-ms
    times=2                          only the first 2 requests carrying this fault
    after=5                          only after the first 5 requests carrying it
    id=name                          counter name (default: the fault text itself)
    route=chat|embeddings|info       only on that kind of route (server-wide faults)
    code=... / message=...           error code and message of a status fault
    delay-first-byte=1.5             wait before the response starts
    chunk-delay=0.05                 pause between streamed chunks
    drop-after=3                     close the connection after 3 chunks
    malformed-after=2                send a broken JSON chunk after 2 chunks
    error-event-after=2              send {"error": ...} as an event after 2 chunks
    no-done                          end the stream without data: [DONE]
    content-filter=prompt            400 content_filter (form=flat: the older flat body)
    content-filter=completion        cut the answer, finish_reason content_filter

Counters are kept per server, so "fail twice then succeed" works across a
client's retries that resend the same header.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._errors import ServiceError, error_body

__all__ = ["FaultSpec", "FaultState", "parse_fault"]

_FLOAT_KEYS = {"delay-first-byte", "chunk-delay", "retry-after"}
_INT_KEYS = {
    "status",
    "times",
    "after",
    "drop-after",
    "malformed-after",
    "error-event-after",
    "retry-after-ms",
}
_STR_KEYS = {"id", "route", "code", "message", "content-filter", "form"}
_FLAGS = {"no-done"}
_STATUS_CODES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    408: "Timeout",
    409: "Conflict",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


@dataclass(frozen=True)
class FaultSpec:
    """One parsed fault."""

    text: str
    status: int | None = None
    retry_after: float | None = None
    retry_after_ms: int | None = None
    code: str | None = None
    message: str | None = None
    times: int | None = None
    after: int = 0
    id: str | None = None
    route: str | None = None
    delay_first_byte: float | None = None
    chunk_delay: float | None = None
    drop_after: int | None = None
    malformed_after: int | None = None
    error_event_after: int | None = None
    no_done: bool = False
    content_filter: str | None = None
    flat: bool = False

    @property
    def key(self) -> str:
        """The counter this fault counts on."""
        return self.id or self.text

    def error(self) -> ServiceError:
        """The error answer of a ``status=`` fault."""
        assert self.status is not None
        code = self.code or _STATUS_CODES.get(self.status, str(self.status))
        message = self.message or f"Emulated {self.status} fault (x-emulator-fault)."
        headers: dict[str, str] = {"x-ms-error-code": code}
        if self.status == 429 or self.retry_after is not None or self.retry_after_ms is not None:
            seconds = (
                self.retry_after
                if self.retry_after is not None
                else (self.retry_after_ms / 1000 if self.retry_after_ms is not None else 1.0)
            )
            millis = self.retry_after_ms if self.retry_after_ms is not None else int(seconds * 1000)
            headers["Retry-After"] = str(max(0, round(seconds)) if seconds >= 1 else seconds)
            headers["retry-after-ms"] = str(millis)
        return ServiceError(self.status, error_body(code, message, status=self.status), headers)


def parse_fault(text: str) -> FaultSpec:
    """Parse one fault in the grammar above.

    Raises:
        ValueError: an unknown key or a bad value; the message shows the grammar.
    """
    values: dict[str, Any] = {}
    for raw in text.split(";"):
        item = raw.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        key, value = key.strip().lower(), value.strip()
        try:
            if key in _FLAGS and not sep:
                values[key] = True
            elif key in _FLOAT_KEYS and sep:
                values[key] = float(value)
            elif key in _INT_KEYS and sep:
                values[key] = int(value)
            elif key in _STR_KEYS and sep and value:
                values[key] = value
            else:
                raise ValueError(item)
        except ValueError:
            raise ValueError(
                f"bad x-emulator-fault item {item!r}; use key=value items separated by ';' "
                "with keys status, retry-after, retry-after-ms, code, message, times, after, "
                "id, route, delay-first-byte, chunk-delay, drop-after, malformed-after, "
                "error-event-after, content-filter=prompt|completion, form=flat|nested, "
                "or the flag no-done"
            ) from None
    cf = values.get("content-filter")
    if cf is not None and cf not in ("prompt", "completion"):
        raise ValueError("content-filter must be 'prompt' or 'completion'")
    if values.get("form") not in (None, "flat", "nested"):
        raise ValueError("form must be 'flat' or 'nested'")
    status = values.get("status")
    if status is not None and not 400 <= status <= 599:
        raise ValueError("status must be an HTTP error status from 400 to 599")
    return FaultSpec(
        text=text.strip(),
        status=status,
        retry_after=values.get("retry-after"),
        retry_after_ms=values.get("retry-after-ms"),
        code=values.get("code"),
        message=values.get("message"),
        times=values.get("times"),
        after=values.get("after", 0),
        id=values.get("id"),
        route=values.get("route"),
        delay_first_byte=values.get("delay-first-byte"),
        chunk_delay=values.get("chunk-delay"),
        drop_after=values.get("drop-after"),
        malformed_after=values.get("malformed-after"),
        error_event_after=values.get("error-event-after"),
        no_done=bool(values.get("no-done")),
        content_filter=cf,
        flat=values.get("form") == "flat",
    )


class FaultState:
    """Server-wide faults and the per-server counters of every fault seen."""

    def __init__(self, faults: list[FaultSpec]) -> None:
        self.server_faults: list[FaultSpec] = list(faults)
        self._counts: dict[str, int] = {}

    def reset(self) -> None:
        """Forget all counters."""
        self._counts.clear()

    def active(self, specs: list[FaultSpec], route: str) -> list[FaultSpec]:
        """The faults that fire for this request; counts it for each one."""
        firing: list[FaultSpec] = []
        for spec in specs:
            if spec.route is not None and spec.route != route:
                continue
            count = self._counts.get(spec.key, 0) + 1
            self._counts[spec.key] = count
            if count <= spec.after:
                continue
            if spec.times is not None and count > spec.after + spec.times:
                continue
            firing.append(spec)
        return firing
