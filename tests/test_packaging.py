"""Every variant's uv.lock fits its pyproject.toml, and its pip requirements are the lock's."""

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# The tools of the template's own venv (requirements-dev.txt).
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv"

LOCKED = Path(__file__).parents[1] / "{{cookiecutter.project_slug}}" / "_locked"

REQUIREMENTS = ("backend/requirements.txt", "backend/requirements-dev.txt")


def uv(project: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [UV, *arguments, "--offline", "--no-progress"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )


def export_command(requirements: str) -> list[str]:
    """The `uv export` arguments the file's header names, to print to stdout instead."""
    command = next(line for line in requirements.splitlines() if "uv export" in line)
    arguments = shlex.split(command.lstrip("# "))[1:]
    output = arguments.index("-o")
    return arguments[:output] + arguments[output + 2 :]


def pins(requirements: str) -> list[str]:
    """The requirement lines, without comments."""
    return [line for line in requirements.splitlines() if line and not line.startswith("#")]


def test_the_lock_is_current_for_the_pyproject(baked):
    _, project = baked

    result = uv(project, "lock", "--check")

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", REQUIREMENTS)
def test_the_pip_requirements_are_exported_from_the_lock(baked, path):
    _, project = baked
    requirements = (project / path).read_text()

    result = uv(project, *export_command(requirements))

    assert result.returncode == 0, result.stderr
    assert pins(requirements) == pins(result.stdout)


def test_the_lock_of_a_renamed_project_is_current(cookies):
    # The lock names the project; the slug is rendered into it.
    result = cookies.bake(extra_context={"project_name": "Support Desk Bot", "store": "postgres"})

    check = uv(Path(result.project_path), "lock", "--check")

    assert check.returncode == 0, check.stderr


def test_the_stores_agree_on_every_shared_pin():
    # One set of releases is tested together; a store adds packages but moves no shared pin.
    # A package may be pinned per Python version (an environment marker): each pin counts apart.
    versions = {}
    for requirements in sorted(LOCKED.glob("*/requirements-dev.txt")):
        for line in pins(requirements.read_text()):
            requirement, _, marker = line.partition(" ;")
            name, _, version = requirement.partition("==")
            versions.setdefault((name, marker.strip()), set()).add(version)

    assert {name: found for name, found in versions.items() if len(found) > 1} == {}
    assert {"litellm", "openai-chatkit", "fastapi"} <= {name for name, _ in versions}
