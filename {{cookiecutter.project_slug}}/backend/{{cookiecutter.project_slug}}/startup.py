"""Start-up checks: a provider key is set; LiteLLM knows the model and does not retire it soon."""

import logging
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import litellm

from .model import API_KEY_VARIABLES
from .settings import DEFAULT_MODEL, first_variable_set

logger = logging.getLogger(__name__)

# A model that LiteLLM's map retires within this many days gets a warning at start-up.
DEPRECATION_NOTICE = timedelta(days=90)


def missing_api_key() -> str | None:
    """A one-line message naming the variable to set when no provider key is set, else None.

    A custom endpoint (LLM_BASE_URL or the provider's own base variable) needs a key as well.
    """
    if first_variable_set(API_KEY_VARIABLES):
        return None
    others = " or ".join(API_KEY_VARIABLES[1:])
    alternative = f" (or {others})" if others else ""
    return f"Set {API_KEY_VARIABLES[0]}{alternative} to the provider's API key (in the env or .env)"


def model_warning(
    model: str, model_map: Mapping[str, Any] | None = None, today: date | None = None
) -> str | None:
    """Why `model` may stop working, naming the template's default to consider; None if fine.

    Checks LiteLLM's bundled model map (`litellm.model_cost`, read offline).
    """
    model_map = litellm.model_cost if model_map is None else model_map
    today = date.today() if today is None else today
    entry = model_entry(model_map, model)
    if entry is None:
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
    """The map's entry for `provider/name`, which LiteLLM keys by either form."""
    provider, _, name = model.partition("/")
    entry = model_map.get(model) or model_map.get(name)
    return entry if entry and entry.get("litellm_provider") == provider else None


def retirement_date(entry: Mapping[str, Any]) -> date | None:
    try:
        return date.fromisoformat(entry.get("deprecation_date") or "")
    except ValueError:  # none, or not a date: nothing to warn about
        return None


def warn_about_model(model: str) -> None:
    """Log a warning at start-up if the model is unknown or about to be retired."""
    if warning := model_warning(model):
        logger.warning(warning)
