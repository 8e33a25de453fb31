"""Attachments: the limits on what may be uploaded, the signed upload and preview links, and
the attachment store ChatKit calls for `attachments.create` and `attachments.delete`.

Uploads are two-phase: `attachments.create` records the attachment and answers with a link to
this backend's upload route (api/routes/attachments.py); the browser sends the bytes there.
Neither that request nor an `<img>` showing a preview can carry the user's bearer token, so
the links hold a short-lived HMAC token bound to the attachment, its user and its size.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from chatkit.store import AttachmentStore
from chatkit.types import (
    Attachment,
    AttachmentCreateParams,
    AttachmentUploadDescriptor,
    FileAttachment,
    ImageAttachment,
)
from pydantic import AnyUrl

from .context import RequestContext
from .settings import Settings
from .stores.base import AppStore
from .stores.ids import new_id

# Attachments of these types are images: they get a preview and go to the model as images.
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# These must be UTF-8: they go to the model as text.
TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/csv", "application/json"})

# The first bytes every file of a type starts with; an upload that does not is refused, so a
# "PNG" that is really HTML never reaches the model or a browser.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),  # then 4 size bytes and b"WEBP", checked below
    "application/pdf": (b"%PDF-",),
}

Purpose = Literal["upload", "preview"]

# File names are shown and sent to the model, and go into a header when served.
MAX_NAME_CHARS = 255

# The origin of the request being served, for the absolute links ChatKit needs; the ChatKit
# route sets it (behind a proxy, run uvicorn with --proxy-headers so it is the public one).
request_base_url: ContextVar[str] = ContextVar("request_base_url", default="http://localhost/")


class AttachmentRefused(Exception):
    """An attachment this backend will not take; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Grant:
    """What a valid token allows: `purpose` on attachment `attachment_id` of `user_id`."""

    purpose: Purpose
    attachment_id: str
    user_id: str
    size: int


class Signer:
    """Makes and checks the tokens in upload and preview links (HMAC-SHA256)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def sign(self, grant: Grant, lifetime_seconds: float) -> str:
        claims = {
            "p": grant.purpose,
            "a": grant.attachment_id,
            "u": grant.user_id,
            "s": grant.size,
            "e": int(time.time() + lifetime_seconds),
        }
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{payload}.{self._mac(payload)}"

    def verify(self, token: str, purpose: Purpose, attachment_id: str) -> Grant | None:
        """The grant in `token` if it is genuine, unexpired and for this purpose and attachment."""
        payload, _, mac = token.partition(".")
        # As bytes: compare_digest refuses str with non-ASCII characters, which anyone can send.
        if not hmac.compare_digest(mac.encode(), self._mac(payload).encode()):
            return None
        try:
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError:
            return None
        if claims["p"] != purpose or claims["a"] != attachment_id or claims["e"] < time.time():
            return None
        return Grant(purpose, claims["a"], claims["u"], claims["s"])

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, payload.encode(), hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signer_for(settings: Settings) -> Signer:
    """A signer with ATTACHMENT_SIGNING_SECRET, else with a random key for this process."""
    secret = settings.attachment_signing_secret
    # Without a shared secret, links made by one replica fail on another: set it when scaling out.
    return Signer(secret.get_secret_value().encode() if secret else secrets.token_bytes(32))


def starts_like(mime_type: str, head: bytes) -> bool:
    """Whether `head`, a file's first bytes, fit `mime_type`; types without a signature do."""
    signatures = SIGNATURES.get(mime_type)
    if signatures is None:
        return True
    if mime_type == "image/webp" and head[8:12] != b"WEBP":
        return False
    return head.startswith(signatures)


class SignedUploadAttachmentStore(AttachmentStore[RequestContext]):
    """Checks new attachments against the limits and hands out signed upload links.

    The bytes live in the app's store with the attachment's row, so there is nothing here to
    delete: `attachments.delete` is checked here, then ChatKit deletes the row from the store.
    """

    def __init__(self, store: AppStore, settings: Settings, signer: Signer) -> None:
        self.store = store
        self.settings = settings
        self.signer = signer

    async def create_attachment(
        self, input: AttachmentCreateParams, context: RequestContext
    ) -> Attachment:
        self._check_type_and_size(input)
        await self._drop_expired_uploads()
        used = await self.store.attachment_bytes_used(context)
        if used + input.size > self.settings.attachment_max_bytes_per_user:
            limit = self.settings.attachment_max_bytes_per_user
            raise AttachmentRefused(413, f"Your attachments would exceed {limit} bytes in total")
        attachment_id = self.generate_attachment_id(input.mime_type, context)
        grant = Grant("upload", attachment_id, context.user_id, input.size)
        token = self.signer.sign(grant, self.settings.attachment_upload_token_seconds)
        upload = AttachmentUploadDescriptor(
            url=AnyUrl(self.link(f"attachments/{attachment_id}/upload", token)), method="POST"
        )
        # The name is data only: never part of a path, and sent to the model as the user gave it.
        if input.mime_type in IMAGE_TYPES:
            return ImageAttachment(
                id=attachment_id,
                name=input.name,
                mime_type=input.mime_type,
                upload_descriptor=upload,
                metadata={"size": input.size},
                preview_url=AnyUrl(self.preview_url(grant)),
            )
        return FileAttachment(
            id=attachment_id,
            name=input.name,
            mime_type=input.mime_type,
            upload_descriptor=upload,
            metadata={"size": input.size},
        )

    async def delete_attachment(self, attachment_id: str, context: RequestContext) -> None:
        # ChatKit deletes the row (and its bytes) from the store right after this.
        attachment = await self.store.load_attachment(attachment_id, context)
        if attachment.thread_id is not None:
            raise AttachmentRefused(400, "An attachment of a sent message cannot be deleted")

    def generate_attachment_id(self, mime_type: str, context: RequestContext) -> str:
        # Full entropy, like the store's other ids (ChatKit's default has 32 random bits).
        return new_id("attachment")

    def preview_url(self, grant: Grant) -> str:
        preview = Grant("preview", grant.attachment_id, grant.user_id, grant.size)
        token = self.signer.sign(preview, self.settings.attachment_preview_seconds)
        return self.link(f"attachments/{grant.attachment_id}", token)

    def link(self, path: str, token: str) -> str:
        return f"{request_base_url.get()}{path}?token={token}"

    def _check_type_and_size(self, input: AttachmentCreateParams) -> None:
        if not 0 < len(input.name) <= MAX_NAME_CHARS:
            raise AttachmentRefused(400, f"A file name must have 1 to {MAX_NAME_CHARS} characters")
        if input.mime_type not in self.settings.attachment_mime_types:
            allowed = ", ".join(sorted(self.settings.attachment_mime_types))
            raise AttachmentRefused(415, f"{input.mime_type} is not accepted; send {allowed}")
        if not 0 < input.size <= self.settings.attachment_max_bytes:
            limit = self.settings.attachment_max_bytes
            raise AttachmentRefused(413, f"An attachment must have 1 to {limit} bytes")

    async def _drop_expired_uploads(self) -> None:
        # Here rather than in a timer: every replica creates attachments, none has to schedule.
        ttl = timedelta(seconds=self.settings.attachment_unsent_ttl_seconds)
        await self.store.delete_unsent_attachments(datetime.now() - ttl)
