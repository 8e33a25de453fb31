"""A wrong setting{% if cookiecutter.store != "memory" %} or an unusable database{% endif %} stops the server with one line on stderr,
never a value; an endpoint without its provider's suffix gets a warning."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
{%- if cookiecutter.store == "postgres" %}
from sqlalchemy import make_url
{%- endif %}

from {{ cookiecutter.project_slug }}.settings import Settings
{%- if cookiecutter.store == "memory" %}
from {{ cookiecutter.project_slug }}.startup import endpoint_warning, settings_error_lines
{%- else %}
from {{ cookiecutter.project_slug }}.startup import (
    endpoint_warning,
    settings_error_lines,
    unavailable_store,
)
{%- endif %}

from fake_provider import FakeProvider

# Each wrong setting, and the variable its line must name.
WRONG_SETTINGS = {
    "port": ({"PORT": "abc"}, "PORT"),
    "cors wildcard": ({"CORS_ORIGINS": "*"}, "CORS_ORIGINS"),
    "log level": ({"LOG_LEVEL": "info"}, "LOG_LEVEL"),
    "jwt without a secret": ({"AUTH_MODE": "jwt"}, "AUTH_JWT_SECRET"),
    "short secret": ({"AUTH_JWT_SECRET": "hunter2-hunter2"}, "AUTH_JWT_SECRET"),
}
ENTRY_POINTS = {
    "python backend/main.py": [sys.executable, "backend/main.py"],
    "uvicorn main:app": [sys.executable, "-m", "uvicorn", "main:app", "--app-dir", "backend"],
}


def start(
    command: list[str], env: dict[str, str], project_root: Path
) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        cwd=project_root,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.process
@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
@pytest.mark.parametrize("wrong", WRONG_SETTINGS)
def test_a_wrong_setting_is_one_line_on_stderr(
    wrong: str, entry_point: str, server_env: dict[str, str], pytestconfig: pytest.Config
):
    values, variable = WRONG_SETTINGS[wrong]

    result = start(ENTRY_POINTS[entry_point], {**server_env, **values}, pytestconfig.rootpath)

    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert variable in line


@pytest.mark.process
def test_a_wrong_setting_stops_the_server_before_litellm_is_imported(
    server_env: dict[str, str], pytestconfig: pytest.Config
):
    # LiteLLM takes seconds to import; a mistake in .env should not.
    command = [sys.executable, "-X", "importtime", "backend/main.py"]

    result = start(command, {**server_env, "PORT": "abc"}, pytestconfig.rootpath)

    imported = re.findall(r"^import time:.*\|\s+(\S+)$", result.stderr, re.MULTILINE)
    assert result.returncode != 0
    assert "fastapi" in imported  # the list is complete enough to hold what auth.py imports
    assert "litellm" not in imported


def lines_for(settings: Settings, **wrong: object) -> list[str]:
    with pytest.raises(ValidationError) as error:
        Settings(**{**settings.model_dump(), **wrong})
    return settings_error_lines(error.value)


def test_each_wrong_setting_gets_its_own_line(settings: Settings):
    lines = lines_for(settings, port="x", log_level="verbose")

    assert [line.split(":")[0] for line in lines] == ["Invalid PORT", "Invalid LOG_LEVEL"]


def test_the_line_says_what_is_expected(settings: Settings):
    [line] = lines_for(settings, log_level="verbose")

    assert "'DEBUG', 'INFO', 'WARNING' or 'ERROR'" in line


@pytest.mark.parametrize(
    ("route", "variable", "url", "expected"),
    [
        ("gemini", "GEMINI_API_BASE", "https://gateway.example/gemini", "/v1beta"),
        ("openai", "OPENAI_BASE_URL", "https://gateway.example/openai", "/v1"),
        ("anthropic", "ANTHROPIC_API_BASE", "https://gateway.example/v1", "not end in /v1"),
        ("ollama_chat", "OLLAMA_API_BASE", "http://127.0.0.1:11434/api", "not end in /api"),
        ("ollama_chat", "OLLAMA_API_BASE", "http://127.0.0.1:11434/v1/", "not end in /api"),
    ],
)
def test_a_base_url_without_its_providers_suffix_gets_a_warning(
    route: str,
    variable: str,
    url: str,
    expected: str,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv(variable, url)
    settings = settings.model_copy(update={"llm_model": f"{route}/some-model"})

    warning = endpoint_warning(settings) or ""

    assert variable in warning
    assert expected in warning


@pytest.mark.parametrize(
    ("route", "url"),
    [
        ("gemini", "https://gateway.example/v1beta"),
        ("openai", "https://gateway.example/v1/"),
        ("anthropic", "https://gateway.example"),
        ("ollama_chat", "http://127.0.0.1:11434"),
        ("ollama_chat", "https://gateway.example/ollama/"),
    ],
)
def test_a_base_url_with_its_providers_suffix_gets_no_warning(
    route: str, url: str, settings: Settings
):
    settings = settings.model_copy(update={"llm_model": f"{route}/some-model", "llm_base_url": url})

    assert endpoint_warning(settings) is None


def test_a_secret_is_never_repeated(settings: Settings):
    [line] = lines_for(settings, auth_jwt_secret="hunter2-hunter2")

    assert "AUTH_JWT_SECRET" in line
    assert "hunter2" not in line


def test_the_fake_providers_own_endpoint_gets_no_warning(
    settings: Settings, fake_provider: FakeProvider
):
    assert endpoint_warning(settings) is None
{%- if cookiecutter.store == "postgres" %}


def test_a_missing_database_is_one_line_saying_how_to_create_it(settings: Settings):
    url = make_url(settings.database_url).set(database="no_such_database")
    settings = settings.model_copy(update={"database_url": url.render_as_string(False)})

    problem = unavailable_store(settings) or ""

    assert "createdb" in problem
    assert "no_such_database" in problem


def test_an_unreachable_server_is_one_line_naming_host_and_port(settings: Settings):
    settings = settings.model_copy(update={"database_url": "postgresql://u:pw@127.0.0.1:9/db"})

    problem = unavailable_store(settings) or ""

    assert "127.0.0.1:9" in problem
    assert "pw" not in problem


@pytest.mark.process
def test_a_missing_database_stops_the_server_with_that_line(
    server_env: dict[str, str], pytestconfig: pytest.Config
):
    url = make_url(server_env["DATABASE_URL"]).set(database="no_such_database")
    env = {**server_env, "DATABASE_URL": url.render_as_string(False)}

    result = start(ENTRY_POINTS["python backend/main.py"], env, pytestconfig.rootpath)

    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert "createdb" in line
{%- elif cookiecutter.store == "sqlite" %}


def test_an_unusable_database_file_is_one_line_naming_it(settings: Settings, tmp_path: Path):
    (tmp_path / "a-file").write_text("")
    url = f"sqlite:///{tmp_path / 'a-file' / 'chatkit.db'}"
    settings = settings.model_copy(update={"database_url": url})

    problem = unavailable_store(settings) or ""

    assert "a-file" in problem
    assert len(problem.splitlines()) == 1
{%- endif %}
{%- if cookiecutter.store != "memory" %}


def test_a_reachable_database_is_no_problem(settings: Settings):
    assert unavailable_store(settings) is None
{%- endif %}
