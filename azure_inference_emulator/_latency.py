"""Simulated model latency: time to first token and time per token, drawn per request.

Each is a distribution given as a mapping, e.g.
``{"distribution": "normal", "mean": 0.019, "std": 0.006, "min": 0.0}``
(``constant`` needs ``value``; ``uniform`` needs ``low`` and ``high``;
``normal`` / ``lognormal`` need ``mean`` and ``std``; every value in seconds).

Defaults (``latency=True``):

- time per generated token: normal, mean 19 ms, standard deviation 6 ms: the
  chat-completion defaults of Microsoft's Azure OpenAI API simulator
  (microsoft/aoai-api-simulator, ``LATENCY_OPENAI_CHAT_COMPLETIONS_MEAN`` /
  ``_STD_DEV``), which it publishes as measured from Azure OpenAI
  pay-as-you-go deployments;
- time to first token: normal, mean 350 ms, standard deviation 100 ms: the
  ``cmp-upstream-response-duration: 356`` (ms) that Azure OpenAI reported for
  a short answer in the Azure SDK's recorded traffic
  (``test_aoai_chat_completions_with_entra_id_auth``);
- embeddings: normal, mean 100 ms, standard deviation 30 ms (the simulator's
  ``LATENCY_OPENAI_EMBEDDINGS_MEAN`` / ``_STD_DEV``).

Draws come from the emulator's own generator, so a ``seed`` reproduces a run.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DEFAULT_LATENCY", "Distribution", "LatencyModel", "parse_latency"]

_KINDS = ("constant", "uniform", "normal", "lognormal")


@dataclass(frozen=True)
class Distribution:
    """One settable distribution of seconds (never negative)."""

    kind: str = "constant"
    value: float = 0.0
    mean: float = 0.0
    std: float = 0.0
    low: float = 0.0
    high: float = 0.0
    min: float = 0.0

    @classmethod
    def parse(cls, spec: Mapping[str, Any] | float | int, what: str) -> Distribution:
        """From ``{"distribution": ..., ...}`` or a plain number of seconds.

        Raises:
            ValueError: an unknown distribution, a missing or negative parameter.
        """
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            if spec < 0:
                raise ValueError(f"latency {what} must be >= 0 seconds; got {spec}")
            return cls("constant", value=float(spec))
        if not isinstance(spec, Mapping):
            raise ValueError(f"latency {what} must be seconds or a distribution object")
        kind = str(spec.get("distribution", "normal"))
        if kind not in _KINDS:
            raise ValueError(f"latency {what}: distribution must be one of {', '.join(_KINDS)}")
        unknown = set(spec) - {"distribution", "value", "mean", "std", "low", "high", "min"}
        if unknown:
            raise ValueError(f"latency {what}: unknown keys {sorted(unknown)}")
        needed = {
            "constant": ("value",),
            "uniform": ("low", "high"),
            "normal": ("mean", "std"),
            "lognormal": ("mean", "std"),
        }[kind]
        values: dict[str, float] = {}
        for key in (*needed, "min"):
            if key in spec:
                number = spec[key]
                if not isinstance(number, (int, float)) or isinstance(number, bool) or number < 0:
                    raise ValueError(f"latency {what}: {key} must be a number >= 0 (seconds)")
                values[key] = float(number)
            elif key != "min":
                raise ValueError(f"latency {what}: a {kind} distribution needs {', '.join(needed)}")
        if kind == "uniform" and values["high"] < values["low"]:
            raise ValueError(f"latency {what}: high must be >= low")
        return cls(kind, **values)

    def draw(self, rng: random.Random) -> float:
        """One value, in seconds."""
        if self.kind == "constant":
            value = self.value
        elif self.kind == "uniform":
            value = rng.uniform(self.low, self.high)
        elif self.kind == "normal":
            value = rng.normalvariate(self.mean, self.std)
        else:  # lognormal with the given mean and standard deviation of the value itself
            if self.mean <= 0:
                return self.min
            sigma2 = math.log(1 + (self.std / self.mean) ** 2)
            value = rng.lognormvariate(math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2))
        return max(self.min, value, 0.0)

    def as_dict(self) -> dict[str, Any]:
        """The spec this was parsed from (for the admin route)."""
        keys = {
            "constant": ("value",),
            "uniform": ("low", "high"),
            "normal": ("mean", "std"),
            "lognormal": ("mean", "std"),
        }[self.kind]
        out: dict[str, Any] = {"distribution": self.kind}
        out.update({k: getattr(self, k) for k in keys})
        if self.min:
            out["min"] = self.min
        return out


@dataclass(frozen=True)
class LatencyModel:
    """Time to first token, time per token (chat) and time per request (embeddings)."""

    first_token: Distribution = field(default_factory=Distribution)
    per_token: Distribution = field(default_factory=Distribution)
    embeddings: Distribution = field(default_factory=Distribution)

    def as_dict(self) -> dict[str, Any]:
        """The settings, as the admin route shows them."""
        return {
            "first_token": self.first_token.as_dict(),
            "per_token": self.per_token.as_dict(),
            "embeddings": self.embeddings.as_dict(),
        }


DEFAULT_LATENCY = LatencyModel(
    first_token=Distribution("normal", mean=0.35, std=0.1),
    per_token=Distribution("normal", mean=0.019, std=0.006),
    embeddings=Distribution("normal", mean=0.1, std=0.03),
)


def parse_latency(spec: Any) -> LatencyModel | None:
    """``None``/``False`` = off; ``True`` = the defaults; a mapping overrides some of them.

    Raises:
        ValueError: a malformed setting; the message names the key.
    """
    if spec is None or spec is False:
        return None
    if spec is True:
        return DEFAULT_LATENCY
    if isinstance(spec, LatencyModel):
        return spec
    if not isinstance(spec, Mapping):
        raise ValueError("latency must be true, false, or an object with first_token/per_token")
    unknown = set(spec) - {"first_token", "per_token", "embeddings"}
    if unknown:
        raise ValueError(
            f"latency: unknown keys {sorted(unknown)}; use first_token, per_token, embeddings"
        )
    base = DEFAULT_LATENCY
    return LatencyModel(
        first_token=Distribution.parse(spec["first_token"], "first_token")
        if "first_token" in spec
        else base.first_token,
        per_token=Distribution.parse(spec["per_token"], "per_token")
        if "per_token" in spec
        else base.per_token,
        embeddings=Distribution.parse(spec["embeddings"], "embeddings")
        if "embeddings" in spec
        else base.embeddings,
    )
