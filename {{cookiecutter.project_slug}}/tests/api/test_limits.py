"""Request limits on /chatkit: requests per user and minute, and the length of a user message."""

import time
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from pydantic import SecretStr

from {{ cookiecutter.project_slug }}.limits import RateLimiter
from {{ cookiecutter.project_slug }}.settings import Settings

from fake_provider import FakeProvider
from support.chatkit_client import ChatKitClient, user_input
from support.server import serve_in_process

SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def as_user(http: httpx.AsyncClient, user: str) -> ChatKitClient:
    token = jwt.encode({"sub": user, "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    return ChatKitClient(http, {"Authorization": f"Bearer {token}"})


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# Rate limit


async def test_a_request_over_the_rate_limit_gets_429_with_retry_after(settings: Settings):
    async with serve_in_process(settings.model_copy(update={"rate_limit_per_minute": 2})) as http:
        chatkit = ChatKitClient(http)
        allowed = [(await chatkit.post("threads.list")).status_code for _ in range(2)]
        response = await chatkit.post("threads.list")

    assert allowed == [200, 200]
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert "2 requests per minute" in response.json()["detail"]


async def test_the_rate_limit_counts_each_user_apart(settings: Settings):
    limited = {"rate_limit_per_minute": 1, "auth_mode": "jwt", "auth_jwt_secret": SecretStr(SECRET)}
    async with serve_in_process(settings.model_copy(update=limited)) as http:
        await as_user(http, "alice").post("threads.list")
        alice = await as_user(http, "alice").post("threads.list")
        bob = await as_user(http, "bob").post("threads.list")

    assert alice.status_code == 429
    assert bob.status_code == 200


async def test_a_rate_limit_of_zero_disables_it(settings: Settings):
    requests = Settings.model_fields["rate_limit_per_minute"].default + 1
    async with serve_in_process(settings.model_copy(update={"rate_limit_per_minute": 0})) as http:
        chatkit = ChatKitClient(http)
        statuses = {(await chatkit.post("threads.list")).status_code for _ in range(requests)}

    assert statuses == {200}


def test_a_user_over_the_limit_is_told_when_the_next_request_fits():
    limiter = RateLimiter(2, clock=Clock())
    limiter.take("alice")
    limiter.take("alice")

    assert limiter.take("alice") == pytest.approx(30)


def test_the_budget_refills_over_the_minute():
    clock = Clock()
    limiter = RateLimiter(2, clock=clock)
    limiter.take("alice")
    limiter.take("alice")

    clock.now += 30

    assert limiter.take("alice") == 0
    assert limiter.take("alice") > 0


def test_idle_users_are_forgotten():
    clock = Clock()
    limiter = RateLimiter(2, clock=clock)
    limiter.take("alice")

    clock.now += 61
    limiter.take("bob")

    assert len(limiter) == 1


# Message length


@pytest.fixture
async def short_messages(
    settings: Settings, fake_provider: FakeProvider
) -> AsyncIterator[ChatKitClient]:
    async with serve_in_process(settings.model_copy(update={"max_message_chars": 10})) as http:
        yield ChatKitClient(http)


async def test_a_new_thread_with_a_message_over_the_limit_gets_400_and_stores_nothing(
    short_messages: ChatKitClient,
):
    response = await short_messages.post("threads.create", input=user_input("x" * 11))
    threads = await short_messages.post("threads.list")

    assert response.status_code == 400
    assert "at most 10" in response.json()["detail"]
    assert threads.json()["data"] == []


async def test_a_message_over_the_limit_leaves_the_thread_unchanged(
    short_messages: ChatKitClient,
):
    thread_id, _ = await short_messages.create_thread("hello")
    before = await short_messages.items(thread_id)

    response = await short_messages.post(
        "threads.add_user_message", thread_id=thread_id, input=user_input("x" * 11)
    )

    assert response.status_code == 400
    assert await short_messages.items(thread_id) == before


async def test_a_message_at_the_limit_is_answered(short_messages: ChatKitClient):
    _, events = await short_messages.create_thread("x" * 10)

    assert events[-1]["item"]["type"] == "assistant_message"


async def test_quoted_text_counts_toward_the_limit(short_messages: ChatKitClient):
    message = {**user_input("x" * 5), "quoted_text": "y" * 6}

    response = await short_messages.post("threads.create", input=message)

    assert response.status_code == 400
