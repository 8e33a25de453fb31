"""Authentication: bearer tokens (HS256 secret or JWKS), per-user threads, the no-auth guard."""

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import SecretStr, ValidationError

from {{ cookiecutter.project_slug }}.settings import Settings

from fake_provider import FakeProvider
from support.chatkit_client import ChatKitClient, user_input
from support.project import PROJECT_ROOT
from support.server import free_port, running_server, serve_in_process

SECRET = "a-test-secret-that-is-long-enough-for-hs256"
AUDIENCE = "chatkit-tests"
ISSUER = "https://issuer.test"
JWT_MODE = {
    "auth_mode": "jwt",
    "auth_jwt_secret": SecretStr(SECRET),
    "auth_jwt_audience": AUDIENCE,
    "auth_jwt_issuer": ISSUER,
}
MISSING_THREAD = "thr_00000000000000000000000000000000"


def claims(**changes: Any) -> dict[str, Any]:
    """Valid claims for alice; a change to None leaves that claim out."""
    valid = {"sub": "alice", "aud": AUDIENCE, "iss": ISSUER, "exp": int(time.time()) + 600}
    return {name: value for name, value in {**valid, **changes}.items() if value is not None}


def hs256(payload: dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(payload, secret, algorithm="HS256")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def configure(settings: Settings, **changes: Any) -> Settings:
    """`settings` with changes, validated as if they came from the environment."""
    return Settings(**{**settings.model_dump(), **changes})


@pytest.fixture
async def jwt_http(
    settings: Settings, fake_provider: FakeProvider
) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_in_process(settings.model_copy(update=JWT_MODE)) as http:
        yield http


@pytest.fixture
def alice(jwt_http: httpx.AsyncClient) -> ChatKitClient:
    return ChatKitClient(jwt_http, bearer(hs256(claims(sub="alice"))))


@pytest.fixture
def bob(jwt_http: httpx.AsyncClient) -> ChatKitClient:
    return ChatKitClient(jwt_http, bearer(hs256(claims(sub="bob"))))


# Settings


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param({}, id="neither"),
        pytest.param(
            {"auth_jwt_secret": SECRET, "auth_jwks_url": "https://issuer.test/jwks"}, id="both"
        ),
    ],
)
def test_jwt_mode_needs_exactly_one_of_a_secret_and_a_jwks_url(settings: Settings, keys: dict):
    with pytest.raises(ValidationError, match="exactly one of AUTH_JWT_SECRET"):
        configure(settings, auth_mode="jwt", **keys)


@pytest.mark.parametrize(
    "keys",
    [{"auth_jwt_secret": SECRET}, {"auth_jwks_url": "https://issuer.test/jwks"}],
    ids=["secret", "jwks-url"],
)
def test_jwt_mode_accepts_one_source_of_keys(settings: Settings, keys: dict):
    assert configure(settings, auth_mode="jwt", **keys).auth_mode == "jwt"


def test_a_secret_shorter_than_32_bytes_is_refused(settings: Settings):
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        configure(settings, auth_jwt_secret="s" * 31)


def test_an_empty_auth_setting_counts_as_unset(settings: Settings):
    configured = configure(settings, auth_jwt_secret=SECRET, auth_jwks_url="", auth_mode="jwt")

    assert configured.auth_jwks_url is None


def test_a_refused_secret_is_not_repeated_in_the_error(settings: Settings):
    with pytest.raises(ValidationError) as error:
        configure(settings, auth_jwt_secret="hunter2-hunter2")

    assert "hunter2" not in str(error.value)


# AUTH_MODE=none


async def test_without_auth_a_request_needs_no_token(http: httpx.AsyncClient):
    response = await ChatKitClient(http).post("threads.list")

    assert response.status_code == 200


async def test_without_auth_the_server_warns_at_startup(
    settings: Settings, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.WARNING):
        async with serve_in_process(settings):
            pass

    assert "AUTH_MODE=none" in caplog.text


# AUTH_MODE=jwt with a shared secret


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic YWxpY2U6cHc="}, {"Authorization": "Bearer "}],
    ids=["no-header", "basic-scheme", "empty-bearer"],
)
async def test_a_request_without_a_bearer_token_gets_401_with_a_challenge(
    jwt_http: httpx.AsyncClient, headers: dict
):
    response = await ChatKitClient(jwt_http, headers).post("threads.list")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in response.json()["detail"]


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda: "not-a-jwt", id="malformed"),
        pytest.param(lambda: hs256(claims(exp=int(time.time()) - 3600)), id="expired"),
        pytest.param(lambda: hs256(claims(), "another-secret-of-at-least-32-bytes"), id="forged"),
        pytest.param(lambda: jwt.encode(claims(), None, algorithm="none"), id="unsigned"),
        pytest.param(lambda: hs256(claims(sub=None)), id="no-sub"),
        pytest.param(lambda: hs256(claims(sub="")), id="empty-sub"),
        pytest.param(lambda: hs256(claims(sub=42)), id="numeric-sub"),
        pytest.param(lambda: hs256(claims(exp=None)), id="no-exp"),
        pytest.param(lambda: hs256(claims(aud="another-app")), id="other-audience"),
        pytest.param(lambda: hs256(claims(iss="https://evil.test")), id="other-issuer"),
    ],
)
async def test_a_bad_token_gets_401_invalid_token(
    jwt_http: httpx.AsyncClient, make_token: Callable[[], str]
):
    response = await ChatKitClient(jwt_http, bearer(make_token())).post("threads.list")

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert response.json()["detail"].startswith("The access token")


async def test_a_valid_token_is_served(alice: ChatKitClient):
    _, events = await alice.create_thread("hello")

    assert events[0]["type"] == "thread.created"


@pytest.mark.parametrize("path", ["/health", "/ready"])
async def test_health_and_readiness_need_no_token(jwt_http: httpx.AsyncClient, path: str):
    response = await jwt_http.get(path)

    assert response.status_code == 200


async def test_the_debug_endpoint_needs_a_token(settings: Settings):
    debug = settings.model_copy(update={**JWT_MODE, "debug_endpoints": True})
    async with serve_in_process(debug) as http:
        response = await http.get("/debug/threads")

    assert response.status_code == 401


# Threads belong to their user


def attempt(request_type: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Parameters for `request_type` on a thread with these items, aimed at real ids."""
    user_message, reply = items[0]["id"], items[1]["id"]
    return {
        "threads.get_by_id": {},
        "items.list": {},
        "threads.add_user_message": {"input": user_input("let me in")},
        "threads.retry_after_item": {"item_id": user_message},
        "threads.update": {"title": "taken over"},
        "threads.delete": {},
        "items.feedback": {"item_ids": [reply], "kind": "negative"},
    }[request_type]


FOREIGN_REQUESTS = [
    "threads.get_by_id",
    "items.list",
    "threads.add_user_message",
    "threads.retry_after_item",
    "threads.update",
    "threads.delete",
    "items.feedback",
]


@pytest.mark.parametrize("request_type", FOREIGN_REQUESTS)
async def test_another_users_thread_answers_exactly_like_a_missing_one(
    alice: ChatKitClient, bob: ChatKitClient, request_type: str
):
    thread_id, _ = await alice.create_thread("alice's thread")
    params = attempt(request_type, await alice.items(thread_id))

    foreign = await bob.post(request_type, thread_id=thread_id, **params)
    missing = await bob.post(request_type, thread_id=MISSING_THREAD, **params)

    assert foreign.status_code == missing.status_code == 404
    assert foreign.headers["content-type"] == missing.headers["content-type"]
    assert foreign.json() == json.loads(missing.text.replace(MISSING_THREAD, thread_id))


async def test_the_owners_thread_is_unchanged_after_another_users_attempts(
    alice: ChatKitClient, bob: ChatKitClient
):
    thread_id, _ = await alice.create_thread("alice's thread")
    before = (await alice.post("threads.get_by_id", thread_id=thread_id)).json()

    for request_type in FOREIGN_REQUESTS:
        params = attempt(request_type, before["items"]["data"])
        await bob.post(request_type, thread_id=thread_id, **params)

    after = (await alice.post("threads.get_by_id", thread_id=thread_id)).json()
    assert after == before


async def test_the_thread_list_shows_only_the_callers_threads(
    alice: ChatKitClient, bob: ChatKitClient
):
    await alice.create_thread("alice's thread")
    bobs_thread, _ = await bob.create_thread("bob's thread")

    response = await bob.post("threads.list", limit=100)

    assert [thread["id"] for thread in response.json()["data"]] == [bobs_thread]


# AUTH_MODE=jwt with a JWKS URL

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
SIGNING_KEYS = {"RS256": ("rsa-key", RSA_KEY), "ES256": ("ec-key", EC_KEY)}


def jwks_document() -> dict[str, Any]:
    keys = []
    for algorithm, (kid, key) in SIGNING_KEYS.items():
        jwk = jwt.get_algorithm_by_name(algorithm).to_jwk(key.public_key(), as_dict=True)
        keys.append({**jwk, "kid": kid, "use": "sig", "alg": algorithm})
    return {"keys": keys}


@contextmanager
def serve_jwks(document: dict[str, Any]) -> Iterator[tuple[str, list[str]]]:
    """A JWKS endpoint on 127.0.0.1: yields its URL and the paths it was asked for."""
    body = json.dumps(document).encode()
    fetches: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fetches.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # A short poll interval keeps shutdown() quick.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json", fetches
    finally:
        server.shutdown()
        server.server_close()


def jwks_settings(settings: Settings, url: str) -> Settings:
    return settings.model_copy(
        update={
            "auth_mode": "jwt",
            "auth_jwks_url": url,
            "auth_jwt_audience": AUDIENCE,
            "auth_jwt_issuer": ISSUER,
        }
    )


def signed(algorithm: str, key: Any = None) -> dict[str, str]:
    kid, own_key = SIGNING_KEYS[algorithm]
    token = jwt.encode(claims(), key or own_key, algorithm=algorithm, headers={"kid": kid})
    return bearer(token)


@pytest.fixture
def jwks() -> Iterator[tuple[str, list[str]]]:
    with serve_jwks(jwks_document()) as served:
        yield served


@pytest.mark.parametrize("algorithm", SIGNING_KEYS)
async def test_a_token_signed_with_a_jwks_key_is_served(
    settings: Settings, jwks: tuple[str, list[str]], algorithm: str
):
    url, _ = jwks
    async with serve_in_process(jwks_settings(settings, url)) as http:
        response = await ChatKitClient(http, signed(algorithm)).post("threads.list")

    assert response.status_code == 200


async def test_a_token_signed_with_another_key_under_a_known_kid_gets_401(
    settings: Settings, jwks: tuple[str, list[str]]
):
    url, _ = jwks
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    async with serve_in_process(jwks_settings(settings, url)) as http:
        response = await ChatKitClient(http, signed("RS256", other_key)).post("threads.list")

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_the_jwks_is_fetched_once_for_several_requests(
    settings: Settings, jwks: tuple[str, list[str]]
):
    url, fetches = jwks
    async with serve_in_process(jwks_settings(settings, url)) as http:
        client = ChatKitClient(http, signed("RS256"))
        statuses = [(await client.post("threads.list")).status_code for _ in range(3)]

    assert statuses == [200, 200, 200]
    assert len(fetches) == 1


async def test_an_unreachable_jwks_gets_503(settings: Settings):
    url = f"http://127.0.0.1:{free_port()}/.well-known/jwks.json"
    async with serve_in_process(jwks_settings(settings, url)) as http:
        response = await ChatKitClient(http, signed("RS256")).post("threads.list")

    assert response.status_code == 503
    assert "detail" in response.json()


# `python backend/main.py` on a network address


def run_main(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "backend/main.py"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env, "PORT": str(free_port())},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.process
def test_main_refuses_a_network_address_without_auth(server_env: dict[str, str]):
    env = {"HOST": "0.0.0.0", "AUTH_MODE": "none", "ALLOW_INSECURE_NO_AUTH": "false"}

    result = run_main({**server_env, **env})

    assert result.returncode != 0
    assert "ALLOW_INSECURE_NO_AUTH" in result.stderr.strip().splitlines()[-1]


@pytest.mark.process
def test_allow_insecure_no_auth_lets_main_serve_a_network_address(server_env: dict[str, str]):
    env = {"HOST": "0.0.0.0", "AUTH_MODE": "none", "ALLOW_INSECURE_NO_AUTH": "true"}

    with running_server({**server_env, **env}, via_main=True) as url:
        assert httpx.get(f"{url}/health").status_code == 200
