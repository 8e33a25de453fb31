"""Store additions: full-entropy ids, a lifecycle (open, close, ping) and attachment bytes."""

from abc import abstractmethod
from datetime import datetime

from chatkit.store import Store
from chatkit.types import Attachment

from ..context import RequestContext
from .ids import FullEntropyIds


class StoreUnavailable(Exception):
    """The storage cannot be opened; the message says how to fix it, in one line."""


class AppStore(FullEntropyIds, Store[RequestContext]):
    """A ChatKit store scoped per user, opened and closed with the app.

    Besides ChatKit's attachment metadata it keeps each attachment's bytes, which go with the
    attachment's row: deleting the attachment or its thread deletes them.
    """

    async def open(self) -> None:
        """Prepare the storage. Called once at start-up, after any migrations."""

    async def close(self) -> None:
        """Release connections. Called once at shutdown."""

    async def ping(self) -> None:
        """Raise if the storage cannot be reached; the readiness check calls it."""

    @abstractmethod
    async def save_attachment_content(
        self, attachment: Attachment, content: bytes, context: RequestContext
    ) -> bool:
        """Store an uploaded attachment's bytes with its new metadata, once.

        False if it has its bytes already (a replayed upload); NotFoundError if it is missing
        or another user's.
        """

    @abstractmethod
    async def load_attachment_content(
        self, attachment_id: str, context: RequestContext
    ) -> bytes | None:
        """The attachment's bytes, None until uploaded; NotFoundError if missing or foreign."""

    @abstractmethod
    async def attachment_bytes_used(self, context: RequestContext) -> int:
        """The declared sizes of all the user's attachments, added up."""

    @abstractmethod
    async def delete_unsent_attachments(self, created_before: datetime) -> int:
        """Delete every user's attachments created before then and never sent; how many."""


def declared_size(attachment: Attachment) -> int:
    """The size given at attachments.create, kept in the metadata ChatKit never sends clients."""
    return int(attachment.metadata.get("size", 0)) if attachment.metadata else 0
