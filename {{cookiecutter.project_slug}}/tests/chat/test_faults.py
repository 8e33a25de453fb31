"""Provider failures: retried alike for every provider, then a short, safe error event."""

import logging
from collections.abc import AsyncIterator

import pytest
from agents.retry import ModelRetryNormalizedError, RetryPolicyContext

from {{ cookiecutter.project_slug }}.chatkit_server import TURN_FAILED
from {{ cookiecutter.project_slug }}.retries import MAX_RETRY_DELAY_SECONDS, retry_transient_failures
from {{ cookiecutter.project_slug }}.settings import Settings

from fake_provider import Cut, Fail, FakeProvider, Hang, Text
from support.chatkit_client import ChatKitClient, errors, sse_events, text_of, user_input
from support.project import PROVIDER
from support.server import serve_in_process

RETRIES = 2
TRANSIENT = [pytest.param(500, id="server-error"), pytest.param(429, id="rate-limited")]


@pytest.fixture
async def retrying(settings: Settings, fake_provider: FakeProvider) -> AsyncIterator[ChatKitClient]:
    """The app with RETRIES retries, no wait between attempts and a short timeout."""
    update = {"llm_max_retries": RETRIES, "llm_retry_backoff_seconds": 0, "llm_timeout_seconds": 1}
    async with serve_in_process(settings.model_copy(update=update)) as http:
        yield ChatKitClient(http)


@pytest.mark.parametrize("status", TRANSIENT)
async def test_a_transient_failure_is_retried_until_the_reply_comes(
    retrying: ChatKitClient, fake_provider: FakeProvider, status: int
):
    fake_provider.queue(Fail(status, times=RETRIES), Text("Made it."))

    _, events = await retrying.create_thread("hello")

    assert not errors(events)
    assert text_of(events[-1]["item"]) == "Made it."
    assert len(fake_provider.requests) == RETRIES + 1


@pytest.mark.parametrize("status", TRANSIENT)
async def test_a_failure_that_outlasts_the_retries_ends_the_turn_with_an_error_event(
    retrying: ChatKitClient, fake_provider: FakeProvider, status: int
):
    fake_provider.queue(Fail(status, times=RETRIES + 1), Text("Too late."))

    _, events = await retrying.create_thread("hello")

    assert [error.get("message") for error in errors(events)] == [TURN_FAILED]
    assert len(fake_provider.requests) == RETRIES + 1


async def test_a_call_that_times_out_is_retried(
    retrying: ChatKitClient, fake_provider: FakeProvider
):
    fake_provider.queue(Hang(seconds=10), Text("Made it."))

    _, events = await retrying.create_thread("hello")

    assert text_of(events[-1]["item"]) == "Made it."
    assert len(fake_provider.requests) == 2


async def test_without_retries_a_failure_costs_one_attempt(
    chatkit: ChatKitClient, fake_provider: FakeProvider
):
    # The `settings` fixture sets LLM_MAX_RETRIES=0; the openai client must not retry either.
    fake_provider.queue(Fail(500, times=3))

    _, events = await chatkit.create_thread("hello")

    assert errors(events)
    assert len(fake_provider.requests) == 1


async def test_a_bad_request_is_not_retried(retrying: ChatKitClient, fake_provider: FakeProvider):
    fake_provider.queue(Fail(400), Text("Never sent."))

    _, events = await retrying.create_thread("hello")

    assert errors(events)
    assert len(fake_provider.requests) == 1


async def test_a_reply_cut_after_it_started_streaming_is_not_retried(
    retrying: ChatKitClient, fake_provider: FakeProvider
):
    # The user has seen part of it; a second reply would repeat that text.
    fake_provider.queue(Cut("A reply that stops half-way."), Text("Never sent."))

    _, events = await retrying.create_thread("hello")

    assert errors(events)
    assert len(fake_provider.requests) == 1


def test_a_long_retry_after_is_cut_to_the_longest_wait():
    rate_limited = ModelRetryNormalizedError(status_code=429, retry_after=600)
    context = RetryPolicyContext(
        error=Exception(), attempt=1, max_retries=2, stream=True, normalized=rate_limited
    )

    decision = retry_transient_failures(context)

    assert decision.retry
    assert decision.delay == MAX_RETRY_DELAY_SECONDS


async def test_the_error_event_shows_no_key_url_or_provider_detail(
    chatkit: ChatKitClient, fake_provider: FakeProvider
):
    fake_provider.queue(Fail(500, message="upstream detail 4711"))

    response = await chatkit.post("threads.create", input=user_input("hello"))

    secrets = [*fake_provider.env(PROVIDER).values(), fake_provider.url, "upstream detail 4711"]
    assert [error["message"] for error in errors(sse_events(response))] == [TURN_FAILED]
    assert [secret for secret in secrets if secret in response.text] == []
    assert "Traceback" not in response.text


async def test_the_server_log_has_the_providers_own_error(
    chatkit: ChatKitClient, fake_provider: FakeProvider, caplog: pytest.LogCaptureFixture
):
    fake_provider.queue(Fail(500, message="upstream detail 4711"))

    with caplog.at_level(logging.ERROR):
        await chatkit.create_thread("hello")

    [failure] = [record for record in caplog.records if "turn failed" in record.getMessage()]
    logged = failure.exc_info[1]
    assert "upstream detail 4711" in str(logged)
    # Gemini's errors come wrapped by LiteLLM; the log shows the provider's, not the wrapper.
    assert type(logged).__name__ != "MidStreamFallbackError"
