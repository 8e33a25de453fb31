"""Store ids with full entropy.

ChatKit's default ids carry 8 hex characters (32 random bits): by about 77,000 ids a clash is a
coin toss, and a clash overwrites another row. These carry a whole UUID4 (122 random bits).
"""

from uuid import uuid4

from chatkit.store import StoreItemType
from chatkit.types import ThreadMetadata

from ..context import RequestContext

_PREFIXES: dict[str, str] = {
    "thread": "thr",
    "message": "msg",
    "tool_call": "tc",
    "task": "tsk",
    "workflow": "wf",
    "attachment": "atc",
    "sdk_hidden_context": "shcx",
}


def new_id(item_type: StoreItemType | str) -> str:
    """A fresh id such as `msg_<32 hex>`, prefixed like ChatKit's own."""
    return f"{_PREFIXES.get(item_type, item_type)}_{uuid4().hex}"


class FullEntropyIds:
    """Mixin for `chatkit.store.Store` subclasses: replaces the 32-bit default ids."""

    def generate_thread_id(self, context: RequestContext) -> str:
        return new_id("thread")

    def generate_item_id(
        self, item_type: StoreItemType, thread: ThreadMetadata, context: RequestContext
    ) -> str:
        return new_id(item_type)
