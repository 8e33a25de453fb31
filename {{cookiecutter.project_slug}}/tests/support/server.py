"""The backend served for tests: in-process over ASGI, or as its own process as users run it."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress

import httpx

from {{ cookiecutter.project_slug }}.app import create_app
from {{ cookiecutter.project_slug }}.settings import Settings

from fake_provider import FakeProvider
from support.project import PROJECT_ROOT, PROVIDER


@asynccontextmanager
async def serve_in_process(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the app built from `settings`, with its lifespan running."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://localhost") as client,
    ):
        yield client


def process_env(fake_provider: FakeProvider) -> dict[str, str]:
    """A backend process's environment: the fake provider, fast failures, quiet logs."""
    return {
        **fake_provider.env(PROVIDER),
        "LLM_MAX_RETRIES": "0",
        "LLM_TIMEOUT_SECONDS": "5",
        "LOG_LEVEL": "WARNING",
        # A title is one more model call per thread; tests of titles turn them on.
        "THREAD_TITLES": "false",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(env: dict[str, str], *, via_main: bool = False) -> Iterator[str]:
    """The backend as users run it, in its own process; yields its base URL once healthy.

    By default under `uvicorn main:app`; with `via_main`, as `python backend/main.py`, which
    takes its port from PORT.
    """
    port = free_port()
    if via_main:
        command = [sys.executable, "backend/main.py"]
    else:
        command = [sys.executable, "-m", "uvicorn", "main:app", "--app-dir", "backend"]
        command += ["--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env={**os.environ, **env, "PORT": str(port)}
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_until_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        with suppress(httpx.TransportError):
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not become healthy in {timeout} s")
