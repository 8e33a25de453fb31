"""Fresh store ids for items that a chat-completions model streams under a placeholder id.

Through LiteLLM (any chat-completions model) the Agents SDK gives every assistant message, and
every client tool call, the id `__fake_id__`, and ChatKit's `stream_agent_response` reuses it.
Stored as is, each reply overwrites the previous one, in the store and in the UI.
"""

from collections.abc import AsyncIterator, Callable

from agents.models.fake_id import FAKE_RESPONSES_ID
from chatkit.store import StoreItemType
from chatkit.types import (
    AssistantMessageItem,
    ClientToolCallItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemRemovedEvent,
    ThreadItemUpdatedEvent,
    ThreadStreamEvent,
)

NewId = Callable[[StoreItemType], str]


async def remap_placeholder_ids(
    events: AsyncIterator[ThreadStreamEvent], new_id: NewId
) -> AsyncIterator[ThreadStreamEvent]:
    """Give each assistant message a fresh id and carry it to that message's later events.

    A new id is minted on every `thread.item.added`, not once per original id: in one turn a
    model can write text, call a tool and write again, all under the same placeholder.
    """
    current: dict[str, str] = {}  # original id -> id of the message streaming under it now
    minted: dict[str, list[str]] = {}  # original id -> every id minted for it this turn
    async for event in events:
        match event:
            case ThreadItemAddedEvent(item=AssistantMessageItem() as item):
                original, item.id = item.id, new_id("message")
                current[original] = item.id
                minted.setdefault(original, []).append(item.id)
            case ThreadItemUpdatedEvent() if event.item_id in current:
                event.item_id = current[event.item_id]
            case ThreadItemDoneEvent(item=AssistantMessageItem() as item) if item.id in current:
                item.id = current[item.id]
            case ThreadItemDoneEvent(item=ClientToolCallItem() as item) if (
                item.id == FAKE_RESPONSES_ID
            ):
                item.id = new_id("tool_call")
            case ThreadItemRemovedEvent() if event.item_id in minted:
                # Guardrail clean-up names the placeholder once; remove every message behind it.
                for item_id in minted.pop(event.item_id):
                    yield ThreadItemRemovedEvent(item_id=item_id)
                current.pop(event.item_id, None)
                continue
        yield event
