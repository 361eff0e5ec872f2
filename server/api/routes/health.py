"""Liveness and readiness: is the server up and can it reach its database."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from server import __version__
from server.api.deps import EngineDep, SettingsDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health(engine: EngineDep, settings: SettingsDep) -> Any:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # the environment's fault: report it, don't crash
        database = "unreachable"
    body = {"status": "ok" if database == "ok" else "degraded", "database": database}
    if settings.shows_details:
        body |= {"version": __version__, "mode": settings.mode}
    return JSONResponse(body, status_code=200 if database == "ok" else 503)
