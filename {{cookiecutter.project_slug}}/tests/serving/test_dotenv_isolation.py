"""The suite never reads the developer's .env: it passes with a real-looking key there and in
the environment, as the README advises."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.project import PROVIDER

pytestmark = pytest.mark.process

KEY_VARIABLE = f"{PROVIDER.upper()}_API_KEY"
REAL_LOOKING_KEY = "sk-live-4f1c9a7e2b8d4c6f9a1e3b5d7c9f0a2b"
# A developer's .env: their key, and an endpoint that answers nothing, so that any test that
# read the file would either find a key it must not have or send its model calls nowhere.
DEVELOPERS_ENV = f"{KEY_VARIABLE}={REAL_LOOKING_KEY}\nLLM_BASE_URL=http://127.0.0.1:9/v1\n"
{%- if cookiecutter.provider == "ollama" %}
# A test that fails when .env is read (Ollama needs no key, so none stops without one).
SENSITIVE_TESTS = ("two_turns_keep_both_replies",)
{%- else %}
# Two tests that fail when .env is read: the first timed out before ENV_FILE existed.
SENSITIVE_TESTS = ("without_a_key_the_server_stops", "two_turns_keep_both_replies")
{%- endif %}


@pytest.fixture(scope="module")
def project_copy(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This project, copied without its own .env and caches, with a developer's .env."""
    copy = tmp_path_factory.mktemp("copy") / "project"
    shutil.copytree(
        pytestconfig.rootpath,
        copy,
        ignore=shutil.ignore_patterns(
            ".env", ".venv", "data", "__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache"
        ),
    )
    (copy / ".env").write_text(DEVELOPERS_ENV)
    return copy


def test_outside_the_tests_the_projects_env_is_read(project_copy: Path):
    show_key = f"import {{ cookiecutter.project_slug }}, os; print(os.environ['{KEY_VARIABLE}'])"
    unset = ("ENV_FILE", KEY_VARIABLE)
    env = {name: value for name, value in os.environ.items() if name not in unset}

    result = subprocess.run(
        [sys.executable, "-c", show_key],
        cwd=project_copy / "backend",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.strip() == REAL_LOOKING_KEY


def test_the_suite_passes_with_a_key_in_env_and_in_the_environment(project_copy: Path):
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["-m", "process or not process", "-k", " or ".join(SENSITIVE_TESTS)]

    result = subprocess.run(
        command,
        cwd=project_copy,
        env={**os.environ, KEY_VARIABLE: REAL_LOOKING_KEY},
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout[-5000:]
    assert f"{len(SENSITIVE_TESTS)} passed" in result.stdout
