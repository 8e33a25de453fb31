"""The store contract: what ChatKit and this backend rely on, whichever store keeps the rows."""

import asyncio
import random
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pytest
from chatkit.store import NotFoundError
from chatkit.types import (
    Annotation,
    AssistantMessageContent,
    AssistantMessageItem,
    Attachment,
    ClientToolCallItem,
    ClosedStatus,
    CustomSummary,
    CustomTask,
    EndOfTurnItem,
    FileAttachment,
    FileSource,
    FileTask,
    GeneratedImage,
    GeneratedImageItem,
    HiddenContextItem,
    ImageAttachment,
    ImageTask,
    InferenceOptions,
    LockedStatus,
    Page,
    SDKHiddenContextItem,
    SearchTask,
    StructuredInputAnswer,
    StructuredInputFreeform,
    StructuredInputItem,
    StructuredInputMultipleChoice,
    StructuredInputMultipleChoiceOption,
    TaskItem,
    ThoughtTask,
    Thread,
    ThreadItem,
    ThreadMetadata,
    ToolChoice,
    URLSource,
    UserMessageItem,
    UserMessageTagContent,
    UserMessageTextContent,
    WidgetItem,
    Workflow,
    WorkflowItem,
)
from chatkit.widgets import WidgetTemplate
from pydantic import TypeAdapter

from {{ cookiecutter.project_slug }}.context import RequestContext
{%- if cookiecutter.store != "memory" %}
from {{ cookiecutter.project_slug }}.settings import Settings
from {{ cookiecutter.project_slug }}.stores import create_store
{%- endif %}
from {{ cookiecutter.project_slug }}.stores.base import AppStore

ALICE = RequestContext(user_id="alice")
BOB = RequestContext(user_id="bob")
THREAD = "thr_1"
T0 = datetime(2026, 1, 2, 3, 4, 5, 678901)  # naive, like ChatKit's datetime.now()
ITEM: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)


def thread(thread_id: str = THREAD, created_at: datetime = T0, **fields) -> ThreadMetadata:
    return ThreadMetadata(id=thread_id, created_at=created_at, **fields)


def message(
    item_id: str, created_at: datetime = T0, text: str = "hello", thread_id: str = THREAD
) -> AssistantMessageItem:
    return AssistantMessageItem(
        id=item_id,
        thread_id=thread_id,
        created_at=created_at,
        content=[AssistantMessageContent(text=text)],
    )


def attachment(attachment_id: str = "atc_1", name: str = "notes.txt", **fields) -> Attachment:
    return FileAttachment(id=attachment_id, name=name, mime_type="text/plain", **fields)


def as_sent(item: ThreadItem) -> dict:
    """An item as ChatKit serialises it, without None fields.

    A stored widget built from a template reads back as ChatKit's named widget class, which is
    not `==` to the original but serialises the same.
    """
    return ITEM.dump_python(item, mode="json", by_alias=True, exclude_none=True)


async def read_pages(load: Callable[[str | None], Awaitable[Page]]) -> list[Page]:
    """Every page, following `after` from the first page until `has_more` is false."""
    pages = [await load(None)]
    while pages[-1].has_more:
        assert len(pages) < 1000, "pagination does not end"
        pages.append(await load(pages[-1].after))
    return pages


def ids_of(pages: list[Page]) -> list[str]:
    return [row.id for page in pages for row in page.data]


# Threads


async def test_saved_thread_loads_back_unchanged(store: AppStore):
    saved = thread(
        title="Trip planning",
        status=LockedStatus(reason="archived"),
        allowed_image_domains=["example.com"],
        metadata={"last_response_id": "resp_1", "turns": 3},
    )
    await store.save_thread(saved, ALICE)

    assert await store.load_thread(THREAD, ALICE) == saved


async def test_saving_a_thread_again_updates_title_status_and_metadata(store: AppStore):
    await store.save_thread(thread(title="Draft", metadata={"a": 1}), ALICE)
    updated = thread(title="Final", status=ClosedStatus(reason="done"), metadata={"b": 2})

    await store.save_thread(updated, ALICE)

    assert await store.load_thread(THREAD, ALICE) == updated
    assert ids_of([await store.load_threads(10, None, "asc", ALICE)]) == [THREAD]


async def test_saving_a_thread_with_items_stores_only_its_metadata(store: AppStore):
    full = Thread(
        id=THREAD, created_at=T0, title="New", items=Page(data=[message("msg_1")], has_more=True)
    )

    await store.save_thread(full, ALICE)

    loaded = await store.load_thread(THREAD, ALICE)
    assert type(loaded) is ThreadMetadata
    assert loaded == ThreadMetadata.model_validate(full.model_dump(exclude={"items"}))
    assert (await store.load_thread_items(THREAD, None, 10, "asc", ALICE)).data == []


async def test_loading_a_missing_thread_raises_not_found(store: AppStore):
    with pytest.raises(NotFoundError):
        await store.load_thread("thr_missing", ALICE)


async def test_deleting_a_thread_removes_it(store: AppStore):
    await store.save_thread(thread(), ALICE)

    await store.delete_thread(THREAD, ALICE)

    with pytest.raises(NotFoundError):
        await store.load_thread(THREAD, ALICE)
    assert (await store.load_threads(10, None, "asc", ALICE)).data == []


async def test_deleting_a_thread_removes_its_items(store: AppStore):
    await store.save_thread(thread(), ALICE)
    await store.add_thread_item(THREAD, message("msg_1"), ALICE)

    await store.delete_thread(THREAD, ALICE)
    await store.save_thread(thread(), ALICE)  # the same id again starts empty

    assert (await store.load_thread_items(THREAD, None, 10, "asc", ALICE)).data == []
    with pytest.raises(NotFoundError):
        await store.load_item(THREAD, "msg_1", ALICE)


async def test_deleting_a_missing_thread_raises_not_found(store: AppStore):
    with pytest.raises(NotFoundError):
        await store.delete_thread("thr_missing", ALICE)


# Pagination


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_threads_are_paged_in_created_at_order(store: AppStore, order: str):
    ids = [f"thr_{n:03d}" for n in range(100)]
    for n in random.Random(1).sample(range(100), 100):  # saved out of order
        await store.save_thread(thread(ids[n], T0 + timedelta(microseconds=n)), ALICE)

    pages = await read_pages(lambda after: store.load_threads(7, after, order, ALICE))

    assert ids_of(pages) == (ids if order == "asc" else ids[::-1])
    assert [len(page.data) for page in pages] == [7] * 14 + [2]
    assert [page.has_more for page in pages] == [True] * 14 + [False]
    assert [page.after for page in pages] == [page.data[-1].id for page in pages[:-1]] + [None]


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_items_are_paged_in_created_at_order(store: AppStore, order: str):
    await store.save_thread(thread(), ALICE)
    ids = [f"msg_{n:03d}" for n in range(100)]
    for n in random.Random(2).sample(range(100), 100):  # added out of order
        await store.add_thread_item(THREAD, message(ids[n], T0 + timedelta(microseconds=n)), ALICE)

    pages = await read_pages(lambda after: store.load_thread_items(THREAD, after, 7, order, ALICE))

    assert ids_of(pages) == (ids if order == "asc" else ids[::-1])
    assert [len(page.data) for page in pages] == [7] * 14 + [2]
    assert [page.has_more for page in pages] == [True] * 14 + [False]
    assert [page.after for page in pages] == [page.data[-1].id for page in pages[:-1]] + [None]


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_items_with_equal_created_at_are_paged_in_insertion_order(
    store: AppStore, order: str
):
    await store.save_thread(thread(), ALICE)
    ids = [f"msg_{n}" for n in random.Random(3).sample(range(10), 10)]
    for item_id in ids:
        await store.add_thread_item(THREAD, message(item_id), ALICE)

    pages = await read_pages(lambda after: store.load_thread_items(THREAD, after, 3, order, ALICE))

    assert ids_of(pages) == (ids if order == "asc" else ids[::-1])


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_threads_with_equal_created_at_are_paged_in_insertion_order(
    store: AppStore, order: str
):
    ids = [f"thr_{n}" for n in random.Random(4).sample(range(10), 10)]
    for thread_id in ids:
        await store.save_thread(thread(thread_id), ALICE)

    pages = await read_pages(lambda after: store.load_threads(3, after, order, ALICE))

    assert ids_of(pages) == (ids if order == "asc" else ids[::-1])


async def test_a_page_of_an_empty_thread_is_empty(store: AppStore):
    await store.save_thread(thread(), ALICE)

    page = await store.load_thread_items(THREAD, None, 20, "desc", ALICE)

    assert page == Page(data=[], has_more=False, after=None)


async def test_an_unknown_item_cursor_raises_not_found(store: AppStore):
    await store.save_thread(thread(), ALICE)

    with pytest.raises(NotFoundError):
        await store.load_thread_items(THREAD, "msg_missing", 10, "asc", ALICE)


async def test_an_item_cursor_from_another_thread_raises_not_found(store: AppStore):
    await store.save_thread(thread("thr_a"), ALICE)
    await store.save_thread(thread("thr_b"), ALICE)
    await store.add_thread_item("thr_a", message("msg_a", thread_id="thr_a"), ALICE)

    with pytest.raises(NotFoundError):
        await store.load_thread_items("thr_b", "msg_a", 10, "asc", ALICE)


async def test_an_unknown_thread_cursor_raises_not_found(store: AppStore):
    await store.save_thread(thread(), ALICE)

    with pytest.raises(NotFoundError):
        await store.load_threads(10, "thr_missing", "desc", ALICE)


# Items


def user_message() -> ThreadItem:
    return UserMessageItem(
        id="msg_user",
        thread_id=THREAD,
        created_at=T0,
        content=[
            UserMessageTextContent(text="Ask @Ada"),
            UserMessageTagContent(id="ada", text="Ada", data={"team": "core"}, interactive=True),
        ],
        attachments=[attachment(thread_id=THREAD, metadata={"bytes": 12})],
        quoted_text="an earlier answer",
        inference_options=InferenceOptions(tool_choice=ToolChoice(id="search"), model="m"),
    )


def assistant_message() -> ThreadItem:
    source = URLSource(title="Docs", url="https://example.com/docs")
    text = AssistantMessageContent(text="See [1].", annotations=[Annotation(source=source)])
    return AssistantMessageItem(id="msg_bot", thread_id=THREAD, created_at=T0, content=[text])


def client_tool_call() -> ThreadItem:
    return ClientToolCallItem(
        id="tc_1",
        thread_id=THREAD,
        created_at=T0,
        status="completed",
        call_id="call_1",
        name="get_location",
        arguments={"precise": True},
        output={"city": "Paris"},
    )


def widget() -> ThreadItem:
    template = WidgetTemplate(
        definition={
            "version": "1.0",
            "name": "greeting",
            "template": '{"type": "Card", "children": [{"type": "Text", "value": "Hello"}]}',
        }
    )
    return WidgetItem(
        id="wd_1", thread_id=THREAD, created_at=T0, widget=template.build(), copy_text="Hello"
    )


def workflow() -> ThreadItem:
    tasks = [
        CustomTask(title="Plan", content="Three steps", status_indicator="complete"),
        SearchTask(
            title="Search", queries=["q"], sources=[URLSource(title="r", url="https://e.x")]
        ),
        FileTask(title="Read", sources=[FileSource(title="Report", filename="report.pdf")]),
        ImageTask(title="Draw"),
    ]
    flow = Workflow(type="custom", tasks=tasks, summary=CustomSummary(title="Done"), expanded=True)
    return WorkflowItem(id="wf_1", thread_id=THREAD, created_at=T0, workflow=flow)


def task() -> ThreadItem:
    thought = ThoughtTask(title="Thinking", content="Because of the rain")
    return TaskItem(id="tsk_1", thread_id=THREAD, created_at=T0, task=thought)


def hidden_context() -> ThreadItem:
    content = {"action": "select", "ids": [1, 2]}
    return HiddenContextItem(id="hc_1", thread_id=THREAD, created_at=T0, content=content)


def sdk_hidden_context() -> ThreadItem:
    content = "The user stopped the response."
    return SDKHiddenContextItem(id="shcx_1", thread_id=THREAD, created_at=T0, content=content)


def end_of_turn() -> ThreadItem:
    return EndOfTurnItem(id="eot_1", thread_id=THREAD, created_at=T0)


def generated_image() -> ThreadItem:
    image = GeneratedImage(id="img_1", url="https://example.com/cat.png")
    return GeneratedImageItem(id="gi_1", thread_id=THREAD, created_at=T0, image=image)


def structured_input() -> ThreadItem:
    choice = StructuredInputMultipleChoice(
        id="size",
        question="Which sizes?",
        options=[StructuredInputMultipleChoiceOption(value=v) for v in ("S", "M")],
        multiple=True,
        answer=StructuredInputAnswer(values=["S", "M"]),
    )
    free = StructuredInputFreeform(
        id="notes",
        question="Notes?",
        description="Optional",
        answer=StructuredInputAnswer(skipped=True),
    )
    return StructuredInputItem(
        id="si_1", thread_id=THREAD, created_at=T0, status="answered", inputs=[choice, free]
    )


ITEM_EXAMPLES = [
    user_message,
    assistant_message,
    client_tool_call,
    pytest.param(
        widget,
        # ChatKit reads a stored widget back as its named class, which it marks deprecated.
        marks=pytest.mark.filterwarnings("ignore:Direct usage of named widget classes"),
    ),
    workflow,
    task,
    hidden_context,
    sdk_hidden_context,
    end_of_turn,
    generated_image,
    structured_input,
]


@pytest.mark.parametrize("example", ITEM_EXAMPLES, ids=lambda example: example.__name__)
async def test_every_item_type_round_trips(store: AppStore, example: Callable[[], ThreadItem]):
    item = example()
    await store.save_thread(thread(), ALICE)

    await store.add_thread_item(THREAD, item, ALICE)

    assert as_sent(await store.load_item(THREAD, item.id, ALICE)) == as_sent(item)
    page = await store.load_thread_items(THREAD, None, 10, "asc", ALICE)
    assert [as_sent(loaded) for loaded in page.data] == [as_sent(item)]


async def test_saving_an_existing_item_replaces_it_in_place(store: AppStore):
    await store.save_thread(thread(), ALICE)
    for item_id in ("msg_1", "msg_2", "msg_3"):
        await store.add_thread_item(THREAD, message(item_id), ALICE)

    await store.save_item(THREAD, message("msg_2", text="edited"), ALICE)

    page = await store.load_thread_items(THREAD, None, 10, "asc", ALICE)
    assert [item.id for item in page.data] == ["msg_1", "msg_2", "msg_3"]
    assert page.data[1] == message("msg_2", text="edited")


async def test_saving_a_new_item_adds_it(store: AppStore):
    await store.save_thread(thread(), ALICE)

    await store.save_item(THREAD, message("msg_1"), ALICE)

    assert await store.load_item(THREAD, "msg_1", ALICE) == message("msg_1")


async def test_adding_an_item_with_an_existing_id_replaces_it(store: AppStore):
    await store.save_thread(thread(), ALICE)
    await store.add_thread_item(THREAD, message("msg_1", text="first"), ALICE)

    await store.add_thread_item(THREAD, message("msg_1", text="second"), ALICE)

    page = await store.load_thread_items(THREAD, None, 10, "asc", ALICE)
    assert page.data == [message("msg_1", text="second")]


async def test_the_same_item_id_in_two_threads_is_two_items(store: AppStore):
    await store.save_thread(thread("thr_a"), ALICE)
    await store.save_thread(thread("thr_b"), ALICE)

    await store.add_thread_item("thr_a", message("msg_1", text="a", thread_id="thr_a"), ALICE)
    await store.add_thread_item("thr_b", message("msg_1", text="b", thread_id="thr_b"), ALICE)

    assert (await store.load_item("thr_a", "msg_1", ALICE)).content[0].text == "a"
    assert (await store.load_item("thr_b", "msg_1", ALICE)).content[0].text == "b"


@pytest.mark.parametrize("method", ["add_thread_item", "save_item"])
async def test_writing_an_item_to_a_missing_thread_raises_not_found(store: AppStore, method: str):
    with pytest.raises(NotFoundError):
        await getattr(store, method)("thr_missing", message("msg_1"), ALICE)


async def test_loading_a_missing_item_raises_not_found(store: AppStore):
    await store.save_thread(thread(), ALICE)

    with pytest.raises(NotFoundError):
        await store.load_item(THREAD, "msg_missing", ALICE)


async def test_loading_items_of_a_missing_thread_raises_not_found(store: AppStore):
    with pytest.raises(NotFoundError):
        await store.load_thread_items("thr_missing", None, 10, "asc", ALICE)


async def test_deleting_an_item_removes_only_that_item(store: AppStore):
    await store.save_thread(thread(), ALICE)
    await store.add_thread_item(THREAD, message("msg_1"), ALICE)
    await store.add_thread_item(THREAD, message("msg_2"), ALICE)

    await store.delete_thread_item(THREAD, "msg_1", ALICE)

    page = await store.load_thread_items(THREAD, None, 10, "asc", ALICE)
    assert [item.id for item in page.data] == ["msg_2"]


async def test_deleting_a_missing_item_does_nothing(store: AppStore):
    await store.save_thread(thread(), ALICE)

    await store.delete_thread_item(THREAD, "msg_missing", ALICE)


async def test_deleting_an_item_of_a_missing_thread_raises_not_found(store: AppStore):
    with pytest.raises(NotFoundError):
        await store.delete_thread_item("thr_missing", "msg_1", ALICE)


async def test_concurrently_added_items_all_land(store: AppStore):
    await store.save_thread(thread(), ALICE)
    ids = [f"msg_{n:02d}" for n in range(50)]

    await asyncio.gather(
        *(
            store.add_thread_item(THREAD, message(item_id, T0 + timedelta(microseconds=n)), ALICE)
            for n, item_id in enumerate(ids)
        )
    )

    page = await store.load_thread_items(THREAD, None, 100, "asc", ALICE)
    assert [item.id for item in page.data] == ids


async def test_a_one_megabyte_message_round_trips(store: AppStore):
    await store.save_thread(thread(), ALICE)
    big = message("msg_big", text="x" * 1_000_000 + "end")

    await store.add_thread_item(THREAD, big, ALICE)

    assert await store.load_item(THREAD, "msg_big", ALICE) == big


async def test_non_ascii_text_round_trips(store: AppStore):
    text = "Zoë ß 北京 🚀👩‍💻 עברית e\u0301 \u2028 \x00 \\ \" '"
    await store.save_thread(thread(title=text, metadata={text: text}), ALICE)
    await store.add_thread_item(THREAD, message("msg_1", text=text), ALICE)

    assert (await store.load_thread(THREAD, ALICE)).title == text
    assert (await store.load_thread(THREAD, ALICE)).metadata == {text: text}
    assert (await store.load_item(THREAD, "msg_1", ALICE)).content[0].text == text


# Attachments


async def test_saved_attachments_load_back_unchanged(store: AppStore):
    file = attachment("atc_file", metadata={"path": "uploads/1"})
    image = ImageAttachment(
        id="atc_image", name="cat.png", mime_type="image/png", preview_url="https://e.x/cat.png"
    )
    await store.save_attachment(file, ALICE)
    await store.save_attachment(image, ALICE)

    assert await store.load_attachment("atc_file", ALICE) == file
    assert await store.load_attachment("atc_image", ALICE) == image


async def test_saving_an_attachment_again_updates_it(store: AppStore):
    await store.save_thread(thread(), ALICE)
    await store.save_attachment(attachment(), ALICE)

    await store.save_attachment(attachment(thread_id=THREAD), ALICE)

    assert (await store.load_attachment("atc_1", ALICE)).thread_id == THREAD


async def test_deleting_an_attachment_removes_it(store: AppStore):
    await store.save_attachment(attachment(), ALICE)

    await store.delete_attachment("atc_1", ALICE)

    with pytest.raises(NotFoundError):
        await store.load_attachment("atc_1", ALICE)


async def test_loading_a_missing_attachment_raises_not_found(store: AppStore):
    with pytest.raises(NotFoundError):
        await store.load_attachment("atc_missing", ALICE)


async def test_deleting_a_missing_attachment_raises_not_found(store: AppStore):
    with pytest.raises(NotFoundError):
        await store.delete_attachment("atc_missing", ALICE)


# Users


async def test_a_users_thread_is_not_found_for_another_user(store: AppStore):
    await store.save_thread(thread(), ALICE)

    with pytest.raises(NotFoundError):
        await store.load_thread(THREAD, BOB)


async def test_users_list_only_their_own_threads(store: AppStore):
    await store.save_thread(thread("thr_alice"), ALICE)
    await store.save_thread(thread("thr_bob"), BOB)

    assert ids_of([await store.load_threads(10, None, "asc", ALICE)]) == ["thr_alice"]
    assert ids_of([await store.load_threads(10, None, "asc", BOB)]) == ["thr_bob"]


async def test_another_users_thread_is_not_a_valid_cursor(store: AppStore):
    await store.save_thread(thread("thr_alice"), ALICE)
    await store.save_thread(thread("thr_bob"), BOB)

    with pytest.raises(NotFoundError):
        await store.load_threads(10, "thr_alice", "asc", BOB)


async def test_saving_another_users_thread_raises_and_leaves_it_unchanged(store: AppStore):
    await store.save_thread(thread(title="Alice's"), ALICE)

    with pytest.raises(NotFoundError):
        await store.save_thread(thread(title="Bob's"), BOB)

    assert (await store.load_thread(THREAD, ALICE)).title == "Alice's"
    assert (await store.load_threads(10, None, "asc", BOB)).data == []


async def test_deleting_another_users_thread_raises_and_keeps_it(store: AppStore):
    await store.save_thread(thread(), ALICE)

    with pytest.raises(NotFoundError):
        await store.delete_thread(THREAD, BOB)

    assert await store.load_thread(THREAD, ALICE) == thread()


async def test_another_users_items_cannot_be_read(store: AppStore):
    await store.save_thread(thread(), ALICE)
    await store.add_thread_item(THREAD, message("msg_1"), ALICE)

    with pytest.raises(NotFoundError):
        await store.load_thread_items(THREAD, None, 10, "asc", BOB)
    with pytest.raises(NotFoundError):
        await store.load_item(THREAD, "msg_1", BOB)


@pytest.mark.parametrize("method", ["add_thread_item", "save_item"])
async def test_another_users_thread_cannot_be_written_to(store: AppStore, method: str):
    await store.save_thread(thread(), ALICE)
    await store.add_thread_item(THREAD, message("msg_1", text="Alice's"), ALICE)

    with pytest.raises(NotFoundError):
        await getattr(store, method)(THREAD, message("msg_1", text="Bob's"), BOB)
    with pytest.raises(NotFoundError):
        await getattr(store, method)(THREAD, message("msg_2", text="Bob's"), BOB)

    page = await store.load_thread_items(THREAD, None, 10, "asc", ALICE)
    assert page.data == [message("msg_1", text="Alice's")]


async def test_another_users_items_cannot_be_deleted(store: AppStore):
    await store.save_thread(thread(), ALICE)
    await store.add_thread_item(THREAD, message("msg_1"), ALICE)

    with pytest.raises(NotFoundError):
        await store.delete_thread_item(THREAD, "msg_1", BOB)

    assert await store.load_item(THREAD, "msg_1", ALICE) == message("msg_1")


async def test_another_users_attachment_is_not_found_and_left_unchanged(store: AppStore):
    await store.save_attachment(attachment(name="alice.txt"), ALICE)

    with pytest.raises(NotFoundError):
        await store.load_attachment("atc_1", BOB)
    with pytest.raises(NotFoundError):
        await store.save_attachment(attachment(name="bob.txt"), BOB)
    with pytest.raises(NotFoundError):
        await store.delete_attachment("atc_1", BOB)

    assert (await store.load_attachment("atc_1", ALICE)).name == "alice.txt"


# Ids and lifecycle


@pytest.mark.parametrize(
    "kind", ["thread", "message", "tool_call", "task", "workflow", "sdk_hidden_context"]
)
async def test_generated_ids_are_unique_and_carry_128_bits_of_hex(store: AppStore, kind: str):
    def draw() -> str:
        if kind == "thread":
            return store.generate_thread_id(ALICE)
        return store.generate_item_id(kind, thread(), ALICE)

    ids = [draw() for _ in range(10_000)]

    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z]+_[0-9a-f]{32}", item_id) for item_id in ids)


async def test_an_open_store_answers_ping(store: AppStore):
    await store.ping()
{%- if cookiecutter.store != "memory" %}


# Persistence: only the SQL stores keep rows beyond one store object.


async def test_rows_survive_a_restart_of_the_store(store: AppStore, settings: Settings):
    await store.save_thread(thread(title="Kept"), ALICE)
    await store.add_thread_item(THREAD, message("msg_1"), ALICE)
    await store.save_attachment(attachment(), ALICE)
    await store.close()

    reopened = create_store(settings)
    await reopened.open()
    try:
        assert await reopened.load_thread(THREAD, ALICE) == thread(title="Kept")
        assert await reopened.load_item(THREAD, "msg_1", ALICE) == message("msg_1")
        assert await reopened.load_attachment("atc_1", ALICE) == attachment()
    finally:
        await reopened.close()


async def test_two_stores_on_one_database_see_each_others_writes(
    store: AppStore, settings: Settings
):
    other = create_store(settings)
    await other.open()
    try:
        await store.save_thread(thread(), ALICE)
        await other.add_thread_item(THREAD, message("msg_1"), ALICE)

        assert await other.load_thread(THREAD, ALICE) == thread()
        assert await store.load_item(THREAD, "msg_1", ALICE) == message("msg_1")
    finally:
        await other.close()


async def test_concurrent_writes_from_two_stores_all_land_in_order(
    store: AppStore, settings: Settings
):
    other = create_store(settings)
    await other.open()
    try:
        await store.save_thread(thread(), ALICE)
        ids = [f"msg_{n:02d}" for n in range(50)]

        await asyncio.gather(
            *(
                (store, other)[n % 2].add_thread_item(
                    THREAD, message(item_id, T0 + timedelta(microseconds=n)), ALICE
                )
                for n, item_id in enumerate(ids)
            )
        )

        page = await other.load_thread_items(THREAD, None, 100, "asc", ALICE)
        assert [item.id for item in page.data] == ids
    finally:
        await other.close()
{%- endif %}
