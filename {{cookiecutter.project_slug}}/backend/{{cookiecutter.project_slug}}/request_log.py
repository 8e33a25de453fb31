"""One log line per HTTP request and one per model call, tied together by the request id."""

import logging
import time
import uuid
from typing import Any

from agents import Agent, ModelResponse, RunContextWrapper, RunHooks, TResponseInputItem
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .logs import CURRENT_REQUEST, PLAIN_ID, RequestInfo, fields, request_fields

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"


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
            candidate = value.decode("latin-1")
            if PLAIN_ID.fullmatch(candidate):
                return candidate
    return uuid.uuid4().hex


class ModelCallLog(RunHooks[Any]):
    """Run hooks for one turn: a line per model call with its model, status, latency and tokens.

    A call that never returns (it failed for good, or the turn was cancelled) is logged by
    `close`, which the caller runs when the turn ends early.
    """

    def __init__(self) -> None:
        self._open: tuple[Agent[Any], float] | None = None

    async def on_llm_start(
        self,
        context: RunContextWrapper[Any],
        agent: Agent[Any],
        system_prompt: str | None,
        input_items: list[TResponseInputItem],
    ) -> None:
        self._open = (agent, time.perf_counter())

    async def on_llm_end(
        self, context: RunContextWrapper[Any], agent: Agent[Any], response: ModelResponse
    ) -> None:
        usage = response.usage
        # Providers that report no usage leave it at zero.
        tokens = (
            {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens}
            if usage.total_tokens
            else {}
        )
        self._log("ok", attempts=usage.requests or None, **tokens)

    def close(self, status: str) -> None:
        """Log the call still open, if any, with `status` ("error" or "cancelled")."""
        self._log(status)

    def _log(self, status: str, **extra: Any) -> None:
        if self._open is None:
            return
        agent, started = self._open
        self._open = None
        logger.info(
            "model call",
            extra=fields(
                **request_fields(),
                model=str(getattr(agent.model, "model", agent.model)),
                status=status,
                latency_ms=round((time.perf_counter() - started) * 1000, 1),
                **extra,
            ),
        )
