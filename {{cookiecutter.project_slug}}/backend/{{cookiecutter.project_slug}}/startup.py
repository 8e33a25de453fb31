"""Start-up checks: a bad setting, a missing key or database stop it in one line; doubts warn.

The checks of the model import LiteLLM themselves: it takes seconds to import, and main.py runs
the other checks first, so that a bad setting or a missing database stops the server at once.
"""

{% if cookiecutter.store != "memory" -%}
import asyncio
{% endif -%}
import logging
import sys
from collections.abc import Mapping
{%- if cookiecutter.store != "memory" %}
from concurrent.futures import ThreadPoolExecutor
{%- endif %}
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from .settings import DEFAULT_MODEL, Settings, get_settings, variables_set
{%- if cookiecutter.store != "memory" %}
from .stores import create_store
from .stores.base import AppStore, StoreUnavailable
{%- endif %}

logger = logging.getLogger(__name__)

# A model that LiteLLM's map retires within this many days gets a warning at start-up.
DEPRECATION_NOTICE = timedelta(days=90)

# Where LiteLLM finds a custom endpoint for each provider when LLM_BASE_URL is not set, in the
# order it looks.
ENDPOINT_VARIABLES = {
    "gemini": ("GEMINI_API_BASE",),
    "openai": ("OPENAI_BASE_URL", "OPENAI_API_BASE"),
    "anthropic": ("ANTHROPIC_API_BASE", "ANTHROPIC_BASE_URL"),
    "ollama_chat": ("OLLAMA_API_BASE",),
}

# Routes to a model server of one's own, with the provider LiteLLM's map lists their models
# under. They take no key, and any model pulled into the server works, listed or not.
LOCAL_ROUTES = {"ollama_chat": "ollama"}


def settings_or_exit() -> Settings:
    """The settings; if any is invalid, exit with one line per setting, naming it, not its value."""
    try:
        return get_settings()
    except ValidationError as error:
        sys.exit("\n".join(settings_error_lines(error)))


def settings_error_lines(error: ValidationError) -> list[str]:
    """One line per problem: the variable and what it expects (pydantic's message, no input)."""
    lines = []
    for issue in error.errors(include_input=False, include_url=False):
        expected = issue["msg"].removeprefix("Value error, ")
        if not issue["loc"]:  # a check across settings names its variables itself
            lines.append(f"Invalid settings: {expected}")
        elif issue["type"] == "missing":
            lines.append(f"{str(issue['loc'][0]).upper()} is required (in the env or .env)")
        else:
            lines.append(f"Invalid {str(issue['loc'][0]).upper()}: {expected}")
    return lines


def missing_api_key(settings: Settings) -> str | None:
    """One line naming the variables that LLM_MODEL's provider needs and lacks, else None.

    LiteLLM's own check, so any LiteLLM model works once its key is set. A custom endpoint
    (LLM_BASE_URL or the provider's own variable) needs a key as well. A local server needs
    none: LiteLLM's check asks an Ollama model for OLLAMA_API_BASE, though it falls back to
    http://localhost:11434 without it.
    """
    if settings.llm_model.partition("/")[0] in LOCAL_ROUTES:
        return None
    import litellm

    check = litellm.validate_environment(model=settings.llm_model, api_base=settings.llm_base_url)
    if check["keys_in_environment"]:
        return None
    missing = " or ".join(check["missing_keys"])
    return f"LLM_MODEL {settings.llm_model} needs {missing} set (in the env or .env)"


{%- if cookiecutter.store != "memory" %}


def unavailable_store(settings: Settings) -> str | None:
    """One line saying how to make the database reachable, else None.

    The store is opened on an event loop of its own, in a thread, because under
    `uvicorn main:app` main.py is imported while uvicorn's loop is running.
    """
    try:
        with ThreadPoolExecutor(max_workers=1) as thread:
            thread.submit(asyncio.run, open_and_close(create_store(settings))).result()
    except StoreUnavailable as error:
        return str(error)
    return None


async def open_and_close(store: AppStore) -> None:
    try:
        await store.open()
    finally:
        await store.close()
{%- endif %}


def endpoint_warning(settings: Settings) -> str | None:
    """Why the model's custom endpoint, if any, will not be found; None if it looks right.

    LiteLLM appends the API's path to it: /models/<model>:streamGenerateContent for Gemini,
    /chat/completions for OpenAI, /v1/messages for Anthropic, /api/chat for Ollama.
    """
    provider = settings.llm_model.partition("/")[0]
    if settings.llm_base_url:
        variable, url = "LLM_BASE_URL", settings.llm_base_url
    elif found := variables_set(ENDPOINT_VARIABLES.get(provider, ())):
        variable, url = next(iter(found.items()))
    else:
        return None
    path = urlsplit(url).path.rstrip("/")
    if provider == "gemini" and not path.endswith("/v1beta"):
        return f"{variable} should end in /v1beta for Gemini, e.g. https://host/v1beta"
    if provider == "openai" and not path.endswith("/v1"):
        return f"{variable} should end in /v1 for OpenAI's API, e.g. https://host/v1"
    if provider == "anthropic" and path.endswith("/v1"):
        return f"{variable} should not end in /v1 for Anthropic: LiteLLM adds /v1/messages"
    if provider == "ollama_chat" and path.endswith(("/api", "/v1")):
        return f"{variable} should not end in /api or /v1 for Ollama: LiteLLM adds /api/chat"
    return None


def model_warning(
    model: str, model_map: Mapping[str, Any] | None = None, today: date | None = None
) -> str | None:
    """Why `model` may stop working, naming the template's default to consider; None if fine.

    Checks LiteLLM's bundled model map (`litellm.model_cost`, read offline). A local server's
    model missing from it is no sign of a typo (see LOCAL_ROUTES).
    """
    import litellm

    model_map = litellm.model_cost if model_map is None else model_map
    today = date.today() if today is None else today
    entry = model_entry(model_map, model)
    if entry is None:
        if model.partition("/")[0] in LOCAL_ROUTES:
            return None
        problem = "is not in LiteLLM's model map, so it may be misspelt or retired"
    else:
        retired = retirement_date(entry)
        if retired is None or retired > today + DEPRECATION_NOTICE:
            return None
        problem = f"is deprecated from {retired.isoformat()}"
    if model == DEFAULT_MODEL:
        return f"LLM_MODEL {model} {problem}; choose a current model of the provider"
    return f"LLM_MODEL {model} {problem}; consider {DEFAULT_MODEL}"


def model_entry(model_map: Mapping[str, Any], model: str) -> Mapping[str, Any] | None:
    """The map's entry for `route/name`, which LiteLLM keys by either form (a local route's
    models by their provider's name: ollama_chat/llama3.1 as ollama/llama3.1)."""
    route, _, name = model.partition("/")
    provider = LOCAL_ROUTES.get(route, route)
    entry = model_map.get(f"{provider}/{name}") or model_map.get(name)
    return entry if entry and entry.get("litellm_provider") == provider else None


def retirement_date(entry: Mapping[str, Any]) -> date | None:
    try:
        return date.fromisoformat(entry.get("deprecation_date") or "")
    except ValueError:  # none, or not a date: nothing to warn about
        return None


def warn_about_model(settings: Settings) -> None:
    """Log a warning at start-up if the model is doubtful or its endpoint looks wrong."""
    for warning in (model_warning(settings.llm_model), endpoint_warning(settings)):
        if warning:
            logger.warning(warning)
