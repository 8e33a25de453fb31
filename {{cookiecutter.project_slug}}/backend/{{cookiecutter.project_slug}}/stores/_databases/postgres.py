"""How the SQL store reaches PostgreSQL: asyncpg, whose queries wait on the event loop itself.

The store's queries are plain functions of a SQLAlchemy `Connection`; `run_sync` runs them on
the asyncio engine, so each one holds a pooled connection only while it runs.
"""

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, MetaData, make_url, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import create_async_engine

__all__ = ["Database", "insert"]

T = TypeVar("T")

# The key of the advisory lock held while creating tables.
_SCHEMA_LOCK = 0x63686174


class Database:
    """A PostgreSQL database and a pool of connections to it."""

    def __init__(self, database_url: str) -> None:
        self._engine = create_async_engine(
            make_url(database_url).set(drivername="postgresql+asyncpg"),
            pool_size=5,
            max_overflow=10,
            pool_pre_ping=True,  # survive a database restart between requests
            connect_args={"timeout": 10},  # seconds to connect before failing
        )

    async def open(self, metadata: MetaData) -> None:
        """Create the tables that are missing."""
        await self.write(lambda connection: _create_tables(connection, metadata))

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


def _create_tables(connection: Connection, metadata: MetaData) -> None:
    # Several processes starting at once on a new database: one creates the tables, the others
    # wait for its lock and then find them.
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
    metadata.create_all(connection)
