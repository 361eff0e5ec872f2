"""The auditors' desks: the admin audit trail (and its CSV), and the ledger's own audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from server.admin import trail
from server.admin.console.pages import ANYONE_SIGNED_IN, AUDITORS, admitted, gated, render, signed_in, to_sign_in
from server.api.routes.admin import ledger_audit
from server.core.fields import MAX_INT64, Text

router = APIRouter()


TRAIL_PAGE = 100


@router.get("/audit-trail")
@gated("GET /admin/audit-trail", AUDITORS)
def audit_trail_page(
    request: Request,
    actor: Annotated[Annotated[str, Text(64)] | None, Query()] = None,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_INT64)] = None,
) -> Response:
    """The admin audit trail for auditors, newest first (as GET /api/v1/admin/audit-trail), read-only."""
    principal = admitted(request, AUDITORS)
    if isinstance(principal, Response):
        return principal
    with request.app.state.engine.connect() as conn:
        rows = trail.events(conn, limit=TRAIL_PAGE, before_id=before_id, actor=actor or None)
    events = [trail.public(r) for r in rows]
    return render(
        request,
        "audit_trail.html",
        admin=principal,
        events=events,
        actor=actor or "",
        older=events[-1]["id"] if len(events) == TRAIL_PAGE else None,
    )


@router.get("/audit-trail.csv")
@gated("GET /admin/audit-trail.csv", AUDITORS)
def audit_trail_csv(request: Request) -> Response:
    """The trail as CSV, oldest first (as GET /api/v1/admin/audit-trail.csv); the export is itself recorded."""
    principal = signed_in(request, ANYONE_SIGNED_IN)
    if principal is None:
        return to_sign_in()
    AUDITORS(request)
    with request.app.state.engine.connect() as conn:
        rows = trail.events(conn, limit=10_000)
    return Response(
        trail.csv_text(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="admin-audit-trail.csv"'},
    )


@router.get("/ledger-audit")
@gated("GET /admin/ledger-audit", ANYONE_SIGNED_IN)
def ledger_audit_page(request: Request) -> Response:
    """Whether the ledger balances, and each problem found: the same check as GET /api/v1/admin/ledger/audit."""
    principal = admitted(request, ANYONE_SIGNED_IN)
    if isinstance(principal, Response):
        return principal
    return render(
        request, "ledger_audit.html", admin=principal, audit=ledger_audit(request.app.state.engine).model_dump()
    )
