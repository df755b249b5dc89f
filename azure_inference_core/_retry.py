"""Pure retry policy: whether to retry, and how long to wait first.

No sleeping here: the sync client calls ``time.sleep`` and the async client
``asyncio.sleep`` with the delay this module returns, and that is the only
difference between them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime

__all__ = ["RETRY_STATUSES", "RetryPolicy", "parse_retry_after"]

#: The statuses azure-core and the openai SDK both treat as transient.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Return the wait in seconds a response asks for, or None.

    Reads ``retry-after-ms``, ``x-ms-retry-after-ms`` (milliseconds) and
    ``Retry-After`` (seconds, or an HTTP date), in that order of precedence,
    as azure-core does. Unparseable or negative values are ignored.
    """
    for name in ("retry-after-ms", "x-ms-retry-after-ms"):
        value = headers.get(name)
        if value:
            try:
                millis = float(value)
            except ValueError:
                continue
            if millis >= 0:
                return millis / 1000.0
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
        return max(seconds, 0.0)
    return seconds if seconds >= 0 else None


class RetryPolicy:
    """Decides the delay before each retry.

    Args:
        max_retries: retries after the first attempt; 0 disables retrying.
        backoff_factor: first backoff in seconds, doubled on each retry.
        max_backoff: cap on the computed backoff, in seconds.
        max_retry_after: cap on a server-requested wait, in seconds.
        jitter: returns a float in [0, 1); the backoff is scaled by 1 - jitter/4.
    """

    __slots__ = ("backoff_factor", "jitter", "max_backoff", "max_retries", "max_retry_after")

    def __init__(
        self,
        max_retries: int = 2,
        *,
        backoff_factor: float = 0.5,
        max_backoff: float = 8.0,
        max_retry_after: float = 60.0,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries must be an int >= 0, got {max_retries!r}")
        self.max_retries = max_retries
        self.backoff_factor = backoff_factor
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self.jitter = jitter

    def is_retryable_status(self, status: int) -> bool:
        """True for 408, 429, 500, 502, 503 and 504."""
        return status in RETRY_STATUSES

    def backoff(self, retries_done: int) -> float:
        """Exponential backoff with jitter for the retry number ``retries_done + 1``."""
        base = min(self.backoff_factor * (2.0**retries_done), self.max_backoff)
        return base * (1.0 - 0.25 * self.jitter())

    def delay(
        self,
        retries_done: int,
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        now: float | None = None,
    ) -> float | None:
        """Return the seconds to wait before retrying, or None to give up.

        Args:
            retries_done: how many retries were already made for this call.
            status: the error status, or None for a connection failure or timeout.
            headers: the error response's headers (for ``Retry-After`` and kin).
            now: the current epoch time, for HTTP-date ``Retry-After`` (tests).
        """
        if retries_done >= self.max_retries:
            return None
        if status is not None and status not in RETRY_STATUSES:
            return None
        if headers is not None:
            asked = parse_retry_after(headers, now)
            if asked is not None:
                return min(asked, self.max_retry_after)
        return self.backoff(retries_done)
