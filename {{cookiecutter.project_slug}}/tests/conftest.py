"""Shared fixtures: settings that ignore the environment, a store of this project's kind, the
fake provider, and the backend served in-process or as its own process."""

{% if cookiecutter.store == "postgres" -%}
import asyncio
{% endif -%}
import os
import socket
import subprocess
import sys
import time
{%- if cookiecutter.store == "postgres" %}
import uuid
{%- endif %}
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path

import httpx
import pytest
{%- if cookiecutter.store == "postgres" %}
from sqlalchemy import URL, make_url, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
{%- endif %}

from {{ cookiecutter.project_slug }}.app import create_app
from {{ cookiecutter.project_slug }}.settings import DEFAULT_MODEL, Settings
from {{ cookiecutter.project_slug }}.stores import create_store
from {{ cookiecutter.project_slug }}.stores.base import AppStore
{%- if cookiecutter.store != "memory" %}
from {{ cookiecutter.project_slug }}.stores.schema import upgrade
{%- endif %}

from chatkit_client import ChatKitClient
from fake_provider import FakeProvider

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# The provider this project was generated for, e.g. "gemini".
PROVIDER = DEFAULT_MODEL.partition("/")[0]

# Tests never reach the internet: no trace export, whatever keys are set.
os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"
{%- if cookiecutter.store == "postgres" %}

# A server the tests may create and drop databases on; each test gets its own database.
TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def new_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    server = make_url(TEST_DATABASE_URL).set(drivername="postgresql+asyncpg")
    name = f"test_{uuid.uuid4().hex}"
    try:
        asyncio.run(administer(server, f'CREATE DATABASE "{name}"'))
    except OSError as error:  # refused, unknown host or timed out: no server to test against
        reason = f"no PostgreSQL server at {server.render_as_string()}: {error}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(f"{reason} (set TEST_DATABASE_URL; under CI this fails instead)")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(administer(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def administer(server: URL, statement: str) -> None:
    engine = create_async_engine(
        server, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"timeout": 5}
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture
def empty_database_url() -> Iterator[str]:
    with new_database() as url:
        yield url


@pytest.fixture(scope="module")
def server_env(fake_provider_server: FakeProvider) -> Iterator[dict[str, str]]:
    """Environment for backend processes: one migrated database per test module."""
    with new_database() as url:
        upgrade(url)
        yield {**process_env(fake_provider_server), "DATABASE_URL": url}
{%- elif cookiecutter.store == "sqlite" %}


@pytest.fixture
def empty_database_url(tmp_path: Path) -> str:
    """A SQLite file in a directory the migrations have to create."""
    return f"sqlite:///{tmp_path / 'data' / 'chatkit.db'}"


@pytest.fixture(scope="module")
def server_env(
    fake_provider_server: FakeProvider, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """Environment for backend processes: one migrated database file per test module."""
    url = f"sqlite:///{tmp_path_factory.mktemp('data') / 'chatkit.db'}"
    upgrade(url)
    return {**process_env(fake_provider_server), "DATABASE_URL": url}
{%- else %}


@pytest.fixture
def database_url() -> None:
    """The memory store has no database."""
    return None


@pytest.fixture(scope="module")
def server_env(fake_provider_server: FakeProvider) -> dict[str, str]:
    """Environment for backend processes."""
    return process_env(fake_provider_server)
{%- endif %}
{%- if cookiecutter.store != "memory" %}


@pytest.fixture
def database_url(empty_database_url: str) -> str:
    """A database at the latest migration, as `make migrate` leaves it."""
    upgrade(empty_database_url)
    return empty_database_url
{%- endif %}


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


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, database_url: str | None) -> Settings:
    """Settings for tests, independent of the environment and of .env."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    database = {} if database_url is None else {"database_url": database_url}
    # No titles: each would be one more model call; tests of titles turn them on.
    return Settings(llm_max_retries=0, llm_timeout_seconds=5, thread_titles=False, **database)


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[AppStore]:
    """The store this project was generated with, opened on a database without rows."""
    store = create_store(settings)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture(scope="session")
def fake_provider_server() -> Iterator[FakeProvider]:
    with FakeProvider() as server:
        yield server


@pytest.fixture
def fake_provider(
    fake_provider_server: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> FakeProvider:
    """The loopback fake of this project's provider, with LiteLLM pointed at it."""
    fake_provider_server.reset()
    for name, value in fake_provider_server.env(PROVIDER).items():
        monkeypatch.setenv(name, value)
    return fake_provider_server


@pytest.fixture
async def http(settings: Settings, fake_provider: FakeProvider) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the app, served in-process with its lifespan."""
    async with serve_in_process(settings) as client:
        yield client


@pytest.fixture
def chatkit(http: httpx.AsyncClient) -> ChatKitClient:
    return ChatKitClient(http)


@asynccontextmanager
async def serve_in_process(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        yield client


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
