"""How the SQL store reaches SQLite: the standard library's driver, on a thread of its own.

Each store call is one trip to that thread, which runs all of the call's statements. An asyncio
driver for SQLite (aiosqlite) runs on a thread too, but hops to it and back for every statement,
fetch and rollback: about twenty hops a turn, which cost more CPU than the queries themselves.
One thread with one connection is enough, since SQLite writes one at a time anyway. Migrations
and the start-up check of the schema get a connection of their own (in_schema_transaction).
"""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from sqlalchemy import URL, Connection, create_engine, event, make_url
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry, NullPool, StaticPool

from .base import StoreUnavailable

__all__ = ["Database", "in_schema_transaction", "insert"]

T = TypeVar("T")


class Database:
    """A SQLite database (a file, or `sqlite://` in memory) and the one thread that uses it."""

    def __init__(self, database_url: str) -> None:
        url = _sqlite_url(database_url)
        self._name = url.database or "in memory"
        self._directory = _directory_to_create(url)
        self._engine = create_engine(
            url,
            # Every write is one statement and commits by itself, so SQLite's write lock is
            # held for that statement only. Under load, writers queued behind a lock held
            # until the event loop got round to a COMMIT ran out of busy_timeout.
            isolation_level="AUTOCOMMIT",
            # The one connection, used only from the thread below.
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
        event.listen(self._engine, "connect", _configure_connection)
        self._thread = _new_thread()

    async def open(self) -> None:
        """Check that the file can be opened; StoreUnavailable says which file failed and why."""
        try:
            if self._directory is not None:
                self._directory.mkdir(parents=True, exist_ok=True)
            await self.read(lambda connection: connection.exec_driver_sql("SELECT 1"))
        except (OSError, DBAPIError) as error:
            reason = error.orig if isinstance(error, DBAPIError) else error.strerror or error
            raise StoreUnavailable(
                f"Cannot open the SQLite database {self._name} ({reason}); "
                "fix DATABASE_URL or the directory's permissions"
            ) from error

    async def close(self) -> None:
        """Close the connection and end its thread; like an asyncio engine, usable again."""
        thread, self._thread = self._thread, _new_thread()  # its thread starts on first use
        await asyncio.get_running_loop().run_in_executor(thread, self._engine.dispose)
        thread.shutdown()

    async def read(self, work: Callable[[Connection], T]) -> T:
        """Run `work(connection)` on the database's thread and return what it returns."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._run, work)

    async def write(self, work: Callable[[Connection], T]) -> T:
        """Like read: in autocommit, each of `work`'s statements commits as it runs."""
        return await self.read(work)

    def _run(self, work: Callable[[Connection], T]) -> T:
        with self._engine.connect() as connection:
            return work(connection)


def _new_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")


def _configure_connection(
    dbapi_connection: DBAPIConnection, _connection_record: ConnectionPoolEntry
) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 5000")  # wait for another process's write, not fail
    cursor.execute("PRAGMA journal_mode = WAL")  # readers do not block the writer
    cursor.execute("PRAGMA foreign_keys = ON")  # off by default; deletes cascade to items
    cursor.close()


def in_schema_transaction(database_url: str, work: Callable[[Connection], T]) -> T:
    """Run `work(connection)` in a transaction that holds the write lock, on a new connection.

    Alembic's migrations and the start-up check run this way. Processes that start at once on
    one file migrate it one at a time: the others wait for the lock, then find it up to date.
    """
    url = _sqlite_url(database_url)
    if (directory := _directory_to_create(url)) is not None:
        directory.mkdir(parents=True, exist_ok=True)
    # Foreign keys stay off (SQLite's default) here: migrations rebuild a table to alter it,
    # and dropping the old `threads` would cascade to every item.
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA busy_timeout = 5000")
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                result = work(connection)
            except BaseException:
                connection.exec_driver_sql("ROLLBACK")
                raise
            connection.exec_driver_sql("COMMIT")
            return result
    finally:
        engine.dispose()


def _sqlite_url(database_url: str) -> URL:
    return make_url(database_url).set(drivername="sqlite")


def _directory_to_create(url: URL) -> Path | None:
    """A plain path's directory, created on first use; in-memory and file: URIs have none."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).parent
