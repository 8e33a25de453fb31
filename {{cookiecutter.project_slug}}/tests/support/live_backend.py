"""The backend under `uvicorn main:app` (or `python backend/main.py`) with its log kept, for
tests that attack it over a real socket."""

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from support.project import PROJECT_ROOT
from support.server import free_port, wait_until_healthy


@dataclass
class LiveBackend:
    url: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def log(self) -> str:
        """What the server has written to stderr so far."""
        return self.log_path.read_text(errors="replace")

    def rss_bytes(self) -> int:
        """The process's resident memory, from /proc (Linux)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        [line] = [line for line in status.splitlines() if line.startswith("VmRSS:")]
        return int(line.split()[1]) * 1024


@contextmanager
def live_backend(
    env: dict[str, str], *, host: str = "127.0.0.1", via_main: bool = False
) -> Iterator[LiveBackend]:
    """Start the backend, wait until /health answers on 127.0.0.1, stop it afterwards."""
    port = free_port()
    if via_main:
        command = [sys.executable, "backend/main.py"]
    else:
        command = [sys.executable, "-m", "uvicorn", "main:app", "--app-dir", "backend"]
        command += ["--host", host, "--port", str(port), "--no-access-log"]
    with tempfile.TemporaryDirectory() as directory:
        log_path = Path(directory) / "stderr.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env={**os.environ, "HOST": host, **env, "PORT": str(port)},
                stderr=log,
            )
        try:
            wait_until_healthy(f"http://127.0.0.1:{port}", process)
            yield LiveBackend(f"http://127.0.0.1:{port}", port, process, log_path)
        finally:
            process.terminate()
            process.wait(timeout=30)
