"""The agent's model: Google Gemini (AI Studio) through LiteLLM."""

from agents.extensions.models.litellm_model import LitellmModel

from .settings import Settings


def build_model(settings: Settings) -> LitellmModel:
    """Gemini via LiteLLM's `gemini/` route.

    With no LLM_BASE_URL, LiteLLM honours GEMINI_API_BASE; a custom base must end in /v1beta.
    """
    return LitellmModel(model=settings.llm_model, base_url=settings.llm_base_url)
