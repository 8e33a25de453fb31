"""The FastAPI app: built once from the settings, with its middleware, lifespan and routers."""

{% if cookiecutter.store != "memory" -%}
import logging
{% endif -%}
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from chatkit.store import NotFoundError
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from fastapi.responses import JSONResponse
from pydantic import ValidationError
{%- if cookiecutter.store != "memory" %}
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
{%- endif %}

from .agent import build_agent
from .api.routes import attachments, chat_page, chatkit, debug, health
from .attachments import AttachmentRefused, SignedUploadAttachmentStore, signer_for
from .auth import LoopbackOnlyMiddleware, token_verifier, warn_if_unauthenticated
from .chatkit_server import AgentChatKitServer
from .cross_site import OriginGuardMiddleware, allowed_hosts
from .graceful_shutdown import Turns
{%- if cookiecutter.store != "memory" %}
from .logs import CURRENT_REQUEST
{%- endif %}
from .rate_limits import RateLimits
from .request_log import REQUEST_ID_HEADER, RequestLogMiddleware, log_model_calls
from .settings import Settings
from .stores import create_store
from .titles import build_titler
from .tracing import configure_tracing

{%- if cookiecutter.store != "memory" %}

logger = logging.getLogger(__name__)
{%- endif %}

# At shutdown, how long the store stays open for cancelled turns to save their partial replies.
TURNS_DRAIN_SECONDS = 10.0
{%- if cookiecutter.store != "memory" %}
# The database cannot be reached or did not answer in time: 503, which the client may retry.
STORE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeoutError, OSError, TimeoutError)
{%- endif %}


def create_app(settings: Settings) -> FastAPI:
    """Build the app and everything it serves; nothing is built per request."""
    configure_tracing(settings)
    log_model_calls()
    store = create_store(settings)
    attachment_store = SignedUploadAttachmentStore(store, settings, signer_for(settings))
    server = AgentChatKitServer(
        store,
        build_agent(settings),
        settings.history_limit,
        attachment_store,
        build_titler(settings),
    )
    turns = Turns()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warn_if_unauthenticated(settings)
        await store.open()
        try:
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
        exception_handlers={
            ValidationError: invalid_request,
            NotFoundError: not_found,
            AttachmentRefused: attachment_refused,
{%- if cookiecutter.store != "memory" %}
            **dict.fromkeys(STORE_UNAVAILABLE, store_unavailable),
{%- endif %}
        },
    )
    app.state.settings = settings
    app.state.server = server
    app.state.turns = turns
    app.state.token_verifier = token_verifier(settings)
    app.state.rate_limits = RateLimits(settings, key_prefix={{ cookiecutter.project_slug | tojson }})
    add_middleware(app, settings)
    app.include_router(health.router)
    app.include_router(chatkit.router)
    app.include_router(attachments.router)
    if settings.debug_endpoints:
        app.include_router(debug.router)
    if settings.serves_chat_page:
        app.include_router(chat_page.router)
    return app


def add_middleware(app: FastAPI, settings: Settings) -> None:
    """From the innermost out: CORS, the origin and host checks, loopback only, the log."""
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", REQUEST_ID_HEADER],
        # Readable by the front end's JavaScript, not only by the browser.
        expose_headers=[REQUEST_ID_HEADER, "Retry-After"],
    )
    # Refused before anything runs; the origin check trusts the Host the host check passed.
    app.add_middleware(OriginGuardMiddleware, origins=settings.cors_origins)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(settings))
    if settings.auth_mode == "none" and not settings.allow_insecure_no_auth:
        app.add_middleware(LoopbackOnlyMiddleware)
    # Added last, so it is the outermost: its log line times and tags everything inside.
    app.add_middleware(RequestLogMiddleware)


async def invalid_request(request: Request, error: ValidationError) -> JSONResponse:
    details = [{"loc": list(issue["loc"]), "msg": issue["msg"]} for issue in error.errors()[:10]]
    return JSONResponse({"detail": "Invalid ChatKit request", "errors": details}, status_code=400)


async def not_found(request: Request, error: NotFoundError) -> JSONResponse:
    return JSONResponse({"detail": str(error) or "Not found"}, status_code=404)


async def attachment_refused(request: Request, error: AttachmentRefused) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=error.status)
{%- if cookiecutter.store != "memory" %}


async def store_unavailable(request: Request, error: Exception) -> JSONResponse:
    """503 while the database cannot be reached; the request id ties the answer to the log."""
    logger.warning("The store is unavailable: %r", error)
    info = CURRENT_REQUEST.get()
    request_id = info.request_id if info is not None else None
    return JSONResponse(
        {"detail": "The database is unavailable; try again shortly", "request_id": request_id},
        status_code=503,
        headers={"Retry-After": "5"},
    )
{%- endif %}
