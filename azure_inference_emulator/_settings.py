"""Settings -> app state, and the uvicorn config and socket (shared by the class and the CLI)."""

from __future__ import annotations

import os
import socket
import ssl
from collections.abc import Mapping, Sequence
from typing import Any

import uvicorn

from ._cassette import Cassette
from ._faults import FaultState, parse_fault
from ._latency import parse_latency
from ._profiles import ModelProfile, get_profile
from ._quota import Limits, Quotas
from ._replay import Recorder
from ._routing import Deployments
from ._script import ScriptedResponse
from ._state import AppState

__all__ = ["MODES", "make_state", "open_socket", "server_config"]

MODES = ("emulate", "record", "replay")


def _as_profile(value: str | ModelProfile) -> ModelProfile:
    return value if isinstance(value, ModelProfile) else get_profile(value)


def make_state(
    profile: str | ModelProfile,
    *,
    key: str | None,
    tokens: Sequence[str],
    deployments: Mapping[str, str | ModelProfile] | None,
    builtin_deployments: bool,
    chunk_delay: float,
    faults: Sequence[str],
    content_filter_phrases: Sequence[str],
    requests_per_minute: int | None,
    tokens_per_minute: int | None,
    script: Sequence[Mapping[str, Any]] | None,
    seed: int | None,
    requests_per_10_seconds: int | None = None,
    latency: Any = None,
    mode: str = "emulate",
    upstream: str | None = None,
    upstream_key: str | None = None,
    cassette: str | os.PathLike[str] | None = None,
    sanitize: bool = True,
) -> AppState:
    """Build the app state from settings (shared by the class and the CLI).

    Raises:
        KeyError: an unknown profile name.
        ValueError: a malformed fault, script entry, latency or mode; a negative delay.
    """
    if chunk_delay < 0:
        raise ValueError("chunk_delay must be >= 0 seconds")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    if mode != "emulate" and cassette is None:
        raise ValueError(f"mode {mode!r} needs a cassette (the recording file)")
    if mode == "record" and not upstream:
        raise ValueError("mode 'record' needs upstream, the real endpoint to forward to")
    default = _as_profile(profile)
    extra = {name: _as_profile(p) for name, p in (deployments or {}).items()}
    state = AppState(
        deployments=Deployments(default, extra, builtin_deployments),
        key=key,
        tokens=tuple(tokens),
        chunk_delay=chunk_delay,
        content_filter_phrases=tuple(content_filter_phrases),
        faults=FaultState([parse_fault(f) for f in faults]),
        quotas=Quotas(Limits(requests_per_minute, tokens_per_minute, requests_per_10_seconds)),
        latency=parse_latency(latency),
        mode=mode,
    )
    if cassette is not None and mode != "emulate":
        state.cassette = Cassette(cassette, must_exist=mode == "replay")
        if mode == "record":
            assert upstream is not None
            state.recorder = Recorder(
                upstream, state.cassette, upstream_key=upstream_key, sanitize=sanitize
            )
    if seed is not None:
        state.rng.seed(seed)
        state.latency_rng.seed(seed + 1)
    for entry in script or ():
        response = ScriptedResponse.from_dict(entry)
        if "match" in entry:
            state.script.add_rule(str(entry["match"]), response, entry.get("times"))
        else:
            state.script.add_queued(response)
    return state


def server_config(
    app: Any, *, ssl_certfile: str | None = None, ssl_keyfile: str | None = None
) -> uvicorn.Config:
    """The uvicorn settings for the app (TLS when ``ssl_certfile`` is given).

    The certificate is loaded here, so a bad file fails before a port is bound.

    Raises:
        ValueError: the certificate or key cannot be read.
    """
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    )
    if ssl_certfile is not None:
        try:
            config.load()
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(
                f"cannot load the TLS certificate {ssl_certfile!r} / key {ssl_keyfile!r}: {exc}; "
                "give PEM files (ssl_certfile = certificate chain, ssl_keyfile = its private key)"
            ) from exc
    return config


def open_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket (port 0 = a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted sockets only then,
    # and without it Nagle + delayed ACK add ~40 ms to every answer.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(4096)
    except OSError:
        sock.close()
        raise
    return sock
