"""An in-memory store: the whole ChatKit Store contract, scoped per user, lost on restart."""

from copy import deepcopy
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count
from typing import Generic, Literal, TypeVar

from chatkit.store import NotFoundError
from chatkit.types import Attachment, Page, Thread, ThreadItem, ThreadMetadata

from ..context import RequestContext
from .base import AppStore, declared_size

# A thread's metadata or one of its items: what an entry holds and a page returns.
_Row = TypeVar("_Row", bound=ThreadMetadata | ThreadItem)


@dataclass
class _Entry(Generic[_Row]):
    """A stored row with its insertion number, which orders rows that share a created_at."""

    seq: int
    value: _Row


@dataclass
class _AttachmentRecord:
    owner: str
    attachment: Attachment
    created_at: datetime = field(default_factory=datetime.now)
    content: bytes | None = None


@dataclass
class _ThreadRecord:
    owner: str
    entry: _Entry[ThreadMetadata]
    items: dict[str, _Entry[ThreadItem]] = field(default_factory=dict)


def paginate(
    entries: list[_Entry[_Row]], after: str | None, limit: int, order: Literal["asc", "desc"] | str
) -> Page[_Row]:
    """One page of rows ordered by (created_at, insertion), after the row whose id is `after`."""
    ordered = sorted(entries, key=_sort_key, reverse=order == "desc")
    start = 0
    if after is not None:
        ids = [entry.value.id for entry in ordered]
        if after not in ids:
            raise NotFoundError(f"Cursor {after} not found")
        start = ids.index(after) + 1
    window = ordered[start : start + limit]
    has_more = start + limit < len(ordered)
    return Page(
        data=[deepcopy(entry.value) for entry in window],
        has_more=has_more,
        after=window[-1].value.id if has_more and window else None,
    )


def _sort_key(entry: _Entry[_Row]) -> tuple[datetime, int]:
    return entry.value.created_at, entry.seq


class MemoryStore(AppStore):
    """Keeps threads and items in dicts; a user sees only their own threads."""

    def __init__(self) -> None:
        self._threads: dict[str, _ThreadRecord] = {}
        self._attachments: dict[str, _AttachmentRecord] = {}
        self._seq = count()

    def _record(self, thread_id: str, context: RequestContext) -> _ThreadRecord:
        record = self._threads.get(thread_id)
        # Another user's thread looks exactly like a missing one.
        if record is None or record.owner != context.user_id:
            raise NotFoundError(f"Thread {thread_id} not found")
        return record

    async def load_thread(self, thread_id: str, context: RequestContext) -> ThreadMetadata:
        return self._record(thread_id, context).entry.value.model_copy(deep=True)

    async def save_thread(self, thread: ThreadMetadata, context: RequestContext) -> None:
        # threads.create passes a Thread with its first page of items; items are stored apart.
        metadata = ThreadMetadata.model_validate(
            thread.model_dump(exclude={"items"}) if isinstance(thread, Thread) else thread
        ).model_copy(deep=True)
        record = self._threads.get(thread.id)
        if record is None:
            self._threads[thread.id] = _ThreadRecord(
                owner=context.user_id, entry=_Entry(next(self._seq), metadata)
            )
            return
        self._record(thread.id, context).entry.value = metadata

    async def load_threads(
        self, limit: int, after: str | None, order: str, context: RequestContext
    ) -> Page[ThreadMetadata]:
        own = [r.entry for r in self._threads.values() if r.owner == context.user_id]
        return paginate(own, after, limit, order)

    async def delete_thread(self, thread_id: str, context: RequestContext) -> None:
        self._record(thread_id, context)
        del self._threads[thread_id]
        for attachment_id, record in list(self._attachments.items()):
            if record.attachment.thread_id == thread_id:
                del self._attachments[attachment_id]

    async def load_thread_items(
        self,
        thread_id: str,
        after: str | None,
        limit: int,
        order: str,
        context: RequestContext,
    ) -> Page[ThreadItem]:
        record = self._record(thread_id, context)
        return paginate(list(record.items.values()), after, limit, order)

    async def add_thread_item(
        self, thread_id: str, item: ThreadItem, context: RequestContext
    ) -> None:
        await self.save_item(thread_id, item, context)

    async def save_item(self, thread_id: str, item: ThreadItem, context: RequestContext) -> None:
        items = self._record(thread_id, context).items
        stored = item.model_copy(deep=True)
        if item.id in items:
            items[item.id].value = stored
        else:
            items[item.id] = _Entry(next(self._seq), stored)

    async def load_item(self, thread_id: str, item_id: str, context: RequestContext) -> ThreadItem:
        entry = self._record(thread_id, context).items.get(item_id)
        if entry is None:
            raise NotFoundError(f"Item {item_id} not found in thread {thread_id}")
        return entry.value.model_copy(deep=True)

    async def delete_thread_item(
        self, thread_id: str, item_id: str, context: RequestContext
    ) -> None:
        # Idempotent: ChatKit removes items that were streamed but never saved.
        self._record(thread_id, context).items.pop(item_id, None)

    def _attachment(self, attachment_id: str, context: RequestContext) -> _AttachmentRecord:
        record = self._attachments.get(attachment_id)
        if record is None or record.owner != context.user_id:
            raise NotFoundError(f"Attachment {attachment_id} not found")
        return record

    async def save_attachment(self, attachment: Attachment, context: RequestContext) -> None:
        if attachment.thread_id is not None:
            self._record(attachment.thread_id, context)  # it goes with the thread, so must exist
        stored = attachment.model_copy(deep=True)
        if attachment.id not in self._attachments:
            self._attachments[attachment.id] = _AttachmentRecord(context.user_id, stored)
            return
        self._attachment(attachment.id, context).attachment = stored

    async def load_attachment(self, attachment_id: str, context: RequestContext) -> Attachment:
        return self._attachment(attachment_id, context).attachment.model_copy(deep=True)

    async def delete_attachment(self, attachment_id: str, context: RequestContext) -> None:
        self._attachment(attachment_id, context)
        del self._attachments[attachment_id]

    async def save_attachment_content(
        self, attachment: Attachment, content: bytes, context: RequestContext
    ) -> bool:
        record = self._attachment(attachment.id, context)
        if record.content is not None:
            return False
        record.attachment, record.content = attachment.model_copy(deep=True), content
        return True

    async def load_attachment_content(
        self, attachment_id: str, context: RequestContext
    ) -> bytes | None:
        return self._attachment(attachment_id, context).content

    async def attachment_bytes_used(self, context: RequestContext) -> int:
        return sum(
            declared_size(record.attachment)
            for record in self._attachments.values()
            if record.owner == context.user_id
        )

    async def delete_unsent_attachments(self, created_before: datetime) -> int:
        expired = [
            attachment_id
            for attachment_id, record in self._attachments.items()
            if record.attachment.thread_id is None and record.created_at < created_before
        ]
        for attachment_id in expired:
            del self._attachments[attachment_id]
        return len(expired)
