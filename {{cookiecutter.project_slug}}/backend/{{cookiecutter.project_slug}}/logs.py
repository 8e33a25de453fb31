"""Logging for the process: plain text or JSON lines, each with the id of its HTTP request.

Log structured facts as fields, not in the message: `logger.info("model call",
extra=fields(status="ok"))`. At INFO nothing may carry an API key, a token or message text.
"""

import json
import logging
import re
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from chatkit.store import NotFoundError

from .settings import Settings

# LiteLLM attaches its own plain-text handler to these and logs every call at INFO.
LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy")
# Ids that come from callers are logged only when short and plain, so they cannot forge or
# flood log lines.
PLAIN_ID = re.compile(r"[A-Za-z0-9._:@|+-]{1,128}")


@dataclass
class RequestInfo:
    """What every log line of one HTTP request shares; the endpoint adds who and which thread."""

    request_id: str
    user_id: str | None = None
    thread_id: str | None = None


CURRENT_REQUEST: ContextVar[RequestInfo | None] = ContextVar("current_request", default=None)


def annotate_request(*, user_id: object = None, thread_id: object = None) -> None:
    """Record the user or thread of the current request for its log lines (outside one: no-op)."""
    info = CURRENT_REQUEST.get()
    if info is None:
        return
    if user_id is not None:
        info.user_id = plain_id(user_id)
    if thread_id is not None:
        info.thread_id = plain_id(thread_id)


def plain_id(value: object) -> str:
    """`value` if it is a plain id, else a marker: ids in requests are not to be trusted."""
    return value if isinstance(value, str) and PLAIN_ID.fullmatch(value) else "(invalid)"


def fields(**values: Any) -> dict[str, dict[str, Any]]:
    """`extra=` for a log call: named values that both formats write out."""
    return {"fields": values}


def configure_logging(settings: Settings) -> None:
    """Send every record to stderr, as text or JSON lines; main.py calls this once."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    handler.addFilter(add_request_fields)
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
    # Python's warnings too, rather than bare lines on stderr.
    logging.captureWarnings(True)
    chatkit_logger = logging.getLogger("chatkit")
    # ChatKit adds a handler of its own when LOG_LEVEL is set, which would print lines twice.
    chatkit_logger.handlers.clear()
    chatkit_logger.addFilter(drop_not_found_tracebacks)
    for name in LITELLM_LOGGERS:
        # One format on one stream: LiteLLM's records go through the root handler instead. Its
        # INFO lines repeat every call, and its DEBUG lines hold the messages.
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.setLevel(logging.WARNING)


def drop_not_found_tracebacks(record: logging.LogRecord) -> bool:
    """ChatKit logs a traceback at ERROR for every unknown thread id; the app answers 404."""
    return not (record.exc_info and isinstance(record.exc_info[1], NotFoundError))


def request_fields() -> dict[str, str | None]:
    """The current request's id, user and thread (nothing outside a request)."""
    info = CURRENT_REQUEST.get()
    return {} if info is None else asdict(info)


def add_request_fields(record: logging.LogRecord) -> bool:
    """A handler filter: stamp every record with the current request's id, user and thread."""
    record.request = request_fields()
    return True


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The request's id, user and thread and the record's `fields()`, leaving out unset ones."""
    values = {**getattr(record, "request", {}), **getattr(record, "fields", {})}
    return {name: value for name, value in values.items() if value is not None}


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message key=value ...`, for people."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        pairs = " ".join(f"{name}={value}" for name, value in record_fields(record).items())
        line = super().formatMessage(record)
        return f"{line} {pairs}" if pairs else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the fields, any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **record_fields(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
