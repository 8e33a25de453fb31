"""The store contract for attachment bytes, for the store this project was generated with."""

from datetime import datetime, timedelta

import pytest
from chatkit.store import NotFoundError
from chatkit.types import AttachmentUploadDescriptor, FileAttachment, ThreadMetadata

from {{ cookiecutter.project_slug }}.context import RequestContext
from {{ cookiecutter.project_slug }}.stores.base import AppStore

ALICE = RequestContext(user_id="alice")
BOB = RequestContext(user_id="bob")
THREAD = "thr_1"
# Every byte value, NUL included, as an image or PDF holds them.
CONTENT = bytes(range(256)) * 4


def attachment(attachment_id: str = "atc_1", size: int = len(CONTENT), **fields) -> FileAttachment:
    return FileAttachment(
        id=attachment_id,
        name="../../etc/passwd",
        mime_type="application/pdf",
        metadata={"size": size},
        **fields,
    )


async def save_thread(store: AppStore, context: RequestContext = ALICE) -> None:
    await store.save_thread(ThreadMetadata(id=THREAD, created_at=datetime.now()), context)


async def test_uploaded_bytes_load_back_exactly(store: AppStore):
    await store.save_attachment(attachment(), ALICE)

    assert await store.save_attachment_content(attachment(), CONTENT, ALICE)

    assert await store.load_attachment_content("atc_1", ALICE) == CONTENT


async def test_an_attachment_has_no_bytes_before_its_upload(store: AppStore):
    await store.save_attachment(attachment(), ALICE)

    assert await store.load_attachment_content("atc_1", ALICE) is None


async def test_a_second_upload_is_refused_and_keeps_the_first_bytes(store: AppStore):
    await store.save_attachment(attachment(), ALICE)
    await store.save_attachment_content(attachment(), CONTENT, ALICE)

    assert not await store.save_attachment_content(attachment(), b"replayed", ALICE)

    assert await store.load_attachment_content("atc_1", ALICE) == CONTENT


async def test_the_upload_saves_the_attachments_new_metadata(store: AppStore):
    descriptor = AttachmentUploadDescriptor(url="http://test/upload", method="POST")
    await store.save_attachment(attachment(upload_descriptor=descriptor), ALICE)

    await store.save_attachment_content(attachment(), CONTENT, ALICE)

    assert (await store.load_attachment("atc_1", ALICE)).upload_descriptor is None


async def test_another_users_attachment_bytes_are_not_found(store: AppStore):
    await store.save_attachment(attachment(), ALICE)
    await store.save_attachment_content(attachment(), CONTENT, ALICE)

    with pytest.raises(NotFoundError):
        await store.load_attachment_content("atc_1", BOB)
    with pytest.raises(NotFoundError):
        await store.save_attachment_content(attachment(), b"bob's", BOB)
    assert await store.load_attachment_content("atc_1", ALICE) == CONTENT


async def test_a_missing_attachments_bytes_are_not_found(store: AppStore):
    with pytest.raises(NotFoundError):
        await store.load_attachment_content("atc_missing", ALICE)
    with pytest.raises(NotFoundError):
        await store.save_attachment_content(attachment("atc_missing"), CONTENT, ALICE)


async def test_saving_the_attachment_again_keeps_its_bytes(store: AppStore):
    await save_thread(store)
    await store.save_attachment(attachment(), ALICE)
    await store.save_attachment_content(attachment(), CONTENT, ALICE)

    await store.save_attachment(attachment(thread_id=THREAD), ALICE)

    assert await store.load_attachment_content("atc_1", ALICE) == CONTENT


async def test_an_attachment_cannot_join_a_missing_thread(store: AppStore):
    with pytest.raises(NotFoundError):
        await store.save_attachment(attachment(thread_id="thr_missing"), ALICE)


async def test_deleting_a_thread_deletes_its_attachments(store: AppStore):
    await save_thread(store)
    await store.save_attachment(attachment(thread_id=THREAD), ALICE)
    await store.save_attachment_content(attachment(thread_id=THREAD), CONTENT, ALICE)

    await store.delete_thread(THREAD, ALICE)

    with pytest.raises(NotFoundError):
        await store.load_attachment_content("atc_1", ALICE)


async def test_deleting_an_attachment_deletes_its_bytes(store: AppStore):
    await store.save_attachment(attachment(), ALICE)
    await store.save_attachment_content(attachment(), CONTENT, ALICE)

    await store.delete_attachment("atc_1", ALICE)

    with pytest.raises(NotFoundError):
        await store.load_attachment_content("atc_1", ALICE)


async def test_bytes_used_adds_up_the_users_declared_sizes(store: AppStore):
    await store.save_attachment(attachment("atc_1", size=1_000), ALICE)
    await store.save_attachment(attachment("atc_2", size=2_500), ALICE)
    await store.save_attachment(attachment("atc_3", size=7), BOB)

    assert await store.attachment_bytes_used(ALICE) == 3_500
    assert await store.attachment_bytes_used(RequestContext(user_id="carol")) == 0


async def test_expired_unsent_attachments_are_deleted_for_every_user(store: AppStore):
    await store.save_attachment(attachment("atc_alice"), ALICE)
    await store.save_attachment(attachment("atc_bob"), BOB)

    assert await store.delete_unsent_attachments(datetime.now() + timedelta(seconds=1)) == 2

    with pytest.raises(NotFoundError):
        await store.load_attachment("atc_alice", ALICE)
    with pytest.raises(NotFoundError):
        await store.load_attachment("atc_bob", BOB)


async def test_attachments_created_after_the_cutoff_are_kept(store: AppStore):
    await store.save_attachment(attachment(), ALICE)

    assert await store.delete_unsent_attachments(datetime.now() - timedelta(hours=1)) == 0

    assert await store.load_attachment("atc_1", ALICE) == attachment()


async def test_sent_attachments_never_expire(store: AppStore):
    await save_thread(store)
    await store.save_attachment(attachment(thread_id=THREAD), ALICE)

    assert await store.delete_unsent_attachments(datetime.now() + timedelta(seconds=1)) == 0

    assert (await store.load_attachment("atc_1", ALICE)).thread_id == THREAD
