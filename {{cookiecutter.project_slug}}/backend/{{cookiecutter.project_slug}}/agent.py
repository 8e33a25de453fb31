"""The agent that answers in every thread: instructions, model and tools, built once."""

from agents import Agent, ModelSettings

from .model import build_model
from .settings import Settings
from .tools import TOOLS

INSTRUCTIONS = (
    "You are a helpful assistant in a chat application. Answer concisely, use the tools when "
    "they help, and use the earlier messages of the conversation as context."
)


def build_agent(settings: Settings) -> Agent:
    """The assistant; it holds no per-request state, so one instance serves every request."""
    return Agent(
        name="Assistant",
        instructions=INSTRUCTIONS,
        model=build_model(settings),
        model_settings=ModelSettings(
            # Passed through to litellm.acompletion: LiteLLM's own timeout and retries
            # (with backoff on 429 and 5xx) apply to every provider alike.
            extra_args={
                "timeout": settings.llm_timeout_seconds,
                "num_retries": settings.llm_max_retries,
            },
        ),
        tools=TOOLS,
    )
