"""The reconcile desk: payments in doubt, and a department's settlement report."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from rules.day import business_day
from server.admin.console.pages import ANYONE_SIGNED_IN, admitted, gated, payments_of, problem_text, render
from server.auth.clock import AuthClock
from server.core.errors import ApiError
from server.core.fields import Day, Text
from server.payments.in_doubt import payments_in_doubt
from server.payments.settlement import Settlements

router = APIRouter()


@router.get("/reconcile")
@gated("GET /admin/reconcile", ANYONE_SIGNED_IN)
def reconcile_page(
    request: Request,
    biller: Annotated[Annotated[str, Text(32)] | None, Query()] = None,
    business_date: Annotated[Day | None, Query(alias="date")] = None,
) -> Response:
    """Payments in doubt at every kiosk, and what a department's settlement file came to (read-only): the same
    report as GET /api/v1/admin/billers/{biller}/settlements/{business_date}."""
    principal = admitted(request, ANYONE_SIGNED_IN)
    if isinstance(principal, Response):
        return principal
    payments = payments_of(request)
    doubtful = payments.views(payments_in_doubt(request.app.state.engine))
    clock: AuthClock = request.app.state.clock
    day = business_date or business_day(clock.now()) - timedelta(days=1)
    report: dict[str, Any] | None = None
    problem, status = None, 200
    if biller:
        settlements: Settlements = request.app.state.settlements
        try:
            report = settlements.report(biller, day)
        except ApiError as exc:
            problem, status = problem_text(request, exc), exc.status
    return render(
        request,
        "reconcile_desk.html",
        admin=principal,
        problem=problem,
        status=status,
        doubtful=doubtful,
        billers=sorted(payments.billers),
        biller=biller or "",
        day=day.isoformat(),
        report=report,
    )
