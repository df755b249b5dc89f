"""Command line: ``python -m azure_inference_emulator`` / ``azure-inference-emulator``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

import uvicorn

from ._app import build_app
from ._config import load_config
from ._profiles import PROFILES
from ._settings import make_state, open_socket, server_config

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="azure-inference-emulator",
        description="Local emulator of the Azure AI Model Inference API.",
    )
    parser.add_argument("--host", default=None, help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (0 = a free port; default 0)")
    parser.add_argument(
        "--profile",
        default=None,
        help=f"model behind the bare routes; one of: {', '.join(PROFILES)}",
    )
    parser.add_argument("--config", default=None, help="JSON or TOML settings file")
    parser.add_argument(
        "--key",
        default=None,
        help="accepted key (or env AZURE_INFERENCE_EMULATOR_KEY); none = no auth",
    )
    parser.add_argument("--token", action="append", default=None, help="accepted bearer token")
    parser.add_argument("--chunk-delay", type=float, default=None, help="seconds between chunks")
    parser.add_argument("--fault", action="append", default=None, help="server-wide fault")
    parser.add_argument(
        "--content-filter", action="append", default=None, help="phrase the filter blocks"
    )
    parser.add_argument("--requests-per-minute", type=int, default=None)
    parser.add_argument("--tokens-per-minute", type=int, default=None)
    parser.add_argument(
        "--no-rate-limit", action="store_true", help="disable the per-minute budgets"
    )
    parser.add_argument(
        "--requests-per-10-seconds", type=int, default=None, help="10-second request window"
    )
    parser.add_argument(
        "--latency",
        action="store_true",
        default=None,
        help="simulate time to first token and per token (defaults from published figures)",
    )
    parser.add_argument(
        "--mode",
        choices=("emulate", "record", "replay"),
        default=None,
        help="emulate (default); record: forward to --upstream and save; replay: serve",
    )
    parser.add_argument("--upstream", default=None, help="real endpoint to record from")
    parser.add_argument(
        "--upstream-key",
        default=None,
        help="key sent upstream (or env AZURE_INFERENCE_UPSTREAM_KEY); default: the caller's",
    )
    parser.add_argument("--cassette", default=None, help="recording file (test-proxy JSON)")
    parser.add_argument(
        "--no-sanitize", action="store_true", help="record keys and host names unchanged"
    )
    parser.add_argument(
        "--ssl-certfile", default=None, help="PEM certificate chain: serve HTTPS instead of HTTP"
    )
    parser.add_argument(
        "--ssl-keyfile", default=None, help="PEM private key of --ssl-certfile (if separate)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator in the foreground until interrupted.

    Args:
        argv: arguments (default ``sys.argv[1:]``).

    Returns:
        The process exit status.
    """
    args = _parser().parse_args(argv)
    settings: dict[str, Any] = {}
    try:
        if args.config:
            settings = load_config(args.config)
        overrides = {
            "host": args.host,
            "port": args.port,
            "profile": args.profile,
            "key": args.key or os.environ.get("AZURE_INFERENCE_EMULATOR_KEY"),
            "tokens": args.token,
            "chunk_delay": args.chunk_delay,
            "faults": args.fault,
            "content_filter_phrases": args.content_filter,
            "requests_per_minute": args.requests_per_minute,
            "tokens_per_minute": args.tokens_per_minute,
            "requests_per_10_seconds": args.requests_per_10_seconds,
            "latency": args.latency,
            "mode": args.mode,
            "upstream": args.upstream,
            "upstream_key": args.upstream_key or os.environ.get("AZURE_INFERENCE_UPSTREAM_KEY"),
            "cassette": args.cassette,
            "ssl_certfile": args.ssl_certfile,
            "ssl_keyfile": args.ssl_keyfile,
        }
        settings.update({k: v for k, v in overrides.items() if v is not None})
        if args.no_rate_limit:
            settings["requests_per_minute"] = None
            settings["tokens_per_minute"] = None
        state = make_state(
            settings.get("profile", "Mistral-Large"),
            key=settings.get("key"),
            tokens=settings.get("tokens", ()),
            deployments=settings.get("deployments"),
            builtin_deployments=bool(settings.get("builtin_deployments", True)),
            chunk_delay=float(settings.get("chunk_delay", 0.0)),
            faults=settings.get("faults", ()),
            content_filter_phrases=settings.get("content_filter_phrases", ()),
            requests_per_minute=settings.get("requests_per_minute", 1000),
            tokens_per_minute=settings.get("tokens_per_minute", 200_000),
            script=settings.get("script"),
            seed=settings.get("seed"),
            requests_per_10_seconds=settings.get("requests_per_10_seconds"),
            latency=settings.get("latency"),
            mode=str(settings.get("mode", "emulate")),
            upstream=settings.get("upstream"),
            upstream_key=settings.get("upstream_key"),
            cassette=settings.get("cassette"),
            sanitize=not args.no_sanitize and bool(settings.get("sanitize", True)),
        )
        certfile, keyfile = settings.get("ssl_certfile"), settings.get("ssl_keyfile")
        if keyfile is not None and certfile is None:
            raise ValueError("--ssl-keyfile needs --ssl-certfile (the certificate to serve)")
        config = server_config(
            build_app(state),
            ssl_certfile=None if certfile is None else str(certfile),
            ssl_keyfile=None if keyfile is None else str(keyfile),
        )
        host = str(settings.get("host", "127.0.0.1"))
        sock = open_socket(host, int(settings.get("port", 0)))
    except (KeyError, ValueError, OSError) as exc:
        print(f"azure-inference-emulator: {exc}", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    scheme = "https" if config.is_ssl else "http"
    print(f"Azure AI Model Inference emulator listening on {scheme}://{shown}:{port}", flush=True)
    print(
        f"  profile {state.deployments.default.name}; Foundry: {scheme}://{shown}:{port}/models; "
        f"auth: {'key' if state.key or state.tokens else 'none'}; mode: {state.mode}",
        flush=True,
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
