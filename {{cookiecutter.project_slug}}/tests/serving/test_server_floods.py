"""Floods at `python backend/main.py` itself: huge headers, too many connections, idle ones."""

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from support.live_backend import LiveBackend, live_backend

pytestmark = pytest.mark.process

HEADER_FLOOD_BYTES = 40_000_000
CHUNK = b"a" * 65_536


@pytest.fixture(scope="module")
def backend(server_env: dict[str, str]) -> Iterator[LiveBackend]:
    env = {**server_env, "MAX_CONNECTIONS": "30", "KEEP_ALIVE_SECONDS": "1"}
    with live_backend(env, via_main=True) as backend:
        yield backend


def send_huge_header(port: int) -> None:
    """Send one request whose header never ends, until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.settimeout(10)
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Flood: ")
        sent = 0
        try:
            while sent < HEADER_FLOOD_BYTES:
                connection.sendall(CHUNK)
                sent += len(CHUNK)
        except OSError:  # closed by the server: what should happen
            return


def test_twenty_unfinished_40_mb_headers_cost_under_50_mb(backend: LiveBackend):
    before = backend.rss_bytes()

    floods = [threading.Thread(target=send_huge_header, args=(backend.port,)) for _ in range(20)]
    for flood in floods:
        flood.start()
    for flood in floods:
        flood.join(timeout=60)
    after = backend.rss_bytes()

    assert after - before < 50_000_000
    assert httpx.get(f"{backend.url}/health").status_code == 200


def test_a_header_under_the_limit_is_served(backend: LiveBackend):
    response = httpx.get(f"{backend.url}/health", headers={"X-Big": "a" * 16_000})

    assert response.status_code == 200


def test_connections_beyond_max_connections_get_503(backend: LiveBackend):
    held = []
    try:
        for _ in range(30):
            connection = socket.create_connection(("127.0.0.1", backend.port))
            held.append(connection)
        time.sleep(0.5)  # the server has accepted them
        response = httpx.get(f"{backend.url}/health")
    finally:
        for connection in held:
            connection.close()

    assert response.status_code == 503


def test_an_idle_keep_alive_connection_is_closed(backend: LiveBackend):
    with socket.create_connection(("127.0.0.1", backend.port)) as connection:
        connection.settimeout(10)
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        # The headers and the body may arrive in separate reads: read the whole response first.
        response = b""
        while not response.endswith(b'{"status":"ok"}'):
            chunk = connection.recv(65_536)
            assert chunk, "the connection closed before the response was complete"
            response += chunk
        assert b"200 OK" in response

        time.sleep(2)  # KEEP_ALIVE_SECONDS=1

        assert connection.recv(65_536) == b""
