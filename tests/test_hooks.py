"""Bad answers stop the bake with a message, before anything is written."""

import json
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).parents[1]


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param({"project_slug": "My-Chat"}, id="slug-not-an-identifier"),
        pytest.param({"project_slug": "1chat"}, id="slug-starts-with-a-digit"),
        pytest.param({"project_slug": "class"}, id="slug-is-a-keyword"),
        pytest.param({"project_slug": 'chat"; import os'}, id="slug-with-code"),
        pytest.param({"port": "0"}, id="port-zero"),
        pytest.param({"port": "65536"}, id="port-too-high"),
        pytest.param({"port": "eighty"}, id="port-not-a-number"),
        pytest.param({"port": "-1"}, id="port-negative"),
        pytest.param({"model": "gpt-5.5"}, id="model-without-prefix"),
        pytest.param(
            {"provider": "anthropic", "model": "openai/gpt-5.5"}, id="model-of-another-provider"
        ),
    ],
)
def test_bake_rejects_bad_answers(cookies, answers, tmp_path):
    result = cookies.bake(extra_context=answers)

    assert result.exit_code != 0
    assert isinstance(result.exception, FailedHookException)
    assert result.project_path is None or not result.project_path.exists()


def test_the_rejection_names_the_bad_value(cookies, capfd):
    cookies.bake(extra_context={"port": "70000"})

    assert "port '70000' is not an integer from 1 to 65535" in capfd.readouterr().err


def test_an_explicit_model_of_the_chosen_provider_is_kept(cookies):
    result = cookies.bake(
        extra_context={"provider": "anthropic", "model": "anthropic/claude-haiku-5-5"}
    )

    settings = next((result.project_path / "backend").glob("*/settings.py")).read_text()
    assert 'DEFAULT_MODEL = "anthropic/claude-haiku-5-5"' in settings


def test_the_slug_defaults_to_the_name_in_snake_case(cookies):
    result = cookies.bake(extra_context={"project_name": "Support Desk Bot"})

    assert result.project_path.name == "support_desk_bot"
    assert (result.project_path / "backend" / "support_desk_bot" / "chatkit_server.py").exists()


def test_no_file_of_a_renamed_project_names_the_default_package(cookies):
    # The variants' own test suites run under the default slug, so they cannot catch this.
    result = cookies.bake(extra_context={"project_name": "Support Desk Bot"})

    naming_default = [
        str(path.relative_to(result.project_path))
        for path in result.project_path.rglob("*")
        if path.is_file() and "chatkit_backend" in path.read_text(encoding="utf-8")
    ]
    assert naming_default == []


@pytest.mark.parametrize("answers", [{"provider": "mistral"}, {"store": "redis"}], ids=str)
def test_an_unknown_choice_is_refused_before_anything_is_written(cookies, answers):
    result = cookies.bake(extra_context=answers)

    assert result.exit_code != 0
    assert next(iter(answers.values())) in str(result.exception)
    assert result.project_path is None


@pytest.mark.parametrize("answers", [{"provider": "mistral"}, {"store": "redis"}], ids=str)
def test_the_hook_refuses_an_unknown_choice_that_skipped_prompting(tmp_path, answers):
    # A replay file bypasses cookiecutter's own choice check; the pre-generation hook does not.
    context = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    context.update({"provider": "gemini", "store": "sqlite", "project_slug": "chat", **answers})
    context["__model"] = "gemini/gemini-3.8-flash"
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps({"cookiecutter": context}))

    with pytest.raises(FailedHookException):
        cookiecutter(str(TEMPLATE), replay=str(replay), output_dir=str(tmp_path / "out"))

    assert not (tmp_path / "out" / "chat").exists()
