"""`model=auto` resolves to a current model that the pinned LiteLLM knows."""

import json
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from variants import PROVIDERS
from venvs import venv_for

TEMPLATE = Path(__file__).parents[1]
DEFAULT_MODELS = json.loads((TEMPLATE / "cookiecutter.json").read_text())["_default_models"]
FIND_MAP = (
    "import importlib.util, pathlib;"
    "print(pathlib.Path(importlib.util.find_spec('litellm').origin).parent"
    " / 'model_prices_and_context_window_backup.json')"
)


@pytest.fixture(scope="module")
def model_map(cookies_session) -> dict:
    """LiteLLM's bundled model map, from the litellm version the generated project pins."""
    project = Path(cookies_session.bake().project_path)
    python = venv_for(project) / "python"
    path = subprocess.run([python, "-c", FIND_MAP], capture_output=True, text=True, check=True)
    return json.loads(Path(path.stdout.strip()).read_text())


# LiteLLM's map keys the Ollama models it lists as ollama/<name>, whatever their route.
MAP_PROVIDERS = {"ollama_chat": "ollama"}


def entry(model_map: dict, model: str) -> dict | None:
    route, _, name = model.partition("/")
    provider = MAP_PROVIDERS.get(route, route)
    candidate = model_map.get(f"{provider}/{name}") or model_map.get(name)
    return candidate if candidate and candidate.get("litellm_provider") == provider else None


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_default_model_exists_in_litellms_map(model_map, provider):
    assert entry(model_map, DEFAULT_MODELS[provider]) is not None


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_default_model_is_a_chat_model_with_tool_calling(model_map, provider):
    model = entry(model_map, DEFAULT_MODELS[provider])

    assert model["mode"] == "chat"
    assert model.get("supports_function_calling") is True


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_default_model_is_not_deprecated_within_90_days(model_map, provider):
    deprecation = entry(model_map, DEFAULT_MODELS[provider]).get("deprecation_date")

    assert deprecation is None or date.fromisoformat(deprecation) > date.today() + timedelta(90)


def test_there_is_a_default_model_for_every_provider():
    assert sorted(DEFAULT_MODELS) == sorted(PROVIDERS)
