"""Fast checks on every variant: it bakes into a clean project that passes its static checks."""

import re
from fnmatch import fnmatch
from pathlib import Path

import pytest
from generated import run
from variants import PORT, PROVIDER_MARKERS
from venvs import venv_for

TEMPLATE_PACKAGE = (
    Path(__file__).parents[1]
    / "{{cookiecutter.project_slug}}"
    / "backend"
    / "{{cookiecutter.project_slug}}"
)
# GitHub's own ${{ expressions }} in the CI workflow are not Jinja.
TEMPLATE_SYNTAX = re.compile(r"(?<!\$)\{\{|\{%")

# The static checks of the generated project, run with the tools it pins (mypy has its own test).
STATIC_CHECKS = {
    "ruff-check": ["ruff", "check", "."],
    "ruff-format": ["ruff", "format", "--check", "."],
    "hadolint": ["hadolint", "Dockerfile"],
    "actionlint": ["actionlint", ".github/workflows/ci.yml"],
}


def project_files(project: Path) -> list[Path]:
    """The files the bake wrote, not those its tools leave once run (caches, test output)."""
    return [
        path
        for path in project.rglob("*")
        if path.is_file() and not git_ignores(project, path.relative_to(project))
    ]


def git_ignores(project: Path, path: Path) -> bool:
    """Whether the project's .gitignore keeps `path` out (its simple patterns: names, dirs/)."""
    lines = (project / ".gitignore").read_text().splitlines()
    patterns = [line for line in lines if line and not line.startswith("#")]
    for pattern in patterns:
        if pattern.endswith("/"):
            directory = pattern.rstrip("/")
            prefixes = [path.parents[i].as_posix() for i in range(len(path.parts) - 1)]
            if directory in path.parts[:-1] or directory in prefixes:
                return True
        elif fnmatch(path.name, pattern):
            return True
    return False


def python_sources(project: Path) -> list[Path]:
    return [path for path in (project / "backend").rglob("*.py")]


def test_no_template_syntax_is_left_in_any_file(baked):
    _, project = baked

    leftovers = [
        str(path.relative_to(project))
        for path in project_files(project)
        if TEMPLATE_SYNTAX.search(path.read_text(encoding="utf-8"))
    ]

    assert leftovers == []


def test_no_file_is_empty(baked):
    _, project = baked

    empty = [p.name for p in project_files(project) if not p.read_text(encoding="utf-8").strip()]

    assert empty == []


def test_the_model_module_is_the_chosen_providers_block(baked):
    answers, project = baked
    model_module = next((project / "backend").glob("*/model.py")).read_text()
    template_block = TEMPLATE_PACKAGE / "_providers" / f"{answers['provider']}.py"

    assert model_module == template_block.read_text()
    assert not list(project.rglob("_providers"))


def test_no_other_providers_key_or_model_is_left(baked):
    answers, project = baked
    model_module = next((project / "backend").glob("*/model.py")).read_text()
    env_example = (project / ".env.example").read_text()
    code = "\n".join(path.read_text() for path in python_sources(project))

    for provider, marker in PROVIDER_MARKERS.items():
        if provider != answers["provider"]:
            assert marker not in model_module + env_example
            assert f'"{provider}/' not in code


def test_only_the_chosen_store_is_generated(baked):
    answers, project = baked
    stores = {path.stem for path in (project / "backend").glob("*/stores/**/*.py")}
    requirements = (project / "backend" / "requirements.txt").read_text()

    expected = {"memory"} if answers["store"] == "memory" else {"sql", "database", "schema"}
    assert stores == {"__init__", "base", "ids", *expected}
    assert ("asyncpg" in requirements) == (answers["store"] == "postgres")
    assert ("sqlalchemy" in requirements) == (answers["store"] != "memory")


def test_only_the_sql_stores_come_with_migrations(baked):
    answers, project = baked
    migrations = [project / "alembic.ini", project / "backend" / "migrations"]
    requirements = (project / "backend" / "requirements.txt").read_text()
    makefile = (project / "Makefile").read_text()

    with_migrations = answers["store"] != "memory"
    assert [path.exists() for path in migrations] == [with_migrations] * len(migrations)
    assert ("alembic" in requirements) == with_migrations
    assert ("migrate:" in makefile) == with_migrations


def test_the_port_is_applied(baked):
    _, project = baked
    settings = next((project / "backend").glob("*/settings.py")).read_text()

    assert f"default={PORT}," in settings
    assert f"PORT={PORT}\n" in (project / ".env.example").read_text()
    assert f"PORT={PORT}\n" in (project / "Dockerfile").read_text()
    assert f'BACKEND_PORT: "{PORT}"' in (project / "compose.yaml").read_text()


def test_the_env_example_names_only_the_chosen_providers_key(baked):
    answers, project = baked
    env_example = (project / ".env.example").read_text()

    keys = [m for p, m in PROVIDER_MARKERS.items() if m in env_example]

    assert keys == [PROVIDER_MARKERS[answers["provider"]]]


@pytest.mark.parametrize("command", STATIC_CHECKS.values(), ids=STATIC_CHECKS.keys())
def test_the_static_check_passes(baked, command):
    _, project = baked
    tool, *arguments = command

    result = run([venv_for(project) / tool, *arguments], project)

    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes(baked):
    _, project = baked
    venv = venv_for(project)

    # Variants sharing a venv share the cache: the installed packages are checked once.
    result = run([venv / "mypy", "--cache-dir", venv.parent / "mypy_cache"], project, timeout=600)

    assert result.returncode == 0, result.stdout


def test_the_ci_workflow_keeps_githubs_expressions(baked):
    _, project = baked

    workflow = (project / ".github" / "workflows" / "ci.yml").read_text()

    assert "${{ env.UV_VERSION }}" in workflow
