"""The HTTP app: the ChatKit endpoint, health and readiness checks, CORS and error mapping."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import litellm
from chatkit.server import StreamingResult
from chatkit.store import NotFoundError
from chatkit.types import ErrorCode, ErrorEvent, ThreadItem
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import ValidationError

from .agent import build_agent
from .auth import request_context, token_verifier, warn_if_unauthenticated
from .context import RequestContext
from .gc_tuning import record_gc_pauses
from .limits import RateLimiter, check_message_length, enforce_rate_limit
from .logs import annotate_request
from .request_log import REQUEST_ID_HEADER, RequestLogMiddleware, log_model_calls
from .server import UNSUPPORTED_REQUEST_TYPES, AgentChatKitServer
from .serving import Turns
from .settings import Settings
from .startup import missing_api_key
from .stores import create_store

logger = logging.getLogger(__name__)

SERVER_STOPPING = "The server is restarting. Please try again."
# At shutdown, how long the store stays open for cancelled turns to save their partial replies.
TURNS_DRAIN_SECONDS = 10.0

router = APIRouter()
debug_router = APIRouter(prefix="/debug", tags=["debug"])


def create_app(settings: Settings) -> FastAPI:
    """Build the app and everything it serves; nothing is built per request."""
    # LiteLLM prints "Give Feedback / Get Help" banners to stdout on every error.
    litellm.suppress_debug_info = True
    log_model_calls()
    store = create_store(settings)
    server = AgentChatKitServer(store, build_agent(settings), settings.history_limit)
    turns = Turns()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warn_if_unauthenticated(settings)
        await store.open()
        try:
            with record_gc_pauses(settings.benchmark_gc_stats):
                yield
        finally:
            # Turns cancelled by the shutdown are still saving their partial replies.
            await turns.wait_idle(TURNS_DRAIN_SECONDS)
            await store.close()

    # The interactive API docs, like /debug, are for development.
    docs = settings.debug_endpoints
    app = FastAPI(
        title={{ cookiecutter.project_name | tojson }},
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings
    app.state.server = server
    app.state.turns = turns
    app.state.token_verifier = token_verifier(settings)
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", REQUEST_ID_HEADER],
        # Readable by the front end's JavaScript, not only by the browser.
        expose_headers=[REQUEST_ID_HEADER, "Retry-After"],
    )
    # Added last, so it is the outermost: its log line times and tags everything inside.
    app.add_middleware(RequestLogMiddleware)
    app.add_exception_handler(ValidationError, invalid_request)
    app.add_exception_handler(NotFoundError, not_found)
    app.include_router(router)
    if settings.debug_endpoints:
        app.include_router(debug_router)
    return app


# Dependencies are `async def` although they do not await: FastAPI runs a plain `def` one in a
# worker thread, a thread hop per dependency and request.


async def get_server(request: Request) -> AgentChatKitServer:
    return request.app.state.server


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process answers. Touches nothing else."""
    return {"status": "ok"}


@router.get("/ready")
async def ready(server: AgentChatKitServer = Depends(get_server)) -> JSONResponse:
    """Readiness: 200 only when the configuration is complete and the store can be reached."""
    if problem := missing_api_key():
        return JSONResponse(
            {"status": "unavailable", "reason": "configuration", "detail": problem},
            status_code=503,
        )
    try:
        await server.store.ping()
    except Exception as error:
        logger.warning("Readiness check failed: %r", error)
        return JSONResponse({"status": "unavailable", "reason": "store"}, status_code=503)
    return JSONResponse({"status": "ready"})


@router.post("/chatkit", dependencies=[Depends(enforce_rate_limit)])
async def chatkit(
    request: Request,
    server: AgentChatKitServer = Depends(get_server),
    settings: Settings = Depends(get_settings),
    context: RequestContext = Depends(request_context),
) -> Response:
    """The ChatKit protocol: SSE for streaming requests, JSON for the rest."""
    annotate_request(user_id=context.user_id)
    body = await read_body(request, settings.max_body_bytes)
    chatkit_request = server.parse_request(body)
    annotate_request(thread_id=getattr(chatkit_request.params, "thread_id", None))
    if chatkit_request.type in UNSUPPORTED_REQUEST_TYPES:
        raise HTTPException(400, f"{chatkit_request.type} is not supported by this backend")
    check_message_length(chatkit_request, settings.max_message_chars)
    try:
        result = await server.process_parsed(chatkit_request, context)
        if isinstance(result, StreamingResult):
            return await stream(result, request.app.state.turns)
    except ValueError as error:
        # ChatKit raises ValueError for requests that do not fit the thread, e.g. a tool
        # output when no client tool call is pending.
        raise HTTPException(400, str(error)) from error
    return Response(content=result.json, media_type="application/json")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"Request body exceeds {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"Request body exceeds {limit} bytes")
    if not body:
        raise HTTPException(400, "Empty request body; expected a ChatKit request as JSON")
    return bytes(body)


async def stream(result: StreamingResult, turns: Turns) -> StreamingResponse:
    """An SSE response whose failures before the first event are still HTTP errors.

    ChatKit raises some errors (an unknown thread, say) before its first event. Once a 200 is
    sent they could only cut the stream, so the first event is awaited here, before the
    response starts; a later failure ends the stream with a ChatKit error event.
    """
    events = aiter(result)
    first = await anext(events, None)

    async def body() -> AsyncIterator[bytes]:
        if first is None:
            return
        yield first
        with turns.track():
            try:
                async for event in events:
                    yield event
            except asyncio.CancelledError:
                # Shutdown stopped the turn (its partial reply is saved): say so and end the
                # stream properly. Any other cancellation (the client left) goes on.
                if not turns.withdraw_stop():
                    raise
                yield sse(ErrorEvent(message=SERVER_STOPPING, allow_retry=True))
            except Exception:
                logger.exception("The response stream failed")
                yield sse(ErrorEvent(code=ErrorCode.STREAM_ERROR, allow_retry=False))

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        # Proxies such as nginx would otherwise buffer the stream.
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def sse(event: ErrorEvent) -> bytes:
    return b"data: " + event.model_dump_json(exclude_none=True).encode() + b"\n\n"


async def invalid_request(request: Request, error: ValidationError) -> JSONResponse:
    details = [{"loc": list(issue["loc"]), "msg": issue["msg"]} for issue in error.errors()[:10]]
    return JSONResponse({"detail": "Invalid ChatKit request", "errors": details}, status_code=400)


async def not_found(request: Request, error: NotFoundError) -> JSONResponse:
    return JSONResponse({"detail": str(error) or "Not found"}, status_code=404)


@debug_router.get("/threads")
async def debug_threads(
    server: AgentChatKitServer = Depends(get_server),
    context: RequestContext = Depends(request_context),
) -> dict[str, list[dict]]:
    """The caller's latest threads and their items, read through the Store interface."""
    threads = await server.store.load_threads(20, None, "desc", context)
    summaries = []
    for thread in threads.data:
        items = await server.store.load_thread_items(thread.id, None, 100, "asc", context)
        summaries.append(
            {
                "id": thread.id,
                "title": thread.title,
                "items": [summarize(item) for item in items.data],
                "has_more_items": items.has_more,
            }
        )
    return {"threads": summaries}


def summarize(item: ThreadItem) -> dict[str, str]:
    text = [part.text for part in getattr(item, "content", []) if hasattr(part, "text")]
    return {"id": item.id, "type": item.type, "text": "".join(text)}
