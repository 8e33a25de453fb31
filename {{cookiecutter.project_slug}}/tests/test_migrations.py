"""Migrations: they build the store's tables, match the models, undo cleanly and adopt old
databases; the server serves only a database at the latest one."""

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import datetime

import pytest
from alembic import command
from chatkit.types import AssistantMessageContent, AssistantMessageItem, ThreadMetadata
from sqlalchemy import Connection, inspect

from {{ cookiecutter.project_slug }}.context import RequestContext
from {{ cookiecutter.project_slug }}.settings import Settings
from {{ cookiecutter.project_slug }}.stores import create_store
from {{ cookiecutter.project_slug }}.stores.database import in_schema_transaction
from {{ cookiecutter.project_slug }}.stores.schema import (
    alembic_config,
    current_revision,
    head_revision,
    prepare_schema,
    upgrade,
)

from conftest import PROJECT_ROOT, running_server

ALICE = RequestContext(user_id="alice")
T0 = datetime(2026, 1, 2, 3, 4, 5)
THREAD = ThreadMetadata(id="thr_1", title="Kept", created_at=T0)
REPLY = AssistantMessageItem(
    id="msg_1",
    thread_id=THREAD.id,
    created_at=T0,
    content=[AssistantMessageContent(text="Kept too")],
)
STORE_TABLES = {"threads", "items", "attachments"}
{%- if cookiecutter.store == "sqlite" %}
UNREACHABLE_DATABASE = "sqlite:////dev/null/chatkit.db"
{%- set seq = "INTEGER" %}
{%- set timestamp = "DATETIME" %}
{%- else %}
UNREACHABLE_DATABASE = "postgresql://postgres@127.0.0.1:9/chatkit"
{%- set seq = "BIGSERIAL" %}
{%- set timestamp = "TIMESTAMP WITHOUT TIME ZONE" %}
{%- endif %}

# The tables as the template's last release before migrations made them (`create_all`), frozen
# here: the models may change, but the databases that release made stay as they are.
PREVIOUS_RELEASE_SCHEMA = [
    """CREATE TABLE attachments (
        id VARCHAR NOT NULL,
        user_id VARCHAR NOT NULL,
        data TEXT NOT NULL,
        CONSTRAINT pk_attachments PRIMARY KEY (id)
    )""",
    """CREATE TABLE threads (
        seq {{ seq }} NOT NULL,
        id VARCHAR NOT NULL,
        user_id VARCHAR NOT NULL,
        created_at {{ timestamp }} NOT NULL,
        data TEXT NOT NULL,
        CONSTRAINT pk_threads PRIMARY KEY (seq),
        CONSTRAINT uq_threads_id UNIQUE (id)
    )""",
    "CREATE INDEX ix_threads_user_id_created_at_seq ON threads (user_id, created_at, seq)",
    """CREATE TABLE items (
        seq {{ seq }} NOT NULL,
        thread_id VARCHAR NOT NULL,
        id VARCHAR NOT NULL,
        created_at {{ timestamp }} NOT NULL,
        data TEXT NOT NULL,
        CONSTRAINT pk_items PRIMARY KEY (seq),
        CONSTRAINT uq_items_thread_id_id UNIQUE (thread_id, id),
        CONSTRAINT fk_items_thread_id_threads FOREIGN KEY(thread_id) REFERENCES threads (id)
            ON DELETE CASCADE
    )""",
    "CREATE INDEX ix_items_thread_id_created_at_seq ON items (thread_id, created_at, seq)",
]


@pytest.fixture(autouse=True)
def no_migrate_on_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings and servers here ignore a MIGRATE_ON_START from the environment or .env."""
    monkeypatch.delenv("MIGRATE_ON_START", raising=False)


def tables(database_url: str) -> set[str]:
    return in_schema_transaction(
        database_url, lambda connection: set(inspect(connection).get_table_names())
    )


def indexes(database_url: str, table: str) -> set[str]:
    return in_schema_transaction(
        database_url,
        lambda connection: {index["name"] for index in inspect(connection).get_indexes(table)},
    )


def run_statements(statements: list[str]) -> Callable[[Connection], None]:
    def run(connection: Connection) -> None:
        for statement in statements:
            connection.exec_driver_sql(statement)

    return run


@pytest.fixture
async def previous_release_database(empty_database_url: str) -> str:
    """A database as the previous release left it: its tables, with a thread and a reply."""
    in_schema_transaction(empty_database_url, run_statements(PREVIOUS_RELEASE_SCHEMA))
    store = create_store(Settings(database_url=empty_database_url))
    try:
        await store.save_thread(THREAD, ALICE)
        await store.add_thread_item(THREAD.id, REPLY, ALICE)
    finally:
        await store.close()
    return empty_database_url


# Upgrades, checks and downgrades


def test_an_upgrade_from_empty_creates_the_store_tables_and_their_indexes(
    empty_database_url: str,
):
    upgrade(empty_database_url)

    assert tables(empty_database_url) == {*STORE_TABLES, "alembic_version"}
    assert indexes(empty_database_url, "threads") >= {"ix_threads_user_id_created_at_seq"}
    assert indexes(empty_database_url, "items") >= {"ix_items_thread_id_created_at_seq"}
    assert current_revision(empty_database_url) == head_revision()


def test_the_migrations_build_exactly_the_models_tables(database_url: str):
    # `alembic check`: autogenerate finds nothing to add, drop or alter.
    command.check(alembic_config(database_url))


def test_a_downgrade_to_base_drops_the_tables_and_an_upgrade_rebuilds_them(database_url: str):
    command.downgrade(alembic_config(database_url), "base")
    assert tables(database_url) == {"alembic_version"}
    assert current_revision(database_url) is None

    upgrade(database_url)
    assert current_revision(database_url) == head_revision()
    command.check(alembic_config(database_url))


def test_an_upgrade_waits_while_another_connection_holds_the_schema_lock(empty_database_url: str):
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock(connection: Connection) -> None:
        locked.set()
        release.wait(timeout=10)

    holder = threading.Thread(
        target=in_schema_transaction, args=(empty_database_url, hold_the_lock)
    )
    holder.start()
    assert locked.wait(timeout=10)
    upgrading = threading.Thread(target=upgrade, args=(empty_database_url,))
    upgrading.start()

    upgrading.join(timeout=1)
    assert upgrading.is_alive()
    release.set()
    holder.join(timeout=10)
    upgrading.join(timeout=10)
    assert current_revision(empty_database_url) == head_revision()


# Databases made before migrations


async def test_a_database_of_the_previous_release_keeps_its_rows_through_the_upgrade(
    previous_release_database: str,
):
    upgrade(previous_release_database)

    store = create_store(Settings(database_url=previous_release_database))
    try:
        assert await store.load_thread(THREAD.id, ALICE) == THREAD
        assert await store.load_item(THREAD.id, REPLY.id, ALICE) == REPLY
    finally:
        await store.close()


def test_a_database_of_the_previous_release_ends_at_the_latest_revision_like_the_models(
    previous_release_database: str,
):
    upgrade(previous_release_database)

    assert current_revision(previous_release_database) == head_revision()
    command.check(alembic_config(previous_release_database))


# Start-up


def test_a_database_at_the_latest_revision_may_be_served(database_url: str):
    assert prepare_schema(Settings(database_url=database_url)) is None


def test_an_empty_database_is_refused_with_the_command_to_run(empty_database_url: str):
    problem = prepare_schema(Settings(database_url=empty_database_url))

    assert problem is not None
    assert "make migrate" in problem
    assert "\n" not in problem


def test_migrate_on_start_brings_an_empty_database_to_the_latest_revision(
    empty_database_url: str,
):
    settings = Settings(database_url=empty_database_url, migrate_on_start=True)

    assert prepare_schema(settings) is None
    assert current_revision(empty_database_url) == head_revision()


def test_an_unreachable_database_is_one_line_naming_it():
    problem = prepare_schema(Settings(database_url=UNREACHABLE_DATABASE))

    assert problem is not None
    assert problem.startswith(f"Cannot check the database at {UNREACHABLE_DATABASE}:")
    assert "\n" not in problem


@pytest.mark.process
@pytest.mark.parametrize(
    "command",
    [
        ["backend/main.py"],
        ["-m", "uvicorn", "main:app", "--app-dir", "backend", "--port", "0"],
    ],
    ids=["python-main", "uvicorn"],
)
def test_the_server_refuses_a_database_behind_the_migrations_with_one_line(
    command: list[str], server_env: dict[str, str], empty_database_url: str
):
    result = subprocess.run(
        [sys.executable, *command],
        cwd=PROJECT_ROOT,
        env={**os.environ, **server_env, "DATABASE_URL": empty_database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert "run `make migrate`" in line


@pytest.mark.process
def test_a_server_with_migrate_on_start_migrates_an_empty_database_and_serves(
    server_env: dict[str, str], empty_database_url: str
):
    env = {**server_env, "DATABASE_URL": empty_database_url, "MIGRATE_ON_START": "true"}

    with running_server(env):
        assert current_revision(empty_database_url) == head_revision()
