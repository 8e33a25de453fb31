"""The agent's model: OpenAI through LiteLLM's chat-completions route."""

from agents.extensions.models.litellm_model import LitellmModel

from .settings import Settings


def build_model(settings: Settings) -> LitellmModel:
    """OpenAI via LiteLLM's `openai/` route.

    With no LLM_BASE_URL, LiteLLM honours OPENAI_BASE_URL (then OPENAI_API_BASE); a custom base,
    such as an OpenAI-compatible server, must end in /v1.
    """
    return LitellmModel(model=settings.llm_model, base_url=settings.llm_base_url)
