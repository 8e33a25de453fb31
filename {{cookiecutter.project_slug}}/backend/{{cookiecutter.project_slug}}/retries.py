"""Model-call retries: the same for every provider, and only before a reply starts streaming.

LiteLLM's own retries (`num_retries`) do not work alike when streaming: the openai client
retries by itself, LiteLLM's retry wrapper needs the optional `tenacity` package, and Gemini's
errors only surface once the stream is read, where nothing retries them. So LiteLLM's retries
are switched off (agent.py) and the Agents SDK's runner retries instead. It replays a streamed
call only while nothing of the reply has been emitted, so a user never sees text twice.
"""

from agents.retry import (
    ModelRetryBackoffSettings,
    ModelRetrySettings,
    RetryDecision,
    RetryPolicyContext,
)

from .settings import Settings

# No wait between attempts exceeds this, whatever the provider's Retry-After asks for: a person
# is waiting for the reply, and a clear error beats a long silence.
MAX_RETRY_DELAY_SECONDS = 8.0


def model_retry_settings(settings: Settings) -> ModelRetrySettings:
    """LLM_MAX_RETRIES retries on transient failures, the waits doubling from the backoff."""
    return ModelRetrySettings(
        max_retries=settings.llm_max_retries,
        backoff=ModelRetryBackoffSettings(
            initial_delay=settings.llm_retry_backoff_seconds,
            max_delay=MAX_RETRY_DELAY_SECONDS,
            multiplier=2.0,
            jitter=True,
        ),
        policy=retry_transient_failures,
    )


def retry_transient_failures(context: RetryPolicyContext) -> bool | RetryDecision:
    """Retry rate limits (429), timeouts (408, or no answer in time), 5xx and lost connections.

    Other errors (a bad request, a wrong key) would fail again the same way.
    """
    error = context.normalized
    status = error.status_code or 0
    if not (error.is_timeout or error.is_network_error or status in (408, 429) or status >= 500):
        return False
    if error.retry_after is not None:
        return RetryDecision(retry=True, delay=min(error.retry_after, MAX_RETRY_DELAY_SECONDS))
    return True
