"""The kiosk desk: finding kiosks, one kiosk's page, suspending it, its password, and a new kiosk."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError
from sqlalchemy import select

from rules.day import business_day
from server.admin import trail
from server.admin.console.pages import (
    ANYONE_SIGNED_IN,
    DESK,
    FormRefused,
    act,
    client_ip,
    field_messages,
    gated,
    paise,
    problem_text,
    render,
    signed_in,
    to_sign_in,
)
from server.admin.roles import SUPPORT, AdminPrincipal
from server.auth.accounts import KioskAccounts, change_kiosk_status, issue_kiosk_password
from server.auth.audit import RequestContext
from server.auth.clock import AuthClock
from server.auth.messages import mask
from server.core.errors import ApiError
from server.core.fields import PathName, Text
from server.kiosks import create_kiosk, find_kiosks, kiosk_id_by_code, kiosks_t
from server.schemas import KioskIn
from server.wallet.statement import statement

router = APIRouter()


RECENT_DAYS = 30
RECENT_LINES = 20


@router.get("/kiosks")
@gated("GET /admin/kiosks", ANYONE_SIGNED_IN)
def kiosks_page(request: Request, q: Annotated[Annotated[str, Text(64)] | None, Query()] = None) -> Response:
    """Kiosks by code, name, holder or district; support also makes a new one here."""
    return _kiosks(request, q=q or "")


@router.get("/kiosks/{kiosk_code}")
@gated("GET /admin/kiosks/{kiosk_code}", ANYONE_SIGNED_IN)
def kiosk_page(kiosk_code: PathName, request: Request) -> Response:
    return _kiosk(request, kiosk_code)


def _kiosk(
    request: Request,
    kiosk_code: str,
    problem: str | None = None,
    status: int = 200,
    sent_to: str | None = None,
    created: bool = False,
) -> Response:
    """One kiosk: its status, wallet, credit and dues (as its Fund Payout page), and its latest operations."""
    principal = signed_in(request, ANYONE_SIGNED_IN)
    if principal is None:
        return to_sign_in()
    engine = request.app.state.engine
    clock: AuthClock = request.app.state.clock
    kiosk_code = kiosk_code.upper()
    with engine.connect() as conn:
        kiosk_id = kiosk_id_by_code(conn, kiosk_code)
        kiosk = conn.execute(select(kiosks_t).where(kiosks_t.c.id == kiosk_id)).one()._mapping
    today = business_day(clock.now())  # the kiosk's day (IST), as the statement counts days
    lines = statement(engine, kiosk_code, today - timedelta(days=RECENT_DAYS - 1), today)["lines"]
    return render(
        request,
        "kiosk.html",
        admin=principal,
        problem=problem,
        status=status,
        kiosk=kiosk,
        credit=request.app.state.wallet.credit.view(kiosk_id, kiosk_code),
        lines=list(reversed(lines))[:RECENT_LINES],
        can_manage=SUPPORT in principal.roles,
        sent_to=sent_to,
        created=created,
    )


def _context(request: Request) -> RequestContext:
    clock: AuthClock = request.app.state.clock
    return RequestContext(machine_id=None, client_ip=client_ip(request), now=clock.now())


@router.post("/kiosks/{kiosk_code}/status")
@gated("POST /admin/kiosks/{kiosk_code}/status", DESK)
async def kiosk_status(kiosk_code: PathName, request: Request) -> Response:
    """Suspend a kiosk or make it active again (support), as PUT /api/v1/admin/kiosks/{kiosk_code}/status."""
    code = kiosk_code.upper()

    def action(_principal: AdminPrincipal, fields: dict[str, str]) -> None:
        wanted = fields.get("status", "")
        if wanted not in ("active", "suspended"):
            raise ApiError("the status is active or suspended", code="invalid_request", status=422)
        with request.app.state.engine.begin() as conn:
            before = change_kiosk_status(conn, _context(request), code, wanted)
        trail.note_change(request.scope, {"status": before}, {"status": wanted})

    return await act(request, DESK, action, back=lambda r, p, s: _kiosk(r, code, p, s), done=f"/admin/kiosks/{code}")


@router.post("/kiosks/{kiosk_code}/password")
@gated("POST /admin/kiosks/{kiosk_code}/password", DESK)
async def kiosk_password(kiosk_code: PathName, request: Request) -> Response:
    """A reset (or first) password by SMS and e-mail (support), as POST /api/v1/admin/kiosks/{code}/password."""
    from starlette.concurrency import run_in_threadpool

    code = kiosk_code.upper()
    sent: dict[str, str] = {}

    def action(_principal: AdminPrincipal, _fields: dict[str, str]) -> None:
        accounts: KioskAccounts = request.app.state.accounts
        with request.app.state.engine.begin() as conn:
            holder, reason = issue_kiosk_password(conn, accounts, _context(request), code)
        sent["to"] = ", ".join((mask(holder.mobile), mask(holder.email)))
        trail.note_change(request.scope, None, {"kind": reason})

    answer = await act(request, DESK, action, back=lambda r, p, s: _kiosk(r, code, p, s))
    if sent:
        return await run_in_threadpool(lambda: _kiosk(request, code, sent_to=sent["to"]))
    return answer


KIOSK_FIELDS = (
    "code",
    "name",
    "holder_name",
    "district",
    "sso_id",
    "mobile",
    "email",
    "old_emitra_id",
    "micro_atm_terminal_id",
    "credit_limit",
)


def _kiosks(
    request: Request,
    problem: str | None = None,
    status: int = 200,
    *,
    q: str = "",
    typed: dict[str, str] | None = None,
    field_problems: dict[str, str] | None = None,
) -> Response:
    principal = signed_in(request, ANYONE_SIGNED_IN)
    if principal is None:
        return to_sign_in()
    found: list[dict[str, Any]] = []
    if q.strip():
        with request.app.state.engine.connect() as conn:
            found = find_kiosks(conn, q)
    return render(
        request,
        "kiosks.html",
        admin=principal,
        problem=problem,
        status=status,
        q=q,
        kiosks=found,
        searched=bool(q.strip()),
        can_create=SUPPORT in principal.roles,
        typed=typed or {},
        field_problems=field_problems or {},
    )


@router.post("/kiosks")
@gated("POST /admin/kiosks", DESK)
async def create_kiosk_form(request: Request) -> Response:
    """A new kiosk (support), as POST /api/v1/admin/kiosks, and its first password by SMS and e-mail, as
    POST /api/v1/admin/kiosks/{code}/password sends it: the holder receives it, nobody at the desk sees it."""
    from starlette.concurrency import run_in_threadpool

    typed: dict[str, str] = {}
    sent: dict[str, str] = {}
    refused: dict[str, str] = {}

    def action(_principal: AdminPrincipal, fields: dict[str, str]) -> None:
        typed.update({f: fields.get(f, "").strip()[:254] for f in KIOSK_FIELDS})
        values: dict[str, Any] = {f: typed[f] for f in KIOSK_FIELDS if f != "credit_limit"}
        values["code"] = values["code"].upper()
        values["micro_atm_terminal_id"] = values["micro_atm_terminal_id"].upper()
        for optional in ("old_emitra_id", "micro_atm_terminal_id"):
            if not values[optional]:
                values.pop(optional)
        problems: dict[str, str] = {}
        try:
            values["credit_limit_paise"] = paise(typed["credit_limit"] or "0", "credit_limit")
        except ApiError as exc:
            problems["credit_limit"] = problem_text(request, exc)
        try:
            data = KioskIn.model_validate(values)
        except ValidationError as exc:
            problems |= field_messages(request, exc, "kiosk_invalid")
            if "credit_limit_paise" in problems:
                problems["credit_limit"] = problems.pop("credit_limit_paise")
        if problems:
            refused.update(problems)
            raise FormRefused(problems)
        accounts: KioskAccounts = request.app.state.accounts
        with request.app.state.engine.begin() as conn:
            create_kiosk(conn, data)
            holder, _reason = issue_kiosk_password(conn, accounts, _context(request), data.code)
        sent.update(code=data.code, to=", ".join((mask(holder.mobile), mask(holder.email))))
        trail.note_change(request.scope, None, {"code": data.code, "first_password": "sent"})

    def back(r: Request, problem: str, status: int) -> Response:
        return _kiosks(r, problem, status, typed=typed, field_problems=refused)

    answer = await act(request, DESK, action, back=back)
    if sent:
        return await run_in_threadpool(lambda: _kiosk(request, sent["code"], sent_to=sent["to"], created=True))
    return answer
