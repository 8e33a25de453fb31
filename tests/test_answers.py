"""Bake-time answers: their defaults, and one line on stderr for each invalid one.

The refusals run the real `cookiecutter` command line, as a user would, into a temporary
directory; the template is local, so nothing goes to the network.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).parents[1]
CONTEXT = json.loads((TEMPLATE / "cookiecutter.json").read_text())
README = (TEMPLATE / "README.md").read_text()
NOT_AN_IDENTIFIER = (
    "is not a lower-case Python identifier (letters, digits and _, not starting with a digit), "
    "e.g. my_chat_backend"
)


@pytest.fixture
def user_config(tmp_path) -> Path:
    """A cookiecutter user config that keeps its replay files out of the home directory."""
    config = tmp_path / "cookiecutter.yaml"
    config.write_text(
        f"cookiecutters_dir: {tmp_path / 'cookiecutters'}\nreplay_dir: {tmp_path / 'replay'}\n"
    )
    return config


@pytest.fixture
def bake_cli(tmp_path, user_config):
    """Runs `cookiecutter <template> <arguments>` into an empty directory; returns both."""
    output = tmp_path / "out"
    output.mkdir()

    def bake(*arguments: str, stdin: str = "") -> tuple[subprocess.CompletedProcess, Path]:
        result = subprocess.run(
            [sys.executable, "-m", "cookiecutter", str(TEMPLATE), "-o", str(output), *arguments],
            input=stdin,
            capture_output=True,
            text=True,
            env={**os.environ, "COOKIECUTTER_CONFIG": str(user_config)},
            timeout=120,
        )
        return result, output

    return bake


def assert_refused(result: subprocess.CompletedProcess, output: Path, lines: list[str]) -> None:
    assert result.stderr.splitlines() == lines
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert list(output.iterdir()) == []


INVALID_ANSWERS = {
    "project_slug=My-Chat": f"project_slug 'My-Chat' {NOT_AN_IDENTIFIER}",
    "project_slug=1chat": f"project_slug '1chat' {NOT_AN_IDENTIFIER}",
    "project_slug=class": f"project_slug 'class' {NOT_AN_IDENTIFIER}",
    'project_slug=chat"; import os': f"project_slug 'chat\"; import os' {NOT_AN_IDENTIFIER}",
    "project_slug=café_bot": f"project_slug 'café_bot' {NOT_AN_IDENTIFIER}",
    "port=0": "port '0' is not an integer from 1 to 65535",
    "port=65536": "port '65536' is not an integer from 1 to 65535",
    "port=eighty": "port 'eighty' is not an integer from 1 to 65535",
    "port=-1": "port '-1' is not an integer from 1 to 65535",
    "provider=mistral": "provider 'mistral' is not one of gemini, openai, anthropic, ollama",
    "store=redis": "store 'redis' is not one of sqlite, postgres, memory",
    "model=gpt-5.5": (
        "model 'gpt-5.5' must be auto or a LiteLLM model of gemini, "
        "such as 'gemini/gemini-3.8-flash'"
    ),
}


@pytest.mark.parametrize(("answer", "line"), INVALID_ANSWERS.items(), ids=INVALID_ANSWERS.keys())
def test_an_invalid_answer_is_one_line_on_stderr_and_nothing_is_written(bake_cli, answer, line):
    result, output = bake_cli("--no-input", answer)

    assert_refused(result, output, [f"Error: {line}"])


@pytest.mark.parametrize("provider", ["gemini", "anthropic", "ollama"])
def test_a_model_of_another_provider_suggests_that_provider(bake_cli, provider):
    result, output = bake_cli("--no-input", f"provider={provider}", "model=openai/gpt-5.5")

    assert_refused(
        result,
        output,
        [
            "Error: model 'openai/gpt-5.5' is for provider openai: answer provider=openai, "
            f"or give a model for {provider} such as {CONTEXT['_default_models'][provider]!r}"
        ],
    )


def test_an_ollama_chat_model_given_another_provider_suggests_provider_ollama(bake_cli):
    result, output = bake_cli("--no-input", "provider=openai", "model=ollama_chat/qwen3")

    assert_refused(
        result,
        output,
        [
            "Error: model 'ollama_chat/qwen3' is for provider ollama: answer provider=ollama, "
            "or give a model for openai such as 'openai/gpt-5.5'"
        ],
    )


def test_an_ollama_model_on_litellms_generate_route_suggests_the_chat_route(bake_cli):
    result, output = bake_cli("--no-input", "provider=ollama", "model=ollama/qwen3")

    assert_refused(
        result,
        output,
        [
            "Error: model 'ollama/qwen3' takes LiteLLM's ollama/ route (/api/generate, no native "
            "tool calls); the agent needs the ollama_chat/ route: answer model=ollama_chat/qwen3"
        ],
    )


def test_several_invalid_answers_are_one_line_each(bake_cli):
    result, output = bake_cli("--no-input", "port=0", "store=redis", "project_slug=class")

    assert_refused(
        result,
        output,
        [
            f"Error: project_slug 'class' {NOT_AN_IDENTIFIER}",
            "Error: port '0' is not an integer from 1 to 65535",
            "Error: store 'redis' is not one of sqlite, postgres, memory",
        ],
    )


def test_an_invalid_answer_at_the_prompts_is_refused_the_same_way(bake_cli):
    # Name, slug, provider, model, port, store: a wrong provider, defaults for the rest.
    result, output = bake_cli(stdin="\n\nmistral\n\n\n\n")

    assert_refused(
        result,
        output,
        ["Error: provider 'mistral' is not one of gemini, openai, anthropic, ollama"],
    )


def test_the_readme_examples_of_refused_answers_print_what_they_show(bake_cli):
    examples = re.findall(r"```console\n\$ cookiecutter \. (.*)\n((?:Error: .*\n)+)```", README)

    assert examples
    for command, lines in examples:
        result, output = bake_cli(*shlex.split(command))
        assert_refused(result, output, lines.splitlines())


def test_the_readme_lists_every_question_with_its_choices_and_default():
    table = README.split("| question | choices | default |\n")[1].split("\n\n")[0]
    rows = dict(re.findall(r"^\| `(\w+)` \| (.*) \|$", table, re.MULTILINE))
    questions = [name for name in CONTEXT if not name.startswith("_")]

    assert list(rows) == questions
    for name, choices in CONTEXT["_choices"].items():
        assert rows[name].startswith(", ".join(f"`{choice}`" for choice in choices) + " |")
    for name in ("project_name", "provider", "model", "port", "store"):
        assert rows[name].endswith(f"| `{CONTEXT[name]}`")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Support Desk Bot", "support_desk_bot"),
        ("Café Bot", "cafe_bot"),
        ("Chat-Bot 2", "chat_bot_2"),
    ],
)
def test_the_slug_defaults_to_the_slugified_name(cookies, name, slug):
    result = cookies.bake(extra_context={"project_name": name})

    assert result.exception is None, result.exception
    assert result.project_path.name == slug
    assert (result.project_path / "backend" / slug / "__init__.py").exists()


def test_a_name_with_an_accent_bakes_from_the_command_line(bake_cli):
    result, output = bake_cli("--no-input", "project_name=Café Bot")

    assert result.returncode == 0, result.stderr
    assert (output / "cafe_bot" / "backend" / "cafe_bot").is_dir()


def test_an_explicit_model_of_the_chosen_provider_is_kept(cookies):
    result = cookies.bake(
        extra_context={"provider": "anthropic", "model": "anthropic/claude-haiku-5-5"}
    )

    settings = next((result.project_path / "backend").glob("*/settings.py")).read_text()
    assert 'DEFAULT_MODEL = "anthropic/claude-haiku-5-5"' in settings


def test_an_explicit_ollama_chat_model_is_kept(cookies):
    result = cookies.bake(extra_context={"provider": "ollama", "model": "ollama_chat/qwen3"})

    settings = next((result.project_path / "backend").glob("*/settings.py")).read_text()
    assert 'DEFAULT_MODEL = "ollama_chat/qwen3"' in settings


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
def test_the_hook_refuses_an_unknown_choice_from_a_replay_file(
    tmp_path, user_config, capfd, answers
):
    # A replay file skips the checks at the prompts; the pre-generation hook does not.
    context = {**CONTEXT, "provider": "gemini", "store": "sqlite", "project_slug": "chat"}
    context.update(answers, __model="gemini/gemini-3.8-flash")
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps({"cookiecutter": context}))

    with pytest.raises(FailedHookException):
        cookiecutter(
            str(TEMPLATE),
            replay=str(replay),
            output_dir=str(tmp_path / "out"),
            config_file=str(user_config),
        )

    name, value = next(iter(answers.items()))
    assert f"Error: {name} {value!r} is not one of" in capfd.readouterr().err
    assert not (tmp_path / "out" / "chat").exists()
