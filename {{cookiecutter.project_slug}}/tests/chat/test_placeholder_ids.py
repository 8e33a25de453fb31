"""Assistant messages streamed under the placeholder id get fresh, distinct store ids."""

from collections.abc import AsyncIterator
from datetime import datetime
from itertools import count

from agents.models.fake_id import FAKE_RESPONSES_ID
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    ClientToolCallItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemRemovedEvent,
    ThreadItemUpdatedEvent,
    ThreadStreamEvent,
)

from {{ cookiecutter.project_slug }}.placeholder_ids import remap_placeholder_ids


def message(text: str = "", item_id: str = FAKE_RESPONSES_ID) -> AssistantMessageItem:
    return AssistantMessageItem(
        id=item_id,
        thread_id="thr_1",
        created_at=datetime.now(),
        content=[AssistantMessageContent(text=text)] if text else [],
    )


def reply(text: str) -> list[ThreadStreamEvent]:
    """The events ChatKit streams for one assistant message under the placeholder id."""
    return [
        ThreadItemAddedEvent(item=message()),
        ThreadItemUpdatedEvent(
            item_id=FAKE_RESPONSES_ID,
            update=AssistantMessageContentPartTextDelta(content_index=0, delta=text),
        ),
        ThreadItemDoneEvent(item=message(text)),
    ]


async def remapped(events: list[ThreadStreamEvent]) -> list[ThreadStreamEvent]:
    async def source() -> AsyncIterator[ThreadStreamEvent]:
        for event in events:
            yield event

    numbers = count(1)
    return [
        event
        async for event in remap_placeholder_ids(source(), lambda kind: f"{kind}_{next(numbers)}")
    ]


def ids(events: list[ThreadStreamEvent]) -> list[str]:
    return [getattr(event, "item_id", None) or event.item.id for event in events]


async def test_a_message_keeps_one_fresh_id_from_added_to_done():
    events = await remapped(reply("hi"))

    assert ids(events) == ["message_1", "message_1", "message_1"]


async def test_every_added_message_gets_a_new_id_even_under_the_same_placeholder():
    events = await remapped(reply("Let me check.") + reply("It is noon."))

    assert ids(events) == ["message_1"] * 3 + ["message_2"] * 3


async def test_the_done_item_keeps_its_content():
    events = await remapped(reply("hello"))

    assert events[-1].item.content[0].text == "hello"


async def test_messages_with_real_ids_also_get_fresh_ids():
    events = await remapped([ThreadItemAddedEvent(item=message(item_id="msg_provider"))])

    assert ids(events) == ["message_1"]


async def test_a_client_tool_call_under_the_placeholder_gets_a_tool_call_id():
    call = ClientToolCallItem(
        id=FAKE_RESPONSES_ID,
        thread_id="thr_1",
        created_at=datetime.now(),
        name="pick_color",
        arguments={},
        call_id="call_1",
    )

    events = await remapped([ThreadItemDoneEvent(item=call)])

    assert ids(events) == ["tool_call_1"]


async def test_a_removed_placeholder_removes_every_message_minted_for_it():
    events = await remapped(
        reply("one") + reply("two") + [ThreadItemRemovedEvent(item_id=FAKE_RESPONSES_ID)]
    )

    removed = [event.item_id for event in events if isinstance(event, ThreadItemRemovedEvent)]
    assert removed == ["message_1", "message_2"]


async def test_updates_for_unknown_items_pass_through_unchanged():
    update = ThreadItemUpdatedEvent(
        item_id="wf_1", update=AssistantMessageContentPartTextDelta(content_index=0, delta="x")
    )

    assert ids(await remapped([update])) == ["wf_1"]
