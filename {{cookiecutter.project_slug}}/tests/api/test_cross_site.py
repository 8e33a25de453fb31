"""Cross-site requests and DNS rebinding: a web page on another site can neither start a turn
nor read a thread, and AUTH_MODE=none does not serve the network (against a live server)."""

import json
import socket

import httpx
import pytest

from {{ cookiecutter.project_slug }}.settings import Settings

from support.chatkit_client import request, user_input
from support.live_backend import live_backend

FRONT_END = "http://localhost:5173"
NEW_THREAD = json.dumps(request("threads.create", input=user_input("hello")))
LIST_THREADS = json.dumps(request("threads.list"))
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The suite's settings with the front end's origin, and a test's own overrides."""
    overrides = {"cors_origins": [FRONT_END], **getattr(request, "param", {})}
    return settings.model_copy(update=overrides)


async def thread_count(http: httpx.AsyncClient) -> int:
    response = await http.post("/chatkit", content=LIST_THREADS, headers=JSON)
    return len(response.json()["data"])


async def test_a_text_plain_post_gets_415_and_starts_no_turn(http: httpx.AsyncClient):
    # What a form or fetch() on any site may send without a CORS preflight.
    before = await thread_count(http)
    text = {"Content-Type": "text/plain"}

    response = await http.post("/chatkit", content=NEW_THREAD, headers=text)

    assert response.status_code == 415
    assert await thread_count(http) == before


async def test_a_request_from_an_origin_not_listed_gets_403_and_starts_no_turn(
    http: httpx.AsyncClient,
):
    before = await thread_count(http)
    headers = {**JSON, "Origin": "https://evil.example"}

    response = await http.post("/chatkit", content=NEW_THREAD, headers=headers)

    assert response.status_code == 403
    assert "CORS_ORIGINS" in response.json()["detail"]
    assert await thread_count(http) == before


async def test_a_request_from_a_listed_origin_is_served(http: httpx.AsyncClient):
    headers = {**JSON, "Origin": FRONT_END}

    response = await http.post("/chatkit", content=LIST_THREADS, headers=headers)

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == FRONT_END


async def test_a_rebound_host_name_gets_400_and_no_thread(http: httpx.AsyncClient):
    await http.post("/chatkit", content=NEW_THREAD, headers=JSON)
    headers = {**JSON, "Host": "rebind.attacker.example"}

    response = await http.post("/chatkit", content=LIST_THREADS, headers=headers)

    assert response.status_code == 400
    assert "thr_" not in response.text


@pytest.mark.parametrize(
    "settings", [{"allowed_hosts": ["localhost", "chat.example.com"]}], indirect=True
)
async def test_allowed_hosts_names_the_hosts_served(http: httpx.AsyncClient):
    named = await http.get("/health", headers={"Host": "chat.example.com"})
    other = await http.get("/health", headers={"Host": "127.0.0.1"})

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


@pytest.mark.process
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
