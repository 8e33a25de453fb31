"""Importing the package reads the .env file that ENV_FILE names and prepares LiteLLM offline."""

import json
import os
import subprocess
import sys
from pathlib import Path

from support.project import PROJECT_ROOT

MODEL_MAP_SWITCH = "LITELLM_LOCAL_MODEL_COST_MAP"


def variables_after_import(*names: str, **overrides: str) -> dict[str, str | None]:
    """The variables `names` as a fresh interpreter sees them after importing the package."""
    show = (
        "import json, os, sys, {{ cookiecutter.project_slug }};"
        "print(json.dumps({name: os.environ.get(name) for name in sys.argv[1:]}))"
    )
    env = {name: value for name, value in os.environ.items() if name not in names}
    result = subprocess.run(
        [sys.executable, "-c", show, *names],
        cwd=PROJECT_ROOT / "backend",
        env={**env, **overrides},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_litellm_uses_its_bundled_model_map_instead_of_fetching_one():
    assert variables_after_import(MODEL_MAP_SWITCH)[MODEL_MAP_SWITCH] == "True"


def test_a_users_own_model_map_choice_is_kept():
    environment = variables_after_import(MODEL_MAP_SWITCH, LITELLM_LOCAL_MODEL_COST_MAP="False")

    assert environment[MODEL_MAP_SWITCH] == "False"


def test_the_file_env_file_names_is_read(tmp_path: Path):
    (tmp_path / ".env").write_text("GREETING=hello\n")

    environment = variables_after_import("GREETING", ENV_FILE=str(tmp_path / ".env"))

    assert environment["GREETING"] == "hello"


def test_the_environment_wins_over_the_file(tmp_path: Path):
    (tmp_path / ".env").write_text("GREETING=hello\n")

    environment = variables_after_import("GREETING", ENV_FILE=str(tmp_path / ".env"), GREETING="hi")

    assert environment["GREETING"] == "hi"


def test_an_empty_value_in_the_file_is_left_unset(tmp_path: Path):
    # As in a copied .env.example, where the key line is there but empty.
    (tmp_path / ".env").write_text("GREETING=\n")

    environment = variables_after_import("GREETING", ENV_FILE=str(tmp_path / ".env"))

    assert environment["GREETING"] is None
