"""How the SQL store reaches PostgreSQL: asyncpg, whose queries wait on the event loop itself.

The store's queries are plain functions of a SQLAlchemy `Connection`; `run_sync` runs them on
the asyncio engine, so each one holds a pooled connection only while it runs. Migrations and the
start-up check of the schema get a connection of their own, under a lock (in_schema_transaction).
"""

import asyncio
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import URL, Connection, event, make_url, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from .base import StoreUnavailable

__all__ = ["Database", "in_schema_transaction", "insert"]

T = TypeVar("T")

# The key of the advisory lock held while the schema is read or migrated.
_SCHEMA_LOCK = 0x63686174
# PostgreSQL's error codes (SQLSTATE) for a database that does not exist, and a refused login.
_NO_SUCH_DATABASE = "3D000"
_LOGIN_REFUSED = ("28000", "28P01")

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
        self._url = _asyncpg_url(database_url)
        self._engine = create_async_engine(
            self._url,
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

    async def open(self) -> None:
        """Check that the database answers; StoreUnavailable says how to reach it if not."""
        try:
            await self.read(lambda connection: connection.execute(text("SELECT 1")))
        except (OSError, DBAPIError) as error:
            raise StoreUnavailable(_how_to_reach(self._url, error)) from error

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
        connect_args={"timeout": CONNECT_TIMEOUT_SECONDS},
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


def _how_to_reach(url: URL, error: OSError | DBAPIError) -> str:
    """One line on why `url`'s database cannot be used and what to do; never its password."""
    host, port = url.host or "localhost", url.port or 5432
    code = getattr(getattr(error, "orig", None), "sqlstate", None)
    if code == _NO_SUCH_DATABASE:
        user = f" -U {url.username}" if url.username else ""
        return (
            f"PostgreSQL database {url.database} does not exist on {host}:{port}; "
            f"create it: createdb -h {host} -p {port}{user} {url.database}"
        )
    if code in _LOGIN_REFUSED:
        return f"PostgreSQL on {host}:{port} refused user {url.username}; check DATABASE_URL"
    if isinstance(error, OSError):
        return (
            f"Cannot reach PostgreSQL at {host}:{port} ({error.strerror or type(error).__name__}); "
            "start it, or fix the host and port in DATABASE_URL"
        )
    reason = str(getattr(error, "orig", error)).splitlines()[0]
    return f"Cannot use the PostgreSQL database of DATABASE_URL: {reason}"


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
