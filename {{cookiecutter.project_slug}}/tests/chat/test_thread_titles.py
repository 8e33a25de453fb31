"""Thread titles: written after the first reply, sent in the same stream, kept, never forced."""

import logging
from datetime import datetime
from typing import Any

import pytest
from chatkit.types import ThreadMetadata

from {{ cookiecutter.project_slug }}.auth import LOCAL_USER
from {{ cookiecutter.project_slug }}.context import RequestContext
from {{ cookiecutter.project_slug }}.settings import Settings
{%- if cookiecutter.store != "memory" %}
from {{ cookiecutter.project_slug }}.stores import create_store
{%- endif %}
from {{ cookiecutter.project_slug }}.stores.base import AppStore
from {{ cookiecutter.project_slug }}.titles import build_titler, clean_title

from fake_provider import Fail, FakeProvider, Hang, Text
from support.chatkit_client import ChatKitClient, errors, text_of


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The suite's settings with titles on, a short title timeout, and a test's own overrides
    (`@pytest.mark.parametrize("settings", [{...}], indirect=True)`)."""
    overrides = getattr(request, "param", {})
    return settings.model_copy(
        update={"thread_titles": True, "title_timeout_seconds": 3.0, **overrides}
    )


def event_types(events: list[dict[str, Any]]) -> list[str]:
    return [event["type"] for event in events]


def titles_sent(events: list[dict[str, Any]]) -> list[str | None]:
    return [event["thread"].get("title") for event in events if event["type"] == "thread.updated"]


def reply_done_index(events: list[dict[str, Any]]) -> int:
    return next(
        index
        for index, event in enumerate(events)
        if event["type"] == "thread.item.done" and event["item"]["type"] == "assistant_message"
    )


async def thread_title(chatkit: ChatKitClient, thread_id: str) -> str | None:
    response = await chatkit.post("threads.get_by_id", thread_id=thread_id)
    assert response.status_code == 200, response.text
    return response.json().get("title")


async def test_the_title_arrives_as_thread_updated_after_the_reply_is_done(
    chatkit: ChatKitClient, fake_provider: FakeProvider
):
    fake_provider.queue(Text("Hello! How can I help?"), Text("A friendly greeting"))

    _, events = await chatkit.create_thread("hello")

    types = event_types(events)
    assert titles_sent(events) == ["A friendly greeting"]
    assert types.index("thread.updated") > reply_done_index(events)
    assert types[-1] == "thread.updated"


async def test_the_title_is_stored_and_listed_by_threads_list(
    chatkit: ChatKitClient, fake_provider: FakeProvider
):
    fake_provider.queue(Text("Paris."), Text("Capital of France"))

    thread_id, _ = await chatkit.create_thread("What is the capital of France?")
    listed = (await chatkit.post("threads.list", limit=10)).json()["data"]

    assert await thread_title(chatkit, thread_id) == "Capital of France"
    assert [(thread["id"], thread.get("title")) for thread in listed] == [
        (thread_id, "Capital of France")
    ]
{%- if cookiecutter.store != "memory" %}


async def test_the_title_survives_a_restart(
    chatkit: ChatKitClient, fake_provider: FakeProvider, settings: Settings
):
    fake_provider.queue(Text("Paris."), Text("Capital of France"))
    thread_id, _ = await chatkit.create_thread("What is the capital of France?")

    # A new store over the same database, as a restarted process opens it.
    reopened = create_store(settings)
    await reopened.open()
    try:
        page = await reopened.load_threads(10, None, "desc", RequestContext(user_id=LOCAL_USER))
    finally:
        await reopened.close()

    assert [(thread.id, thread.title) for thread in page.data] == [(thread_id, "Capital of France")]
{%- endif %}


async def test_the_title_request_holds_the_conversation_and_no_tools(
    chatkit: ChatKitClient, fake_provider: FakeProvider
):
    fake_provider.queue(Text("Paris."), Text("Capital of France"))

    thread_id, _ = await chatkit.create_thread("What is the capital of France?")

    title_request = fake_provider.requests[-1]
    [text] = [text for role, text in title_request.transcript if role == "user"]
    assert "User: What is the capital of France?" in text
    assert "Assistant: Paris." in text
    assert title_request.tool_names == []
    # The log marker stays in LiteLLM; the provider never sees it.
    assert "metadata" not in title_request.body
    assert not title_request.stream
    assert [text_of(item) for item in await chatkit.items(thread_id)] == [
        "What is the capital of France?",
        "Paris.",
    ]


@pytest.mark.parametrize(
    "settings", [{"llm_max_retries": 1, "llm_retry_backoff_seconds": 0}], indirect=True
)
async def test_the_title_call_is_retried_like_the_reply(
    chatkit: ChatKitClient, fake_provider: FakeProvider
):
    fake_provider.queue(Text("Hi!"), Fail(503), Text("Greeting"))

    _, events = await chatkit.create_thread("hello")

    assert titles_sent(events) == ["Greeting"]


async def test_the_title_call_is_logged_as_a_title_call(
    chatkit: ChatKitClient, fake_provider: FakeProvider, caplog: pytest.LogCaptureFixture
):
    fake_provider.queue(Text("Hi!"), Text("Greeting"))

    with caplog.at_level(logging.INFO):
        await chatkit.create_thread("hello")

    calls = [record.fields for record in caplog.records if record.getMessage() == "model call"]
    assert [(call["call"], call["status"]) for call in calls] == [(None, "ok"), ("title", "ok")]


async def test_a_failed_title_leaves_the_turn_intact_with_no_title(
    chatkit: ChatKitClient, fake_provider: FakeProvider, caplog: pytest.LogCaptureFixture
):
    fake_provider.queue(Text("Hi!"), Fail(500))

    with caplog.at_level(logging.WARNING):
        thread_id, events = await chatkit.create_thread("hello")

    assert errors(events) == []
    assert titles_sent(events) == []
    assert [text_of(item) for item in await chatkit.items(thread_id)] == ["hello", "Hi!"]
    assert await thread_title(chatkit, thread_id) is None
    assert any("No title for thread" in record.getMessage() for record in caplog.records)


async def test_a_timed_out_title_leaves_the_turn_intact_with_no_title(
    chatkit: ChatKitClient, fake_provider: FakeProvider, caplog: pytest.LogCaptureFixture
):
    fake_provider.queue(Text("Hi!"), Hang(30))

    with caplog.at_level(logging.WARNING):
        thread_id, events = await chatkit.create_thread("hello")

    assert errors(events) == []
    assert titles_sent(events) == []
    assert [text_of(item) for item in await chatkit.items(thread_id)] == ["hello", "Hi!"]
    assert any("timed out" in record.getMessage() for record in caplog.records)


async def test_the_next_turn_tries_again_after_a_failed_title(
    chatkit: ChatKitClient, fake_provider: FakeProvider
):
    fake_provider.queue(Text("Hi!"), Fail(500), Text("Fine, thanks."), Text("Small talk"))
    thread_id, _ = await chatkit.create_thread("hello")

    events = await chatkit.send(thread_id, "how are you?")

    assert titles_sent(events) == ["Small talk"]
    assert await thread_title(chatkit, thread_id) == "Small talk"


async def test_a_titled_thread_gets_no_new_title(
    chatkit: ChatKitClient, fake_provider: FakeProvider
):
    fake_provider.queue(Text("Hi!"), Text("Greeting"))
    thread_id, _ = await chatkit.create_thread("hello")
    calls_before = len(fake_provider.requests)

    events = await chatkit.send(thread_id, "and again")

    assert titles_sent(events) == []
    assert len(fake_provider.requests) == calls_before + 1
    assert await thread_title(chatkit, thread_id) == "Greeting"


async def test_a_title_the_user_set_is_kept(chatkit: ChatKitClient, fake_provider: FakeProvider):
    fake_provider.queue(Text("Hi!"), Fail(500))
    thread_id, _ = await chatkit.create_thread("hello")
    await chatkit.post("threads.update", thread_id=thread_id, title="My own title")

    events = await chatkit.send(thread_id, "and again")

    assert titles_sent(events) == []
    assert await thread_title(chatkit, thread_id) == "My own title"


async def test_a_title_the_user_set_during_the_turn_is_kept(
    settings: Settings, store: AppStore, fake_provider: FakeProvider
):
    context = RequestContext(user_id=LOCAL_USER)
    created = datetime.now()
    await store.save_thread(ThreadMetadata(id="thr_1", created_at=created, title="Mine"), context)
    # The turn's copy of the thread, loaded before the user renamed it.
    turn_copy = ThreadMetadata(id="thr_1", created_at=created)
    titler = build_titler(settings)
    assert titler is not None

    await titler.title_untitled(turn_copy, store, context)

    assert turn_copy.title is None
    assert fake_provider.requests == []


@pytest.mark.parametrize("settings", [{"thread_titles": False}], indirect=True)
async def test_thread_titles_false_sends_no_title(
    chatkit: ChatKitClient, fake_provider: FakeProvider
):
    thread_id, events = await chatkit.create_thread("hello")

    assert titles_sent(events) == []
    assert len(fake_provider.requests) == 1
    assert await thread_title(chatkit, thread_id) is None


@pytest.mark.parametrize(
    ("answer", "title"),
    [
        ('"Trip to Lisbon"', "Trip to Lisbon"),
        ("«Voyage à Lisbonne»", "Voyage à Lisbonne"),
        ("Title: Trip to Lisbon.", "Trip to Lisbon"),
        ("Trip to Lisbon\nA conversation about travel", "Trip to Lisbon"),
        ("What's new in Python", "What's new in Python"),
    ],
)
def test_the_answer_becomes_a_title_without_quotes_on_one_line(answer: str, title: str):
    assert clean_title(answer) == title


def test_a_long_answer_is_cut_at_a_word_to_60_characters():
    title = clean_title("word " * 30)

    assert len(title) <= 60
    assert title == " ".join(["word"] * 12)


def test_one_long_word_is_cut_to_60_characters():
    assert clean_title("x" * 100) == "x" * 60


def test_no_titler_is_built_when_titles_are_off(settings: Settings):
    assert build_titler(settings.model_copy(update={"thread_titles": False})) is None
