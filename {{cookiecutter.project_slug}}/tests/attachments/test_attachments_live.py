"""Attachments end to end: a real server process, two users, an image to the model and back."""

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import jwt
import pytest

from fake_provider import FakeProvider
from support.attachment_client import png, uploaded, with_attachments
from support.chatkit_client import ChatKitClient, errors
from support.server import running_server

pytestmark = pytest.mark.process

JWT_SECRET = "a-test-secret-that-is-long-enough-for-hs256"
PREVIEW_SECONDS = 3


@pytest.fixture(scope="module")
def live_url(server_env: dict[str, str]) -> Iterator[str]:
    env = {
        **server_env,
        "AUTH_MODE": "jwt",
        "AUTH_JWT_SECRET": JWT_SECRET,
        "ATTACHMENT_PREVIEW_SECONDS": str(PREVIEW_SECONDS),
    }
    with running_server(env) as url:
        yield url


@pytest.fixture
async def http(live_url: str, fake_provider: FakeProvider) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as client:
        yield client


def client_of(http: httpx.AsyncClient, user: str) -> ChatKitClient:
    token = jwt.encode({"sub": user, "exp": 4_102_444_800}, JWT_SECRET, algorithm="HS256")
    return ChatKitClient(http, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def alice(http: httpx.AsyncClient) -> ChatKitClient:
    return client_of(http, "alice")


@pytest.fixture
def bob(http: httpx.AsyncClient) -> ChatKitClient:
    return client_of(http, "bob")


async def new_thread_with(alice: ChatKitClient, attachment_id: str) -> str:
    message = with_attachments("What is it?", attachment_id)
    events = await alice.stream("threads.create", input=message)
    assert not errors(events)
    return events[0]["thread"]["id"]


async def test_the_model_gets_the_image_and_the_second_turn_works(
    alice: ChatKitClient, fake_provider: FakeProvider
):
    image = png(100_000)
    thread_id = await new_thread_with(alice, (await uploaded(alice, image))["id"])
    first = fake_provider.requests[-1]

    second_turn = await alice.send(thread_id, "And now?")

    assert first.media == [("image/png", image)]
    assert not errors(second_turn)
    assert ("assistant", "echo: What is it?") in fake_provider.requests[-1].transcript


async def test_the_preview_link_serves_the_owner_then_expires(alice: ChatKitClient):
    image = png()
    attachment = await uploaded(alice, image)

    served = await alice.http.get(attachment["preview_url"])
    await asyncio.sleep(PREVIEW_SECONDS + 1)
    expired = await alice.http.get(attachment["preview_url"])

    assert (served.status_code, served.content) == (200, image)
    assert expired.status_code == 403


async def test_another_user_can_neither_use_nor_see_it(alice: ChatKitClient, bob: ChatKitClient):
    attachment = await uploaded(alice, png())
    thread_id = await new_thread_with(alice, attachment["id"])
    bobs_token = (await uploaded(bob, png()))["preview_url"].partition("?")[2]

    used = await bob.post("threads.create", input=with_attachments("Mine?", attachment["id"]))
    seen = await bob.http.get(f"/attachments/{attachment['id']}?{bobs_token}")
    listed = await bob.post("threads.get_by_id", thread_id=thread_id)

    assert (used.status_code, seen.status_code, listed.status_code) == (404, 403, 404)


async def test_deleting_the_thread_removes_the_bytes(alice: ChatKitClient):
    attachment = await uploaded(alice, png())
    thread_id = await new_thread_with(alice, attachment["id"])

    deleted = await alice.post("threads.delete", thread_id=thread_id)

    assert deleted.status_code == 200
    assert (await alice.http.get(attachment["preview_url"])).status_code == 404
