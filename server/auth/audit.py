"""The auth audit log: every sign-in event with who, when, from which kiosk machine, and the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert

from server.models import AuthEvent
from server.models.base import table_of

events_t = table_of(AuthEvent)


@dataclass(frozen=True)
class RequestContext:
    """Where a request came from, as the audit log records it."""

    machine_id: str | None
    client_ip: str | None
    now: datetime


def record(
    conn: Connection,
    ctx: RequestContext,
    event: str,
    outcome: str,
    *,
    kiosk_id: int | None = None,
    sso_id: str | None = None,
    session_id: int | None = None,
    detail: str = "",
) -> None:
    conn.execute(
        insert(events_t).values(
            created_at=ctx.now,
            event=event,
            outcome=outcome,
            kiosk_id=kiosk_id,
            sso_id=sso_id[:64] if sso_id is not None else None,
            machine_id=ctx.machine_id,
            client_ip=ctx.client_ip,
            session_id=session_id,
            detail=detail[:300],
        )
    )
