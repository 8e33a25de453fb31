"""`make demo`: the backend answered by the bundled fake provider, so no key and no internet.

Starts `tests/fake_provider.py`, then `python backend/main.py` with the environment lines the
fake prints, and shows a curl command that streams a reply (the fake echoes your message).
The project's .env is not read, so the demo runs as a fresh project would. Ctrl+C stops both.
"""

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
{%- if cookiecutter.store == "sqlite" %}
from tempfile import TemporaryDirectory
{%- endif %}

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PORT = os.environ.get("PORT", "{{ cookiecutter.port }}")
BACKEND_URL = f"http://127.0.0.1:{PORT}"
# Settings that would send the demo's model calls somewhere other than the fake.
IGNORED_SETTINGS = ("LLM_MODEL", "LLM_BASE_URL", "ENV_FILE")
{%- if cookiecutter.store == "postgres" %}
# The database the demo's threads go to, unless DATABASE_URL says otherwise; see the README.
DEMO_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/{{ cookiecutter.project_slug }}"
{%- endif %}
FIRST_MESSAGE = {
    "type": "threads.create",
    "params": {
        "input": {
            "content": [{"type": "input_text", "text": "Hello!"}],
            "attachments": [],
            "inference_options": {},
        }
    },
}


def start_fake_provider() -> tuple[subprocess.Popen, dict[str, str]]:
    """The fake provider's process and the environment lines it prints (up to a blank line)."""
    command = [sys.executable, "tests/fake_provider.py", "--chunks", "8", "--delay", "0.05"]
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    environment = {}
    for line in process.stdout or ():
        if not line.strip():
            break
        name, _, value = line.strip().partition("=")
        environment[name] = value
    return process, environment


def backend_environment(fake_provider: dict[str, str], database_url: str | None) -> dict[str, str]:
    environment = {
        name: value for name, value in os.environ.items() if name not in IGNORED_SETTINGS
    }
    environment.update(fake_provider, ENV_FILE="", PORT=PORT)
    if database_url:
        environment["DATABASE_URL"] = database_url
{%- if cookiecutter.store != "memory" %}
    # The demo's database may be new: the backend brings it to the latest migration itself.
    environment["MIGRATE_ON_START"] = "true"
{%- endif %}
    return environment


def wait_until_healthy(backend: subprocess.Popen, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and backend.poll() is None:
        with suppress(httpx.TransportError):
            if httpx.get(f"{BACKEND_URL}/health", timeout=1).status_code == 200:
                return True
        time.sleep(0.2)
    return False


def curl_command() -> str:
    return (
        f"curl -N {BACKEND_URL}/chatkit -H 'Content-Type: application/json' "
        f"-d '{json.dumps(FIRST_MESSAGE)}'"
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=30)


def run(database_url: str | None) -> int:
    fake_provider, environment = start_fake_provider()
    backend = subprocess.Popen(
        [sys.executable, "backend/main.py"],
        cwd=PROJECT_ROOT,
        env=backend_environment(environment, database_url),
    )
    try:
        if not wait_until_healthy(backend):
            return 1  # the backend said why, in one line on stderr
        print(f"\nThe backend serves {BACKEND_URL}, answered by a fake model that echoes you.")
        print(f"Stream a reply:\n\n{curl_command()}\n\nCtrl+C stops the demo.", flush=True)
        return backend.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(backend)
        stop(fake_provider)


def main() -> int:
    # Ctrl+C ends the demo even when started where SIGINT is ignored (a shell's background job),
    # and SIGTERM (a process manager, a test) ends it the same way.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, signal.default_int_handler)
{%- if cookiecutter.store == "sqlite" %}
    # Threads go to a scratch file, not to the project's own database.
    with TemporaryDirectory() as scratch:
        return run(f"sqlite:///{Path(scratch) / 'demo.db'}")
{%- elif cookiecutter.store == "postgres" %}
    return run(os.environ.get("DATABASE_URL", DEMO_DATABASE_URL))
{%- else %}
    return run(None)
{%- endif %}


if __name__ == "__main__":
    sys.exit(main())
