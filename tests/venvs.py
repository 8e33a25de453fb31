"""Virtual environments for baked projects, one per distinct set of requirements, built once.

Baked variants that pin the same packages share a venv, keyed by a hash of their requirement
files, so the variant matrix installs each set only once per machine. uv builds them (seconds,
where pip takes about a minute), and a file lock per venv lets one pytest-xdist worker build it
while the others that need it wait.
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from filelock import FileLock
from uv import find_uv_bin

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
    CACHE.mkdir(parents=True, exist_ok=True)
    with FileLock(venv.with_suffix(".lock")):
        if not (venv / ".installed").exists():
            build(venv, project / "backend" / "requirements-dev.txt")
    return venv / "bin"


def build(venv: Path, requirements: Path) -> None:
    uv = find_uv_bin()
    subprocess.run([uv, "venv", "--quiet", "--clear", "--python", sys.executable, venv], check=True)
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", venv / "bin" / "python", "-r", requirements],
        check=True,
    )
    (venv / ".installed").touch()
