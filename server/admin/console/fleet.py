"""The fleet desk: active kiosks by problem, with each one's last health report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

import words
from rules.day import IST
from server import fleet
from server.admin.console.pages import ANYONE_SIGNED_IN, admitted, gated, language, render
from server.auth.clock import AuthClock
from server.core.config import Settings
from server.fleet.schemas import Problem

router = APIRouter()


def _ago(seconds: float | None, lang: str) -> str:
    """An age in the largest whole unit (days, hours, minutes, seconds), in the page's language."""
    if seconds is None:
        return ""
    whole = int(seconds)
    for unit, size in (("days", 86_400), ("hours", 3600), ("minutes", 60)):
        if whole >= size:
            return words.text(f"console.age_{unit}", lang).format(n=whole // size)
    return words.text("console.age_seconds", lang).format(n=whole)


def _disk(free_bytes: int | None) -> str:
    return "" if free_bytes is None else f"{free_bytes / 1_000_000_000:,.1f} GB"


def _ist(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(IST).strftime("%d-%m-%Y %H:%M")


@router.get("/fleet")
@gated("GET /admin/fleet", ANYONE_SIGNED_IN)
def fleet_page(request: Request, problem: Annotated[Problem | None, Query()] = None) -> Response:
    """Active kiosks by problem with each one's last report: the same listing as GET /api/v1/admin/fleet."""
    principal = admitted(request, ANYONE_SIGNED_IN)
    if isinstance(principal, Response):
        return principal
    clock: AuthClock = request.app.state.clock
    settings: Settings = request.app.state.settings
    now = clock.now()
    with request.app.state.engine.connect() as conn:
        listing = fleet.fleet(conn, now, settings, problem=None if problem is None else problem.value)
    shown = [p for p in fleet.PROBLEMS if problem is None or p == problem.value]
    lang = language(request)
    return render(
        request,
        "fleet.html",
        admin=principal,
        listing=listing,
        problems=fleet.PROBLEMS,
        shown=shown,
        chosen=None if problem is None else problem.value,
        by_problem={p: [k for k in listing["kiosks"] if p in k["problems"]] for p in shown},
        ago=lambda seconds: _ago(seconds, lang),
        since=lambda moment: words.text("console.ago", lang).format(age=_ago((now - moment).total_seconds(), lang)),
        disk=_disk,
        ist=_ist,
    )
