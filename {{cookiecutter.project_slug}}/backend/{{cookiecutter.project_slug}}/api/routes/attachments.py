"""Attachment bytes over signed links: the upload route ChatKit sends a file to after
`attachments.create`, and the preview route an `<img>` loads it from.

Neither request carries the user's bearer token: the link's token names the user (see
attachments.py), and it grants one upload, or reading for a while, of one attachment.
"""

from collections.abc import AsyncGenerator
from urllib.parse import quote

from chatkit.types import Attachment
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import TypeAdapter
from starlette.formparsers import MultiPartException, MultiPartParser

from ...attachments import IMAGE_TYPES, TEXT_TYPES, Grant, Purpose, starts_like
from ...context import RequestContext
from ..deps import ChatKitServerDep

# Room for a multipart body's boundaries and part headers around the file itself.
MULTIPART_OVERHEAD = 16_384
# Enough of a file's start to check its signature (see attachments.SIGNATURES).
SIGNATURE_BYTES = 16

ATTACHMENT = TypeAdapter(Attachment)

router = APIRouter(tags=["attachments"])


@router.post("/attachments/{attachment_id}/upload")
async def upload(
    attachment_id: str, token: str, request: Request, server: ChatKitServerDep
) -> Response:
    """Store the bytes of an attachment created by `attachments.create`, once."""
    grant = verify(server, token, "upload", attachment_id)
    context = RequestContext(user_id=grant.user_id)
    attachment = await server.store.load_attachment(attachment_id, context)
    if attachment.upload_descriptor is None:
        raise HTTPException(403, "This upload link has been used")
    content = await read_upload(request, grant.size)
    check_content(attachment, content, grant.size)
    uploaded = attachment.model_copy(update={"upload_descriptor": None})
    # Checked again in the write itself, in case two uploads with the same link race.
    if not await server.store.save_attachment_content(uploaded, content, context):
        raise HTTPException(403, "This upload link has been used")
    body = ATTACHMENT.dump_json(uploaded, context={"exclude_metadata": True})
    return Response(body, media_type="application/json")


@router.get("/attachments/{attachment_id}")
async def preview(attachment_id: str, token: str, server: ChatKitServerDep) -> Response:
    """An attachment's bytes, for the link in its `preview_url`."""
    grant = verify(server, token, "preview", attachment_id)
    context = RequestContext(user_id=grant.user_id)
    attachment = await server.store.load_attachment(attachment_id, context)
    content = await server.store.load_attachment_content(attachment_id, context)
    if content is None:
        raise HTTPException(404, f"Attachment {attachment_id} has not been uploaded")
    # Shown in the page only if an image; anything else is a download, never a document of
    # this origin (nosniff stops a browser from guessing HTML in it).
    disposition = "inline" if attachment.mime_type in IMAGE_TYPES else "attachment"
    headers = {
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(attachment.name, safe='')}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
    return Response(content, media_type=attachment.mime_type, headers=headers)


def verify(server: ChatKitServerDep, token: str, purpose: Purpose, attachment_id: str) -> Grant:
    grant = server.attachments.signer.verify(token, purpose, attachment_id)
    if grant is None:
        raise HTTPException(403, "This link is not valid, or has expired")
    return grant


async def read_upload(request: Request, size: int) -> bytes:
    """The uploaded file: the raw body, or the `file` field of a multipart form.

    Reading stops with 413 as soon as the body is larger than the declared size allows.
    """
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return b"".join([chunk async for chunk in capped(request, size)])
    parser = MultiPartParser(
        request.headers, capped(request, size + MULTIPART_OVERHEAD), max_files=1, max_fields=1
    )
    try:
        form = await parser.parse()
    except MultiPartException as error:
        raise HTTPException(400, error.message) from error
    file = form.get("file")
    if file is None or isinstance(file, str):
        raise HTTPException(400, "Expected the file in a form field named 'file'")
    try:
        return await file.read(size + 1)
    finally:
        await form.close()


async def capped(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    """The request body's chunks, cut off with 413 past `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"The upload exceeds its declared size of {limit} bytes")
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise HTTPException(413, f"The upload exceeds its declared size of {limit} bytes")
        yield chunk


def check_content(attachment: Attachment, content: bytes, size: int) -> None:
    """Refuse bytes other than those declared: a different size, or not of the declared type."""
    if len(content) > size:
        raise HTTPException(413, f"The upload exceeds its declared size of {size} bytes")
    if len(content) < size:
        raise HTTPException(400, f"The upload is shorter than its declared size of {size} bytes")
    if not starts_like(attachment.mime_type, content[:SIGNATURE_BYTES]):
        raise HTTPException(415, f"The file is not {attachment.mime_type}")
    if attachment.mime_type in TEXT_TYPES and not is_utf8(content):
        raise HTTPException(415, f"The file is not {attachment.mime_type} in UTF-8")


def is_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
