"""`make demo`'s pieces: the fake provider's command line prints the environment that makes the
backend answer, and the demo serves a streamed reply until Ctrl+C."""

import os
import shlex
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx
import pytest

from fake_provider import FakeProvider
from support.project import PROVIDER

pytestmark = pytest.mark.process

HELLO = {
    "type": "threads.create",
    "params": {
        "input": {
            "content": [{"type": "input_text", "text": "Hello!"}],
            "attachments": [],
            "inference_options": {},
        }
    },
}


@contextmanager
def fake_provider_command_line(project_root: Path) -> Iterator[list[str]]:
    """`python tests/fake_provider.py`, serving; yields the lines it prints before a blank one."""
    process = subprocess.Popen(
        [sys.executable, "tests/fake_provider.py"],
        cwd=project_root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        for line in process.stdout or ():
            if not line.strip():
                break
            lines.append(line.strip())
        yield lines
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_fake_provider_prints_its_url_then_this_providers_variables(
    pytestconfig: pytest.Config, fake_provider_server: FakeProvider
):
    with fake_provider_command_line(pytestconfig.rootpath) as lines:
        names = [line.partition("=")[0] for line in lines]

    assert names[0] == "FAKE_PROVIDER_URL"
    assert sorted(names[1:]) == sorted(fake_provider_server.env(PROVIDER))


def test_the_fake_providers_lines_make_the_backend_stream_a_reply(
    pytestconfig: pytest.Config,
    database_url: str | None,
    start_server: Callable[..., AbstractContextManager[str]],
):
    with fake_provider_command_line(pytestconfig.rootpath) as lines:
        env = dict(line.split("=", 1) for line in lines)
        if database_url:
            env["DATABASE_URL"] = database_url
        with start_server(env) as url:
            reply = httpx.post(f"{url}/chatkit", json=HELLO, timeout=30)

    assert reply.headers["content-type"].startswith("text/event-stream")
    assert "echo: Hello!" in reply.text


def test_the_demo_prints_a_curl_command_that_streams_a_reply(
    pytestconfig: pytest.Config, database_url: str | None
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PORT": str(port)}
    if database_url:
        env["DATABASE_URL"] = database_url
    demo = subprocess.Popen(
        [sys.executable, "scripts/demo.py"],
        cwd=pytestconfig.rootpath,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        curl = shlex.split(next(line for line in demo.stdout or () if line.startswith("curl ")))
        url, body = curl[2], curl[curl.index("-d") + 1]
        reply = httpx.post(url, content=body, headers={"Content-Type": "application/json"})
    finally:
        demo.send_signal(signal.SIGINT)
        exit_code = demo.wait(timeout=60)

    assert url == f"http://127.0.0.1:{port}/chatkit"
    assert "echo: Hello!" in reply.text
    assert exit_code == 0
