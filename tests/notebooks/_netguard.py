"""Refuse socket connections off loopback in the process that runs this file.

The suite's own guard (tests/conftest.py) covers the pytest process only; the
demo and the notebook kernels run in child processes, so the tests install
this there too: a notebook or demo step that reached for the network would
fail instead of quietly depending on it.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address: Any) -> bool:
    if not isinstance(address, tuple):
        return True
    host = str(address[0])
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _connect(self: socket.socket, address: Any) -> None:
    if not _is_local(address):
        raise ConnectionRefusedError(f"no network in tests (tried {address!r})")
    _real_connect(self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    if not _is_local(address):
        raise ConnectionRefusedError(f"no network in tests (tried {address!r})")
    return _real_connect_ex(self, address)


socket.socket.connect = _connect  # type: ignore[method-assign,assignment]
socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign,assignment]
