"""Attachments through the ChatKit protocol for tests: create, upload, send."""

import os
from typing import Any

import httpx

from support.chatkit_client import ChatKitClient, user_input

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png(size: int = 1_000) -> bytes:
    """Bytes that start like a PNG, and are otherwise random (the model is a fake)."""
    return PNG_SIGNATURE + os.urandom(size - len(PNG_SIGNATURE))


async def create(
    client: ChatKitClient, name: str, size: int, mime_type: str = "image/png"
) -> httpx.Response:
    return await client.post("attachments.create", name=name, size=size, mime_type=mime_type)


async def upload_to(
    client: ChatKitClient, attachment: dict[str, Any], body: bytes
) -> httpx.Response:
    """Send `body` to the attachment's upload link, as the ChatKit client does (no bearer)."""
    descriptor = attachment["upload_descriptor"]
    return await client.http.request(descriptor["method"], descriptor["url"], content=body)


async def uploaded(
    client: ChatKitClient, content: bytes, name: str = "photo.png", mime_type: str = "image/png"
) -> dict[str, Any]:
    """A new attachment of the client's user, with `content` uploaded."""
    response = await create(client, name, len(content), mime_type)
    assert response.status_code == 200, response.text
    attachment = response.json()
    upload = await upload_to(client, attachment, content)
    assert upload.status_code == 200, upload.text
    return attachment


def with_attachments(text: str, *attachment_ids: str) -> dict[str, Any]:
    return {**user_input(text), "attachments": list(attachment_ids)}
