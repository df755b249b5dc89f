import socket

import pytest


def test_connections_off_loopback_are_refused() -> None:
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError, match="network"):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1, never routed


def test_loopback_connections_are_allowed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.socket() as client:
            client.connect(server.getsockname())
