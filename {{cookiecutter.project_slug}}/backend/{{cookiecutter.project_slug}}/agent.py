"""The agent that answers in every thread: instructions, model and tools, built once."""

from agents import Agent, ModelSettings

from .model import build_model
from .retries import model_retry_settings
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
        model_settings=model_settings(settings),
        tools=TOOLS,
    )


def model_settings(settings: Settings) -> ModelSettings:
    """Timeout and retries of every model call, the agent's and the title writer's."""
    return ModelSettings(
        # Passed through to litellm.acompletion. LiteLLM's retries are off (the openai client
        # would retry on its own); the runner retries instead, alike for every provider.
        extra_args={
            "timeout": settings.llm_timeout_seconds,
            "num_retries": 0,
            "max_retries": 0,
        },
        retry=model_retry_settings(settings),
{%- if cookiecutter.provider == "openai" %}
        # OpenAI streams token counts only when asked; without them, LiteLLM would log its
        # own estimate (request_log.ModelCallLog).
        include_usage=True,
{%- endif %}
    )
