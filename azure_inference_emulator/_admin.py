"""The admin route: read and change the configuration at run time, read the request log.

``GET {prefix}/config`` shows the settings (never the key); ``PATCH`` (or
``POST``) with a JSON object changes some of them, with the keys of
:func:`apply_config`. ``GET {prefix}/requests`` is the request log (secret
headers redacted; ``?limit=N`` for the last N), ``DELETE`` clears it.
``GET {prefix}/metrics`` counts requests per status, tokens and streams. When
the emulator has a key, the admin route needs it too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ._errors import ServiceError, bad_request
from ._faults import parse_fault
from ._http import error_response, json_response
from ._latency import parse_latency
from ._profiles import ModelProfile, get_profile
from ._quota import Limits
from ._routing import Deployments, check_auth
from ._state import AppState

__all__ = ["ADMIN_PREFIX", "CONFIG_CHANGES", "admin_routes", "apply_config", "describe_config"]

ADMIN_PREFIX = "/_emulator"
CONFIG_CHANGES = frozenset(
    {
        "profile",
        "deployments",
        "faults",
        "limits",
        "latency",
        "chunk_delay",
        "content_filter_phrases",
        "seed",
    }
)
_LIMIT_KEYS = frozenset({"requests_per_minute", "tokens_per_minute", "requests_per_10_seconds"})


def _limits(value: Any, where: str) -> Limits:
    if not isinstance(value, Mapping) or set(value) - _LIMIT_KEYS:
        raise ValueError(
            f"{where} must be an object with some of {sorted(_LIMIT_KEYS)} (null = no limit)"
        )
    return Limits(**{k: value[k] for k in _LIMIT_KEYS if k in value})


def apply_config(state: AppState, changes: Mapping[str, Any]) -> None:
    """Change settings of a running emulator (all checked before any is applied).

    Keys: ``profile`` (model behind the bare routes), ``deployments`` (name ->
    profile, added), ``faults`` (list, replaces; counters reset), ``limits``
    (``{"default": {...}, "<deployment>": {...}}`` with ``requests_per_minute``,
    ``tokens_per_minute``, ``requests_per_10_seconds``), ``latency`` (true,
    false or distributions), ``chunk_delay``, ``content_filter_phrases``, ``seed``.

    Raises:
        ValueError: an unknown key or a bad value; nothing is changed then.
    """
    unknown = set(changes) - CONFIG_CHANGES
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}; known: {sorted(CONFIG_CHANGES)}")
    steps: list[Any] = []
    if "profile" in changes or "deployments" in changes:
        current = state.deployments
        default = get_profile(changes["profile"]) if "profile" in changes else current.default
        extra: dict[str, ModelProfile] = dict(current.extra)
        for name, profile in dict(changes.get("deployments") or {}).items():
            extra[str(name)] = (
                profile if isinstance(profile, ModelProfile) else get_profile(profile)
            )
        deployments = Deployments(default, extra, current.builtin)
        steps.append(lambda: setattr(state, "deployments", deployments))
    if "faults" in changes:
        faults = [parse_fault(str(f)) for f in changes["faults"] or ()]

        def set_faults() -> None:
            state.faults.server_faults = faults
            state.faults.reset()

        steps.append(set_faults)
    if "limits" in changes:
        given = changes["limits"]
        if not isinstance(given, Mapping):
            raise ValueError('limits must be an object: {"default": {...}, "<deployment>": {...}}')
        parsed = {str(k): _limits(v, f"limits.{k}") for k, v in given.items()}
        for name, limits in parsed.items():
            steps.append(
                lambda n=name, lim=limits: state.quotas.set(lim, None if n == "default" else n)
            )
    if "latency" in changes:
        latency = parse_latency(changes["latency"])
        steps.append(lambda: setattr(state, "latency", latency))
    if "chunk_delay" in changes:
        delay = changes["chunk_delay"]
        if not isinstance(delay, (int, float)) or isinstance(delay, bool) or delay < 0:
            raise ValueError("chunk_delay must be a number of seconds >= 0")
        steps.append(lambda: setattr(state, "chunk_delay", float(delay)))
    if "content_filter_phrases" in changes:
        phrases = tuple(str(p) for p in changes["content_filter_phrases"] or ())
        steps.append(lambda: setattr(state, "content_filter_phrases", phrases))
    if "seed" in changes:
        seed = changes["seed"]
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError("seed must be an integer or null")

        def reseed() -> None:
            state.rng.seed(seed)
            state.latency_rng.seed(None if seed is None else seed + 1)

        steps.append(reseed)
    for step in steps:
        step()


def describe_config(state: AppState) -> dict[str, Any]:
    """The settings in force (no key or token)."""
    quotas = state.quotas

    def limits(value: Limits) -> dict[str, Any]:
        return {k: getattr(value, k) for k in sorted(_LIMIT_KEYS)}

    return {
        "mode": state.mode,
        "profile": state.deployments.default.name,
        "deployments": state.deployments.names(),
        "auth": "key" if state.key is not None or state.tokens else "none",
        "faults": [f.text for f in state.faults.server_faults],
        "limits": {
            "default": limits(quotas.default),
            **{name: limits(value) for name, value in quotas.per_deployment.items()},
        },
        "latency": None if state.latency is None else state.latency.as_dict(),
        "chunk_delay": state.chunk_delay,
        "content_filter_phrases": list(state.content_filter_phrases),
    }


def admin_routes(state: AppState, prefix: str) -> list[Route]:
    """The Starlette routes of the admin API."""

    def guarded(request: Request) -> None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        check_auth(headers, state.key, state.tokens)

    async def config(request: Request) -> Response:
        try:
            guarded(request)
            if request.method in ("PATCH", "POST"):
                try:
                    changes = json.loads(await request.body() or b"{}")
                except ValueError:
                    raise bad_request("Send the changes as a JSON object.") from None
                if not isinstance(changes, Mapping):
                    raise bad_request("Send the changes as a JSON object.")
                try:
                    apply_config(state, changes)
                except (ValueError, KeyError) as exc:
                    raise bad_request(str(exc).strip("'\""), code="invalid_config") from None
            return json_response(describe_config(state), {})
        except ServiceError as error:
            return error_response(error, {})

    async def requests(request: Request) -> Response:
        try:
            guarded(request)
        except ServiceError as error:
            return error_response(error, {})
        if request.method == "DELETE":
            state.requests.clear()
            return json_response({"cleared": True}, {})
        log = [r.as_dict() for r in list(state.requests)]
        limit = request.query_params.get("limit")
        if limit is not None and limit.isdigit():
            log = log[-int(limit) :] if int(limit) else []
        return json_response({"requests": log}, {})

    async def metrics(request: Request) -> Response:
        try:
            guarded(request)
        except ServiceError as error:
            return error_response(error, {})
        return json_response(dict(sorted(state.metrics.items())), {})

    return [
        Route(f"{prefix}/config", config, methods=["GET", "PATCH", "POST"]),
        Route(f"{prefix}/requests", requests, methods=["GET", "DELETE"]),
        Route(f"{prefix}/metrics", metrics, methods=["GET"]),
    ]
