"""Agents SDK tracing: off unless AGENTS_TRACING=true, and never past another endpoint.

The SDK exports every turn's trace (the run, each model call with its messages and reply, tool
calls with arguments and results, token counts) to https://api.openai.com/v1/traces/ingest,
authenticated with OPENAI_API_KEY. Through a gateway or another provider's endpoint that key
belongs elsewhere, and the conversation would leave for OpenAI unasked.
"""

import logging
from urllib.parse import urlsplit

from agents import set_tracing_disabled

from .settings import Settings, variables_set

logger = logging.getLogger(__name__)

OPENAI_API_HOST = "api.openai.com"
# The variables by which LiteLLM sends OpenAI calls elsewhere (LLM_BASE_URL aside).
OPENAI_ENDPOINT_VARIABLES = ("OPENAI_BASE_URL", "OPENAI_API_BASE")


def tracing_refusal(settings: Settings) -> str | None:
    """Why traces may not be sent even though AGENTS_TRACING=true; None when they may."""
    endpoints = variables_set(OPENAI_ENDPOINT_VARIABLES)
    if settings.llm_base_url:
        endpoints["LLM_BASE_URL"] = settings.llm_base_url
    for variable, url in endpoints.items():
        if urlsplit(url).hostname != OPENAI_API_HOST:
            return f"AGENTS_TRACING is ignored: {variable} points elsewhere than {OPENAI_API_HOST}"
    if not variables_set(["OPENAI_API_KEY"]):
        return "AGENTS_TRACING is ignored: traces are sent with OPENAI_API_KEY, which is not set"
    return None


def tracing_enabled(settings: Settings) -> bool:
    return settings.agents_tracing and tracing_refusal(settings) is None


def configure_tracing(settings: Settings) -> None:
    """Switch the SDK's tracing on or off for the process, saying why a request for it fails."""
    if settings.agents_tracing and (refusal := tracing_refusal(settings)):
        logger.warning(refusal)
    set_tracing_disabled(not tracing_enabled(settings))
