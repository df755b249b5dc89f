"""What the app reads and the :class:`Emulator` (or the admin route) changes."""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._faults import FaultState
from ._latency import LatencyModel
from ._quota import Limits, Quotas
from ._responses import ResponseStore
from ._routing import Deployments
from ._script import Script

if TYPE_CHECKING:  # _replay writes through _http, which reads RecordedRequest from here
    from ._cassette import Cassette
    from ._replay import Recorder

__all__ = ["SECRET_HEADERS", "AppState", "RecordedRequest", "redact"]

SECRET_HEADERS = frozenset(
    {"authorization", "api-key", "ocp-apim-subscription-key", "cookie", "x-api-key"}
)


@dataclass
class RecordedRequest:
    """A request the emulator received; secret headers are redacted."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int | None = None
    chunks_sent: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (the admin route's request log)."""
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
            "status": self.status,
            "chunks_sent": self.chunks_sent,
        }


@dataclass
class AppState:
    """Everything the app reads and the :class:`Emulator` changes."""

    deployments: Deployments
    key: str | None = field(default=None, repr=False)
    tokens: tuple[str, ...] = field(default=(), repr=False)
    chunk_delay: float = 0.0
    content_filter_phrases: tuple[str, ...] = ()
    faults: FaultState = field(default_factory=lambda: FaultState([]))
    quotas: Quotas = field(default_factory=lambda: Quotas(Limits()))
    script: Script = field(default_factory=Script)
    requests: deque[RecordedRequest] = field(default_factory=lambda: deque(maxlen=10_000))
    rng: random.Random = field(default_factory=random.Random)
    latency: LatencyModel | None = None
    latency_rng: random.Random = field(default_factory=random.Random)
    mode: str = "emulate"
    cassette: Cassette | None = None
    recorder: Recorder | None = None
    metrics: dict[str, int] = field(default_factory=dict)
    responses: ResponseStore = field(default_factory=ResponseStore)  # stored Responses answers

    def count(self, name: str, by: int = 1) -> None:
        """Add to a metric of the admin route's ``/metrics``."""
        self.metrics[name] = self.metrics.get(name, 0) + by


def redact(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers with every credential replaced by ``REDACTED``."""
    return {k: ("REDACTED" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}
