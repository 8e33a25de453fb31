"""The chat page in a real browser: Chromium runs the page's own script against the backend.

The CDN cannot be reached from tests, so its URL is answered with a stand-in `<openai-chatkit>`
element: it takes the options the page passes to `setOptions`, posts `threads.create` through
the page's own `api.fetch` to `api.url`, and shows the streamed reply. The screenshots are kept
in tests/artifacts/.
"""

import importlib.util
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest

from support.project import PROJECT_ROOT
from support.server import running_server

pytestmark = pytest.mark.process

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
CHATKIT_SCRIPT = "https://cdn.platform.openai.com/deployments/chatkit/chatkit.js"
DOMAIN_KEY = "domain_pk_browser_test"
SECRET = "a-test-secret-that-is-long-enough-for-hs256"
JWT_PAGE = {"AUTH_MODE": "jwt", "AUTH_JWT_SECRET": SECRET, "CHAT_PAGE": "true"}

# Stands in for ChatKit's script: the same element name and `setOptions` entry point.
STAND_IN = """
customElements.define("openai-chatkit", class extends HTMLElement {
  setOptions(options) {
    this.options = options;
    this.dataset.domainKey = options.api.domainKey;
    this.dataset.apiUrl = options.api.url;
    this.dataset.attachments = JSON.stringify(options.composer?.attachments ?? null);
    this.innerHTML =
      '<input id="message" aria-label="Message"><button id="send">Send</button><p id="reply"></p>';
    this.querySelector("#send").addEventListener("click", () => this.send());
  }

  async send() {
    const { url, fetch } = this.options.api;
    const text = this.querySelector("#message").value;
    const content = [{ type: "input_text", text }];
    const input = { content, attachments: [], inference_options: {} };
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ type: "threads.create", params: { input } }),
    });
    const reply = this.querySelector("#reply");
    if (!response.ok) {
      reply.textContent = `HTTP ${response.status}`;
      return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      const lines = (buffered + chunk.value).split("\\n");
      buffered = lines.pop();
      for (const line of lines.filter((line) => line.startsWith("data: "))) {
        const event = JSON.parse(line.slice(6));
        if (event.update?.type === "assistant_message.content_part.text_delta") {
          reply.textContent += event.update.delta;
        }
      }
    }
  }
});
"""


def chromium_or_skip() -> Any:
    """Playwright's sync API, if it and Debian's chromium are installed; under CI they must be."""
    missing = []
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright package (backend/requirements-dev.txt)")
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if missing:
        reason = "the browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(f"{reason}; under CI this fails instead")
    from playwright import sync_api

    return sync_api


@pytest.fixture(scope="module")
def browser(server_env: dict[str, str]) -> Iterator[Any]:
    # After server_env: Playwright's sync API keeps an event loop running until it stops, and
    # fixtures that call asyncio.run (a PostgreSQL database per module) cannot run inside it.
    sync_api = chromium_or_skip()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Tab:
    """A browser tab and what it saw: its /chatkit requests and its console errors."""

    page: Any
    chatkit_requests: list[Any] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def chat(self, text: str) -> str:
        """Send `text` through the stand-in; the reply shown once it holds `text`."""
        self.page.locator("#message").fill(text)
        self.page.locator("#send").click()
        reply = self.page.locator("#reply")
        reply.filter(has_text=text).wait_for(timeout=30_000)
        return reply.text_content()

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / name)


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    """A fresh tab whose ChatKit script is the stand-in."""
    context = browser.new_context(viewport={"width": 800, "height": 500})
    tab = Tab(context.new_page())
    tab.page.route(
        CHATKIT_SCRIPT,
        lambda route: route.fulfill(status=200, content_type="text/javascript", body=STAND_IN),
    )
    tab.page.on("request", lambda request: record_chatkit_request(tab, request))
    tab.page.on("console", lambda message: record_console_error(tab, message))
    try:
        yield tab
    finally:
        context.close()


def record_chatkit_request(tab: Tab, request: Any) -> None:
    if request.url.endswith("/chatkit"):
        tab.chatkit_requests.append(request)


def record_console_error(tab: Tab, message: Any) -> None:
    if message.type == "error":
        tab.console_errors.append(message.text)


def test_the_page_shows_the_reply_streamed_from_the_backend(tab: Tab, server_env: dict[str, str]):
    env = {**server_env, "CHATKIT_DOMAIN_KEY": DOMAIN_KEY}
    with running_server(env) as url:
        tab.page.goto(url + "/")
        chatkit = tab.page.locator("openai-chatkit")

        reply = tab.chat("hello from the browser")
        tab.screenshot("chat_page.png")

    assert reply == "echo: hello from the browser"
    assert chatkit.get_attribute("data-domain-key") == DOMAIN_KEY
    assert chatkit.get_attribute("data-api-url") == "/chatkit"
    attachments = json.loads(chatkit.get_attribute("data-attachments"))
    assert (attachments["enabled"], attachments["maxSize"]) == (True, 10_000_000)
    [request] = tab.chatkit_requests
    assert request.url == f"{url}/chatkit"
    assert "authorization" not in request.headers
    # The page's policy let the stand-in and the inline module run and reach the API.
    assert tab.console_errors == []


@pytest.fixture(scope="module")
def jwt_page_url(server_env: dict[str, str]) -> Iterator[str]:
    """A backend with AUTH_MODE=jwt that serves the page, shared by the jwt tests."""
    with running_server({**server_env, **JWT_PAGE}) as url:
        yield url


def test_in_jwt_mode_the_page_sends_the_token_pasted_into_it(tab: Tab, jwt_page_url: str):
    token = jwt.encode({"sub": "alice", "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    tab.page.goto(jwt_page_url + "/")
    tab.page.locator("#token").fill(token)
    tab.page.get_by_role("button", name="Use").click()

    reply = tab.chat("hello with a token")
    tab.screenshot("chat_page_jwt.png")

    assert reply == "echo: hello with a token"
    [request] = tab.chatkit_requests
    assert request.headers["authorization"] == f"Bearer {token}"


def test_in_jwt_mode_a_message_sent_without_a_token_is_refused(tab: Tab, jwt_page_url: str):
    tab.page.goto(jwt_page_url + "/")
    tab.page.locator("#message").fill("hello without a token")
    tab.page.locator("#send").click()
    reply = tab.page.locator("#reply")
    reply.filter(has_text="HTTP").wait_for(timeout=30_000)

    assert reply.text_content() == "HTTP 401"
