{%- if cookiecutter.provider == "ollama" -%}
"""Start-up: Ollama needs no key, another provider's model its key; a doubtful model warns."""
{%- else -%}
"""Start-up: no key for the model stops the server with one line; a doubtful model warns."""
{%- endif %}

import logging
{%- if cookiecutter.provider != "ollama" %}
import os
import subprocess
import sys
{%- endif %}
from datetime import date

import pytest

from {{ cookiecutter.project_slug }}.settings import DEFAULT_MODEL, Settings
from {{ cookiecutter.project_slug }}.startup import missing_api_key, model_warning, warn_about_model

from fake_provider import FakeProvider
from support.chatkit_client import ChatKitClient, text_of
{%- if cookiecutter.provider == "ollama" %}
from support.project import ROUTE
{%- else %}
from support.project import PROJECT_ROOT, PROVIDER, ROUTE
{%- endif %}
from support.server import serve_in_process

TODAY = date(2030, 1, 1)
{%- if cookiecutter.provider == "ollama" %}
# LiteLLM's map lists the few Ollama models it knows as ollama/<name>.
MAP_PROVIDER = "ollama"
{%- else %}
MAP_PROVIDER = ROUTE
{%- endif %}

# The variables LiteLLM reads each provider's key from.
KEY_VARIABLES = {
    "gemini": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    "openai": ("OPENAI_API_KEY",),
    "anthropic": ("ANTHROPIC_API_KEY",),
}
# A provider other than this project's, for a model of another provider.
{%- if cookiecutter.provider == "ollama" %}
OTHER_PROVIDER = "openai"
{%- else %}
OTHER_PROVIDER = "anthropic" if PROVIDER == "openai" else "openai"
{%- endif %}


def is_reply_done(event: dict) -> bool:
    return event["type"] == "thread.item.done" and event["item"]["type"] == "assistant_message"


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for names in KEY_VARIABLES.values():
        for name in names:
            monkeypatch.delenv(name, raising=False)
{%- if cookiecutter.provider == "ollama" %}


def test_an_ollama_model_needs_no_key_nor_endpoint_variable(
    settings: Settings, no_key: None, monkeypatch: pytest.MonkeyPatch
):
    # LiteLLM's own check asks for OLLAMA_API_BASE, yet falls back to localhost:11434.
    monkeypatch.delenv("OLLAMA_API_BASE", raising=False)

    assert missing_api_key(settings) is None


def test_an_ollama_model_at_a_custom_endpoint_needs_no_key(settings: Settings, no_key: None):
    settings = settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9"})

    assert missing_api_key(settings) is None
{%- else %}


@pytest.mark.process
def test_without_a_key_the_server_stops_with_one_line_naming_the_variable(
    server_env: dict[str, str],
):
    # main.py checks as it is imported, so `uvicorn main:app` stops the same way.
    env = {
        name: value
        for name, value in {**os.environ, **server_env}.items()
        if name not in KEY_VARIABLES[PROVIDER]
    }

    result = subprocess.run(
        [sys.executable, "backend/main.py"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert KEY_VARIABLES[PROVIDER][0] in line


def test_a_custom_endpoint_still_needs_a_key(settings: Settings, no_key: None):
    settings = settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1"})

    assert KEY_VARIABLES[PROVIDER][0] in (missing_api_key(settings) or "")


def test_any_of_the_providers_key_variables_will_do(
    settings: Settings, no_key: None, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(KEY_VARIABLES[PROVIDER][-1], "a-key")

    assert missing_api_key(settings) is None
{%- endif %}


def test_a_model_of_another_provider_needs_that_providers_key(settings: Settings, no_key: None):
    settings = settings.model_copy(update={"llm_model": f"{OTHER_PROVIDER}/some-model"})

    assert KEY_VARIABLES[OTHER_PROVIDER][0] in (missing_api_key(settings) or "")


def test_a_model_of_another_provider_starts_with_that_providers_key_alone(
    settings: Settings, no_key: None, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(KEY_VARIABLES[OTHER_PROVIDER][0], "a-key")
    settings = settings.model_copy(update={"llm_model": f"{OTHER_PROVIDER}/some-model"})

    assert missing_api_key(settings) is None


async def test_a_model_of_another_provider_answers_once_its_key_is_set(
    settings: Settings, fake_provider: FakeProvider, no_key: None, monkeypatch: pytest.MonkeyPatch
):
    for name, value in fake_provider.env(OTHER_PROVIDER).items():
        monkeypatch.setenv(name, value)
    settings = settings.model_copy(update={"llm_model": f"{OTHER_PROVIDER}/some-model"})

    async with serve_in_process(settings) as http:
        ready = await http.get("/ready")
        _, events = await ChatKitClient(http).create_thread("hi")

    assert ready.status_code == 200
    assert [text_of(event["item"]) for event in events if is_reply_done(event)] == ["echo: hi"]
{%- if cookiecutter.provider == "ollama" %}


async def test_ready_is_200_with_no_key_nor_endpoint_variable(
    settings: Settings, fake_provider: FakeProvider, no_key: None
):
    async with serve_in_process(settings) as http:
        response = await http.get("/ready")

    assert response.status_code == 200
{%- else %}


async def test_ready_is_503_naming_the_variable_when_no_key_is_set(
    settings: Settings, fake_provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
):
    async with serve_in_process(settings) as http:
        for name in KEY_VARIABLES[PROVIDER]:
            monkeypatch.delenv(name, raising=False)
        response = await http.get("/ready")

    assert response.status_code == 503
    assert response.json()["reason"] == "configuration"
    assert KEY_VARIABLES[PROVIDER][0] in response.json()["detail"]
{%- endif %}


async def test_health_stays_ok_when_no_key_is_set(
    settings: Settings, fake_provider: FakeProvider, no_key: None
):
    async with serve_in_process(settings) as http:
        response = await http.get("/health")

    assert response.status_code == 200
{%- if cookiecutter.provider == "ollama" %}


def test_a_local_model_unknown_to_litellm_gets_no_warning():
    # Ollama serves whatever was pulled into it; LiteLLM's map lists only a few.
    assert model_warning(f"{ROUTE}/my-own-model:7b", {}, TODAY) is None
{%- else %}


def test_a_model_unknown_to_litellm_gets_a_warning_naming_the_default():
    warning = model_warning(f"{ROUTE}/no-such-model", {}, TODAY)

    assert warning is not None
    assert f"{ROUTE}/no-such-model" in warning
    assert DEFAULT_MODEL in warning
{%- endif %}


def test_a_model_retired_within_90_days_gets_a_warning_with_the_date():
    model_map = {
        f"{MAP_PROVIDER}/old-model": {
            "litellm_provider": MAP_PROVIDER,
            "deprecation_date": "2030-03-01",
        }
    }

    warning = model_warning(f"{ROUTE}/old-model", model_map, TODAY)

    assert warning is not None
    assert "2030-03-01" in warning
    assert DEFAULT_MODEL in warning


@pytest.mark.parametrize("retired", ["2030-06-01", None])
def test_a_model_not_retired_soon_gets_no_warning(retired: str | None):
    entry = {"litellm_provider": MAP_PROVIDER, "deprecation_date": retired}

    assert model_warning(f"{ROUTE}/a-model", {f"{MAP_PROVIDER}/a-model": entry}, TODAY) is None


def test_the_default_model_gets_no_warning_from_litellms_own_map():
    assert model_warning(DEFAULT_MODEL) is None
{%- if cookiecutter.provider == "ollama" %}


def test_a_warning_is_logged_at_start_up(settings: Settings, caplog: pytest.LogCaptureFixture):
    settings = settings.model_copy(update={"llm_base_url": "http://127.0.0.1:11434/v1"})

    with caplog.at_level(logging.WARNING):
        warn_about_model(settings)

    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "LLM_BASE_URL" in record.getMessage()
{%- else %}


def test_the_warning_is_logged_at_start_up(settings: Settings, caplog: pytest.LogCaptureFixture):
    settings = settings.model_copy(update={"llm_model": f"{ROUTE}/no-such-model"})

    with caplog.at_level(logging.WARNING):
        warn_about_model(settings)

    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert DEFAULT_MODEL in record.getMessage()
{%- endif %}
