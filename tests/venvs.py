"""Virtual environments for baked projects, one per distinct set of requirements, built once.

Baked variants that pin the same packages share a venv, keyed by a hash of their requirement
files, so the variant matrix installs each set only once per machine.
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

CACHE = Path(os.environ.get("CHATKIT_TEMPLATE_VENVS", Path(__file__).parents[1] / ".cache/venvs"))
REQUIREMENT_FILES = ("requirements.txt", "requirements-dev.txt")


def requirements_hash(project: Path) -> str:
    digest = hashlib.sha256(sys.version.encode())
    for name in REQUIREMENT_FILES:
        digest.update((project / "backend" / name).read_bytes())
    return digest.hexdigest()[:16]


def venv_for(project: Path) -> Path:
    """The venv with the project's dev requirements installed; returns its bin directory."""
    venv = CACHE / requirements_hash(project)
    ready = venv / ".installed"
    if not ready.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
        subprocess.run(
            [*pip, "-q", "-r", "requirements-dev.txt"],
            cwd=project / "backend",
            check=True,
        )
        ready.touch()
    return venv / "bin"
