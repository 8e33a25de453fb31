"""The agent's model: Anthropic Claude through LiteLLM."""

from agents.extensions.models.litellm_model import LitellmModel

from .settings import Settings


def build_model(settings: Settings) -> LitellmModel:
    """Claude via LiteLLM's `anthropic/` route (the Messages API).

    With no LLM_BASE_URL, LiteLLM honours ANTHROPIC_API_BASE (then ANTHROPIC_BASE_URL); a custom
    base must NOT end in /v1, since LiteLLM appends /v1/messages.
    """
    return LitellmModel(model=settings.llm_model, base_url=settings.llm_base_url)
