"""How the SQL store reaches PostgreSQL: asyncpg, whose queries wait on the event loop itself.

The store's queries are plain functions of a SQLAlchemy `Connection`; `run_sync` runs them on
the asyncio engine, so each one holds a pooled connection only while it runs. Migrations and the
start-up check of the schema get a connection of their own, under a lock (in_schema_transaction).
"""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import URL, Connection, make_url, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

__all__ = ["Database", "in_schema_transaction", "insert"]

T = TypeVar("T")

# The key of the advisory lock held while the schema is read or migrated.
_SCHEMA_LOCK = 0x63686174
# Seconds to connect before failing.
_CONNECT_TIMEOUT = 10


class Database:
    """A PostgreSQL database and a pool of connections to it."""

    def __init__(self, database_url: str) -> None:
        self._engine = create_async_engine(
            _asyncpg_url(database_url),
            pool_size=5,
            max_overflow=10,
            pool_pre_ping=True,  # survive a database restart between requests
            connect_args={"timeout": _CONNECT_TIMEOUT},
        )

    async def close(self) -> None:
        await self._engine.dispose()

    async def read(self, work: Callable[[Connection], T]) -> T:
        """Run `work(connection)` and return what it returns."""
        async with self._engine.connect() as connection:
            return await connection.run_sync(work)

    async def write(self, work: Callable[[Connection], T]) -> T:
        """Run `work(connection)` in a transaction, committed if it returns."""
        async with self._engine.begin() as connection:
            return await connection.run_sync(work)


def in_schema_transaction(database_url: str, work: Callable[[Connection], T]) -> T:
    """Run `work(connection)` in a transaction that holds the schema lock, from synchronous code.

    Alembic's migrations and the start-up check run this way. Replicas that start at once on one
    database migrate it one at a time: the others wait for the lock, then find it up to date.
    """
    # asyncpg needs an event loop, and under `uvicorn main:app` this runs while uvicorn's own
    # loop imports the app: the work gets a loop on a thread of its own.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="schema") as thread:
        return thread.submit(asyncio.run, _in_schema_transaction(database_url, work)).result()


async def _in_schema_transaction(database_url: str, work: Callable[[Connection], T]) -> T:
    engine = create_async_engine(
        _asyncpg_url(database_url),
        poolclass=NullPool,
        connect_args={"timeout": _CONNECT_TIMEOUT},
    )
    try:
        async with engine.begin() as connection:
            # Held until the transaction ends, and released by the server if the process dies.
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK}
            )
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


def _asyncpg_url(database_url: str) -> URL:
    return make_url(database_url).set(drivername="postgresql+asyncpg")
