"""`POST /chatkit`: the ChatKit protocol, SSE for streaming requests and JSON for the rest."""

import asyncio
import logging
from collections.abc import AsyncIterator

from chatkit.errors import ErrorCode
from chatkit.server import StreamingResult
from chatkit.types import ErrorEvent
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response, StreamingResponse

from ...attachments import request_base_url
from ...chatkit_server import UNSUPPORTED_REQUEST_TYPES
from ...graceful_shutdown import Turns
from ...logs import annotate_request
from ...quotas import check_no_nul_characters, check_quotas, clamp_page_size
from ...rate_limits import TURN_REQUEST_TYPES
from ..deps import (
    ChatKitServerDep,
    CurrentContext,
    RateLimitsDep,
    SettingsDep,
    TurnsDep,
    enforce_rate_limit,
    require_json,
)

logger = logging.getLogger(__name__)

SERVER_STOPPING = "The server is restarting. Please try again."

router = APIRouter(tags=["chatkit"])


@router.post("/chatkit", dependencies=[Depends(require_json), Depends(enforce_rate_limit)])
async def chatkit(
    request: Request,
    server: ChatKitServerDep,
    settings: SettingsDep,
    turns: TurnsDep,
    limits: RateLimitsDep,
    context: CurrentContext,
) -> Response:
    """The ChatKit protocol: SSE for streaming requests, JSON for the rest."""
    annotate_request(user_id=context.user_id)
    body = await read_body(request, settings.max_body_bytes)
    check_no_nul_characters(body)
    chatkit_request = server.parse_request(body)
    annotate_request(thread_id=getattr(chatkit_request.params, "thread_id", None))
    if chatkit_request.type in UNSUPPORTED_REQUEST_TYPES:
        raise HTTPException(400, f"{chatkit_request.type} is not supported by this backend")
    check_quotas(chatkit_request, settings)
    clamp_page_size(chatkit_request, settings)
    if chatkit_request.type in TURN_REQUEST_TYPES:
        await limits.take_turn(context.user_id)
    request_base_url.set(str(request.base_url))  # for the links in new attachments
    try:
        result = await server.process_parsed(chatkit_request, context)
        if isinstance(result, StreamingResult):
            return await stream(result, turns)
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
