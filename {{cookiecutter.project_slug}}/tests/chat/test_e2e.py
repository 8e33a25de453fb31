"""End to end: the backend under uvicorn, LiteLLM's real HTTP path, a fake provider on loopback."""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from fake_provider import FakeProvider, Text, ToolCall
from support.chatkit_client import ChatKitClient, text_of, user_input
from support.server import running_server

pytestmark = pytest.mark.process


@pytest.fixture(scope="module")
def live_url(server_env: dict[str, str]) -> Iterator[str]:
    with running_server(server_env) as url:
        yield url


@pytest.fixture
async def live(live_url: str, fake_provider: FakeProvider) -> AsyncIterator[ChatKitClient]:
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as http:
        yield ChatKitClient(http)


async def test_two_turns_keep_both_replies_under_distinct_ids(live: ChatKitClient):
    thread_id, _ = await live.create_thread("hello one")
    await live.send(thread_id, "hello two")

    items = await live.items(thread_id)

    assert [(item["type"], text_of(item)) for item in items] == [
        ("user_message", "hello one"),
        ("assistant_message", "echo: hello one"),
        ("user_message", "hello two"),
        ("assistant_message", "echo: hello two"),
    ]
    assert len({item["id"] for item in items}) == 4


async def test_the_second_model_request_holds_the_first_turn(
    live: ChatKitClient, fake_provider: FakeProvider
):
    thread_id, _ = await live.create_thread("hello one")
    await live.send(thread_id, "hello two")

    second_request = fake_provider.requests[-1].transcript
    assert ("user", "hello one") in second_request
    assert ("assistant", "echo: hello one") in second_request


async def test_every_provider_response_carries_the_same_id(
    live: ChatKitClient, fake_provider: FakeProvider
):
    # The precondition of the id fix: the provider (like LiteLLM's placeholder) repeats ids.
    _, events = await live.create_thread("hello")

    streamed_ids = {event["item"]["id"] for event in events if event["type"] == "thread.item.done"}
    assert len(streamed_ids) == 2
    assert "__fake_id__" not in streamed_ids


async def test_a_tool_turn_keeps_text_before_and_after_the_call(
    live: ChatKitClient, fake_provider: FakeProvider
):
    fake_provider.queue(
        ToolCall(name="get_current_time", arguments={"timezone": "UTC"}, text="Let me check."),
        Text("It is noon."),
    )

    thread_id, _ = await live.create_thread("What time is it?")

    items = await live.items(thread_id)
    assert [text_of(item) for item in items] == ["What time is it?", "Let me check.", "It is noon."]
    assert len({item["id"] for item in items}) == 3


async def test_an_unknown_thread_gets_404_instead_of_a_cut_stream(live: ChatKitClient):
    response = await live.post(
        "threads.add_user_message", thread_id="thr_missing", input=user_input("hi")
    )

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"


async def test_invalid_json_gets_400(live: ChatKitClient):
    response = await live.http.post(
        "/chatkit", content=b"{", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400


def test_python_main_serves_on_the_port_from_the_environment(server_env: dict[str, str]):
    with running_server(server_env, via_main=True) as url:
        assert httpx.get(f"{url}/health").json() == {"status": "ok"}
