"""Check the bake-time answers inside cookiecutter's own process, as a local Jinja extension.

cookiecutter reports a failed hook with a traceback, and a wrong choice variable with an
uncaught ValueError. A filter that raises a click exception while cookiecutter renders the
answers is shown by its command line as plain `Error:` lines instead, before anything is written.
"""

import keyword
import re
from collections.abc import Mapping
from typing import IO

import click
from jinja2 import Environment
from jinja2.ext import Extension

SLUG = re.compile(r"[a-z_][a-z0-9_]*")


class InvalidAnswers(click.ClickException):
    """Answers that cannot produce a working project; click prints one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems

    def show(self, file: IO[str] | None = None) -> None:
        for problem in self.problems:
            click.echo(f"Error: {problem}", file=file, err=True)


def answer_problems(answers: Mapping) -> list[str]:
    """Every reason the answers cannot produce a working project, one line each."""
    problems = [
        *slug_problems(answers["project_slug"]),
        *port_problems(str(answers["port"])),
    ]
    choices = answers["_choices"]
    for name, allowed in choices.items():
        if answers[name] not in allowed:
            problems.append(f"{name} {answers[name]!r} is not one of {', '.join(allowed)}")
    if answers["provider"] in choices["provider"]:
        problems += model_problems(answers["model"], answers["provider"], answers)
    return problems


def slug_problems(slug: str) -> list[str]:
    if SLUG.fullmatch(slug) and not keyword.iskeyword(slug):
        return []
    return [
        f"project_slug {slug!r} is not a lower-case Python identifier "
        "(letters, digits and _, not starting with a digit), e.g. my_chat_backend"
    ]


def port_problems(port: str) -> list[str]:
    if port.isascii() and port.isdigit() and 1 <= int(port) <= 65535:
        return []
    return [f"port {port!r} is not an integer from 1 to 65535"]


def model_problems(model: str, provider: str, answers: Mapping) -> list[str]:
    routes = provider_routes(answers)
    if model == "auto" or re.fullmatch(rf"{re.escape(routes[provider])}/\S+", model):
        return []
    example = answers["_default_models"][provider]
    route, _, name = model.partition("/")
    if provider == "ollama" and route == "ollama":
        # LiteLLM's ollama/ route is Ollama's /api/generate: one prompt, no native tool calls.
        return [
            f"model {model!r} takes LiteLLM's ollama/ route (/api/generate, no native tool "
            f"calls); the agent needs the ollama_chat/ route: answer model=ollama_chat/{name}"
        ]
    model_provider = next((p for p, r in routes.items() if r == route), None)
    if model_provider is not None:
        return [
            f"model {model!r} is for provider {model_provider}: answer provider={model_provider}, "
            f"or give a model for {provider} such as {example!r}"
        ]
    return [f"model {model!r} must be auto or a LiteLLM model of {provider}, such as {example!r}"]


def provider_routes(answers: Mapping) -> dict[str, str]:
    """Each provider's LiteLLM route, the prefix of its default model: ollama's is ollama_chat."""
    return {
        provider: answers["_default_models"][provider].partition("/")[0]
        for provider in answers["_choices"]["provider"]
    }


def refuse_invalid_answers(answers: Mapping) -> str:
    """Raise InvalidAnswers for any problem; renders as an empty string otherwise."""
    problems = answer_problems(answers)
    if problems:
        raise InvalidAnswers(problems)
    return ""


class AnswerChecks(Extension):
    """Adds the `answer_problems` and `refuse_invalid_answers` filters."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["answer_problems"] = answer_problems
        environment.filters["refuse_invalid_answers"] = refuse_invalid_answers
