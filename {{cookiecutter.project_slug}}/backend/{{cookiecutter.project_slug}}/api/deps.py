"""FastAPI dependencies as `Annotated` aliases, so route signatures say what they receive.

They are `async def` although they do not await: FastAPI runs a plain `def` dependency in a
worker thread, a thread hop per dependency and request.
"""

import math
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from ..auth import request_context
from ..chatkit_server import AgentChatKitServer
from ..context import RequestContext
from ..graceful_shutdown import Turns
from ..limits import RateLimiter
from ..settings import Settings


async def app_server(request: Request) -> AgentChatKitServer:
    return request.app.state.server


async def app_settings(request: Request) -> Settings:
    return request.app.state.settings


async def app_turns(request: Request) -> Turns:
    return request.app.state.turns


ChatKitServerDep = Annotated[AgentChatKitServer, Depends(app_server)]
SettingsDep = Annotated[Settings, Depends(app_settings)]
TurnsDep = Annotated[Turns, Depends(app_turns)]
# Who is calling; every store call is scoped to it.
CurrentContext = Annotated[RequestContext, Depends(request_context)]


async def enforce_rate_limit(request: Request, context: CurrentContext) -> None:
    """429 with Retry-After once the caller has used up their requests per minute."""
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.take(context.user_id)
    if wait:
        raise HTTPException(
            429,
            f"Rate limit of {limiter.capacity} requests per minute exceeded; retry later",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
