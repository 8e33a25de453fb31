"""Shared fixtures: settings that ignore the environment, a store of this project's kind, the
fake provider, and the backend served in-process; helpers live in `support/`."""

{% if cookiecutter.store == "postgres" -%}
import asyncio
import os
import uuid
{% endif -%}
from collections.abc import AsyncIterator, Callable, Iterator
{%- if cookiecutter.store == "postgres" %}
from contextlib import AbstractContextManager, contextmanager
{%- else %}
from contextlib import AbstractContextManager
{%- endif %}
{%- if cookiecutter.store == "sqlite" %}
from pathlib import Path
{%- endif %}

import httpx
import pytest
{%- if cookiecutter.store == "postgres" %}
from sqlalchemy import URL, make_url, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
{%- endif %}

from {{ cookiecutter.project_slug }}.settings import Settings
from {{ cookiecutter.project_slug }}.stores import create_store
from {{ cookiecutter.project_slug }}.stores.base import AppStore
{%- if cookiecutter.store != "memory" %}
from {{ cookiecutter.project_slug }}.stores.schema import upgrade
{%- endif %}

from fake_provider import FakeProvider
from support.chatkit_client import ChatKitClient
from support.project import PROVIDER
from support.server import process_env, running_server, serve_in_process
{%- if cookiecutter.store == "postgres" %}

# A server the tests may create and drop databases on. In-process tests share one database,
# emptied before each test (a new database per test costs more than most tests do); each module
# of backend processes gets its own.
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


async def administer(server: URL, *statements: str) -> None:
    engine = create_async_engine(
        server, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"timeout": 5}
    )
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


# Back to a new database's state: no other sessions (as DROP DATABASE WITH (FORCE)), no tables.
EMPTY_DATABASE = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()",
    "DROP SCHEMA public CASCADE",
    "CREATE SCHEMA public AUTHORIZATION pg_database_owner",
    "GRANT USAGE ON SCHEMA public TO PUBLIC",
)


@pytest.fixture(scope="session")
def shared_database_url() -> Iterator[str]:
    with new_database() as url:
        yield url


@pytest.fixture
def empty_database_url(shared_database_url: str) -> str:
    """An empty PostgreSQL database: the session's, emptied for this test."""
    asyncio.run(administer(make_url(shared_database_url), *EMPTY_DATABASE))
    return shared_database_url


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


@pytest.fixture
def start_server() -> Callable[..., AbstractContextManager[str]]:
    """`with start_server(env) as url:` serves the backend as its own process, as users do."""
    return running_server
