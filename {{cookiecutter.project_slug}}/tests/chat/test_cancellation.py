"""A reply cut short by the client (it left, or the user pressed stop) leaves a sound thread.

What the user saw of the reply is kept: ChatKit saves it once, under the fresh id it streamed
with, and tells the model in a hidden note that the user stopped it.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from fake_provider import FakeProvider, Text
from support.chatkit_client import ChatKitClient, errors, text_of, user_input
from support.project import PROVIDER
from support.server import running_server

pytestmark = pytest.mark.process

REPLY = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
PLACEHOLDER_ID = "__fake_id__"


@pytest.fixture(scope="module")
def slow_provider() -> Iterator[FakeProvider]:
    """A provider that streams each reply in 20 pieces, 0.1 s apart."""
    with FakeProvider(chunks=20, delay=0.1) as provider:
        yield provider


@pytest.fixture(scope="module")
def live_url(server_env: dict[str, str], slow_provider: FakeProvider) -> Iterator[str]:
    with running_server({**server_env, **slow_provider.env(PROVIDER)}) as url:
        yield url


@pytest.fixture
async def live(live_url: str, slow_provider: FakeProvider) -> AsyncIterator[ChatKitClient]:
    slow_provider.reset()
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as http:
        yield ChatKitClient(http)


async def leave_mid_reply(live: ChatKitClient, text: str) -> str:
    """Start a thread, read until the reply has begun, then disconnect; returns the thread id."""
    thread_id, deltas = None, 0
    async with live.events("threads.create", input=user_input(text)) as events:
        async for event in events:
            if event["type"] == "thread.created":
                thread_id = event["thread"]["id"]
            deltas += event["type"] == "thread.item.updated"
            if deltas == 3:
                break
    assert thread_id is not None
    return thread_id


async def items_once_saved(live: ChatKitClient, thread_id: str, count: int) -> list[dict]:
    """The thread's items once there are `count` of them (the server saves in the background)."""
    for _ in range(100):
        items = await live.items(thread_id)
        if len(items) >= count:
            return items
        await asyncio.sleep(0.1)
    return items


async def test_the_partial_reply_is_saved_once_under_a_fresh_id(
    live: ChatKitClient, slow_provider: FakeProvider
):
    slow_provider.queue(Text(REPLY))

    thread_id = await leave_mid_reply(live, "hello")

    user, reply = await items_once_saved(live, thread_id, count=2)
    assert (user["type"], text_of(user)) == ("user_message", "hello")
    assert reply["type"] == "assistant_message"
    assert REPLY.startswith(text_of(reply))
    assert 0 < len(text_of(reply)) < len(REPLY)
    assert reply["id"] != PLACEHOLDER_ID


async def test_the_next_message_works_and_remembers_the_cancelled_turn(
    live: ChatKitClient, slow_provider: FakeProvider
):
    slow_provider.queue(Text(REPLY))
    thread_id = await leave_mid_reply(live, "hello")
    _, partial = await items_once_saved(live, thread_id, count=2)

    events = await live.send(thread_id, "again")

    assert not errors(events)
    transcript = slow_provider.requests[-1].transcript
    assert ("user", "hello") in transcript
    assert ("assistant", text_of(partial)) in transcript
    assert any("cancelled" in text for role, text in transcript if role == "user")
    items = await live.items(thread_id)
    assert [(item["type"], text_of(item)) for item in items] == [
        ("user_message", "hello"),
        ("assistant_message", text_of(partial)),
        ("user_message", "again"),
        ("assistant_message", "echo: again"),
    ]
    assert len({item["id"] for item in items}) == 4
    assert PLACEHOLDER_ID not in {item["id"] for item in items}
