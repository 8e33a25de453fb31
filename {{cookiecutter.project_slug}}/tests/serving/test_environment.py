"""Importing the package prepares LiteLLM and the Agents SDK to start offline and quiet."""

import json
import os
import subprocess
import sys

from support.project import PROJECT_ROOT

SHOW_ENVIRONMENT = (
    "import json, os, {{ cookiecutter.project_slug }};"
    "print(json.dumps({name: os.environ.get(name) for name in"
    " ('LITELLM_LOCAL_MODEL_COST_MAP', 'OPENAI_AGENTS_DISABLE_TRACING')}))"
)


def environment_after_import(**overrides: str) -> dict[str, str | None]:
    """The two switches as a fresh interpreter sees them after importing the package."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("LITELLM_LOCAL_MODEL_COST_MAP", "OPENAI_AGENTS_DISABLE_TRACING")
    }
    # Set (if empty), so that a key in the project's .env cannot stand in for it.
    env["OPENAI_API_KEY"] = ""
    result = subprocess.run(
        [sys.executable, "-c", SHOW_ENVIRONMENT],
        cwd=PROJECT_ROOT / "backend",
        env={**env, **overrides},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_litellm_uses_its_bundled_model_map_instead_of_fetching_one():
    assert environment_after_import()["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"


def test_a_users_own_model_map_choice_is_kept():
    environment = environment_after_import(LITELLM_LOCAL_MODEL_COST_MAP="False")

    assert environment["LITELLM_LOCAL_MODEL_COST_MAP"] == "False"


def test_trace_export_is_off_without_an_openai_key():
    assert environment_after_import()["OPENAI_AGENTS_DISABLE_TRACING"] == "1"


def test_trace_export_is_left_on_with_an_openai_key():
    environment = environment_after_import(OPENAI_API_KEY="sk-test")

    assert environment["OPENAI_AGENTS_DISABLE_TRACING"] is None
