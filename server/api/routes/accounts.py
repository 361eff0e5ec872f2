"""Administrator endpoints for kiosk accounts: issue a password, suspend, read messages and the auth log."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from server.admin import trail
from server.admin.roles import AUDITOR, AUTOMATION, DEMO_TOKEN, SUPPORT
from server.api.answers import checked
from server.api.deps import AccountsDep, EngineDep, RequestContextDep, allow
from server.auth import sessions
from server.auth.accounts import change_kiosk_status, holder_by_code, issue_kiosk_password
from server.auth.audit import events_t
from server.auth.clock import aware
from server.auth.messages import mask, messages_t
from server.core.fields import PathName, Text
from server.schemas import AuthEventsPublic, KioskStatusPublic, MessagesPublic, PasswordIssuedPublic

router = APIRouter(tags=["admin"])

DESK = (SUPPORT, AUTOMATION, DEMO_TOKEN)
DESK_READERS = (SUPPORT, AUDITOR, AUTOMATION, DEMO_TOKEN)

credentials_t = sessions.credentials_t
kiosks_t = sessions.kiosks_t


class KioskStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["active", "suspended"]


@router.post("/kiosks/{kiosk_code}/password", dependencies=[allow(*DESK)])
def issue_password(
    kiosk_code: PathName, accounts: AccountsDep, engine: EngineDep, ctx: RequestContextDep
) -> PasswordIssuedPublic:
    """Send a first (or reset) password by SMS and e-mail; it only allows setting a new one."""
    with engine.begin() as conn:
        holder, reason = issue_kiosk_password(conn, accounts, ctx, kiosk_code)
    return PasswordIssuedPublic(
        kiosk_code=kiosk_code, status="issued", kind=reason, sent_to=[mask(holder.mobile), mask(holder.email)]
    )


@router.put("/kiosks/{kiosk_code}/status", dependencies=[allow(*DESK)])
def set_kiosk_status(
    kiosk_code: PathName, data: KioskStatusIn, request: Request, engine: EngineDep, ctx: RequestContextDep
) -> KioskStatusPublic:
    with engine.begin() as conn:
        before = change_kiosk_status(conn, ctx, kiosk_code, data.status)
    trail.note_change(request.scope, {"status": before}, {"status": data.status})
    return KioskStatusPublic(kiosk_code=kiosk_code, status=data.status)


@router.get("/messages", response_model=MessagesPublic, dependencies=[allow(*DESK_READERS)])
def outbound_messages(
    engine: EngineDep,
    to: Annotated[Annotated[str, Text(254)] | None, Query()] = None,
    kiosk_code: Annotated[Annotated[str, Text(32)] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """The simulated SMS / e-mail gateway's messages, newest first (the demo reads OTPs here)."""
    query = select(messages_t).order_by(messages_t.c.id.desc()).limit(limit)
    if to is not None:
        query = query.where(
            messages_t.c.to_address == to.strip().lower() if "@" in to else messages_t.c.to_address == to.strip()
        )
    with engine.connect() as conn:
        if kiosk_code is not None:
            query = query.where(messages_t.c.kiosk_id == holder_by_code(conn, kiosk_code).kiosk_id)
        rows = conn.execute(query).all()
    return checked(
        MessagesPublic,
        {
            "messages": [
                {
                    "id": r.id,
                    "created_at": aware(r.created_at).isoformat(),
                    "channel": r.channel,
                    "to": r.to_address,
                    "kind": r.kind,
                    "subject": r.subject,
                    "body": r.body,
                }
                for r in rows
            ]
        },
    )


@router.get("/auth-events", response_model=AuthEventsPublic, dependencies=[allow(*DESK_READERS)])
def auth_events(
    engine: EngineDep,
    kiosk_code: Annotated[Annotated[str, Text(32)] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """The auth audit log, newest first."""
    query = select(events_t).order_by(events_t.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        if kiosk_code is not None:
            query = query.where(events_t.c.kiosk_id == holder_by_code(conn, kiosk_code).kiosk_id)
        rows = conn.execute(query).all()
    return checked(
        AuthEventsPublic,
        {
            "events": [
                {
                    "id": r.id,
                    "at": aware(r.created_at).isoformat(),
                    "event": r.event,
                    "outcome": r.outcome,
                    "kiosk_id": r.kiosk_id,
                    "sso_id": r.sso_id,
                    "machine_id": r.machine_id,
                    "client_ip": r.client_ip,
                    "session_id": r.session_id,
                    "detail": r.detail,
                }
                for r in rows
            ]
        },
    )
