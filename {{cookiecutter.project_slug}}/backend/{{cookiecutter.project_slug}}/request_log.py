"""One log line per HTTP request and one per model call, tied together by the request id."""

import logging
import time
import uuid
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

import litellm
from litellm.integrations.custom_logger import CustomLogger
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .logs import CURRENT_REQUEST, PLAIN_ID, RequestInfo, fields, request_fields

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
# The key, in a call's LiteLLM `metadata`, of what the call is for when it is not the reply
# (e.g. "title"); the log line carries it as `call`.
CALL_KIND = "call"


class RequestLogMiddleware:
    """Gives each request an id, returns it in X-Request-ID and logs the request when it ends.

    Pure ASGI on purpose: Starlette's BaseHTTPMiddleware would hold back the SSE stream.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        info = RequestInfo(request_id=request_id(scope))
        token = CURRENT_REQUEST.set(info)
        started = time.perf_counter()
        status: int | None = None
        finished = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, finished
            if message["type"] == "http.response.start":
                status = message["status"]
                header = (REQUEST_ID_HEADER.lower().encode(), info.request_id.encode())
                message = {**message, "headers": [*message.get("headers", []), header]}
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                finished = True
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            # Logged however the request ends; a stream the client left, or that shutdown
            # cancelled, is marked incomplete.
            logger.info(
                "request",
                extra=fields(
                    **request_fields(),
                    method=scope["method"],
                    path=scope["path"],
                    status=status if status is not None else 500,
                    latency_ms=round((time.perf_counter() - started) * 1000, 1),
                    incomplete=True if status is not None and not finished else None,
                ),
            )
            CURRENT_REQUEST.reset(token)


def request_id(scope: Scope) -> str:
    """The caller's X-Request-ID when it is acceptable, else a new one."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if PLAIN_ID.fullmatch(candidate):
                return candidate
    return uuid.uuid4().hex


# This turn's model calls that have started and not ended: LiteLLM call id -> (model, kind,
# start).
OpenCalls = dict[str, tuple[str, str | None, float]]
OPEN_MODEL_CALLS: ContextVar[OpenCalls | None] = ContextVar("open_model_calls", default=None)


class ModelCallLog(CustomLogger):
    """LiteLLM callbacks: a line per model call (each attempt) with model, status, latency, tokens.

    LiteLLM assembles every call's whole response, usage included, for its own logging; asking the
    stream for usage as well (`include_usage`) cost about 5 ms of CPU per turn. The callbacks run
    in the turn's task, so the line carries the request's id, user and thread. LiteLLM reports
    only calls that end; those a cancelled turn cuts short are logged by `log_cancelled_calls`.
    """

    def log_pre_api_call(self, model: str, messages: Any, kwargs: dict[str, Any]) -> None:
        calls = OPEN_MODEL_CALLS.get()
        if calls is not None:
            calls[kwargs["litellm_call_id"]] = (
                _model_name(kwargs),
                _call_kind(kwargs),
                time.perf_counter(),
            )

    async def async_log_success_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: datetime, end_time: datetime
    ) -> None:
        usage = getattr(response_obj, "usage", None)
        # Providers that report no usage leave it at zero.
        tokens = (
            {"input_tokens": usage.prompt_tokens, "output_tokens": usage.completion_tokens}
            if usage is not None and usage.total_tokens
            else {}
        )
        _end(kwargs)
        _log_model_call(
            _model_name(kwargs), _call_kind(kwargs), "ok", end_time - start_time, **tokens
        )

    async def async_log_failure_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: datetime, end_time: datetime
    ) -> None:
        _end(kwargs)
        _log_model_call(_model_name(kwargs), _call_kind(kwargs), "error", end_time - start_time)


def log_model_calls() -> None:
    """Have LiteLLM report every model call to ModelCallLog, and nothing past the logs."""
    # LiteLLM prints "Give Feedback / Get Help" banners to stdout on every error, bypassing logs.
    litellm.suppress_debug_info = True
    if not any(isinstance(callback, ModelCallLog) for callback in litellm.callbacks):
        litellm.callbacks.append(ModelCallLog())


def track_model_calls() -> OpenCalls:
    """Note the model calls of the turn about to run; the runner's tasks inherit the dict."""
    calls: OpenCalls = {}
    OPEN_MODEL_CALLS.set(calls)
    return calls


def log_cancelled_calls(calls: OpenCalls) -> None:
    """Log the calls of a cancelled turn that were still open."""
    for model, kind, started in calls.values():
        _log_model_call(model, kind, "cancelled", timedelta(seconds=time.perf_counter() - started))
    calls.clear()


def _end(kwargs: dict[str, Any]) -> None:
    calls = OPEN_MODEL_CALLS.get()
    if calls is not None:
        calls.pop(kwargs.get("litellm_call_id", ""), None)


def _model_name(kwargs: dict[str, Any]) -> str:
    return f"{kwargs.get('custom_llm_provider')}/{kwargs.get('model')}"


def _call_kind(kwargs: dict[str, Any]) -> str | None:
    metadata = (kwargs.get("litellm_params") or {}).get("metadata") or {}
    return metadata.get(CALL_KIND)


def _log_model_call(
    model: str, kind: str | None, status: str, latency: timedelta, **extra: Any
) -> None:
    # Only these fields are logged: LiteLLM's kwargs also hold the API key and the messages.
    logger.info(
        "model call",
        extra=fields(
            **request_fields(),
            model=model,
            call=kind,
            status=status,
            latency_ms=round(latency.total_seconds() * 1000, 1),
            **extra,
        ),
    )
