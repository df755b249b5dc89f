"""Per-deployment quotas: sliding windows of requests and tokens, as Azure enforces them.

Each deployment has its own windows: requests per minute, requests per 10
seconds (Azure OpenAI derives this from the tokens-per-minute quota) and
tokens per minute. A request over a limit gets the service's 429 with
``Retry-After``, ``retry-after-ms``, ``x-ratelimit-remaining-*`` and
``x-ratelimit-reset-*``; successful answers carry the same headers.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ._errors import ServiceError, error_body

__all__ = ["Limits", "Quotas", "format_reset"]


@dataclass(frozen=True)
class Limits:
    """The limits of one deployment (None = no limit)."""

    requests_per_minute: int | None = 1000
    tokens_per_minute: int | None = 200_000
    requests_per_10_seconds: int | None = None

    def __post_init__(self) -> None:
        for name in ("requests_per_minute", "tokens_per_minute", "requests_per_10_seconds"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ValueError(f"{name} must be a whole number >= 0 or None (no limit)")


def format_reset(seconds: float) -> str:
    """``x-ratelimit-reset-*`` value, OpenAI style: ``250ms``, ``7s``."""
    if seconds < 1:
        return f"{max(0, round(seconds * 1000))}ms"
    return f"{round(seconds)}s"


class _Windows:
    """The sliding windows of one deployment."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.requests: deque[float] = deque()
        self.tokens: deque[tuple[float, int]] = deque()

    def _trim(self, now: float) -> None:
        while self.requests and self.requests[0] <= now - 60:
            self.requests.popleft()
        while self.tokens and self.tokens[0][0] <= now - 60:
            self.tokens.popleft()

    def _recent(self, now: float) -> int:
        return sum(1 for t in self.requests if t > now - 10)

    def _token_sum(self) -> int:
        return sum(t for _, t in self.tokens)

    def check(self, now: float) -> tuple[float, str] | None:
        self._trim(now)
        limits = self.limits
        if limits.requests_per_minute is not None and (
            len(self.requests) >= limits.requests_per_minute
        ):
            return (
                self.requests[0] + 60 - now,
                f"request rate limit of {limits.requests_per_minute} per minute",
            )
        if limits.requests_per_10_seconds is not None and (
            self._recent(now) >= limits.requests_per_10_seconds
        ):
            oldest = next(t for t in self.requests if t > now - 10)
            return (
                oldest + 10 - now,
                f"request rate limit of {limits.requests_per_10_seconds} per 10 seconds",
            )
        if limits.tokens_per_minute is not None and (self._token_sum() >= limits.tokens_per_minute):
            return (
                self.tokens[0][0] + 60 - now,
                f"token rate limit of {limits.tokens_per_minute} per minute",
            )
        return None

    def headers(self, now: float) -> dict[str, str]:
        self._trim(now)
        out: dict[str, str] = {}
        limits = self.limits
        request_room: list[tuple[int, float]] = []
        if limits.requests_per_minute is not None:
            left = limits.requests_per_minute - len(self.requests)
            reset = self.requests[0] + 60 - now if self.requests else 0.0
            request_room.append((left, reset))
        if limits.requests_per_10_seconds is not None:
            recent = [t for t in self.requests if t > now - 10]
            left = limits.requests_per_10_seconds - len(recent)
            reset = recent[0] + 10 - now if recent else 0.0
            request_room.append((left, reset))
        if request_room:
            left, reset = min(request_room)
            out["x-ratelimit-remaining-requests"] = str(max(0, left))
            out["x-ratelimit-reset-requests"] = format_reset(reset)
        if limits.tokens_per_minute is not None:
            left = limits.tokens_per_minute - self._token_sum()
            reset = self.tokens[0][0] + 60 - now if self.tokens else 0.0
            out["x-ratelimit-remaining-tokens"] = str(max(0, left))
            out["x-ratelimit-reset-tokens"] = format_reset(reset)
        return out


class Quotas:
    """Limits and windows for every deployment; changeable at run time."""

    def __init__(self, default: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.default = default
        self.per_deployment: dict[str, Limits] = {}
        self._windows: dict[str, _Windows] = {}
        self._clock = clock
        self._lock = threading.Lock()

    def set(self, limits: Limits, deployment: str | None = None) -> None:
        """Replace the limits of one deployment (or the default) and start fresh windows."""
        with self._lock:
            if deployment is None:
                self.default = limits
                self._windows.clear()
            else:
                self.per_deployment[deployment.lower()] = limits
                self._windows.pop(deployment.lower(), None)

    def limits_for(self, deployment: str) -> Limits:
        """The limits in force for ``deployment``."""
        return self.per_deployment.get(deployment.lower(), self.default)

    def _for(self, deployment: str) -> _Windows:
        key = deployment.lower()
        windows = self._windows.get(key)
        if windows is None:
            windows = self._windows[key] = _Windows(self.limits_for(deployment))
        return windows

    def admit(self, deployment: str) -> None:
        """Count a request, or raise the 429 the service would send.

        Raises:
            ServiceError: 429 with ``Retry-After`` and the rate-limit headers.
        """
        with self._lock:
            now = self._clock()
            windows = self._for(deployment)
            over = windows.check(now)
            if over is None:
                windows.requests.append(now)
                return
            headers = windows.headers(now)
        wait, what = over
        seconds = max(1, int(wait + 0.999))
        raise ServiceError(
            429,
            error_body(
                "429",
                f"Requests to the deployment {deployment!r} have exceeded the {what}. "
                f"Please retry after {seconds} seconds.",
                status=429,
            ),
            {
                **headers,
                "Retry-After": str(seconds),
                "retry-after-ms": str(max(0, int(wait * 1000))),
                "x-ms-error-code": "TooManyRequests",
            },
        )

    def spend(self, deployment: str, tokens: int) -> None:
        """Record the tokens an answer used."""
        if tokens > 0:
            with self._lock:
                self._for(deployment).tokens.append((self._clock(), tokens))

    def headers(self, deployment: str) -> dict[str, str]:
        """``x-ratelimit-remaining-*`` and ``x-ratelimit-reset-*`` for a deployment."""
        with self._lock:
            return self._for(deployment).headers(self._clock())
