"""The agent's model: a local Ollama server through LiteLLM's chat route."""

from agents.extensions.models.litellm_model import LitellmModel

from .settings import Settings


def build_model(settings: Settings) -> LitellmModel:
    """Ollama via LiteLLM's `ollama_chat/` route (/api/chat, with native tool calls).

    With no LLM_BASE_URL, LiteLLM honours OLLAMA_API_BASE, else http://localhost:11434; a custom
    base must NOT end in /api or /v1, since LiteLLM appends /api/chat. No key is needed.
    """
    return LitellmModel(model=settings.llm_model, base_url=settings.llm_base_url)
