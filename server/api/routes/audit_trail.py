"""The admin audit trail, for auditors: newest first as JSON, or whole as CSV (the export is itself recorded)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from server.admin import trail
from server.admin.roles import AUDITOR
from server.admin.schemas import AuditTrailPublic
from server.api.answers import checked
from server.api.deps import EngineDep, allow
from server.core.fields import MAX_INT64, Text

router = APIRouter(tags=["admin"])


@router.get("/audit-trail", response_model=AuditTrailPublic, dependencies=[allow(AUDITOR)])
def audit_trail(
    engine: EngineDep,
    actor: Annotated[Annotated[str, Text(64)] | None, Query()] = None,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_INT64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    with engine.connect() as conn:
        rows = trail.events(conn, limit=limit, before_id=before_id, actor=actor)
    return checked(AuditTrailPublic, {"events": [trail.public(r) for r in rows]})


@router.get(
    "/audit-trail.csv",
    dependencies=[allow(AUDITOR)],
    response_model=str,
    responses={200: {"description": "the trail as CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def audit_trail_csv(engine: EngineDep, limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000) -> Response:
    """The newest `limit` events, oldest first, as CSV."""
    with engine.connect() as conn:
        rows = trail.events(conn, limit=limit)
    return Response(
        trail.csv_text(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="admin-audit-trail.csv"'},
    )
