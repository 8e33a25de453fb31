"""Liveness (`/health`) and readiness (`/ready`) checks."""

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ...startup import missing_api_key
from ..deps import ChatKitServerDep, SettingsDep

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process answers. Touches nothing else."""
    return {"status": "ok"}


@router.get("/ready")
async def ready(server: ChatKitServerDep, settings: SettingsDep) -> JSONResponse:
    """Readiness: 200 only when the configuration is complete and the store can be reached."""
    if problem := missing_api_key(settings):
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
