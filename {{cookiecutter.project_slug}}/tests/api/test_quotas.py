"""Per-user quotas: titles, tag data and tool outputs are bounded, list pages are cut to
MAX_PAGE_SIZE, and a stray tool output costs no traceback in the log."""

import pytest

from {{ cookiecutter.project_slug }}.settings import Settings

from support.chatkit_client import ChatKitClient, user_input


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"max_title_chars": 20, "max_message_chars": 100, "max_page_size": 2}
    )


def tagged(data: dict) -> dict:
    message = user_input("hi")
    message["content"].append({"type": "input_tag", "id": "t", "text": "tag", "data": data})
    return message


async def test_a_title_over_the_limit_gets_400_and_the_title_stays(chatkit: ChatKitClient):
    thread_id, _ = await chatkit.create_thread("hello")

    response = await chatkit.post("threads.update", thread_id=thread_id, title="x" * 21)
    thread = (await chatkit.post("threads.get_by_id", thread_id=thread_id)).json()

    assert response.status_code == 400
    assert "at most 20" in response.json()["detail"]
    assert thread.get("title") != "x" * 21


async def test_a_title_at_the_limit_is_saved(chatkit: ChatKitClient):
    thread_id, _ = await chatkit.create_thread("hello")

    response = await chatkit.post("threads.update", thread_id=thread_id, title="x" * 20)

    assert response.status_code == 200
    assert response.json()["title"] == "x" * 20


async def test_tag_data_counts_toward_the_message_limit(chatkit: ChatKitClient):
    response = await chatkit.post("threads.create", input=tagged({"blob": "y" * 100}))

    assert response.status_code == 400
    assert "at most 100" in response.json()["detail"]


async def test_a_message_with_small_tag_data_is_answered(chatkit: ChatKitClient):
    response = await chatkit.post("threads.create", input=tagged({"id": 7}))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "message",
    [user_input("nul \0 in text"), {**user_input("hi"), "attachments": ["\0"]}],
    ids=["text", "attachment id"],
)
async def test_a_nul_character_gets_400_and_starts_no_thread(chatkit: ChatKitClient, message: dict):
    response = await chatkit.post("threads.create", input=message)
    page = (await chatkit.post("threads.list")).json()

    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert page["data"] == []


async def test_a_tool_output_over_the_limit_gets_400(chatkit: ChatKitClient):
    thread_id, _ = await chatkit.create_thread("hello")

    response = await chatkit.post(
        "threads.add_client_tool_output", thread_id=thread_id, result="z" * 101
    )

    assert response.status_code == 400


async def test_a_list_page_is_cut_to_max_page_size(chatkit: ChatKitClient):
    for _ in range(3):
        await chatkit.create_thread("hello")

    page = (await chatkit.post("threads.list", limit=100)).json()

    assert len(page["data"]) == 2
    assert page["has_more"] is True


async def test_tool_output_with_nothing_pending_is_400_without_a_traceback(
    chatkit: ChatKitClient, caplog: pytest.LogCaptureFixture
):
    thread_id, _ = await chatkit.create_thread("hello")

    responses = [
        await chatkit.post("threads.add_client_tool_output", thread_id=thread_id, result="ok")
        for _ in range(5)
    ]

    assert {response.status_code for response in responses} == {400}
    assert [record for record in caplog.records if record.exc_info] == []
