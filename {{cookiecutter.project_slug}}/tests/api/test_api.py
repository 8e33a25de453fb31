"""The HTTP contract of /chatkit, /health, /ready and /debug, served in-process."""

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from {{ cookiecutter.project_slug }}.settings import Settings

from fake_provider import Cut, Fail, FakeProvider, Hang, Text, ToolCall
from support.chatkit_client import ChatKitClient, errors, request, text_of, user_input
from support.server import serve_in_process

PLACEHOLDER_ID = "__fake_id__"
# /chatkit takes JSON only; raw bodies say so.
JSON = {"Content-Type": "application/json"}


async def test_health_answers_ok(http: httpx.AsyncClient):
    response = await http.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_answers_ready_when_the_store_is_reachable(http: httpx.AsyncClient):
    response = await http.get("/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_a_new_thread_streams_the_reply_as_sse(chatkit: ChatKitClient):
    _, events = await chatkit.create_thread("hello")

    types = [event["type"] for event in events]
    assert types[0] == "thread.created"
    assert types[-1] == "thread.item.done"
    assert text_of(events[-1]["item"]) == "echo: hello"


async def test_two_turns_store_four_items_with_distinct_ids(chatkit: ChatKitClient):
    thread_id, _ = await chatkit.create_thread("hello one")
    await chatkit.send(thread_id, "hello two")

    items = await chatkit.items(thread_id)

    assert [(item["type"], text_of(item)) for item in items] == [
        ("user_message", "hello one"),
        ("assistant_message", "echo: hello one"),
        ("user_message", "hello two"),
        ("assistant_message", "echo: hello two"),
    ]
    assert len({item["id"] for item in items}) == 4
    assert PLACEHOLDER_ID not in {item["id"] for item in items}


async def test_the_second_turn_sends_the_first_turn_to_the_model(
    chatkit: ChatKitClient, fake_provider: FakeProvider
):
    thread_id, _ = await chatkit.create_thread("hello one")
    await chatkit.send(thread_id, "hello two")

    transcript = fake_provider.requests[-1].transcript
    assert transcript[-3:] == [
        ("user", "hello one"),
        ("assistant", "echo: hello one"),
        ("user", "hello two"),
    ]


async def test_the_history_window_is_bounded(settings: Settings, fake_provider: FakeProvider):
    async with serve_in_process(settings.model_copy(update={"history_limit": 3})) as http:
        chatkit = ChatKitClient(http)
        thread_id, _ = await chatkit.create_thread("one")
        await chatkit.send(thread_id, "two")
        await chatkit.send(thread_id, "three")

    conversation = [turn for turn in fake_provider.requests[-1].transcript if turn[0] != "system"]
    assert conversation == [("user", "two"), ("assistant", "echo: two"), ("user", "three")]


async def test_a_tool_turn_keeps_every_assistant_message(
    chatkit: ChatKitClient, fake_provider: FakeProvider
):
    fake_provider.queue(
        ToolCall(name="get_current_time", arguments={"timezone": "UTC"}, text="Let me check."),
        Text("It is noon."),
    )

    thread_id, _ = await chatkit.create_thread("What time is it?")

    items = await chatkit.items(thread_id)
    assert [text_of(item) for item in items] == ["What time is it?", "Let me check.", "It is noon."]
    assert len({item["id"] for item in items}) == 3
    assert fake_provider.requests[-1].transcript[-1][0] == "tool"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"{not json", id="invalid-json"),
        pytest.param(b"\xff\xfe{}", id="broken-utf8"),
        pytest.param(b"[]", id="not-an-object"),
        pytest.param(b'{"type": "threads.explode", "params": {}}', id="unknown-type"),
        pytest.param(b'{"type": "threads.create"}', id="missing-params"),
        pytest.param(
            json.dumps(
                request("threads.create", input={"content": [], "attachments": []})
            ).encode(),
            id="missing-inference-options",
        ),
    ],
)
async def test_a_body_that_is_not_a_chatkit_request_gets_400(http: httpx.AsyncClient, body: bytes):
    response = await http.post("/chatkit", content=body, headers=JSON)

    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("request_type", "params"),
    [
        ("threads.add_user_message", {"input": user_input("hi")}),
        ("threads.retry_after_item", {"item_id": "msg_missing"}),
        ("threads.get_by_id", {}),
        ("threads.update", {"title": "x"}),
        ("threads.delete", {}),
        ("items.list", {}),
        ("items.feedback", {"item_ids": ["msg_1"], "kind": "positive"}),
    ],
)
async def test_an_unknown_thread_gets_404(http: httpx.AsyncClient, request_type: str, params: dict):
    body = request(request_type, thread_id="thr_missing", **params)

    response = await http.post("/chatkit", json=body)

    assert response.status_code == 404
    assert "thr_missing" in response.json()["detail"]


async def test_retrying_an_unknown_item_gets_404(chatkit: ChatKitClient):
    thread_id, _ = await chatkit.create_thread("hello")

    response = await chatkit.post("threads.retry_after_item", thread_id=thread_id, item_id="nope")

    assert response.status_code == 404


async def test_a_tool_output_with_no_pending_tool_call_gets_400(chatkit: ChatKitClient):
    thread_id, _ = await chatkit.create_thread("hello")

    response = await chatkit.post("threads.add_client_tool_output", thread_id=thread_id, result={})

    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        request("input.transcribe", audio_base64="", mime_type="audio/webm"),
        request("threads.custom_action", thread_id="thr_1", action={"type": "x", "payload": {}}),
    ],
    ids=lambda body: body["type"],
)
async def test_an_unsupported_request_type_gets_400_naming_it(http: httpx.AsyncClient, body: dict):
    response = await http.post("/chatkit", json=body)

    assert response.status_code == 400
    assert body["type"] in response.json()["detail"]


async def test_a_body_over_the_limit_gets_413(http: httpx.AsyncClient):
    response = await http.post("/chatkit", content=b" " * 1_000_001, headers=JSON)

    assert response.status_code == 413


async def test_a_streamed_body_over_the_limit_gets_413(http: httpx.AsyncClient):
    async def chunks():
        for _ in range(2_000):
            yield b" " * 1_000

    response = await http.post("/chatkit", content=chunks(), headers=JSON)

    assert response.status_code == 413


@pytest.fixture
async def impatient(
    settings: Settings, fake_provider: FakeProvider
) -> AsyncIterator[ChatKitClient]:
    """The app with a 2-second model timeout, so that a hung provider fails the turn quickly."""
    async with serve_in_process(settings.model_copy(update={"llm_timeout_seconds": 2})) as http:
        yield ChatKitClient(http)


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(Fail(status=500), id="server-error"),
        pytest.param(Fail(status=429), id="rate-limited"),
        pytest.param(Cut("a reply that stops half-way"), id="cut-mid-stream"),
        pytest.param(Hang(seconds=10), id="timeout"),
    ],
)
async def test_a_provider_failure_ends_the_turn_with_an_error_event_and_stores_nothing(
    impatient: ChatKitClient, fake_provider: FakeProvider, failure
):
    thread_id, _ = await impatient.create_thread("hello one")
    fake_provider.queue(failure)

    events = await impatient.send(thread_id, "hello two")

    assert [error.get("message") for error in errors(events)] == [
        "The assistant could not answer just now. Please try again."
    ]
    items = await impatient.items(thread_id)
    assert [text_of(item) for item in items] == ["hello one", "echo: hello one", "hello two"]
    assert PLACEHOLDER_ID not in {item["id"] for item in items}


async def test_the_turn_after_a_provider_failure_works_and_remembers(
    chatkit: ChatKitClient, fake_provider: FakeProvider
):
    thread_id, _ = await chatkit.create_thread("hello one")
    fake_provider.queue(Fail(status=500))
    await chatkit.send(thread_id, "hello two")

    events = await chatkit.send(thread_id, "hello three")

    assert not errors(events)
    assert ("assistant", "echo: hello one") in fake_provider.requests[-1].transcript
    items = await chatkit.items(thread_id)
    assert text_of(items[-1]) == "echo: hello three"


async def test_cors_allows_the_configured_front_end(http: httpx.AsyncClient):
    response = await http.options(
        "/chatkit",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
    )

    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"


async def test_cors_ignores_other_origins(http: httpx.AsyncClient):
    response = await http.options(
        "/chatkit",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )

    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("path", ["/docs", "/openapi.json"])
async def test_the_api_docs_are_absent_by_default(http: httpx.AsyncClient, path: str):
    response = await http.get(path)

    assert response.status_code == 404


async def test_the_debug_endpoint_is_absent_by_default(http: httpx.AsyncClient):
    response = await http.get("/debug/threads")

    assert response.status_code == 404


async def test_the_debug_endpoint_lists_threads_when_enabled(
    settings: Settings, fake_provider: FakeProvider
):
    async with serve_in_process(settings.model_copy(update={"debug_endpoints": True})) as http:
        thread_id, _ = await ChatKitClient(http).create_thread("hello")
        response = await http.get("/debug/threads")

    [thread] = response.json()["threads"]
    assert thread["id"] == thread_id
    assert [item["text"] for item in thread["items"]] == ["hello", "echo: hello"]
