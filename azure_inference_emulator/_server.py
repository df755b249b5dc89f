"""The :class:`Emulator`: the app on a loopback port, in a background thread.

uvicorn runs in its own thread with its own event loop; the socket is bound
before the thread starts, so the port is known at once and ``--port 0``
works. uvicorn installs no signal handlers outside the main thread.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import uvicorn

from ._admin import ADMIN_PREFIX, apply_config, describe_config
from ._app import RecordedRequest, build_app
from ._faults import FaultSpec, parse_fault
from ._latency import parse_latency
from ._profiles import ModelProfile
from ._quota import Limits
from ._script import Script
from ._settings import make_state, open_socket, server_config

__all__ = ["Emulator"]


class Emulator:
    """A local Azure AI Model Inference service for tests and demos.

    Use it as a context manager (``with`` or ``async with``); it listens on a
    free loopback port until the block ends.

    Args:
        profile: the model behind the bare (serverless) routes, by name or profile.
        key: the accepted key (``api-key`` or ``Authorization: Bearer``); None = no auth.
        tokens: bearer tokens also accepted (Entra ID style).
        deployments: extra deployment names -> profiles for ``/models`` and
            ``/openai/...``.
        builtin_deployments: also deploy every built-in profile under its own name
            (and aliases); False leaves only ``profile`` and ``deployments``.
        host: interface to bind (loopback by default).
        port: port to bind (0 = a free one).
        chunk_delay: seconds between streamed chunks (per request: fault ``chunk-delay``).
        faults: server-wide faults in the ``x-emulator-fault`` grammar.
        content_filter_phrases: prompts containing one are blocked (400 content_filter).
        requests_per_minute: request budget per deployment (None = unlimited).
        tokens_per_minute: token budget per deployment (None = unlimited).
        requests_per_10_seconds: the 10-second request window per deployment (None = off).
        latency: simulated latency: False (off), True (defaults from published Azure
            figures, see ``_latency``) or ``{"first_token": ..., "per_token": ...}``.
        mode: ``emulate`` (default), ``record`` (forward to ``upstream``, save to
            ``cassette``) or ``replay`` (serve ``cassette``).
        upstream: the real endpoint to record from.
        upstream_key: key sent upstream instead of the caller's credential.
        cassette: recording file (Azure SDK test-proxy JSON format).
        sanitize: replace keys, tokens and host names in recordings (default True).
        script: scripted answers as config-file entries (see :class:`Script`).
        seed: seeds the wording of unseeded answers, for repeatable runs.
        record_limit: how many recent requests :attr:`requests` keeps.
        ssl_certfile: PEM certificate (chain) to serve HTTPS with; the addresses then
            start with ``https://``. Passed to uvicorn as is.
        ssl_keyfile: the certificate's PEM private key (None: it is in ``ssl_certfile``).

    Raises:
        KeyError: an unknown profile name.
        ValueError: a malformed fault or script entry.
    """

    def __init__(
        self,
        profile: str | ModelProfile = "Mistral-Large",
        *,
        key: str | None = None,
        tokens: Sequence[str] = (),
        deployments: Mapping[str, str | ModelProfile] | None = None,
        builtin_deployments: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        chunk_delay: float = 0.0,
        faults: Sequence[str] = (),
        content_filter_phrases: Sequence[str] = (),
        requests_per_minute: int | None = 1000,
        tokens_per_minute: int | None = 200_000,
        script: Sequence[Mapping[str, Any]] | None = None,
        seed: int | None = None,
        record_limit: int = 10_000,
        requests_per_10_seconds: int | None = None,
        latency: Any = None,
        mode: str = "emulate",
        upstream: str | None = None,
        upstream_key: str | None = None,
        cassette: str | os.PathLike[str] | None = None,
        sanitize: bool = True,
        ssl_certfile: str | os.PathLike[str] | None = None,
        ssl_keyfile: str | os.PathLike[str] | None = None,
    ) -> None:
        if ssl_keyfile is not None and ssl_certfile is None:
            raise ValueError("ssl_keyfile needs ssl_certfile (the certificate to serve)")
        self._state = make_state(
            profile,
            key=key,
            tokens=tokens,
            deployments=deployments,
            builtin_deployments=builtin_deployments,
            chunk_delay=chunk_delay,
            faults=faults,
            content_filter_phrases=content_filter_phrases,
            requests_per_minute=requests_per_minute,
            tokens_per_minute=tokens_per_minute,
            script=script,
            seed=seed,
            requests_per_10_seconds=requests_per_10_seconds,
            latency=latency,
            mode=mode,
            upstream=upstream,
            upstream_key=upstream_key,
            cassette=cassette,
            sanitize=sanitize,
        )
        self._state.requests = type(self._state.requests)(maxlen=record_limit)
        self._host = host
        self._port = port
        self._ssl_certfile = None if ssl_certfile is None else os.fspath(ssl_certfile)
        self._ssl_keyfile = None if ssl_keyfile is None else os.fspath(ssl_keyfile)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    def __repr__(self) -> str:
        where = self.endpoint if self._socket is not None else "not started"
        auth = "set" if self._state.key is not None else "none"
        return f"Emulator(profile={self.profile.name!r}, endpoint={where!r}, key={auth})"

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind the port and start serving in a background thread (returns fast).

        Raises:
            RuntimeError: already started.
            OSError: the port cannot be bound.
        """
        if self._thread is not None:
            raise RuntimeError("this Emulator is already running")
        config = server_config(
            build_app(self._state), ssl_certfile=self._ssl_certfile, ssl_keyfile=self._ssl_keyfile
        )
        self._socket = open_socket(self._host, self._port)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"azure-inference-emulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def _started(self) -> bool:
        if self._server is None or self._thread is None:
            raise RuntimeError("the Emulator is not started")
        if not self._thread.is_alive():
            self.stop()
            raise RuntimeError("the emulator's server thread stopped during startup")
        return bool(self._server.started)

    def wait_started(self, timeout: float = 10.0) -> None:
        """Block until uvicorn accepts requests.

        Raises:
            TimeoutError: not started within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while not self._started():
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError("the emulator did not start in time")
            time.sleep(0.002)

    async def wait_started_async(self, timeout: float = 10.0) -> None:
        """Like :meth:`wait_started`, without blocking the event loop."""
        deadline = time.monotonic() + timeout
        while not self._started():
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError("the emulator did not start in time")
            await asyncio.sleep(0.002)

    def stop(self) -> None:
        """Stop serving, join the thread and close the socket (idempotent)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self._finish()

    async def stop_async(self) -> None:
        """Like :meth:`stop`, waiting for the server thread without blocking the event loop."""
        if self._server is not None:
            self._server.should_exit = True
        deadline = time.monotonic() + 10
        while self._thread is not None and self._thread.is_alive():
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.005)
        self._finish()

    def _finish(self) -> None:
        if self._socket is not None:
            self._socket.close()
        self._thread = None
        self._server = None

    def __enter__(self) -> Emulator:
        self.start()
        self.wait_started()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Emulator:
        self.start()
        await self.wait_started_async()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop_async()

    # -- addresses -------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port.

        Raises:
            RuntimeError: not started.
        """
        if self._socket is None:
            raise RuntimeError("the Emulator is not started; use it as a context manager")
        return int(self._socket.getsockname()[1])

    @property
    def endpoint(self) -> str:
        """Serverless-style endpoint: bare routes, one model (the profile)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def scheme(self) -> str:
        """``https`` when serving TLS (``ssl_certfile`` given), else ``http``."""
        return "https" if self._ssl_certfile is not None else "http"

    @property
    def foundry_endpoint(self) -> str:
        """Foundry-style ``.../models`` endpoint; the body ``model`` picks the deployment."""
        return f"{self.endpoint}/models"

    def openai_deployment_endpoint(self, name: str) -> str:
        """Azure OpenAI deployment endpoint ``.../openai/deployments/<name>``."""
        return f"{self.endpoint}/openai/deployments/{name}"

    @property
    def openai_v1_endpoint(self) -> str:
        """Foundry OpenAI v1 endpoint ``.../openai/v1`` (no api-version needed)."""
        return f"{self.endpoint}/openai/v1"

    # -- behaviour -------------------------------------------------------------

    @property
    def profile(self) -> ModelProfile:
        """The model behind the bare routes."""
        return self._state.deployments.default

    @property
    def deployments(self) -> list[str]:
        """Deployment names served on ``/models`` and ``/openai/...``."""
        return self._state.deployments.names()

    @property
    def script(self) -> Script:
        """Scripted answers: ``queue(...)`` and ``on(pattern, ...)``."""
        return self._state.script

    @property
    def requests(self) -> list[RecordedRequest]:
        """Recent requests, oldest first; secret headers read ``REDACTED``."""
        return list(self._state.requests)

    def clear_requests(self) -> None:
        """Forget recorded requests."""
        self._state.requests.clear()

    @property
    def faults(self) -> list[FaultSpec]:
        """Server-wide faults in force."""
        return list(self._state.faults.server_faults)

    def set_faults(self, *faults: str) -> None:
        """Replace the server-wide faults (grammar of ``x-emulator-fault``) and reset counters.

        Raises:
            ValueError: a malformed fault.
        """
        parsed = [parse_fault(f) for f in faults]
        self._state.faults.server_faults = parsed
        self._state.faults.reset()

    def clear_faults(self) -> None:
        """Remove server-wide faults and reset every fault counter."""
        self.set_faults()

    def set_rate_limits(
        self,
        requests_per_minute: int | None,
        tokens_per_minute: int | None,
        requests_per_10_seconds: int | None = None,
        *,
        deployment: str | None = None,
    ) -> None:
        """Replace the budgets (None = unlimited) of every deployment, or of one; fresh windows.

        Raises:
            ValueError: a negative or non-integer limit.
        """
        limits = Limits(requests_per_minute, tokens_per_minute, requests_per_10_seconds)
        self._state.quotas.set(limits, deployment)

    def set_latency(self, latency: Any) -> None:
        """Turn simulated latency off (False), on with defaults (True) or set distributions.

        Raises:
            ValueError: a malformed distribution.
        """
        self._state.latency = parse_latency(latency)

    def configure(self, **changes: Any) -> None:
        """Change settings at run time, like ``PATCH /_emulator/config`` (same keys).

        Raises:
            ValueError: an unknown key or a bad value; nothing is changed then.
        """
        apply_config(self._state, changes)

    @property
    def config(self) -> dict[str, Any]:
        """The settings in force, as ``GET /_emulator/config`` shows them."""
        return describe_config(self._state)

    @property
    def admin_url(self) -> str:
        """Base URL of the admin route (``/config``, ``/requests``, ``/metrics``)."""
        return f"{self.endpoint}{ADMIN_PREFIX}"

    @property
    def metrics(self) -> dict[str, int]:
        """Requests per status, tokens and streams served so far."""
        return dict(self._state.metrics)

    def set_chunk_delay(self, seconds: float) -> None:
        """Pause between streamed chunks for every request.

        Raises:
            ValueError: a negative delay.
        """
        if seconds < 0:
            raise ValueError("chunk delay must be >= 0 seconds")
        self._state.chunk_delay = seconds

    def set_content_filter(self, *phrases: str) -> None:
        """Block prompts containing any of ``phrases`` (case-insensitive)."""
        self._state.content_filter_phrases = tuple(phrases)
