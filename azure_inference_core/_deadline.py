"""The total deadline of one call: pure arithmetic on a monotonic clock.

httpx's timeouts bound each network operation (connect, one read, one write,
waiting for a pooled connection), so a call that retries, or a server that
trickles bytes just under the read timeout, can take far longer than any of
them. ``total_timeout`` bounds the whole call instead. No watchdog thread or
task enforces it: before each attempt, every httpx timeout is shrunk to the
time left (through the request's ``timeout`` extension), a retry is not started
if its backoff would end past the deadline, every socket read and write is cut
to the time left (``_guard``: headers, bodies and error bodies, however slowly
they trickle), and a stream checks the clock after each network read. The sync
and async clients use this module identically.
"""

from __future__ import annotations

import math
import time
from typing import Any

from ._errors import ConfigurationError

__all__ = ["Deadline", "check_total_timeout"]

_clock = time.monotonic

#: Timers of selectors and event loops may fire up to a clock tick early: a
#: timeout this close to the deadline is taken as the deadline's.
_SLACK = 0.005


def check_total_timeout(value: float | None, name: str = "total_timeout") -> float | None:
    """Validate a ``total_timeout``: seconds > 0, ``math.inf`` (no limit), or None.

    Raises:
        TypeError: not a number.
        ConfigurationError: zero, negative or NaN (a ``ValueError``).
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"{name} must be seconds (a number > 0), math.inf for no limit, or None; "
            f"got {type(value).__name__}."
        )
    if not value > 0:  # also refuses NaN
        raise ConfigurationError(
            f"{name} must be > 0 seconds (math.inf for no limit), got {value!r}."
        )
    return value


class Deadline:
    """The instant a call must be over by.

    Args:
        total: seconds from now; ``math.inf`` never expires.
    """

    __slots__ = ("at", "total")

    def __init__(self, total: float) -> None:
        self.total = total
        self.at = _clock() + total

    @classmethod
    def start(cls, total: float | None) -> Deadline | None:
        """A deadline ``total`` seconds from now, or None when there is no limit."""
        if total is None or math.isinf(total):
            return None
        return cls(total)

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self.at - _clock()

    def expired(self) -> bool:
        """True once the deadline has passed (give or take a timer tick)."""
        return _clock() >= self.at - _SLACK

    def allows(self, delay: float) -> bool:
        """True when an attempt started after sleeping ``delay`` seconds would start in time."""
        return _clock() + delay < self.at

    def shrink(self, extensions: dict[str, Any]) -> dict[str, Any]:
        """The request extensions for one attempt, every timeout cut to the time left.

        A timeout that then fires does so at the deadline (``expired()`` is
        true), which is how the error comes to name ``total_timeout``.
        """
        left = max(self.remaining(), 0.0)
        timeouts: dict[str, float | None] = extensions.get("timeout") or {}
        shrunk: dict[str, float | None] = {}
        for name in ("connect", "read", "write", "pool"):
            value = timeouts.get(name)
            shrunk[name] = left if value is None or value > left else value
        return {**extensions, "timeout": shrunk}

    def message(self) -> str:
        """The text of the timeout error raised when this deadline passed."""
        return (
            f"The call did not finish within its total_timeout of {self.total:g} s "
            "(retries included); raise total_timeout= or retry later."
        )
