"""Cross-site requests and DNS rebinding: only the allowed hosts, only the listed origins.

A web page on any site can send requests to a server on the user's machine: with a foreign
`Origin` (refused here) or, after rebinding its own name to 127.0.0.1, with a foreign `Host`
(refused by Starlette's TrustedHostMiddleware). /chatkit also takes only JSON, which a page
cannot send to another origin without a CORS preflight (see api/deps.py).
"""

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from .settings import Settings

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
# Addresses that mean "every interface": not a name any request is sent to.
ANY_ADDRESS = ("0.0.0.0", "::", "")


def allowed_hosts(settings: Settings) -> list[str]:
    """ALLOWED_HOSTS if set, else the loopback names and HOST when it is one address."""
    if settings.allowed_hosts:
        return settings.allowed_hosts
    host = settings.host
    if host in ANY_ADDRESS:
        return list(LOOPBACK_HOSTS)
    return [*LOOPBACK_HOSTS, f"[{host}]" if ":" in host else host]


class OriginGuardMiddleware:
    """403 for a request sent by a page of an origin neither in CORS_ORIGINS nor this host.

    Browsers send `Origin` with every cross-site request; without this check the request would
    run before CORS hides the response from the page. Clients other than browsers send none.
    """

    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        self.app = app
        self.origins = frozenset(origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            origin = headers.get(b"origin", b"").decode("latin-1")
            if origin and origin not in self.origins and not same_origin(origin, headers):
                response = JSONResponse(
                    {"detail": f"Origin {origin} is not allowed; add it to CORS_ORIGINS"},
                    status_code=403,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def same_origin(origin: str, headers: dict[bytes, bytes]) -> bool:
    """Whether `origin` is this server as the request addressed it, e.g. the /docs page.

    Safe because the Host itself has passed the allowed-hosts check.
    """
    _, _, authority = origin.partition("://")
    return authority.encode("latin-1") == headers.get(b"host")
