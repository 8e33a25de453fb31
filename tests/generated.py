"""Running commands in a baked project."""

import os
import subprocess
from pathlib import Path


def run(command: list, project: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(part) for part in command],
        cwd=project,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
