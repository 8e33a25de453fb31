"""A failing identity provider: one JWKS fetch for all waiting requests, a quick 503 for each,
the failure remembered, and an HTML page a 503 rather than a 500."""

import asyncio
import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from {{ cookiecutter.project_slug }} import jwks as jwks_module
from {{ cookiecutter.project_slug }}.settings import Settings

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_JWK = {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key())), "kid": "k1"}
LIST_THREADS = {"type": "threads.list", "params": {}}


class Jwks(ThreadingHTTPServer):
    """A JWKS endpoint that serves the key, hangs, or answers HTML, as the test says."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), JwksHandler)
        self.mode = "ok"
        self.fetches = 0
        self.released = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/jwks.json"


class JwksHandler(BaseHTTPRequestHandler):
    server: Jwks

    def do_GET(self) -> None:
        self.server.fetches += 1
        if self.server.mode == "hang":
            self.server.released.wait(30)
            return
        if self.server.mode == "html":
            self.reply("text/html", b"<html>Sign-in is down</html>")
        else:
            self.reply("application/json", json.dumps({"keys": [PUBLIC_JWK]}).encode())

    def reply(self, content_type: str, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def jwks() -> Iterator[Jwks]:
    server = Jwks()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.released.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def settings(settings: Settings, jwks: Jwks, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Tokens checked against the JWKS stand-in, whose hang ends each fetch in a second."""
    monkeypatch.setattr(jwks_module, "FETCH_TIMEOUT_SECONDS", 1.0)
    return settings.model_copy(update={"auth_mode": "jwt", "auth_jwks_url": jwks.url})


def token() -> str:
    claims = {"sub": "alice", "exp": int(time.time()) + 600}
    return jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "k1"})


async def post_concurrently(http: httpx.AsyncClient, count: int) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {token()}"}
    posts = [http.post("/chatkit", json=LIST_THREADS, headers=headers) for _ in range(count)]
    return await asyncio.gather(*posts)


async def test_a_valid_token_is_served_with_the_fetched_keys(http: httpx.AsyncClient):
    [response] = await post_concurrently(http, 1)

    assert response.status_code == 200


async def test_a_hung_jwks_url_is_fetched_once_and_every_waiter_gets_503_together(
    http: httpx.AsyncClient, jwks: Jwks
):
    jwks.mode = "hang"

    started = time.monotonic()
    responses = await post_concurrently(http, 10)
    elapsed = time.monotonic() - started

    assert [response.status_code for response in responses] == [503] * 10
    assert elapsed < 5  # one shared wait for the 1 s fetch timeout, not ten in turn
    assert jwks.fetches == 1


async def test_a_failed_fetch_is_remembered_and_answered_503_at_once(
    http: httpx.AsyncClient, jwks: Jwks
):
    jwks.mode = "html"
    await post_concurrently(http, 1)

    started = time.monotonic()
    responses = await post_concurrently(http, 5)
    elapsed = time.monotonic() - started

    assert [response.status_code for response in responses] == [503] * 5
    assert elapsed < 2
    assert jwks.fetches == 1


async def test_an_html_page_at_the_jwks_url_gives_503_not_500(
    http: httpx.AsyncClient, jwks: Jwks, caplog: pytest.LogCaptureFixture
):
    jwks.mode = "html"

    [response] = await post_concurrently(http, 1)

    assert response.status_code == 503
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []
    assert [record for record in caplog.records if record.exc_info] == []
