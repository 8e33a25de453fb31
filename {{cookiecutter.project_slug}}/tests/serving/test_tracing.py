"""Agents SDK tracing is off unless AGENTS_TRACING=true, and never on past another endpoint."""

from collections.abc import Iterator
from typing import Any

import pytest
from agents import set_trace_processors
from agents.tracing import TracingProcessor
from agents.tracing.processors import default_processor

from {{ cookiecutter.project_slug }}.settings import Settings
from {{ cookiecutter.project_slug }}.tracing import tracing_enabled

from fake_provider import FakeProvider
from support.chatkit_client import ChatKitClient
from support.server import serve_in_process

OPENAI_ENDPOINT = "https://api.openai.com/v1"
GATEWAY = "https://gateway.example/v1"


class TraceRecorder(TracingProcessor):
    """Keeps the traces the SDK would export, in place of its exporter to OpenAI."""

    def __init__(self) -> None:
        self.traces: list[Any] = []

    def on_trace_start(self, trace: Any) -> None:
        self.traces.append(trace)

    def on_trace_end(self, trace: Any) -> None: ...

    def on_span_start(self, span: Any) -> None: ...

    def on_span_end(self, span: Any) -> None: ...

    def shutdown(self) -> None: ...

    def force_flush(self) -> None: ...


@pytest.fixture
def recorded_traces() -> Iterator[TraceRecorder]:
    recorder = TraceRecorder()
    set_trace_processors([recorder])
    try:
        yield recorder
    finally:
        set_trace_processors([default_processor()])


@pytest.fixture
def openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    for name in ("OPENAI_BASE_URL", "OPENAI_API_BASE"):
        monkeypatch.delenv(name, raising=False)


def test_tracing_is_off_by_default(settings: Settings, openai_key: None):
    assert not tracing_enabled(settings)


def test_agents_tracing_turns_it_on_for_openais_own_endpoint(
    settings: Settings, openai_key: None, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("OPENAI_BASE_URL", OPENAI_ENDPOINT)

    assert tracing_enabled(settings.model_copy(update={"agents_tracing": True}))


@pytest.mark.parametrize("variable", ["OPENAI_BASE_URL", "OPENAI_API_BASE"])
def test_tracing_stays_off_when_openai_calls_go_to_another_endpoint(
    variable: str, settings: Settings, openai_key: None, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(variable, GATEWAY)

    assert not tracing_enabled(settings.model_copy(update={"agents_tracing": True}))


def test_tracing_stays_off_when_llm_base_url_points_elsewhere(settings: Settings, openai_key: None):
    settings = settings.model_copy(update={"agents_tracing": True, "llm_base_url": GATEWAY})

    assert not tracing_enabled(settings)


def test_tracing_stays_off_without_an_openai_key(
    settings: Settings, openai_key: None, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("OPENAI_API_KEY")

    assert not tracing_enabled(settings.model_copy(update={"agents_tracing": True}))


async def test_by_default_a_turn_sends_no_trace(
    settings: Settings,
    fake_provider: FakeProvider,
    openai_key: None,
    recorded_traces: TraceRecorder,
):
    async with serve_in_process(settings) as http:
        await ChatKitClient(http).create_thread("hello")

    assert recorded_traces.traces == []
{%- if cookiecutter.provider == "openai" %}


async def test_with_agents_tracing_a_turn_through_an_openai_compatible_server_sends_no_trace(
    settings: Settings, fake_provider: FakeProvider, recorded_traces: TraceRecorder
):
    # The OpenAI-compatible route (vLLM, LM Studio, OpenRouter): OPENAI_BASE_URL points at
    # another server, here the fake provider on 127.0.0.1, and OPENAI_API_KEY holds its key.
    settings = settings.model_copy(update={"agents_tracing": True})

    async with serve_in_process(settings) as http:
        await ChatKitClient(http).create_thread("hello")

    assert recorded_traces.traces == []
{%- else %}


async def test_with_agents_tracing_a_turn_is_traced(
    settings: Settings,
    fake_provider: FakeProvider,
    openai_key: None,
    recorded_traces: TraceRecorder,
):
    settings = settings.model_copy(update={"agents_tracing": True})

    async with serve_in_process(settings) as http:
        await ChatKitClient(http).create_thread("hello")

    assert len(recorded_traces.traces) == 1


async def test_with_agents_tracing_but_no_openai_key_a_turn_sends_no_trace(
    settings: Settings,
    fake_provider: FakeProvider,
    openai_key: None,
    recorded_traces: TraceRecorder,
    monkeypatch: pytest.MonkeyPatch,
):
    # This provider's turns need no OpenAI key, so most projects have none.
    monkeypatch.delenv("OPENAI_API_KEY")
    settings = settings.model_copy(update={"agents_tracing": True})

    async with serve_in_process(settings) as http:
        await ChatKitClient(http).create_thread("hello")

    assert recorded_traces.traces == []
{%- endif %}
