"""Who is calling: the request context from a bearer token (AUTH_MODE=jwt) or the local user."""

import ipaddress
import logging
from typing import Any

import jwt
from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from .context import RequestContext
from .jwks import JwksKeys, KeysUnavailable
from .settings import Settings

logger = logging.getLogger(__name__)

# The one user of AUTH_MODE=none.
LOCAL_USER = "local-user"
# Asymmetric algorithms accepted from a JWKS; never "none" and never HS256, whose "key" would
# be the public key itself.
JWKS_ALGORITHMS = ["RS256", "ES256"]
# Tolerated clock difference between the token issuer and this server.
LEEWAY_SECONDS = 30


class TokenVerifier:
    """Checks bearer tokens against a shared secret (HS256) or the keys of a JWKS URL."""

    def __init__(self, settings: Settings) -> None:
        secret = settings.auth_jwt_secret
        self._secret = secret.get_secret_value() if secret is not None else None
        # Cached, so a valid token costs no request to the identity provider.
        self._jwks = JwksKeys(settings.auth_jwks_url) if settings.auth_jwks_url else None
        self._algorithms = ["HS256"] if self._jwks is None else JWKS_ALGORITHMS
        self._audience = settings.auth_jwt_audience
        self._issuer = settings.auth_jwt_issuer

    async def user_id(self, token: str) -> str:
        """The token's `sub`; raises HTTPException 401 for a bad token, 503 without keys."""
        try:
            claims = await self._claims(token)
        except jwt.ExpiredSignatureError as error:
            raise invalid_token("The access token has expired") from error
        except jwt.MissingRequiredClaimError as error:
            raise invalid_token(f"The access token has no {error.claim} claim") from error
        except KeysUnavailable as error:
            logger.warning("The keys at AUTH_JWKS_URL could not be loaded: %s", error)
            raise HTTPException(503, "The sign-in keys are unavailable; try again later") from error
        except jwt.PyJWTError as error:
            raise invalid_token("The access token is invalid") from error
        subject: str = claims["sub"]  # PyJWT has checked that it is a string
        if not subject or not subject.isprintable():
            # Empty, or with control characters that no store should have to hold (NUL).
            raise invalid_token("The access token has no usable sub claim")
        return subject

    async def _claims(self, token: str) -> dict[str, Any]:
        key: Any = self._secret
        if self._jwks is not None:
            key = await self._jwks.signing_key(token)
        return jwt.decode(
            token,
            key,
            algorithms=self._algorithms,
            audience=self._audience,
            issuer=self._issuer,
            leeway=LEEWAY_SECONDS,
            # PyJWT itself refuses a `sub` that is not a string.
            options={"require": ["exp", "sub"]},
        )


def token_verifier(settings: Settings) -> TokenVerifier | None:
    """The app's verifier; None when AUTH_MODE=none."""
    return TokenVerifier(settings) if settings.auth_mode == "jwt" else None


async def request_context(request: Request) -> RequestContext:
    """The FastAPI dependency that says who is calling; every store call is scoped to it."""
    verifier: TokenVerifier | None = request.app.state.token_verifier
    if verifier is None:
        return RequestContext(user_id=LOCAL_USER)
    return RequestContext(user_id=await verifier.user_id(bearer_token(request)))


def bearer_token(request: Request) -> str:
    """The token of an `Authorization: Bearer <token>` header; 401 without one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        # RFC 6750 3.1: a request without credentials gets a challenge but no error code.
        raise HTTPException(
            401,
            "Authentication required: send Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return token.strip()


def invalid_token(description: str) -> HTTPException:
    return HTTPException(
        401,
        description,
        headers={
            "WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'
        },
    )


def warn_if_unauthenticated(settings: Settings) -> None:
    if settings.auth_mode == "none":
        logger.warning(
            "AUTH_MODE=none: requests are not authenticated and all act as one user (%s). "
            "Set AUTH_MODE=jwt before anyone else can reach this server.",
            LOCAL_USER,
        )


def refuse_open_bind(settings: Settings) -> str | None:
    """Why `python backend/main.py` must not start: no authentication on a network address."""
    if settings.auth_mode != "none" or settings.allow_insecure_no_auth:
        return None
    if is_loopback(settings.host):
        return None
    return (
        f"Refusing to serve AUTH_MODE=none on HOST={settings.host}: anyone who can reach it "
        "would act as the one local user. Set AUTH_MODE=jwt, use HOST=127.0.0.1, or set "
        "ALLOW_INSECURE_NO_AUTH=true to accept that."
    )


class LoopbackOnlyMiddleware:
    """AUTH_MODE=none under `uvicorn main:app --host 0.0.0.0`: refuse what comes over a network.

    uvicorn does not tell the app the address it listens on, but every request's scope names
    the local address it arrived on: a request to a network address is answered 403 with the
    reason, which is also logged once, so such a server serves this machine only.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.logged = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server")
        # A Unix socket (no port) is reachable only through the file system.
        if scope["type"] != "http" or not server or server[1] is None or is_loopback(server[0]):
            await self.app(scope, receive, send)
            return
        refusal = (
            f"AUTH_MODE=none serves only this machine, and this request arrived on {server[0]}. "
            "Set AUTH_MODE=jwt, listen on 127.0.0.1, or set ALLOW_INSECURE_NO_AUTH=true."
        )
        if not self.logged:
            logger.error(refusal)
            self.logged = True
        await JSONResponse({"detail": refusal}, status_code=403)(scope, receive, send)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name
        return False
