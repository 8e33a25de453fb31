"""Logs: one line per request and per model call, tied by a request id; text or JSON lines."""

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from {{ cookiecutter.project_slug }}.logs import (
    LITELLM_LOGGERS,
    JsonFormatter,
    TextFormatter,
    add_request_fields,
    configure_logging,
    fields,
)
from {{ cookiecutter.project_slug }}.settings import Settings

from fake_provider import Fail, FakeProvider
from support.chatkit_client import ChatKitClient, request, user_input
from support.project import PROVIDER


def logged(caplog: pytest.LogCaptureFixture, message: str) -> list[dict[str, Any]]:
    """The fields of every captured record with this message."""
    return [record.fields for record in caplog.records if record.getMessage() == message]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Undo configure_logging, which replaces the process's handlers."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    libraries = [
        (logger, logger.handlers[:], logger.level)
        for logger in map(logging.getLogger, LITELLM_LOGGERS)
    ]
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for logger, handlers, level in libraries:
        logger.handlers[:] = handlers
        logger.setLevel(level)
    logging.captureWarnings(False)


async def test_a_request_is_logged_once_with_its_id_status_and_latency(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.INFO):
        response = await http.get("/health")

    [line] = logged(caplog, "request")
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/health", 200)
    assert line["latency_ms"] >= 0


async def test_a_plain_incoming_request_id_is_kept(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.INFO):
        response = await http.get("/health", headers={"X-Request-ID": "edge-7f3a.1"})

    assert response.headers["X-Request-ID"] == "edge-7f3a.1"
    assert logged(caplog, "request")[0]["request_id"] == "edge-7f3a.1"


@pytest.mark.parametrize("odd", ["x" * 500, "two words", "a=1 status=500"])
async def test_an_odd_incoming_request_id_is_replaced(http: httpx.AsyncClient, odd: str):
    response = await http.get("/health", headers={"X-Request-ID": odd})

    assert response.headers["X-Request-ID"] != odd
    assert len(response.headers["X-Request-ID"]) == 32


async def test_a_turn_logs_its_model_call_with_status_latency_and_tokens(
    chatkit: ChatKitClient, settings: Settings, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.INFO):
        thread_id, _ = await chatkit.create_thread("hello")

    [call] = logged(caplog, "model call")
    [line] = logged(caplog, "request")
    assert (call["model"], call["status"]) == (settings.llm_model, "ok")
    assert call["latency_ms"] >= 0
    assert call["input_tokens"] > 0
    assert call["output_tokens"] > 0
    assert call["request_id"] == line["request_id"]
    assert call["thread_id"] == line["thread_id"] == thread_id
    assert call["user_id"] == line["user_id"]
    assert line["user_id"]


async def test_a_failed_model_call_is_logged_as_an_error(
    chatkit: ChatKitClient, fake_provider: FakeProvider, caplog: pytest.LogCaptureFixture
):
    fake_provider.queue(Fail(500))

    with caplog.at_level(logging.INFO):
        await chatkit.create_thread("hello")

    assert [call["status"] for call in logged(caplog, "model call")] == ["error"]


async def test_nothing_at_info_holds_the_key_the_token_or_message_text(
    http: httpx.AsyncClient, fake_provider: FakeProvider, caplog: pytest.LogCaptureFixture
):
    # Ollama's has none.
    keys = [value for name, value in fake_provider.env(PROVIDER).items() if "KEY" in name]
    token = "tok-3f9a1c77e2"
    text = "my locker code is 58-21-07"
    body = request("threads.create", input=user_input(text))

    with caplog.at_level(logging.INFO):
        await http.post("/chatkit", json=body, headers={"Authorization": f"Bearer {token}"})

    records = [record for record in caplog.records if record.levelno >= logging.INFO]
    assert records
    for formatter in (TextFormatter(), JsonFormatter()):
        output = "\n".join(formatter.format(record) for record in records)
        assert [secret for secret in (*keys, token, text) if secret in output] == []


async def test_json_lines_parse_and_carry_the_request_fields(chatkit: ChatKitClient):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(add_request_fields)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        thread_id, _ = await chatkit.create_thread("hello")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)

    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    [call] = [entry for entry in entries if entry["message"] == "model call"]
    assert call["level"] == "INFO"
    assert call["thread_id"] == thread_id
    assert len(call["request_id"]) == 32


def test_text_lines_end_with_the_fields():
    record = logging.LogRecord("app", logging.INFO, __file__, 1, "request", None, None)
    record.__dict__.update(fields(status=200, path="/health"))

    line = TextFormatter().format(record)

    assert line.endswith("INFO app: request status=200 path=/health")


@pytest.mark.usefixtures("restore_logging")
def test_json_mode_sends_every_record_to_stderr_as_json(
    settings: Settings, capsys: pytest.CaptureFixture
):
    configure_logging(settings.model_copy(update={"log_format": "json"}))

    logging.getLogger("app").warning("disk %s", "low", extra=fields(free_mb=12))
    logging.getLogger(LITELLM_LOGGERS[0]).warning("from LiteLLM")

    lines = capsys.readouterr().err.splitlines()
    entries = [json.loads(line) for line in lines]
    assert [(entry["message"], entry.get("free_mb")) for entry in entries] == [
        ("disk low", 12),
        ("from LiteLLM", None),
    ]
