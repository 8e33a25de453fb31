"""Attachments through HTTP: the two-phase upload, the signed links, and every attack on them."""

from typing import Any

import httpx
import jwt
import pytest
from pydantic import SecretStr

from {{ cookiecutter.project_slug }}.attachments import Grant, Purpose, Signer
from {{ cookiecutter.project_slug }}.settings import Settings

from support.attachment_client import create, png, upload_to, uploaded, with_attachments
from support.chatkit_client import ChatKitClient

JWT_SECRET = "a-test-secret-that-is-long-enough-for-hs256"
SIGNING_SECRET = "a-signing-secret-for-attachment-links-in-tests"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Two users (JWT) and a known signing secret, so tests can forge expired links."""
    return settings.model_copy(
        update={
            "auth_mode": "jwt",
            "auth_jwt_secret": SecretStr(JWT_SECRET),
            "attachment_signing_secret": SecretStr(SIGNING_SECRET),
        }
    )


def client_of(http: httpx.AsyncClient, user: str) -> ChatKitClient:
    token = jwt.encode({"sub": user, "exp": 4_102_444_800}, JWT_SECRET, algorithm="HS256")
    return ChatKitClient(http, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def alice(http: httpx.AsyncClient) -> ChatKitClient:
    return client_of(http, "alice")


@pytest.fixture
def bob(http: httpx.AsyncClient) -> ChatKitClient:
    return client_of(http, "bob")


def expired_token(attachment: dict[str, Any], purpose: Purpose) -> str:
    """A genuine token for the attachment of alice, which expired a second ago."""
    grant = Grant(purpose, attachment["id"], "alice", 1_000)
    return Signer(SIGNING_SECRET.encode()).sign(grant, lifetime_seconds=-1)


async def thread_count(client: ChatKitClient) -> int:
    return len((await client.post("threads.list", limit=100)).json()["data"])


# The protocol


async def test_an_image_gets_an_upload_link_and_a_preview_link(alice: ChatKitClient):
    response = await create(alice, "photo.png", 1_000)

    attachment = response.json()
    assert response.status_code == 200
    assert attachment["type"] == "image"
    upload = attachment["upload_descriptor"]
    assert upload["method"] == "POST"
    assert f"/attachments/{attachment['id']}/upload?token=" in upload["url"]
    assert f"/attachments/{attachment['id']}?token=" in attachment["preview_url"]
{%- if cookiecutter.provider == "ollama" %}


async def test_a_pdf_is_refused_with_415_naming_what_is_accepted(alice: ChatKitClient):
    # Ollama takes no PDFs: refused here, not in a turn that would fail for good.
    response = await create(alice, "paper.pdf", 1_000, "application/pdf")

    assert response.status_code == 415
    assert "image/png" in response.json()["detail"]


async def test_a_text_file_is_a_file_attachment(alice: ChatKitClient):
    response = await create(alice, "notes.txt", 1_000, "text/plain")
{%- else %}


async def test_a_pdf_is_a_file_attachment(alice: ChatKitClient):
    response = await create(alice, "paper.pdf", 1_000, "application/pdf")
{%- endif %}

    assert response.json()["type"] == "file"


async def test_the_preview_link_serves_the_uploaded_image_inline(alice: ChatKitClient):
    content = png()
    attachment = await uploaded(alice, content, name="../../etc/passwd.png")

    response = await alice.http.get(attachment["preview_url"])

    assert response.content == content
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    # The name is data: quoted into the header, never a path.
    assert response.headers["content-disposition"] == (
        "inline; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd.png"
    )


async def test_a_raw_body_and_a_multipart_form_both_upload(alice: ChatKitClient):
    content = png()
    attachment = (await create(alice, "photo.png", len(content))).json()

    response = await alice.http.post(
        attachment["upload_descriptor"]["url"], files={"file": ("photo.png", content, "image/png")}
    )

    assert response.status_code == 200, response.text
    assert (await alice.http.get(attachment["preview_url"])).content == content


async def test_an_unsent_attachment_can_be_deleted(alice: ChatKitClient):
    attachment = await uploaded(alice, png())

    response = await alice.post("attachments.delete", attachment_id=attachment["id"])

    assert response.status_code == 200
    assert (await alice.http.get(attachment["preview_url"])).status_code == 404


async def test_a_sent_attachment_cannot_be_deleted(alice: ChatKitClient):
    attachment = await uploaded(alice, png())
    await alice.stream("threads.create", input=with_attachments("Look", attachment["id"]))

    response = await alice.post("attachments.delete", attachment_id=attachment["id"])

    assert response.status_code == 400


# Limits at attachments.create


async def test_a_type_the_model_cannot_read_is_refused_with_415(alice: ChatKitClient):
    response = await create(alice, "setup.exe", 1_000, "application/octet-stream")

    assert response.status_code == 415


async def test_a_file_name_longer_than_255_characters_is_refused(alice: ChatKitClient):
    response = await create(alice, "a" * 252 + ".png", 1_000)

    assert response.status_code == 400


async def test_a_file_over_the_size_limit_is_refused_with_413(alice: ChatKitClient):
    response = await create(alice, "huge.png", 10_000_001)

    assert response.status_code == 413


async def test_attachments_past_the_users_quota_are_refused_with_413(alice: ChatKitClient):
    for _ in range(20):
        assert (await create(alice, "big.png", 10_000_000)).status_code == 200

    response = await create(alice, "one-more.png", 1)

    assert response.status_code == 413


# Attacks on the upload link


async def test_an_oversized_body_with_a_small_declared_size_gets_413(alice: ChatKitClient):
    attachment = (await create(alice, "photo.png", 1_000)).json()

    response = await upload_to(alice, attachment, png(50_000))

    assert response.status_code == 413


async def test_a_png_that_is_really_html_gets_415(alice: ChatKitClient):
    html = b"<html><script>alert(document.cookie)</script></html>".ljust(1_000)
    attachment = (await create(alice, "cat.png", len(html))).json()

    response = await upload_to(alice, attachment, html)

    assert response.status_code == 415
    assert (await alice.http.get(attachment["preview_url"])).status_code == 404


async def test_a_text_file_that_is_not_utf8_gets_415(alice: ChatKitClient):
    latin1 = "café".encode("latin-1")
    attachment = (await create(alice, "notes.txt", len(latin1), "text/plain")).json()

    response = await upload_to(alice, attachment, latin1)

    assert response.status_code == 415


async def test_a_replayed_upload_token_gets_403(alice: ChatKitClient):
    content = png()
    attachment = await uploaded(alice, content)

    response = await upload_to(alice, attachment, png())

    assert response.status_code == 403
    assert (await alice.http.get(attachment["preview_url"])).content == content


async def test_an_expired_upload_token_gets_403(alice: ChatKitClient):
    attachment = (await create(alice, "photo.png", 1_000)).json()

    token = expired_token(attachment, "upload")

    response = await alice.http.post(
        f"/attachments/{attachment['id']}/upload?token={token}", content=png()
    )

    assert response.status_code == 403


async def test_one_attachments_upload_token_does_not_open_another(alice: ChatKitClient):
    first = (await create(alice, "one.png", 1_000)).json()
    second = (await create(alice, "two.png", 1_000)).json()
    token = first["upload_descriptor"]["url"].partition("?")[2]

    response = await alice.http.post(f"/attachments/{second['id']}/upload?{token}", content=png())

    assert response.status_code == 403


async def test_a_token_with_non_ascii_characters_gets_403(alice: ChatKitClient):
    attachment = (await create(alice, "photo.png", 1_000)).json()

    response = await alice.http.post(
        f"/attachments/{attachment['id']}/upload", params={"token": "é.é"}, content=png()
    )

    assert response.status_code == 403


async def test_a_tampered_token_gets_403(alice: ChatKitClient):
    attachment = (await create(alice, "photo.png", 1_000)).json()
    url = attachment["upload_descriptor"]["url"]

    response = await alice.http.post(url[:-2] + ("AA" if url[-2:] != "AA" else "BB"), content=png())

    assert response.status_code == 403


# Attacks on the preview link


async def test_an_expired_preview_link_gets_403(alice: ChatKitClient):
    attachment = await uploaded(alice, png())

    token = expired_token(attachment, "preview")

    response = await alice.http.get(f"/attachments/{attachment['id']}?token={token}")

    assert response.status_code == 403


async def test_an_upload_token_does_not_serve_the_file(alice: ChatKitClient):
    attachment = await uploaded(alice, png())
    token = attachment["upload_descriptor"]["url"].partition("?")[2]

    response = await alice.http.get(f"/attachments/{attachment['id']}?{token}")

    assert response.status_code == 403


# Attacks through messages


async def test_another_users_attachment_cannot_be_sent(alice: ChatKitClient, bob: ChatKitClient):
    attachment = await uploaded(alice, png())

    response = await bob.post("threads.create", input=with_attachments("Mine?", attachment["id"]))

    assert response.status_code == 404
    assert await thread_count(bob) == 0


async def test_another_user_cannot_delete_an_attachment(alice: ChatKitClient, bob: ChatKitClient):
    attachment = await uploaded(alice, png())

    response = await bob.post("attachments.delete", attachment_id=attachment["id"])

    assert response.status_code == 404
    assert (await alice.http.get(attachment["preview_url"])).status_code == 200


async def test_an_attachment_not_yet_uploaded_is_refused_before_a_thread_is_stored(
    alice: ChatKitClient,
):
    attachment = (await create(alice, "photo.png", 1_000)).json()

    response = await alice.post("threads.create", input=with_attachments("Look", attachment["id"]))

    assert response.status_code == 400
    assert await thread_count(alice) == 0


async def test_more_attachments_than_a_message_may_have_get_400(alice: ChatKitClient):
    ids = [(await uploaded(alice, png()))["id"] for _ in range(5)]

    response = await alice.post("threads.create", input=with_attachments("Look", *ids))

    assert response.status_code == 400
    assert await thread_count(alice) == 0


async def test_an_attachment_sent_once_cannot_be_sent_again(alice: ChatKitClient):
    attachment = await uploaded(alice, png())
    await alice.stream("threads.create", input=with_attachments("Look", attachment["id"]))

    response = await alice.post("threads.create", input=with_attachments("Again", attachment["id"]))

    assert response.status_code == 400
