"""Request limits on /chatkit: turns and requests per user, and the length of a user message."""

import time
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from pydantic import SecretStr

from {{ cookiecutter.project_slug }}.settings import Settings

from fake_provider import FakeProvider
from support.chatkit_client import ChatKitClient, user_input
from support.server import serve_in_process

SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def as_user(http: httpx.AsyncClient, user: str) -> ChatKitClient:
    token = jwt.encode({"sub": user, "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    return ChatKitClient(http, {"Authorization": f"Bearer {token}"})


# Rate limits


async def test_a_request_over_the_rate_limit_gets_429_with_retry_after(settings: Settings):
    limited = settings.model_copy(update={"rate_limit_requests": "2/minute"})
    async with serve_in_process(limited) as http:
        chatkit = ChatKitClient(http)
        allowed = [(await chatkit.post("threads.list")).status_code for _ in range(2)]
        response = await chatkit.post("threads.list")

    assert allowed == [200, 200]
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert "2 per 1 minute" in response.json()["detail"]


async def test_the_rate_limit_counts_each_user_apart(settings: Settings):
    limited = {
        "rate_limit_requests": "1/minute",
        "auth_mode": "jwt",
        "auth_jwt_secret": SecretStr(SECRET),
    }
    async with serve_in_process(settings.model_copy(update=limited)) as http:
        await as_user(http, "alice").post("threads.list")
        alice = await as_user(http, "alice").post("threads.list")
        bob = await as_user(http, "bob").post("threads.list")

    assert alice.status_code == 429
    assert bob.status_code == 200


async def test_turns_have_their_own_lower_limit(settings: Settings, fake_provider: FakeProvider):
    limited = settings.model_copy(update={"rate_limit_turns": "1/minute"})
    async with serve_in_process(limited) as http:
        chatkit = ChatKitClient(http)
        await chatkit.create_thread("hello")
        second_turn = await chatkit.post("threads.create", input=user_input("again"))
        read = await chatkit.post("threads.list")

    assert second_turn.status_code == 429
    assert "model turns" in second_turn.json()["detail"]
    assert read.status_code == 200


async def test_a_refused_turn_stores_nothing(settings: Settings, fake_provider: FakeProvider):
    limited = settings.model_copy(update={"rate_limit_turns": "1/minute"})
    async with serve_in_process(limited) as http:
        chatkit = ChatKitClient(http)
        thread_id, _ = await chatkit.create_thread("hello")
        before = await chatkit.items(thread_id)
        await chatkit.post("threads.add_user_message", thread_id=thread_id, input=user_input("x"))

        assert await chatkit.items(thread_id) == before


async def test_failed_sign_ins_are_limited_per_address_before_the_token_is_checked(
    settings: Settings,
):
    limited = {
        "rate_limit_auth_failures": "2/minute",
        "auth_mode": "jwt",
        "auth_jwt_secret": SecretStr(SECRET),
    }
    async with serve_in_process(settings.model_copy(update=limited)) as http:
        bad = ChatKitClient(http, {"Authorization": "Bearer not-a-token"})
        statuses = [(await bad.post("threads.list")).status_code for _ in range(3)]
        valid_from_that_address = await as_user(http, "alice").post("threads.list")

    assert statuses == [401, 401, 429]
    assert valid_from_that_address.status_code == 429


@pytest.mark.parametrize("rate", ["often", "20/fortnight", "-1/minute"])
def test_a_rate_that_is_not_a_rate_is_a_settings_error(rate: str, settings: Settings):
    with pytest.raises(ValueError, match="rate_limit_turns"):
        Settings(rate_limit_turns=rate)


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
