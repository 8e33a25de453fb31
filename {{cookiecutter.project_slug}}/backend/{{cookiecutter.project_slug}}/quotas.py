"""What a user may store and read at once: message and title sizes (400), list page sizes, and
no NUL characters."""

import json
from typing import Any

from chatkit.types import (
    ChatKitReq,
    ThreadsAddClientToolOutputReq,
    ThreadsAddUserMessageReq,
    ThreadsCreateReq,
    ThreadsUpdateReq,
    UserMessageInput,
    UserMessageTagContent,
)
from fastapi import HTTPException

from .chatkit_server import MAX_PAGE_SIZE
from .settings import Settings


def check_quotas(request: ChatKitReq, settings: Settings) -> None:
    """400 for a message, tool output or title over its limit, before anything is stored."""
    if isinstance(request, ThreadsCreateReq | ThreadsAddUserMessageReq):
        check_size("message", message_size(request.params.input), settings.max_message_chars)
    elif isinstance(request, ThreadsAddClientToolOutputReq):
        check_size("tool output", json_size(request.params.result), settings.max_message_chars)
    elif isinstance(request, ThreadsUpdateReq):
        check_size("title", len(request.params.title), settings.max_title_chars)


def check_no_nul_characters(body: bytes) -> None:
    """400 for a NUL character in any string of the request, before anything is stored.

    PostgreSQL cannot store one in text (the query fails, which would be a 500), and no client
    sends one on purpose; every store refuses them alike.
    """
    # JSON can hold one only as this escape, so most bodies need no second look.
    if b"\\u0000" not in body:
        return
    try:
        request = json.loads(body)
    except ValueError:
        return  # not JSON: parsing the request answers 400
    if has_nul_character(request):
        raise HTTPException(400, "The request has a NUL character (\\u0000), which no field takes")


def has_nul_character(value: Any) -> bool:
    if isinstance(value, str):
        return "\0" in value
    if isinstance(value, dict):
        return any(has_nul_character(key) or has_nul_character(item) for key, item in value.items())
    if isinstance(value, list):
        return any(has_nul_character(item) for item in value)
    return False


def clamp_page_size(request: ChatKitReq, settings: Settings) -> None:
    """Cut a list request's `limit` to MAX_PAGE_SIZE; the client pages on with `after`.

    With messages and titles bounded, this bounds the size of a list response. A limit out of
    any sensible range stays a 400 (see chatkit_server.check_params).
    """
    params = request.params
    if settings.max_page_size < (getattr(params, "limit", None) or 0) <= MAX_PAGE_SIZE:
        params.limit = settings.max_page_size  # type: ignore[union-attr]


def message_size(message: UserMessageInput) -> int:
    """Characters of everything the message stores: text, tags with their data, quote, options.

    Tags and quoted text reach the model too; tag data is stored with the message.
    """
    size = len(message.quoted_text or "") + sum(len(id_) for id_ in message.attachments)
    size += json_size(message.inference_options.model_dump(exclude_none=True))
    for part in message.content:
        size += len(part.text)
        if isinstance(part, UserMessageTagContent):
            size += len(part.id) + len(part.group or "") + json_size(part.data)
    return size


def json_size(value: Any) -> int:
    """Characters of `value` as compact JSON; an empty object or null counts as nothing."""
    return len(json.dumps(value, separators=(",", ":"))) if value else 0


def check_size(what: str, size: int, limit: int) -> None:
    if size > limit:
        raise HTTPException(400, f"The {what} has {size} characters; at most {limit} are accepted")
