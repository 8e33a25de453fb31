"""A SQL store for SQLite and PostgreSQL on SQLAlchemy's asyncio API (aiosqlite, asyncpg).

Rows keep the ChatKit objects as JSON text in `data`; the other columns serve lookups, per-user
scoping and the pagination cursors. `seq`, an auto-incremented key, breaks ties between rows that
share a `created_at`, so pages are in a total, stable order even under concurrent writers.

`open()` only creates missing tables. Change the schema with Alembic: `alembic init -t async
migrations`, set `target_metadata = metadata` (imported from this module) in `migrations/env.py`,
then `alembic revision --autogenerate -m "..."` and `alembic upgrade head`.
"""

from datetime import UTC, datetime
from pathlib import Path

from chatkit.store import NotFoundError
from chatkit.types import Attachment, Page, ThreadItem, ThreadMetadata
from pydantic import TypeAdapter
from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Row,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    event,
    literal,
    make_url,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from ..context import RequestContext
from .base import AppStore

# Constraint names Alembic can refer to in later migrations.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite auto-increments only an INTEGER PRIMARY KEY (the rowid); PostgreSQL gets a BIGSERIAL.
_Seq = BigInteger().with_variant(Integer(), "sqlite")

threads = Table(
    "threads",
    metadata,
    Column("seq", _Seq, primary_key=True, autoincrement=True),
    Column("id", String, nullable=False, unique=True),
    Column("user_id", String, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("data", Text, nullable=False),
    Index(None, "user_id", "created_at", "seq"),
)

# Item ids are unique per thread, as in MemoryStore: the same id in two threads is two items.
items = Table(
    "items",
    metadata,
    Column("seq", _Seq, primary_key=True, autoincrement=True),
    Column("thread_id", String, ForeignKey("threads.id", ondelete="CASCADE"), nullable=False),
    Column("id", String, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("data", Text, nullable=False),
    UniqueConstraint("thread_id", "id"),
    Index(None, "thread_id", "created_at", "seq"),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", String, primary_key=True),
    Column("user_id", String, nullable=False),
    Column("data", Text, nullable=False),
)

_ITEM: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)
_ATTACHMENT: TypeAdapter[Attachment] = TypeAdapter(Attachment)
_SCHEMA_LOCK = 0x63686174  # pg_advisory_xact_lock key held while creating tables


def _configure_sqlite(dbapi_connection, _connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 5000")  # wait for another writer instead of failing
    cursor.execute("PRAGMA journal_mode = WAL")  # readers do not block the writer
    cursor.execute("PRAGMA foreign_keys = ON")  # off by default; deletes cascade to items
    cursor.close()


def _sort_time(value: datetime) -> datetime:
    """The naive datetime stored for ordering; ChatKit's own are naive already."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


class SqlStore(AppStore):
    """Threads, items and attachments in SQL tables; a user sees only their own rows."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self._sqlite = url.get_backend_name() == "sqlite"
        if self._sqlite:
            database = url.database or ""
            # A plain path gets its directory created; in-memory and file: URI databases do not.
            plain_path = database not in ("", ":memory:") and not database.startswith("file:")
            self._file = Path(database) if plain_path else None
            # Every write here is one statement, so each commits by itself: SQLite's write lock
            # is then held for that statement only, never while the event loop gets round to a
            # COMMIT. Under load, writers queued behind such a lock ran out of busy_timeout
            # ("database is locked"). One connection per process is enough for SQLite, which
            # writes one at a time anyway; more only fight over the lock, a thread each. With no
            # transaction left open, the ROLLBACK on return to the pool is a wasted thread hop.
            pool = {"pool_size": 1, "max_overflow": 0} if plain_path else {}
            self._engine = create_async_engine(
                url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None, **pool
            )
            event.listen(self._engine.sync_engine, "connect", _configure_sqlite)
            self._insert = sqlite.insert
        else:
            self._file = None
            self._engine = create_async_engine(
                url,
                pool_size=5,
                max_overflow=10,
                pool_pre_ping=True,  # survive a database restart between requests
                connect_args={"timeout": 10},  # seconds to connect before failing
            )
            self._insert = postgresql.insert

    async def open(self) -> None:
        if self._file is not None:
            self._file.parent.mkdir(parents=True, exist_ok=True)
        async with self._engine.begin() as conn:
            # Several processes starting at once on a new database: one creates the tables,
            # the others wait and then find them.
            if self._sqlite:
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK}
                )
            await conn.run_sync(metadata.create_all)

    async def close(self) -> None:
        await self._engine.dispose()

    async def ping(self) -> None:
        async with self._engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    # Threads

    async def load_thread(self, thread_id: str, context: RequestContext) -> ThreadMetadata:
        async with self._engine.connect() as conn:
            data = await conn.scalar(select(threads.c.data).where(_own_thread(thread_id, context)))
        if data is None:
            raise NotFoundError(f"Thread {thread_id} not found")
        return ThreadMetadata.model_validate_json(data)

    async def save_thread(self, thread: ThreadMetadata, context: RequestContext) -> None:
        # threads.create passes a Thread with its first page of items; items are stored apart.
        data = thread.model_dump_json(exclude={"items"})
        insert = self._insert(threads).values(
            id=thread.id,
            user_id=context.user_id,
            created_at=_sort_time(thread.created_at),
            data=data,
        )
        upsert = insert.on_conflict_do_update(
            index_elements=[threads.c.id],
            set_={"created_at": insert.excluded.created_at, "data": insert.excluded.data},
            # Another user's thread is neither overwritten nor revealed.
            where=threads.c.user_id == insert.excluded.user_id,
        )
        async with self._engine.begin() as conn:
            if (await conn.execute(upsert)).rowcount == 0:
                raise NotFoundError(f"Thread {thread.id} not found")

    async def load_threads(
        self, limit: int, after: str | None, order: str, context: RequestContext
    ) -> Page[ThreadMetadata]:
        async with self._engine.connect() as conn:
            rows, has_more = await _page(
                conn, threads, threads.c.user_id == context.user_id, after, limit, order
            )
        return Page(
            data=[ThreadMetadata.model_validate_json(row.data) for row in rows],
            has_more=has_more,
            after=rows[-1].id if has_more and rows else None,
        )

    async def delete_thread(self, thread_id: str, context: RequestContext) -> None:
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(threads).where(_own_thread(thread_id, context)))
        if result.rowcount == 0:
            raise NotFoundError(f"Thread {thread_id} not found")

    # Items

    async def load_thread_items(
        self,
        thread_id: str,
        after: str | None,
        limit: int,
        order: str,
        context: RequestContext,
    ) -> Page[ThreadItem]:
        # Every turn reads items twice, so the page query checks the owner itself; only an empty
        # page needs a second query, to tell a foreign or missing thread from an empty one.
        owned = items.c.thread_id.in_(select(threads.c.id).where(_own_thread(thread_id, context)))
        async with self._engine.connect() as conn:
            rows, has_more = await _page(
                conn, items, (items.c.thread_id == thread_id) & owned, after, limit, order
            )
            if not rows:
                await _require_thread(conn, thread_id, context)
        return Page(
            data=[_ITEM.validate_json(row.data) for row in rows],
            has_more=has_more,
            after=rows[-1].id if has_more and rows else None,
        )

    async def add_thread_item(
        self, thread_id: str, item: ThreadItem, context: RequestContext
    ) -> None:
        await self.save_item(thread_id, item, context)

    async def save_item(self, thread_id: str, item: ThreadItem, context: RequestContext) -> None:
        # One statement inserts the item only if the thread is this user's, so the check and
        # the write cannot be split by another writer.
        owner = select(
            threads.c.id,
            literal(item.id, String),
            literal(_sort_time(item.created_at), DateTime),
            literal(_ITEM.dump_json(item).decode(), Text),
        ).where(_own_thread(thread_id, context))
        insert = self._insert(items).from_select(["thread_id", "id", "created_at", "data"], owner)
        upsert = insert.on_conflict_do_update(
            index_elements=[items.c.thread_id, items.c.id],
            set_={"created_at": insert.excluded.created_at, "data": insert.excluded.data},
        )
        try:
            async with self._engine.begin() as conn:
                inserted = (await conn.execute(upsert)).rowcount
        except IntegrityError as error:  # the thread was deleted while the item was written
            raise NotFoundError(f"Thread {thread_id} not found") from error
        if inserted == 0:
            raise NotFoundError(f"Thread {thread_id} not found")

    async def load_item(self, thread_id: str, item_id: str, context: RequestContext) -> ThreadItem:
        async with self._engine.connect() as conn:
            await _require_thread(conn, thread_id, context)
            data = await conn.scalar(
                select(items.c.data).where(items.c.thread_id == thread_id, items.c.id == item_id)
            )
        if data is None:
            raise NotFoundError(f"Item {item_id} not found in thread {thread_id}")
        return _ITEM.validate_json(data)

    async def delete_thread_item(
        self, thread_id: str, item_id: str, context: RequestContext
    ) -> None:
        # Idempotent for a missing item (ChatKit removes items that were streamed but never
        # saved), but the thread must be this user's.
        owned = select(threads.c.id).where(_own_thread(thread_id, context))
        async with self._engine.begin() as conn:
            result = await conn.execute(
                delete(items).where(
                    items.c.thread_id == thread_id,
                    items.c.id == item_id,
                    items.c.thread_id.in_(owned),
                )
            )
            if result.rowcount == 0:
                await _require_thread(conn, thread_id, context)

    # Attachments

    async def save_attachment(self, attachment: Attachment, context: RequestContext) -> None:
        insert = self._insert(attachments).values(
            id=attachment.id,
            user_id=context.user_id,
            data=_ATTACHMENT.dump_json(attachment).decode(),
        )
        upsert = insert.on_conflict_do_update(
            index_elements=[attachments.c.id],
            set_={"data": insert.excluded.data},
            where=attachments.c.user_id == insert.excluded.user_id,
        )
        async with self._engine.begin() as conn:
            if (await conn.execute(upsert)).rowcount == 0:
                raise NotFoundError(f"Attachment {attachment.id} not found")

    async def load_attachment(self, attachment_id: str, context: RequestContext) -> Attachment:
        async with self._engine.connect() as conn:
            data = await conn.scalar(
                select(attachments.c.data).where(_own_attachment(attachment_id, context))
            )
        if data is None:
            raise NotFoundError(f"Attachment {attachment_id} not found")
        return _ATTACHMENT.validate_json(data)

    async def delete_attachment(self, attachment_id: str, context: RequestContext) -> None:
        async with self._engine.begin() as conn:
            result = await conn.execute(
                delete(attachments).where(_own_attachment(attachment_id, context))
            )
        if result.rowcount == 0:
            raise NotFoundError(f"Attachment {attachment_id} not found")


def _own_thread(thread_id: str, context: RequestContext) -> ColumnElement[bool]:
    # Another user's thread looks exactly like a missing one.
    return (threads.c.id == thread_id) & (threads.c.user_id == context.user_id)


def _own_attachment(attachment_id: str, context: RequestContext) -> ColumnElement[bool]:
    return (attachments.c.id == attachment_id) & (attachments.c.user_id == context.user_id)


async def _require_thread(conn: AsyncConnection, thread_id: str, context: RequestContext) -> None:
    if await conn.scalar(select(threads.c.seq).where(_own_thread(thread_id, context))) is None:
        raise NotFoundError(f"Thread {thread_id} not found")


async def _page(
    conn: AsyncConnection,
    table: Table,
    scope: ColumnElement[bool],
    after: str | None,
    limit: int,
    order: str,
) -> tuple[list[Row], bool]:
    """Up to `limit` rows of `scope` in (created_at, seq) order, after the row with id `after`.

    Reads one row more than asked to learn whether another page follows.
    """
    key = tuple_(table.c.created_at, table.c.seq)
    descending = order == "desc"
    query = select(table.c.id, table.c.data).where(scope)
    if after is not None:
        cursor = (
            await conn.execute(
                select(table.c.created_at, table.c.seq).where(scope, table.c.id == after)
            )
        ).first()
        if cursor is None:
            raise NotFoundError(f"Cursor {after} not found")
        query = query.where(key < tuple(cursor) if descending else key > tuple(cursor))
    if descending:
        query = query.order_by(table.c.created_at.desc(), table.c.seq.desc())
    else:
        query = query.order_by(table.c.created_at, table.c.seq)
    limit = max(limit, 0)
    rows = list((await conn.execute(query.limit(limit + 1))).all())
    return rows[:limit], len(rows) > limit
