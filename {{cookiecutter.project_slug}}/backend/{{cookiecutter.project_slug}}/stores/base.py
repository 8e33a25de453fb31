"""Store additions: full-entropy ids and a lifecycle (open, close, ping)."""

from chatkit.store import Store

from ..context import RequestContext
from .ids import FullEntropyIds


class AppStore(FullEntropyIds, Store[RequestContext]):
    """A ChatKit store scoped per user, opened and closed with the app."""

    async def open(self) -> None:
        """Prepare the storage. Called once at start-up, after any migrations."""

    async def close(self) -> None:
        """Release connections. Called once at shutdown."""

    async def ping(self) -> None:
        """Raise if the storage cannot be reached; the readiness check calls it."""
