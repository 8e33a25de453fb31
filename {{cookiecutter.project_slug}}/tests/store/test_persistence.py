"""Threads outlive a server process and are shared by every process on the same database."""

import httpx
import pytest

from fake_provider import FakeProvider
from support.chatkit_client import ChatKitClient, text_of
from support.server import running_server

pytestmark = pytest.mark.process


async def test_a_thread_written_before_a_restart_is_read_and_continued_after_it(
    server_env: dict[str, str], fake_provider: FakeProvider
):
    with running_server(server_env) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            thread_id, _ = await ChatKitClient(http).create_thread("before the restart")

    with running_server(server_env) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            chatkit = ChatKitClient(http)
            await chatkit.send(thread_id, "after the restart")
            items = await chatkit.items(thread_id)

    assert [text_of(item) for item in items] == [
        "before the restart",
        "echo: before the restart",
        "after the restart",
        "echo: after the restart",
    ]
    assert ("assistant", "echo: before the restart") in fake_provider.requests[-1].transcript


async def test_two_processes_serve_one_thread_and_both_see_its_whole_history(
    server_env: dict[str, str], fake_provider: FakeProvider
):
    with running_server(server_env) as first_url, running_server(server_env) as second_url:
        async with (
            httpx.AsyncClient(base_url=first_url, timeout=30) as first_http,
            httpx.AsyncClient(base_url=second_url, timeout=30) as second_http,
        ):
            first, second = ChatKitClient(first_http), ChatKitClient(second_http)
            thread_id, _ = await first.create_thread("through the first")
            await second.send(thread_id, "through the second")

            histories = [await first.items(thread_id), await second.items(thread_id)]

    for items in histories:
        assert [text_of(item) for item in items] == [
            "through the first",
            "echo: through the first",
            "through the second",
            "echo: through the second",
        ]
    assert ("assistant", "echo: through the first") in fake_provider.requests[-1].transcript
