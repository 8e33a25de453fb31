"""A SQL store on SQLAlchemy Core; database.py says how its statements reach the database.

Rows keep the ChatKit objects as JSON text in `data`; the other columns serve lookups, per-user
scoping and the pagination cursors. `seq`, an auto-incremented key, breaks ties between rows that
share a `created_at`, so pages are in a total, stable order even under concurrent writers.

The statements are built once, at import, with bound parameters: building them per call cost
more than running them. Each store method runs its statements in one trip to the database.

The tables are made and changed by Alembic's migrations in backend/migrations, never here:
after changing them, add a revision (see the README's Migrations section).
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from chatkit.store import NotFoundError
from chatkit.types import Attachment, Page, ThreadItem, ThreadMetadata
from pydantic import TypeAdapter
from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    DateTime,
    Executable,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Row,
    Select,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    delete,
    func,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError

from ..context import RequestContext
from .base import AppStore, declared_size
from .database import Database, insert

# Constraint names that migrations can refer to.
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

# An attachment's bytes are in its row (`content`, NULL until uploaded), so replicas share them
# without a shared disk; `size` is the size declared at creation, counted against the quota.
# `thread_id` is set once a message holding the attachment is sent, and deleting the thread
# deletes the row; rows still without one expire (see delete_unsent_attachments).
attachments = Table(
    "attachments",
    metadata,
    Column("id", String, primary_key=True),
    Column("user_id", String, nullable=False),
    Column("thread_id", String, ForeignKey("threads.id", ondelete="CASCADE"), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("data", Text, nullable=False),
    Column("content", LargeBinary, nullable=True),
    Index(None, "user_id"),
    Index(None, "thread_id"),
    Index(None, "created_at"),
)

_ITEM: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)
_ATTACHMENT: TypeAdapter[Attachment] = TypeAdapter(Attachment)

# Statements, with their parameters named after the store methods' arguments. Another user's
# thread or attachment matches nothing, so it looks exactly like a missing one.
_OWN_THREAD = (threads.c.id == bindparam("thread_id")) & (threads.c.user_id == bindparam("user_id"))
_OWNED_THREAD_ID = select(threads.c.id).where(_OWN_THREAD)
_OWN_ATTACHMENT = (attachments.c.id == bindparam("attachment_id")) & (
    attachments.c.user_id == bindparam("user_id")
)

_LOAD_THREAD = select(threads.c.data).where(_OWN_THREAD)
_FIND_THREAD = select(threads.c.seq).where(_OWN_THREAD)
_DELETE_THREAD = delete(threads).where(_OWN_THREAD)
_new_thread = insert(threads).values(
    id=bindparam("thread_id"),
    user_id=bindparam("user_id"),
    created_at=bindparam("created_at"),
    data=bindparam("data"),
)
_SAVE_THREAD = _new_thread.on_conflict_do_update(
    index_elements=[threads.c.id],
    set_={"created_at": _new_thread.excluded.created_at, "data": _new_thread.excluded.data},
    # Another user's thread is neither overwritten nor revealed.
    where=threads.c.user_id == _new_thread.excluded.user_id,
)

_LOAD_ITEM = select(items.c.data).where(
    items.c.thread_id == bindparam("thread_id"), items.c.id == bindparam("item_id")
)
_DELETE_ITEM = delete(items).where(
    items.c.thread_id == bindparam("thread_id"),
    items.c.id == bindparam("item_id"),
    items.c.thread_id.in_(_OWNED_THREAD_ID),
)
# One statement inserts the item only if the thread is this user's, so the check and the write
# cannot be split by another writer.
_new_item = insert(items).from_select(
    ["thread_id", "id", "created_at", "data"],
    select(
        threads.c.id,
        bindparam("item_id", type_=String),
        bindparam("created_at", type_=DateTime),
        bindparam("data", type_=Text),
    ).where(_OWN_THREAD),
)
_SAVE_ITEM = _new_item.on_conflict_do_update(
    index_elements=[items.c.thread_id, items.c.id],
    set_={"created_at": _new_item.excluded.created_at, "data": _new_item.excluded.data},
)

_LOAD_ATTACHMENT = select(attachments.c.data).where(_OWN_ATTACHMENT)
_DELETE_ATTACHMENT = delete(attachments).where(_OWN_ATTACHMENT)
_new_attachment = insert(attachments).values(
    id=bindparam("attachment_id"),
    user_id=bindparam("user_id"),
    thread_id=bindparam("thread_id"),
    created_at=bindparam("created_at"),
    size=bindparam("size"),
    data=bindparam("data"),
)
_SAVE_ATTACHMENT = _new_attachment.on_conflict_do_update(
    index_elements=[attachments.c.id],
    set_={"thread_id": _new_attachment.excluded.thread_id, "data": _new_attachment.excluded.data},
    where=attachments.c.user_id == _new_attachment.excluded.user_id,
)
# Only the first upload is stored: a replayed one changes nothing. (An UPDATE's parameters
# cannot share a column's name, hence "owner_id".)
_SAVE_CONTENT = (
    update(attachments)
    .where(
        attachments.c.id == bindparam("attachment_id"),
        attachments.c.user_id == bindparam("owner_id"),
        attachments.c.content.is_(None),
    )
    .values(data=bindparam("new_data"), content=bindparam("new_content"))
)
_FIND_ATTACHMENT = select(attachments.c.id).where(_OWN_ATTACHMENT)
_LOAD_CONTENT = select(attachments.c.id, attachments.c.content).where(_OWN_ATTACHMENT)
_BYTES_USED = select(func.coalesce(func.sum(attachments.c.size), 0)).where(
    attachments.c.user_id == bindparam("user_id")
)
_DELETE_UNSENT = delete(attachments).where(
    attachments.c.thread_id.is_(None), attachments.c.created_at < bindparam("created_before")
)


class _Pages:
    """The queries that page through `scope`'s rows of `table` in (created_at, seq) order.

    A page holds up to `limit` rows after the row with id `after` (if given). One row more than
    asked for is read, to learn whether another page follows.
    """

    def __init__(self, table: Table, scope: ColumnElement[bool]) -> None:
        self._cursor = select(table.c.created_at, table.c.seq).where(
            scope, table.c.id == bindparam("after")
        )
        key = tuple_(table.c.created_at, table.c.seq)
        after = tuple_(bindparam("after_created_at"), bindparam("after_seq"))
        first = select(table.c.id, table.c.data).where(scope).limit(bindparam("limit"))
        self._queries: dict[tuple[str, bool], Select[str, str]] = {
            ("asc", False): first.order_by(table.c.created_at, table.c.seq),
            ("desc", False): first.order_by(table.c.created_at.desc(), table.c.seq.desc()),
        }
        self._queries["asc", True] = self._queries["asc", False].where(key > after)
        self._queries["desc", True] = self._queries["desc", False].where(key < after)

    def read(
        self,
        connection: Connection,
        parameters: dict[str, Any],
        after: str | None,
        limit: int,
        order: str,
    ) -> tuple[Sequence[Row[str, str]], bool]:
        """The page's rows, and whether more follow."""
        limit = max(limit, 0)
        parameters = {**parameters, "limit": limit + 1}
        if after is not None:
            cursor = connection.execute(self._cursor, {**parameters, "after": after}).first()
            if cursor is None:
                raise NotFoundError(f"Cursor {after} not found")
            parameters.update(after_created_at=cursor.created_at, after_seq=cursor.seq)
        query = self._queries["desc" if order == "desc" else "asc", after is not None]
        rows = connection.execute(query, parameters).all()
        return rows[:limit], len(rows) > limit


# Every turn reads items twice, so the page query checks the owner itself; only an empty page
# needs a second query, to tell a foreign or missing thread from an empty one.
_THREAD_PAGES = _Pages(threads, threads.c.user_id == bindparam("user_id"))
_ITEM_PAGES = _Pages(
    items,
    (items.c.thread_id == bindparam("thread_id")) & items.c.thread_id.in_(_OWNED_THREAD_ID),
)


class SqlStore(AppStore):
    """Threads, items and attachments in SQL tables; a user sees only their own rows."""

    def __init__(self, database_url: str) -> None:
        self._database = Database(database_url)

    async def open(self) -> None:
        await self._database.open()

    async def close(self) -> None:
        await self._database.close()

    async def ping(self) -> None:
        await self._database.read(lambda connection: connection.execute(text("SELECT 1")))

    # Threads

    async def load_thread(self, thread_id: str, context: RequestContext) -> ThreadMetadata:
        thread = {"thread_id": thread_id, "user_id": context.user_id}
        data = await self._database.read(_scalar(_LOAD_THREAD, thread))
        if data is None:
            raise NotFoundError(f"Thread {thread_id} not found")
        return ThreadMetadata.model_validate_json(data)

    async def save_thread(self, thread: ThreadMetadata, context: RequestContext) -> None:
        row = {
            "thread_id": thread.id,
            "user_id": context.user_id,
            "created_at": _sort_time(thread.created_at),
            # threads.create passes a Thread with its first page of items, stored apart.
            "data": thread.model_dump_json(exclude={"items"}),
        }
        if await self._database.write(_rowcount(_SAVE_THREAD, row)) == 0:
            raise NotFoundError(f"Thread {thread.id} not found")

    async def load_threads(
        self, limit: int, after: str | None, order: str, context: RequestContext
    ) -> Page[ThreadMetadata]:
        user = {"user_id": context.user_id}
        rows, has_more = await self._database.read(
            lambda connection: _THREAD_PAGES.read(connection, user, after, limit, order)
        )
        return Page(
            data=[ThreadMetadata.model_validate_json(row.data) for row in rows],
            has_more=has_more,
            after=rows[-1].id if has_more and rows else None,
        )

    async def delete_thread(self, thread_id: str, context: RequestContext) -> None:
        thread = {"thread_id": thread_id, "user_id": context.user_id}
        if await self._database.write(_rowcount(_DELETE_THREAD, thread)) == 0:
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
        thread = {"thread_id": thread_id, "user_id": context.user_id}

        def read_page(connection: Connection) -> tuple[Sequence[Row[str, str]], bool]:
            rows, has_more = _ITEM_PAGES.read(connection, thread, after, limit, order)
            if not rows:
                _require_thread(connection, thread)
            return rows, has_more

        rows, has_more = await self._database.read(read_page)
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
        row = {
            "thread_id": thread_id,
            "user_id": context.user_id,
            "item_id": item.id,
            "created_at": _sort_time(item.created_at),
            "data": _ITEM.dump_json(item).decode(),
        }
        try:
            inserted = await self._database.write(_rowcount(_SAVE_ITEM, row))
        except IntegrityError as error:  # the thread was deleted while the item was written
            raise NotFoundError(f"Thread {thread_id} not found") from error
        if inserted == 0:
            raise NotFoundError(f"Thread {thread_id} not found")

    async def load_item(self, thread_id: str, item_id: str, context: RequestContext) -> ThreadItem:
        item = {"thread_id": thread_id, "user_id": context.user_id, "item_id": item_id}

        def read_item(connection: Connection) -> str | None:
            _require_thread(connection, item)
            return connection.scalar(_LOAD_ITEM, item)

        data = await self._database.read(read_item)
        if data is None:
            raise NotFoundError(f"Item {item_id} not found in thread {thread_id}")
        return _ITEM.validate_json(data)

    async def delete_thread_item(
        self, thread_id: str, item_id: str, context: RequestContext
    ) -> None:
        item = {"thread_id": thread_id, "user_id": context.user_id, "item_id": item_id}

        def delete_item(connection: Connection) -> None:
            # Idempotent for a missing item (ChatKit removes items that were streamed but never
            # saved), but the thread must be this user's.
            if connection.execute(_DELETE_ITEM, item).rowcount == 0:
                _require_thread(connection, item)

        await self._database.write(delete_item)

    # Attachments

    async def save_attachment(self, attachment: Attachment, context: RequestContext) -> None:
        row = {
            "attachment_id": attachment.id,
            "user_id": context.user_id,
            "thread_id": attachment.thread_id,
            "created_at": _sort_time(datetime.now()),
            "size": declared_size(attachment),
            "data": _ATTACHMENT.dump_json(attachment).decode(),
        }
        try:
            saved = await self._database.write(_rowcount(_SAVE_ATTACHMENT, row))
        except IntegrityError as error:  # its thread is gone
            raise NotFoundError(f"Thread {attachment.thread_id} not found") from error
        if saved == 0:
            raise NotFoundError(f"Attachment {attachment.id} not found")

    async def load_attachment(self, attachment_id: str, context: RequestContext) -> Attachment:
        attachment = {"attachment_id": attachment_id, "user_id": context.user_id}
        data = await self._database.read(_scalar(_LOAD_ATTACHMENT, attachment))
        if data is None:
            raise NotFoundError(f"Attachment {attachment_id} not found")
        return _ATTACHMENT.validate_json(data)

    async def delete_attachment(self, attachment_id: str, context: RequestContext) -> None:
        attachment = {"attachment_id": attachment_id, "user_id": context.user_id}
        if await self._database.write(_rowcount(_DELETE_ATTACHMENT, attachment)) == 0:
            raise NotFoundError(f"Attachment {attachment_id} not found")

    async def save_attachment_content(
        self, attachment: Attachment, content: bytes, context: RequestContext
    ) -> bool:
        row = {
            "attachment_id": attachment.id,
            "user_id": context.user_id,
            "owner_id": context.user_id,
            "new_data": _ATTACHMENT.dump_json(attachment).decode(),
            "new_content": content,
        }

        def save(connection: Connection) -> bool:
            if connection.execute(_SAVE_CONTENT, row).rowcount:
                return True
            if connection.scalar(_FIND_ATTACHMENT, row) is None:
                raise NotFoundError(f"Attachment {attachment.id} not found")
            return False

        return await self._database.write(save)

    async def load_attachment_content(
        self, attachment_id: str, context: RequestContext
    ) -> bytes | None:
        attachment = {"attachment_id": attachment_id, "user_id": context.user_id}
        row = await self._database.read(
            lambda connection: connection.execute(_LOAD_CONTENT, attachment).first()
        )
        if row is None:
            raise NotFoundError(f"Attachment {attachment_id} not found")
        content: bytes | None = row.content
        return content

    async def attachment_bytes_used(self, context: RequestContext) -> int:
        user = {"user_id": context.user_id}
        total = await self._database.read(lambda connection: connection.scalar(_BYTES_USED, user))
        return int(total or 0)

    async def delete_unsent_attachments(self, created_before: datetime) -> int:
        cutoff = {"created_before": _sort_time(created_before)}
        return await self._database.write(_rowcount(_DELETE_UNSENT, cutoff))


def _sort_time(value: datetime) -> datetime:
    """The naive datetime stored for ordering; ChatKit's own are naive already."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _scalar(
    statement: Executable, parameters: dict[str, Any]
) -> Callable[[Connection], str | None]:
    """A unit of work: the first column of `statement`'s first row (text), or None."""
    return lambda connection: connection.scalar(statement, parameters)


def _rowcount(statement: Executable, parameters: dict[str, Any]) -> Callable[[Connection], int]:
    """A unit of work: run `statement`, return how many rows it changed."""
    return lambda connection: connection.execute(statement, parameters).rowcount


def _require_thread(connection: Connection, thread: dict[str, Any]) -> None:
    if connection.scalar(_FIND_THREAD, thread) is None:
        raise NotFoundError(f"Thread {thread['thread_id']} not found")
