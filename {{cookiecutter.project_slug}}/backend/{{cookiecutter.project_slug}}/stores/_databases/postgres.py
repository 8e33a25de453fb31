"""How the SQL store reaches PostgreSQL: asyncpg, whose queries wait on the event loop itself.

The store's queries are plain functions of a SQLAlchemy `Connection`; `run_sync` runs them on
the asyncio engine, so each one holds a pooled connection only while it runs.
"""

import socket
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, MetaData, event, make_url, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import create_async_engine

__all__ = ["Database", "insert"]

T = TypeVar("T")

# The key of the advisory lock held while creating tables.
_SCHEMA_LOCK = 0x63686174

# A database that does not answer is an outage (503), not a request that waits without end.
CONNECT_TIMEOUT_SECONDS = 5
STATEMENT_TIMEOUT_SECONDS = 10
# Waiting for a connection of the pool, all of them busy (SQLAlchemy's default is 30 s).
POOL_TIMEOUT_SECONDS = 5
# TCP keepalives find a connection whose peer vanished (a dead host, a dropped NAT entry).
KEEPALIVE_IDLE_SECONDS = 30
KEEPALIVE_INTERVAL_SECONDS = 10
KEEPALIVE_PROBES = 3


class Database:
    """A PostgreSQL database and a pool of connections to it."""

    def __init__(self, database_url: str) -> None:
        self._engine = create_async_engine(
            make_url(database_url).set(drivername="postgresql+asyncpg"),
            pool_size=5,
            max_overflow=10,
            pool_pre_ping=True,  # survive a database restart between requests
            pool_timeout=POOL_TIMEOUT_SECONDS,
            connect_args={
                "timeout": CONNECT_TIMEOUT_SECONDS,
                # asyncpg's own timer also covers a connection that went silent; the server's
                # cancels the statement on its side.
                "command_timeout": STATEMENT_TIMEOUT_SECONDS,
                "server_settings": {"statement_timeout": str(STATEMENT_TIMEOUT_SECONDS * 1000)},
            },
        )
        event.listen(self._engine.sync_engine, "connect", _enable_keepalives)

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


def _enable_keepalives(dbapi_connection: Any, connection_record: Any) -> None:
    # asyncpg has no keepalive option; its connection's transport holds the socket.
    transport = dbapi_connection.driver_connection._transport
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return  # a Unix socket: no TCP, no keepalives
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    if hasattr(socket, "TCP_KEEPIDLE"):  # Linux; other systems keep their defaults
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, KEEPALIVE_IDLE_SECONDS)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, KEEPALIVE_INTERVAL_SECONDS)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, KEEPALIVE_PROBES)
