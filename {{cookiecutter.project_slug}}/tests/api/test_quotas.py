"""Per-user quotas against a live server: titles, tag data and tool outputs are bounded, list
pages are cut to MAX_PAGE_SIZE, and a stray tool output costs no traceback in the log."""

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from support.chatkit_client import ChatKitClient, user_input
from support.live_backend import LiveBackend, live_backend

pytestmark = pytest.mark.process

LIMITS = {"MAX_TITLE_CHARS": "20", "MAX_MESSAGE_CHARS": "100", "MAX_PAGE_SIZE": "2"}


@pytest.fixture(scope="module")
def backend(server_env: dict[str, str]) -> Iterator[LiveBackend]:
    with live_backend({**server_env, **LIMITS}) as backend:
        yield backend


def call(backend: LiveBackend, request_type: str, **params: object) -> httpx.Response:
    async def post() -> httpx.Response:
        async with httpx.AsyncClient(base_url=backend.url, timeout=30) as http:
            return await ChatKitClient(http).post(request_type, **params)

    return asyncio.run(post())


def new_thread(backend: LiveBackend) -> str:
    async def create() -> str:
        async with httpx.AsyncClient(base_url=backend.url, timeout=30) as http:
            thread_id, _ = await ChatKitClient(http).create_thread("hello")
            return thread_id

    return asyncio.run(create())


def tagged(data: dict) -> dict:
    message = user_input("hi")
    message["content"].append({"type": "input_tag", "id": "t", "text": "tag", "data": data})
    return message


def test_a_title_over_the_limit_gets_400_and_the_title_stays(backend: LiveBackend):
    thread_id = new_thread(backend)

    response = call(backend, "threads.update", thread_id=thread_id, title="x" * 21)
    thread = call(backend, "threads.get_by_id", thread_id=thread_id).json()

    assert response.status_code == 400
    assert "at most 20" in response.json()["detail"]
    assert thread.get("title") != "x" * 21


def test_a_title_at_the_limit_is_saved(backend: LiveBackend):
    thread_id = new_thread(backend)

    response = call(backend, "threads.update", thread_id=thread_id, title="x" * 20)

    assert response.status_code == 200
    assert response.json()["title"] == "x" * 20


def test_tag_data_counts_toward_the_message_limit(backend: LiveBackend):
    response = call(backend, "threads.create", input=tagged({"blob": "y" * 100}))

    assert response.status_code == 400
    assert "at most 100" in response.json()["detail"]


def test_a_message_with_small_tag_data_is_answered(backend: LiveBackend):
    response = call(backend, "threads.create", input=tagged({"id": 7}))

    assert response.status_code == 200


def test_a_tool_output_over_the_limit_gets_400(backend: LiveBackend):
    thread_id = new_thread(backend)

    response = call(
        backend, "threads.add_client_tool_output", thread_id=thread_id, result="z" * 101
    )

    assert response.status_code == 400


def test_a_list_page_is_cut_to_max_page_size(backend: LiveBackend):
    for _ in range(3):
        new_thread(backend)

    page = call(backend, "threads.list", limit=100).json()

    assert len(page["data"]) == 2
    assert page["has_more"] is True


def test_tool_output_with_nothing_pending_is_400_without_a_traceback(backend: LiveBackend):
    thread_id = new_thread(backend)

    responses = [
        call(backend, "threads.add_client_tool_output", thread_id=thread_id, result="ok")
        for _ in range(5)
    ]

    assert {response.status_code for response in responses} == {400}
    assert "Traceback" not in backend.log
