"""Kiosk health: a kiosk reports for itself (rate-limited), administrators list the fleet by problem."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from server import fleet
from server.admin.roles import READERS
from server.api.answers import checked
from server.api.deps import EngineDep, RequestContextDep, SettingsDep, SyncKiosk, allow
from server.fleet.schemas import FleetPublic, HealthReportIn, HealthReportPublic, Problem

router = APIRouter(tags=["fleet"])
admin_router = APIRouter(tags=["admin"])


@router.post(
    "/health",
    response_model=HealthReportPublic,
    responses={429: {"description": "a report came in the window already; Retry-After says when the next may"}},
)
def report_health(
    report: HealthReportIn, kiosk: SyncKiosk, engine: EngineDep, settings: SettingsDep, ctx: RequestContextDep
) -> Response:
    """The kiosk of the session or sync key reports its health; the server's clock dates the report."""
    now = ctx.now
    facts = report.model_dump()
    offset_ms = int((report.client_time - now).total_seconds() * 1000)
    facts["clock_offset_ms"] = offset_ms
    try:
        with engine.begin() as conn:
            fleet.record(conn, kiosk.kiosk_id, facts, now, settings)
    except fleet.ReportTooSoon as exc:
        return JSONResponse(
            exc.body(), status_code=exc.status, headers={"Retry-After": str(exc.details["retry_after_seconds"])}
        )
    return checked(
        HealthReportPublic,
        {
            "server_time": now,
            "clock_offset_ms": offset_ms,
            "next_report_after_seconds": settings.fleet_report_interval_seconds,
        },
    )


@admin_router.get("/fleet", response_model=FleetPublic, dependencies=[allow(*READERS)])
def list_fleet(
    engine: EngineDep,
    settings: SettingsDep,
    ctx: RequestContextDep,
    problem: Problem | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> Response:
    """Active kiosks with a problem, the worst first: old version, printer failing, queue older than a day,
    clock off, no report for `fleet_silent_hours`."""
    with engine.connect() as conn:
        body = fleet.fleet(conn, ctx.now, settings, problem=None if problem is None else problem.value, limit=limit)
    return checked(FleetPublic, body)
