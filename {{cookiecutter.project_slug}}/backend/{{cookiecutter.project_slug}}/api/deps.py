"""FastAPI dependencies as `Annotated` aliases, so route signatures say what they receive.

They are `async def` although they do not await: FastAPI runs a plain `def` dependency in a
worker thread, a thread hop per dependency and request.
"""

from typing import Annotated, cast

from fastapi import Depends, HTTPException, Request

from ..auth import request_context
from ..chatkit_server import AgentChatKitServer
from ..context import RequestContext
from ..graceful_shutdown import Turns
from ..rate_limits import RateLimits
from ..settings import Settings

# create_app puts these on app.state, which is untyped: each is cast back to what it put there.


async def app_server(request: Request) -> AgentChatKitServer:
    return cast(AgentChatKitServer, request.app.state.server)


async def app_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


async def app_turns(request: Request) -> Turns:
    return cast(Turns, request.app.state.turns)


async def app_rate_limits(request: Request) -> RateLimits:
    return cast(RateLimits, request.app.state.rate_limits)


ChatKitServerDep = Annotated[AgentChatKitServer, Depends(app_server)]
SettingsDep = Annotated[Settings, Depends(app_settings)]
TurnsDep = Annotated[Turns, Depends(app_turns)]
RateLimitsDep = Annotated[RateLimits, Depends(app_rate_limits)]


async def authenticated_context(request: Request, limits: RateLimitsDep) -> RequestContext:
    """The caller, once their token is verified; an address with many failures gets 429 first."""
    address = request.client.host if request.client else "unknown"
    await limits.check_auth_failures(address)
    try:
        return await request_context(request)
    except HTTPException as error:
        if error.status_code == 401:
            await limits.count_auth_failure(address)
        raise


# Who is calling; every store call is scoped to it.
CurrentContext = Annotated[RequestContext, Depends(authenticated_context)]


async def require_json(request: Request) -> None:
    """415 unless the body is declared JSON.

    A web page can send text/plain to any origin without asking; JSON needs a CORS preflight,
    which a foreign origin fails.
    """
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise HTTPException(415, "Send the ChatKit request as Content-Type: application/json")


async def enforce_rate_limit(context: CurrentContext, limits: RateLimitsDep) -> None:
    """429 with Retry-After once the caller has used up their requests (RATE_LIMIT_REQUESTS)."""
    await limits.take_request(context.user_id)
