"""The network settings of the httpx clients we create: TLS trust and proxies.

Corporate networks often route outbound traffic through a proxy and inspect TLS
with their own CA. httpx reads the proxy variables only when it builds its own
transport; ours is the slot pool, so the environment is read here instead, the
way httpx and ``requests`` read it:

- ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY`` (either case) pick a proxy per
  scheme; a URL without a scheme is taken as ``http://``; credentials in the URL
  are sent to the proxy (``Proxy-Authorization``) and never shown.
- ``NO_PROXY`` lists hosts reached directly: a host name also covers its
  subdomains (``example.com`` and ``.example.com`` both match ``a.example.com``),
  an IP address or ``localhost`` matches itself, ``scheme://host`` is kept as
  given, and ``*`` turns proxies off.
- ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` replace the default CA bundle (certifi's).

``proxy=`` overrides the proxy variables, ``verify=`` the CA ones, and
``trust_env=False`` ignores the environment altogether. Requests that go
through no proxy keep the slot pool; proxied ones use httpx's own transport.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import ssl
import urllib.request
import warnings
from collections.abc import Mapping
from typing import Any

from ._errors import ConfigurationError
from ._no_httpx_cli import httpx

__all__ = ["Verify", "check_network_options", "proxy_routes", "ssl_context", "transports"]

#: ``verify=``: True (the default CAs, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``), False (no
#: verification), a CA bundle file or directory, or a ready ``ssl.SSLContext``.
Verify = bool | str | os.PathLike[str] | ssl.SSLContext


def check_network_options(proxy: Any, trust_env: Any, verify: Any) -> None:
    """Refuse option values of the wrong type, with what to pass instead."""
    if proxy is not None and not isinstance(proxy, (str, httpx.URL, httpx.Proxy)):
        raise ConfigurationError(
            f"proxy must be a URL such as 'http://proxy.example.com:8080' or an httpx.Proxy, "
            f"got {type(proxy).__name__}."
        )
    if not isinstance(trust_env, bool):
        raise ConfigurationError(
            f"trust_env must be True or False, got {type(trust_env).__name__}."
        )
    if not isinstance(verify, (bool, str, os.PathLike, ssl.SSLContext)):
        raise ConfigurationError(
            "verify must be True, False, a CA bundle path or an ssl.SSLContext, "
            f"got {type(verify).__name__}."
        )


def ssl_context(verify: Verify = True, trust_env: bool = True) -> ssl.SSLContext:
    """The TLS context for ``verify`` (see the module docstring)."""
    if isinstance(verify, ssl.SSLContext):
        return verify
    if verify is False:
        return _unverified()
    if verify is True:
        cafile = os.environ.get("SSL_CERT_FILE") if trust_env else None
        capath = os.environ.get("SSL_CERT_DIR") if trust_env else None
        if cafile:
            return _bundle(os.path.abspath(cafile), "SSL_CERT_FILE")
        if capath:
            return _bundle(os.path.abspath(capath), "SSL_CERT_DIR")
        return _default()
    return _bundle(os.path.abspath(os.fspath(verify)), "verify")


@functools.lru_cache(maxsize=1)
def _default() -> ssl.SSLContext:
    # Loading a CA bundle costs tens of milliseconds; adapters build a client per
    # event loop, so each distinct bundle is loaded once per process. With the
    # environment read above, httpx's default is certifi's bundle.
    return httpx.create_ssl_context(trust_env=False)


@functools.lru_cache(maxsize=8)
def _bundle(path: str, source: str) -> ssl.SSLContext:
    try:
        if os.path.isdir(path):
            return ssl.create_default_context(capath=path)
        return ssl.create_default_context(cafile=path)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(
            f"Cannot load the CA certificates named by {source} ({path}): {exc}. "
            "Give a PEM bundle file or a directory of hashed certificates."
        ) from None


@functools.lru_cache(maxsize=1)
def _unverified() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def proxy_routes(
    proxy: str | httpx.URL | httpx.Proxy | None, trust_env: bool = True
) -> dict[str, httpx.Proxy | None]:
    """httpx mount patterns to the proxy each uses (None: connect directly)."""
    if proxy is not None:
        return {"all://": _as_proxy(proxy, "proxy")}
    if not trust_env:
        return {}
    return _environment_routes(urllib.request.getproxies())


def _environment_routes(found: Mapping[str, str]) -> dict[str, httpx.Proxy | None]:
    routes: dict[str, httpx.Proxy | None] = {}
    for scheme in ("http", "https", "all"):
        url = found.get(scheme)
        if url:
            routes[f"{scheme}://"] = _as_proxy(url, f"{scheme.upper()}_PROXY")
    if not routes:
        return routes
    for host in (item.strip() for item in found.get("no", "").split(",")):
        if host == "*":
            return {}
        pattern = _direct_pattern(host) if host else None
        if pattern is not None:
            routes[pattern] = None
    return routes


def _direct_pattern(host: str) -> str | None:
    if "://" in host:
        return host
    if "/" in host:  # a network range (10.0.0.0/8): httpx's URL patterns cannot say it
        warnings.warn(
            f"NO_PROXY entry {host!r} is a network range, which is not supported; list the "
            "host names or addresses to reach directly.",
            RuntimeWarning,
            stacklevel=5,
        )
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host.lower() == "localhost":
            return "all://localhost"
        return f"all://*{host.lstrip('.').lower()}"
    return f"all://[{address}]" if address.version == 6 else f"all://{address}"


def _as_proxy(value: str | httpx.URL | httpx.Proxy, source: str) -> httpx.Proxy:
    if isinstance(value, httpx.Proxy):
        return value
    text = str(value)
    if "://" not in text:
        text = f"http://{text}"
    try:
        return httpx.Proxy(text)
    except (ValueError, httpx.InvalidURL) as exc:
        # The message names the variable, never its value: it may hold a password.
        raise ConfigurationError(
            f"The proxy URL from {source} is not usable ({type(exc).__name__}); "
            "give http://[user:password@]host:port (or https://, socks5:// with httpx[socks])."
        ) from None


def transports(
    routes: Mapping[str, httpx.Proxy | None],
    *,
    asynchronous: bool,
    context: ssl.SSLContext,
    limits: httpx.Limits,
) -> dict[str, Any]:
    """httpx ``mounts``: httpx's own transport through each proxy; None keeps our pool."""
    kind: Any = httpx.AsyncHTTPTransport if asynchronous else httpx.HTTPTransport
    mounts: dict[str, Any] = {}
    for pattern, proxy in routes.items():
        if proxy is None:
            mounts[pattern] = None
            continue
        try:
            mounts[pattern] = kind(proxy=proxy, verify=context, limits=limits, trust_env=False)
        except ImportError:
            raise ConfigurationError(
                f"The proxy for {pattern} uses {proxy.url.scheme}://, which needs an extra "
                "package: pip install 'httpx[socks]'."
            ) from None
    return mounts
