"""The development chat page at GET /: when it is served, what it carries, what it may load."""

import base64
import hashlib
import html
import json
import re
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from {{ cookiecutter.project_slug }}.settings import Settings

CHATKIT_SCRIPT = "https://cdn.platform.openai.com/deployments/chatkit/chatkit.js"
JWT = {"auth_mode": "jwt", "auth_jwt_secret": SecretStr("a-test-secret-that-is-long-enough")}


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The suite's settings with a test's own overrides, validated as from the environment
    (`@pytest.mark.parametrize("settings", [{...}], indirect=True)`)."""
    return Settings(**{**settings.model_dump(), **getattr(request, "param", {})})


def csp(response: httpx.Response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as directive -> sources."""
    directives = [part.split() for part in response.headers["Content-Security-Policy"].split(";")]
    return {name: sources for name, *sources in directives}


def sha256_source(code: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'"


async def test_the_page_is_served_at_the_root_without_auth(http: httpx.AsyncClient):
    response = await http.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f'<script src="{CHATKIT_SCRIPT}" async></script>' in response.text
    assert "<openai-chatkit" in response.text


async def test_the_page_points_chatkit_at_this_backend_with_the_default_domain_key(
    http: httpx.AsyncClient,
):
    page = (await http.get("/")).text

    assert '<meta name="chatkit-domain-key" content="domain_pk_localhost_dev">' in page
    assert 'url: "/chatkit"' in page


@pytest.mark.parametrize("settings", [{"chatkit_domain_key": "domain_pk_abc123"}], indirect=True)
async def test_the_page_carries_the_configured_domain_key(http: httpx.AsyncClient):
    page = (await http.get("/")).text

    assert '<meta name="chatkit-domain-key" content="domain_pk_abc123">' in page


def attachments_option(page: str) -> Any:
    [content] = re.findall(r'<meta name="chatkit-attachments" content="([^"]*)">', page)
    return json.loads(html.unescape(content))


@pytest.mark.parametrize(
    "settings",
    [
        {
            "attachment_max_per_message": 2,
            "attachment_max_bytes": 5_000_000,
            "attachment_mime_types": "image/png,text/plain",
        }
    ],
    indirect=True,
)
async def test_the_page_offers_uploads_within_the_backends_limits(http: httpx.AsyncClient):
    page = (await http.get("/")).text

    assert attachments_option(page) == {
        "enabled": True,
        "maxCount": 2,
        "maxSize": 5_000_000,
        "accept": {"image/png": [".png"], "text/plain": [".txt"]},
    }
    assert "composer: { attachments: JSON.parse(" in page


@pytest.mark.parametrize("settings", [{"attachment_max_per_message": 0}], indirect=True)
async def test_with_no_attachments_allowed_the_page_offers_no_upload(http: httpx.AsyncClient):
    page = (await http.get("/")).text

    assert attachments_option(page)["enabled"] is False


def test_a_domain_key_that_could_break_the_page_is_refused(settings: Settings):
    with pytest.raises(ValueError, match="chatkit_domain_key"):
        Settings(**{**settings.model_dump(), "chatkit_domain_key": '"><script>'})


async def test_the_policy_allows_the_cdn_script_the_inline_code_and_this_origin_only(
    http: httpx.AsyncClient,
):
    response = await http.get("/")
    policy = csp(response)
    [module] = re.findall(r'<script type="module">(.*?)</script>', response.text, re.DOTALL)
    [style] = re.findall(r"<style>(.*?)</style>", response.text, re.DOTALL)

    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == [CHATKIT_SCRIPT, sha256_source(module)]
    assert policy["style-src"] == [sha256_source(style)]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-src"] == ["https://cdn.platform.openai.com"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("settings", [{"chat_page": False}], indirect=True)
async def test_chat_page_false_serves_no_page(http: httpx.AsyncClient):
    assert (await http.get("/")).status_code == 404


@pytest.mark.parametrize("settings", [JWT], indirect=True)
async def test_with_jwt_auth_the_page_is_off_by_default(http: httpx.AsyncClient):
    assert (await http.get("/")).status_code == 404


@pytest.mark.parametrize("settings", [{**JWT, "chat_page": True}], indirect=True)
async def test_with_jwt_auth_chat_page_true_serves_the_page_that_asks_for_a_token(
    http: httpx.AsyncClient,
):
    page = (await http.get("/")).text

    assert '<meta name="auth-mode" content="jwt">' in page
    assert 'id="token"' in page
