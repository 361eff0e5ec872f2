"""Liveness and readiness: is the server up, can it reach its database, what it last heard from each department."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import text

from server import __version__
from server.api.answers import checked
from server.api.deps import EngineDep, SettingsDep
from server.schemas import HealthPublic

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthPublic,
    responses={503: {"model": HealthPublic, "description": "The database cannot be reached."}},
)
def health(engine: EngineDep, settings: SettingsDep, request: Request) -> Response:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # the environment's fault: report it, don't crash
        database = "unreachable"
    body: dict[str, Any] = {"status": "ok" if database == "ok" else "degraded", "database": database}
    if settings.shows_details:
        # What this process last heard from each department (no call is made here): when, how fast, and the
        # last problem; never a key. Always at GET /api/v1/admin/departments.
        body |= {"version": __version__, "mode": settings.mode, "departments": reachability(request)}
    answer = checked(HealthPublic, body)
    answer.status_code = 200 if database == "ok" else 503
    return answer


def reachability(request: Request) -> list[dict[str, Any]]:
    return [d.reachability() for _, d in sorted(request.app.state.payments.billers.items())]
