"""Cross-site requests and DNS rebinding against a live server: a web page on another site can
neither start a turn nor read a thread, and AUTH_MODE=none does not serve the network."""

import json
import socket
from collections.abc import Iterator

import httpx
import pytest

from support.chatkit_client import request, user_input
from support.live_backend import LiveBackend, live_backend

pytestmark = pytest.mark.process

FRONT_END = "http://localhost:5173"
NEW_THREAD = json.dumps(request("threads.create", input=user_input("hello")))
LIST_THREADS = json.dumps(request("threads.list"))


@pytest.fixture(scope="module")
def backend(server_env: dict[str, str]) -> Iterator[LiveBackend]:
    with live_backend({**server_env, "CORS_ORIGINS": FRONT_END}) as backend:
        yield backend


def thread_count(backend: LiveBackend) -> int:
    headers = {"Content-Type": "application/json"}
    response = httpx.post(f"{backend.url}/chatkit", content=LIST_THREADS, headers=headers)
    return len(response.json()["data"])


def test_a_text_plain_post_gets_415_and_starts_no_turn(backend: LiveBackend):
    # What a form or fetch() on any site may send without a CORS preflight.
    before = thread_count(backend)

    response = httpx.post(
        f"{backend.url}/chatkit", content=NEW_THREAD, headers={"Content-Type": "text/plain"}
    )

    assert response.status_code == 415
    assert thread_count(backend) == before


def test_a_request_from_an_origin_not_listed_gets_403_and_starts_no_turn(backend: LiveBackend):
    before = thread_count(backend)
    headers = {"Content-Type": "application/json", "Origin": "https://evil.example"}

    response = httpx.post(f"{backend.url}/chatkit", content=NEW_THREAD, headers=headers)

    assert response.status_code == 403
    assert "CORS_ORIGINS" in response.json()["detail"]
    assert thread_count(backend) == before


def test_a_request_from_a_listed_origin_is_served(backend: LiveBackend):
    headers = {"Content-Type": "application/json", "Origin": FRONT_END}

    response = httpx.post(f"{backend.url}/chatkit", content=LIST_THREADS, headers=headers)

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == FRONT_END


def test_a_rebound_host_name_gets_400_and_no_thread(backend: LiveBackend):
    httpx.post(
        f"{backend.url}/chatkit", content=NEW_THREAD, headers={"Content-Type": "application/json"}
    )
    headers = {"Content-Type": "application/json", "Host": "rebind.attacker.example"}

    response = httpx.post(f"{backend.url}/chatkit", content=LIST_THREADS, headers=headers)

    assert response.status_code == 400
    assert "thr_" not in response.text


def test_allowed_hosts_names_the_hosts_served(server_env: dict[str, str]):
    # 127.0.0.1 for the start-up health check.
    env = {**server_env, "ALLOWED_HOSTS": "127.0.0.1,chat.example.com"}
    with live_backend(env) as backend:
        named = httpx.get(f"{backend.url}/health", headers={"Host": "chat.example.com"})
        other = httpx.get(f"{backend.url}/health", headers={"Host": "localhost"})

    assert named.status_code == 200
    assert other.status_code == 400


def network_address() -> str | None:
    """This machine's address on its default route, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_uvicorn_on_every_interface_with_auth_none_refuses_network_requests(
    server_env: dict[str, str],
):
    address = network_address()
    if address is None:
        pytest.skip("this machine has no network address to reach itself on")
    env = {**server_env, "AUTH_MODE": "none", "ALLOWED_HOSTS": "*"}
    with live_backend(env, host="0.0.0.0") as backend:
        remote = httpx.get(f"http://{address}:{backend.port}/health")
        local = httpx.get(f"{backend.url}/health")
        log = backend.log

    assert remote.status_code == 403
    assert "AUTH_MODE=none" in remote.json()["detail"]
    assert local.status_code == 200
    assert "AUTH_MODE=none serves only this machine" in log
