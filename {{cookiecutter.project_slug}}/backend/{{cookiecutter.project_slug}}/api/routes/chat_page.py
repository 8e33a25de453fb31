"""GET /: the development chat page, ChatKit's web component pointed at this backend."""

import base64
import hashlib
import html
import json
import re
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from ...settings import SENDABLE_MIME_TYPES, Settings
from ..deps import SettingsDep

PAGE = Path(__file__).resolve().parents[2] / "static" / "chat.html"
# The page loads this and nothing else from outside; ChatKit runs its UI in a frame from there.
CHATKIT_SCRIPT = "https://cdn.platform.openai.com/deployments/chatkit/chatkit.js"
CHATKIT_ORIGIN = "https://cdn.platform.openai.com"
INLINE_CODE = re.compile(r"<(script|style)(?: type=\"module\")?>(.*?)</\1>", re.DOTALL)

router = APIRouter(tags=["chat page"])


@router.get("/", include_in_schema=False)
async def chat_page(settings: SettingsDep) -> HTMLResponse:
    page, policy = render_page(
        settings.chatkit_domain_key, settings.auth_mode, composer_attachments(settings)
    )
    return HTMLResponse(
        page,
        headers={
            "Content-Security-Policy": policy,
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )


def composer_attachments(settings: Settings) -> str:
    """ChatKit's `composer.attachments` option as JSON: what the upload route accepts."""
    option = {
        "enabled": settings.attachment_max_per_message > 0,
        "maxCount": settings.attachment_max_per_message,
        "maxSize": settings.attachment_max_bytes,
        "accept": {kind: SENDABLE_MIME_TYPES[kind] for kind in settings.attachment_mime_types},
    }
    return json.dumps(option, separators=(",", ":"))


@cache
def render_page(domain_key: str, auth_mode: str, attachments: str) -> tuple[str, str]:
    """The page with its settings filled in, and its Content-Security-Policy; built once."""
    page = PAGE.read_text(encoding="utf-8")
    for placeholder, value in (
        ("CHATKIT_DOMAIN_KEY", domain_key),
        ("AUTH_MODE", auth_mode),
        ("CHATKIT_ATTACHMENTS", attachments),
    ):
        page = page.replace(f'content="{placeholder}"', f'content="{html.escape(value)}"')
    return page, content_security_policy(page)


def content_security_policy(page: str) -> str:
    """Allow the CDN's script, the page's own inline module and style, and this origin's API."""
    hashes: dict[str, list[str]] = {"script": [], "style": []}
    for kind, code in INLINE_CODE.findall(page):
        digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
        hashes[kind].append(f"'sha256-{digest}'")
    return "; ".join(
        [
            "default-src 'none'",
            " ".join(["script-src", CHATKIT_SCRIPT, *hashes["script"]]),
            " ".join(["style-src", *hashes["style"]]),
            "connect-src 'self'",
            f"frame-src {CHATKIT_ORIGIN}",
            "img-src 'self' data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
