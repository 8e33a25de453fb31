"""The HTTP app: the ChatKit endpoint, health and readiness checks, CORS and error mapping."""

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
from .context import RequestContext
from .server import UNSUPPORTED_REQUEST_TYPES, AgentChatKitServer
from .settings import Settings
from .stores import create_store

logger = logging.getLogger(__name__)

router = APIRouter()
debug_router = APIRouter(prefix="/debug", tags=["debug"])


def create_app(settings: Settings) -> FastAPI:
    """Build the app and everything it serves; nothing is built per request."""
    # LiteLLM prints "Give Feedback / Get Help" banners to stdout on every error.
    litellm.suppress_debug_info = True
    store = create_store(settings)
    server = AgentChatKitServer(store, build_agent(settings), settings.history_limit)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await store.open()
        try:
            yield
        finally:
            await store.close()

    app = FastAPI(title={{ cookiecutter.project_name | tojson }}, lifespan=lifespan)
    app.state.settings = settings
    app.state.server = server
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type"],
    )
    app.add_exception_handler(ValidationError, invalid_request)
    app.add_exception_handler(NotFoundError, not_found)
    app.include_router(router)
    if settings.debug_endpoints:
        app.include_router(debug_router)
    return app


def get_server(request: Request) -> AgentChatKitServer:
    return request.app.state.server


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def request_context() -> RequestContext:
    """Who is calling. In development every request is the one local user."""
    return RequestContext(user_id="local-user")


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process answers. Touches nothing else."""
    return {"status": "ok"}


@router.get("/ready")
async def ready(server: AgentChatKitServer = Depends(get_server)) -> JSONResponse:
    """Readiness: 200 only when the store can be reached."""
    try:
        await server.store.ping()
    except Exception as error:
        logger.warning("Readiness check failed: %r", error)
        return JSONResponse({"status": "unavailable", "reason": "store"}, status_code=503)
    return JSONResponse({"status": "ready"})


@router.post("/chatkit")
async def chatkit(
    request: Request,
    server: AgentChatKitServer = Depends(get_server),
    settings: Settings = Depends(get_settings),
    context: RequestContext = Depends(request_context),
) -> Response:
    """The ChatKit protocol: SSE for streaming requests, JSON for the rest."""
    body = await read_body(request, settings.max_body_bytes)
    chatkit_request = server.parse_request(body)
    if chatkit_request.type in UNSUPPORTED_REQUEST_TYPES:
        raise HTTPException(400, f"{chatkit_request.type} is not supported by this backend")
    try:
        result = await server.process_parsed(chatkit_request, context)
        if isinstance(result, StreamingResult):
            return await stream(result)
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


async def stream(result: StreamingResult) -> StreamingResponse:
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
        try:
            async for event in events:
                yield event
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
