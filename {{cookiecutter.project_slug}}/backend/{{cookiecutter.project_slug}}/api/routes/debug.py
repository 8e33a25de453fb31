"""`/debug`: the caller's own threads as stored, for development (DEBUG_ENDPOINTS=true only)."""

from typing import Any

from chatkit.types import ThreadItem
from fastapi import APIRouter

from ..deps import ChatKitServerDep, CurrentContext

router = APIRouter(prefix="/debug", tags=["debug"])


@router.get("/threads")
async def debug_threads(
    server: ChatKitServerDep, context: CurrentContext
) -> dict[str, list[dict[str, Any]]]:
    """The caller's latest threads and their items, read through the Store interface."""
    threads = await server.store.load_threads(20, None, "desc", context)
    summaries = []
    for thread in threads.data:
        items = await server.store.load_thread_items(thread.id, None, 100, "asc", context)
        summaries.append(
            {
                "id": thread.id,
                "title": thread.title,
                "items": [summarize(item) for item in items.data],
                "has_more_items": items.has_more,
            }
        )
    return {"threads": summaries}


def summarize(item: ThreadItem) -> dict[str, str]:
    text = [part.text for part in getattr(item, "content", []) if hasattr(part, "text")]
    return {"id": item.id, "type": item.type, "text": "".join(text)}
