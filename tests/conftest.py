"""Suite-wide guard: tests may only open sockets to loopback addresses.

It is installed when the suite starts and re-installed before every test.
Every server a test needs runs on 127.0.0.1 and is started by the test
itself; a connection anywhere else is a bug in the test, so it fails loudly
instead of hanging on a closed network.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import Any

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address: Any) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths and the like
        return True
    host = str(address[0])
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _is_local(address):
        raise ConnectionRefusedError(f"tests may not reach the network (tried {address!r})")
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _is_local(address):
        raise ConnectionRefusedError(f"tests may not reach the network (tried {address!r})")
    return _real_connect_ex(self, address)


def _install() -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


_install()  # from collection on, session fixtures included

# The library honours proxy variables; the machine's own would send the suite's loopback
# traffic to its proxy. Tests that need a proxy start one and set the variables themselves.
for _name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
    os.environ.pop(_name, None)
    os.environ.pop(_name.lower(), None)


@pytest.fixture(autouse=True)
def _no_network() -> None:
    # Plugins (pytest-recording, pulled in by langchain-tests) restore the socket
    # methods they saved at import time when a test ends, which would silently
    # lift this guard; so it is put back before every test.
    _install()


@pytest.fixture
def joined_chunks(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every chunk any ``StreamAccumulator`` is fed during the test, in order."""
    from azure_inference_core._accumulate import StreamAccumulator

    fed: list[Any] = []
    feed = StreamAccumulator.feed

    def counting(self: StreamAccumulator, chunk: Any) -> Any:
        fed.append(chunk)
        return feed(self, chunk)

    monkeypatch.setattr(StreamAccumulator, "feed", counting)
    return fed
