"""SIGTERM mid-reply: a grace period, then the turn ends cleanly and the process exits with 0.

One `python backend/main.py` serves the whole module: it gets SIGTERM while a 10-second reply
streams, with a 1-second grace period and JSON logs.
"""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from httpx_sse import connect_sse

from {{ cookiecutter.project_slug }}.api.routes.chatkit import SERVER_STOPPING
{%- if cookiecutter.store != "memory" %}
from {{ cookiecutter.project_slug }}.auth import LOCAL_USER
from {{ cookiecutter.project_slug }}.context import RequestContext
from {{ cookiecutter.project_slug }}.settings import Settings
from {{ cookiecutter.project_slug }}.stores import create_store
{%- endif %}

from fake_provider import FakeProvider, Text
from support.chatkit_client import iter_events, request, user_input
from support.project import PROJECT_ROOT, PROVIDER
from support.server import free_port, wait_until_healthy

pytestmark = pytest.mark.process

GRACE_SECONDS = 1
# 40 pieces, 0.25 s apart: still streaming when the grace period ends.
REPLY = " ".join(f"word{number}" for number in range(40))


@dataclass
class Stopped:
    exit_code: int
    seconds_to_exit: float
    events: list[dict[str, Any]]
    stream_error: str | None
    log_lines: list[str]


@pytest.fixture(scope="module")
def stopped(server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Stopped:
    """The server's exit, its stream and its log, after SIGTERM in the middle of a reply."""
    log = tmp_path_factory.mktemp("shutdown") / "stderr.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with FakeProvider(chunks=40, delay=0.25) as provider, log.open("w") as stderr:
        env = {
            **os.environ,
            **server_env,
            **provider.env(PROVIDER),
            "PORT": str(port),
            "SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS),
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
        }
        command = [sys.executable, "backend/main.py"]
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stderr=stderr)
        try:
            wait_until_healthy(url, process)
            provider.queue(Text(REPLY))
            events, stream_error, signalled = stream_and_stop(url, process)
            exit_code = process.wait(timeout=GRACE_SECONDS + 30)
            seconds = time.monotonic() - signalled
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    print(f"SIGTERM to exit, with a stream in flight: {seconds:.2f} s")
    return Stopped(exit_code, seconds, events, stream_error, log.read_text().splitlines())


def stream_and_stop(
    url: str, process: subprocess.Popen
) -> tuple[list[dict[str, Any]], str | None, float]:
    """Start a thread, send SIGTERM once two pieces of the reply arrived, read to the end."""
    events: list[dict[str, Any]] = []
    signalled = None
    body = request("threads.create", input=user_input("hello"))
    try:
        with (
            httpx.Client(timeout=30) as http,
            connect_sse(http, "POST", f"{url}/chatkit", json=body) as source,
        ):
            for event in iter_events(source):
                events.append(event)
                deltas = sum(event["type"] == "thread.item.updated" for event in events)
                if signalled is None and deltas == 2:
                    process.send_signal(signal.SIGTERM)
                    signalled = time.monotonic()
    except httpx.TransportError as error:
        return events, repr(error), signalled or time.monotonic()
    assert signalled is not None, "the reply ended before SIGTERM was sent"
    return events, None, signalled


def test_the_server_exits_with_code_0(stopped: Stopped):
    assert stopped.exit_code == 0


def test_the_server_exits_soon_after_the_grace_period(stopped: Stopped):
    # Generous: only a hang (uvicorn waiting for the stream to end by itself) fails this.
    assert stopped.seconds_to_exit < GRACE_SECONDS + 10


def test_the_stream_ends_with_an_error_event_the_user_can_retry(stopped: Stopped):
    assert stopped.stream_error is None
    assert stopped.events[-1] == {
        "type": "error",
        "code": "custom",
        "message": SERVER_STOPPING,
        "allow_retry": True,
    }


def test_the_log_stays_json_to_the_end_and_shows_the_cancelled_call(stopped: Stopped):
    entries = [json.loads(line) for line in stopped.log_lines]

    calls = [entry for entry in entries if entry["message"] == "model call"]
    assert [call["status"] for call in calls] == ["cancelled"]
{%- if cookiecutter.store != "memory" %}


async def test_the_thread_keeps_the_partial_reply_once_under_a_fresh_id(
    stopped: Stopped, server_env: dict[str, str], settings: Settings
):
    thread_id = stopped.events[0]["thread"]["id"]
    store = create_store(settings.model_copy(update={"database_url": server_env["DATABASE_URL"]}))
    await store.open()
    try:
        page = await store.load_thread_items(
            thread_id, None, 100, "asc", RequestContext(user_id=LOCAL_USER)
        )
    finally:
        await store.close()

    user, reply, note = page.data
    assert (user.type, reply.type, note.type) == (
        "user_message",
        "assistant_message",
        "sdk_hidden_context",
    )
    partial = "".join(part.text for part in reply.content)
    assert 0 < len(partial) < len(REPLY)
    assert REPLY.startswith(partial)
    assert reply.id != "__fake_id__"
{%- endif %}
