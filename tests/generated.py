"""Running commands in a baked project."""

import os
import signal
import subprocess
from pathlib import Path


def run(command: list, project: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Runs a command in the project; past the timeout, ends it and every process it started."""
    arguments = [str(part) for part in command]
    # A session of its own, so that a suite that times out takes its servers down with it.
    with subprocess.Popen(
        arguments,
        cwd=project,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return subprocess.CompletedProcess(arguments, process.returncode, stdout, stderr)
