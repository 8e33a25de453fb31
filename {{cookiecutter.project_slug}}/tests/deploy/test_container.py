"""The image's own commands, run here as the container would run them (there is no runtime)."""

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from support.project import PROJECT_ROOT
from support.server import free_port

pytestmark = pytest.mark.process

# A loopback address in place of the image's 0.0.0.0, so that the test serves no one else.
TEST_HOST = "127.0.0.1"


def runtime_instructions() -> list[tuple[str, str]]:
    """The final stage's instructions as (INSTRUCTION, arguments), continuation lines joined."""
    text = (PROJECT_ROOT / "Dockerfile").read_text()
    lines = re.sub(r"\\\n\s*", " ", text).splitlines()
    instructions = [
        (word.upper(), rest.strip())
        for word, _, rest in (line.strip().partition(" ") for line in lines)
        if word and not word.startswith("#")
    ]
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from + 1 :]


def instruction(name: str) -> str:
    (arguments,) = [rest for word, rest in runtime_instructions() if word == name]
    return arguments


def image_command() -> list[str]:
    """CMD, in exec form (a JSON list): the process that is PID 1 in the container."""
    return json.loads(instruction("CMD"))


def healthcheck_command() -> list[str]:
    _options, _, command = instruction("HEALTHCHECK").partition("CMD ")
    return json.loads(command)


def image_environment() -> dict[str, str]:
    """The ENV values, but PATH: here the venv's python stands in for the image's."""
    pairs = [shlex.split(rest) for word, rest in runtime_instructions() if word == "ENV"]
    env = dict(pair.split("=", 1) for words in pairs for pair in words)
    env.pop("PATH")
    return env


def local(command: list[str]) -> list[str]:
    """The command with the image's `python` (the venv's, first on its PATH) as this one."""
    assert command[0] == "python"
    return [sys.executable, *command[1:]]


def healthcheck(port: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        local(healthcheck_command()),
        env={**os.environ, **image_environment(), "PORT": str(port)},
        capture_output=True,
        timeout=30,
    )


@pytest.fixture
def container_env(server_env: dict[str, str]) -> dict[str, str]:
    """The image's environment and what compose adds, on a free loopback port."""
    return {
        **os.environ,
        **server_env,
        **image_environment(),
        "HOST": TEST_HOST,
        "PORT": str(free_port()),
        "AUTH_MODE": "jwt",
        "AUTH_JWT_SECRET": "a-test-secret-that-is-long-enough-for-hs256",
    }


@pytest.fixture
def image_process(container_env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """The image's CMD, started from the project root (the image's WORKDIR)."""
    process = subprocess.Popen(local(image_command()), cwd=PROJECT_ROOT, env=container_env)
    try:
        yield process
    finally:
        process.kill()
        process.wait(timeout=30)


def wait_for_healthcheck(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while healthcheck(port).returncode != 0:
        assert process.poll() is None, f"the image's command exited with {process.returncode}"
        assert time.monotonic() < deadline, f"the healthcheck did not pass in {timeout} s"
        time.sleep(0.2)


def test_the_image_command_is_in_exec_form_so_python_gets_sigterm():
    assert image_command() == ["python", "backend/main.py"]


def test_the_healthcheck_passes_once_the_image_command_serves(
    image_process: subprocess.Popen, container_env: dict[str, str]
):
    wait_for_healthcheck(int(container_env["PORT"]), image_process)

    assert image_process.poll() is None


def test_the_healthcheck_fails_when_nothing_answers():
    assert healthcheck(free_port()).returncode != 0


def test_the_image_command_exits_0_on_sigterm(
    image_process: subprocess.Popen, container_env: dict[str, str]
):
    wait_for_healthcheck(int(container_env["PORT"]), image_process)

    image_process.send_signal(signal.SIGTERM)

    assert image_process.wait(timeout=30) == 0


def test_the_image_refuses_to_serve_without_authentication(server_env: dict[str, str]):
    # The image listens on 0.0.0.0; with AUTH_MODE=none it stops before binding anything.
    env = {**os.environ, **server_env, **image_environment(), "AUTH_MODE": "none"}
    env.pop("ALLOW_INSECURE_NO_AUTH", None)

    result = subprocess.run(
        local(image_command()), cwd=PROJECT_ROOT, env=env, capture_output=True, timeout=60
    )

    assert result.returncode != 0
    last_line = result.stderr.decode().strip().splitlines()[-1]
    assert last_line.startswith("Refusing to serve AUTH_MODE=none on HOST=0.0.0.0")
