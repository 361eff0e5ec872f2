"""The back-office web console under /admin/: server-rendered pages and plain forms (no script), in English and
Hindi, over the same accounts, proposals and trail as the API; a session cookie, CSRF tokens, a strict CSP."""

from __future__ import annotations

import hmac
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from importlib import resources
from typing import Annotated, Any, get_args
from urllib.parse import parse_qs

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError
from sqlalchemy import select

import words
from rules.day import IST, business_day
from server import fleet
from server.admin import accounts, trail
from server.admin.errors import AdminUnauthorized, RoleRefused
from server.admin.proposals import ADJUSTMENT, CHEQUE_BOUNCE, SUSPENSE_ASSIGN, Proposals
from server.admin.roles import APPROVER, AUDITOR, FINANCE, PEOPLE, SUPPORT, AdminPrincipal
from server.admin.schemas import (
    AdjustmentProposalIn,
    AdministratorIn,
    AdministratorStatusIn,
    ChequeBounceProposalIn,
    RowId,
)
from server.api.deps import client_address
from server.api.routes.admin import ledger_audit
from server.api.routes.billers_admin import list_billers, switch_fault
from server.auth.accounts import KioskAccounts, change_kiosk_status, issue_kiosk_password
from server.auth.audit import RequestContext
from server.auth.clock import AuthClock
from server.auth.errors import SessionExpired
from server.auth.messages import mask
from server.auth.passwords import Passwords
from server.core.config import Settings
from server.core.errors import ApiError
from server.core.fields import MAX_INT64, Day, PathName, Text
from server.fleet.schemas import Problem
from server.kiosks import create_kiosk, find_kiosks, kiosk_id_by_code, kiosks_t
from server.payments import Payments
from server.payments.in_doubt import payments_in_doubt
from server.payments.schemas import FaultIn
from server.payments.settlement import Settlements
from server.schemas import KioskIn
from server.wallet.neft import BankCredits
from server.wallet.statement import statement

SESSION_COOKIE = "emitra_admin_session"
CSRF_COOKIE = "emitra_admin_csrf"
LANGUAGE_COOKIE = "emitra_admin_lang"
# No script at all, styles from the server only, forms post only here, never framed.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# The pages' words (resources/locale: English and Hindi), by the name the templates use.
WORDS = {
    "amount_rupees": "console.amount_rupees",
    "approve": "console.approve",
    "credit": "console.credit",
    "debit": "console.debit",
    "direction": "console.direction",
    "kind": "console.kind",
    "kiosk_code": "console.kiosk_code",
    "memo": "console.memo",
    "no_proposals": "console.no_proposals",
    "other_language": "console.other_language",
    "password": "console.password",
    "proposals": "console.proposals",
    "propose": "console.propose",
    "propose_adjustment": "console.propose_adjustment",
    "proposed_by": "console.proposed_by",
    "reject": "console.reject",
    "sign_in": "console.sign_in",
    "sign_out": "console.sign_out",
    "status": "console.status",
    "suspense": "console.suspense",
    "suspense_limit": "console.suspense_limit",
    "remitter": "console.remitter",
    "assign": "console.assign",
    "no_suspense": "console.no_suspense",
    "status_pending": "console.status_pending",
    "status_approving": "console.status_approving",
    "status_approved": "console.status_approved",
    "status_rejected": "console.status_rejected",
    "status_failed": "console.status_failed",
    "kind_adjustment": "console.kind_adjustment",
    "kind_suspense_assign": "console.kind_suspense_assign",
    "kind_cheque_bounce": "console.kind_cheque_bounce",
    "cheques": "console.cheques",
    "no_cheques": "console.no_cheques",
    "cheque_no": "console.cheque_no",
    "cheque_bank": "console.cheque_bank",
    "cheque_date": "console.cheque_date",
    "txn_id": "console.txn_id",
    "clear": "console.clear",
    "propose_bounce": "console.propose_bounce",
    "cheques_note": "console.cheques_note",
    "statements": "console.statements",
    "statement_paste": "console.statement_paste",
    "statement_columns": "console.statement_columns",
    "preview": "console.preview",
    "book": "console.book",
    "line": "console.line",
    "account_no": "console.account_no",
    "goes_to": "console.goes_to",
    "result_credited": "console.result_credited",
    "result_suspense": "console.result_suspense",
    "result_duplicate": "console.result_duplicate",
    "result_conflict": "console.result_conflict",
    "result_skipped": "console.result_skipped",
    "statement_preview_note": "console.statement_preview_note",
    "statement_booked": "console.statement_booked",
    "statement_errors": "console.statement_errors",
    "finance_imports": "console.finance_imports",
    "audit_trail": "console.audit_trail",
    "download_csv": "console.download_csv",
    "trail_at": "console.trail_at",
    "trail_actor": "console.trail_actor",
    "trail_from": "console.trail_from",
    "trail_action": "console.trail_action",
    "trail_outcome": "console.trail_outcome",
    "trail_change": "console.trail_change",
    "trail_older": "console.trail_older",
    "trail_show": "console.trail_show",
    "no_events": "console.no_events",
    "kiosks": "console.kiosks",
    "kiosk_search": "console.kiosk_search",
    "search": "console.search",
    "no_kiosks": "console.no_kiosks",
    "kiosk_name": "console.kiosk_name",
    "holder": "console.holder",
    "district": "console.district",
    "wallet_balance": "console.wallet_balance",
    "credit_limit": "console.credit_limit",
    "credit_used": "console.credit_used",
    "outstanding": "console.outstanding",
    "overdue": "console.overdue",
    "next_due": "console.next_due",
    "interest_due": "console.interest_due",
    "recent_operations": "console.recent_operations",
    "no_operations": "console.no_operations",
    "suspend": "console.suspend",
    "reactivate": "console.reactivate",
    "reset_password": "console.reset_password",
    "password_sent": "console.password_sent",
    "kiosk_active": "console.kiosk_active",
    "kiosk_suspended": "console.kiosk_suspended",
    "col_time": "statement.col_time",
    "col_account": "statement.col_account",
    "col_description": "statement.col_description",
    "col_reference": "statement.col_reference",
    "account_wallet": "statement.account_wallet",
    "account_credit": "statement.account_credit",
    "fleet": "console.fleet",
    "kiosks_active": "console.kiosks_active",
    "kiosks_reporting": "console.kiosks_reporting",
    "required_version": "console.required_version",
    "all_problems": "console.all_problems",
    "problem_old_version": "console.problem_old_version",
    "problem_printer_failing": "console.problem_printer_failing",
    "problem_queue_stale": "console.problem_queue_stale",
    "problem_clock_off": "console.problem_clock_off",
    "problem_silent": "console.problem_silent",
    "version": "console.version",
    "printer": "console.printer",
    "queue": "console.queue",
    "last_sync": "console.last_sync",
    "clock_offset": "console.clock_offset",
    "free_disk": "console.free_disk",
    "reported": "console.reported",
    "never": "console.never",
    "no_kiosks_here": "console.no_kiosks_here",
    "more_kiosks": "console.more_kiosks",
    "printer_ok": "console.printer_ok",
    "printer_unknown": "console.printer_unknown",
    "printer_failing": "console.printer_failing",
    "new_kiosk": "console.new_kiosk",
    "create_kiosk": "console.create_kiosk",
    "kiosk_created": "console.kiosk_created",
    "first_password_note": "console.first_password_note",
    "kiosk_field_code": "console.kiosk_field_code",
    "kiosk_field_name": "console.kiosk_field_name",
    "kiosk_field_holder_name": "console.kiosk_field_holder_name",
    "kiosk_field_district": "console.kiosk_field_district",
    "kiosk_field_sso_id": "console.kiosk_field_sso_id",
    "kiosk_field_mobile": "console.kiosk_field_mobile",
    "kiosk_field_email": "console.kiosk_field_email",
    "kiosk_field_old_emitra_id": "console.kiosk_field_old_emitra_id",
    "kiosk_field_micro_atm_terminal_id": "console.kiosk_field_micro_atm_terminal_id",
    "kiosk_field_credit_limit": "console.kiosk_field_credit_limit",
    "reconcile": "console.reconcile",
    "in_doubt": "console.in_doubt",
    "in_doubt_note": "console.in_doubt_note",
    "no_in_doubt": "console.no_in_doubt",
    "made_at": "console.made_at",
    "status_initiated": "console.status_initiated",
    "settlement": "console.settlement",
    "department": "console.department",
    "business_date": "console.business_date",
    "settlement_lines": "console.settlement_lines",
    "settlement_total": "console.settlement_total",
    "for_administrators": "console.for_administrators",
    "nothing_for_administrators": "console.nothing_for_administrators",
    "reference": "console.reference",
    "finding": "console.finding",
    "finding_matched": "console.finding_matched",
    "finding_confirmed": "console.finding_confirmed",
    "finding_amount_differs": "console.finding_amount_differs",
    "finding_paid_after_reversal": "console.finding_paid_after_reversal",
    "finding_unknown_to_us": "console.finding_unknown_to_us",
    "finding_missing_reversed": "console.finding_missing_reversed",
    "finding_missing_but_paid_here": "console.finding_missing_but_paid_here",
    "faults": "console.faults",
    "faults_note": "console.faults_note",
    "fault": "console.fault",
    "fault_none": "console.fault_none",
    "fault_timeout": "console.fault_timeout",
    "fault_decline": "console.fault_decline",
    "fault_slow": "console.fault_slow",
    "fault_lost_answer": "console.fault_lost_answer",
    "applies_to": "console.applies_to",
    "applies_pay": "console.applies_pay",
    "applies_fetch": "console.applies_fetch",
    "applies_both": "console.applies_both",
    "fault_times": "console.fault_times",
    "switch": "console.switch",
    "ledger_audit": "console.ledger_audit",
    "ledger_balanced": "console.ledger_balanced",
    "ledger_unbalanced": "console.ledger_unbalanced",
    "ledger_entries": "console.ledger_entries",
    "ledger_operations": "console.ledger_operations",
    "ledger_problems": "console.ledger_problems",
    "ledger_audit_note": "console.ledger_audit_note",
    "administrators": "console.administrators",
    "admin_created": "console.admin_created",
    "totp_once": "console.totp_once",
    "totp_secret": "console.totp_secret",
    "totp_address": "console.totp_address",
    "display_name": "console.display_name",
    "roles": "console.roles",
    "totp_enrolled": "console.totp_enrolled",
    "yes": "console.yes",
    "no": "console.no",
    "admin_active": "console.admin_active",
    "admin_suspended": "console.admin_suspended",
    "new_administrator": "console.new_administrator",
    "create_administrator": "console.create_administrator",
    "role_support": "console.role_support",
    "role_finance": "console.role_finance",
    "role_approver": "console.role_approver",
    "role_auditor": "console.role_auditor",
    "statement_file": "console.statement_file",
    "title": "console.title",
    "totp_code": "console.totp_code",
    "username": "console.username",
}
STYLESHEET = "console-style.css"
RUPEES = re.compile(r"^[0-9]{1,8}(\.[0-9]{1,2})?$")

router = APIRouter(include_in_schema=False)
_folder = resources.files("server.admin.console")
_pages = Environment(loader=FileSystemLoader(str(_folder)), autoescape=select_autoescape(["html"]))


class ConsoleGate:
    """The roles a console page declares (as RoleGate does for the API), from the session cookie."""

    def __init__(self, *allowed: str) -> None:
        self.roles = frozenset(allowed)

    def __call__(self, request: Request) -> AdminPrincipal:
        state = request.app.state
        settings: Settings = state.settings
        clock: AuthClock = state.clock
        request.scope[trail.CLIENT_KEY] = _client(request)
        with state.engine.begin() as conn:
            principal = accounts.resolve(conn, request.cookies.get(SESSION_COOKIE), clock.now(), settings)
        request.scope[trail.PRINCIPAL_KEY] = principal
        if not principal.roles & self.roles:
            raise RoleRefused("your administrator roles do not allow this", allowed=sorted(self.roles))
        return principal


def _client(request: Request) -> str | None:
    """The client's address by the same rules as the API's (a configured proxy's X-Forwarded-For)."""
    settings: Settings = request.app.state.settings
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.get("x-forwarded-for"), settings.proxy_networks)


def _language(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE) or "en"
    return chosen if chosen in ("en", "hi") else "en"


def _rupees(paise: int | None) -> str:
    if paise is None:
        return ""
    return f"{paise // 100:,}.{paise % 100:02d}"


def _page(
    request: Request,
    template: str,
    *,
    admin: AdminPrincipal | None = None,
    problem: str | None = None,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    lang = _language(request)
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)

    body = _pages.get_template(template).render(
        lang=lang,
        other_lang="hi" if lang == "en" else "en",
        w={name: words.text(key, lang) for name, key in WORDS.items()},
        admin=admin,
        csrf=csrf,
        problem=problem,
        rupees=_rupees,
        demo=request.app.state.settings.mode == "demo",
        **values,
    )
    response = HTMLResponse(body, status_code=status)
    response.headers["content-security-policy"] = CSP
    response.headers["referrer-policy"] = "no-referrer"
    secure = _secure(request)
    response.set_cookie(CSRF_COOKIE, csrf, httponly=True, secure=secure, samesite="strict", path="/admin")
    response.set_cookie(LANGUAGE_COOKIE, lang, httponly=True, secure=secure, samesite="strict", path="/admin")
    return response


def _secure(request: Request) -> bool:
    """Cookies go over https only, always on a production server (behind its TLS proxy) and on any https."""
    settings: Settings = request.app.state.settings
    return settings.mode == "production" or request.url.scheme == "https"


def _problem_text(request: Request, exc: ApiError) -> str:
    key = f"error.{exc.code}"
    try:
        return words.text(key, _language(request))
    except KeyError:
        return exc.message


async def _form(request: Request) -> dict[str, str]:
    """A plain form's fields, after its CSRF token matched the cookie's (double submit, SameSite=Strict)."""
    raw = await request.body()
    fields = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
    _csrf_matches(request, fields.get("csrf", ""))
    return fields


def _csrf_matches(request: Request, token: str) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), token.encode()):
        raise ApiError("the form is stale or came from elsewhere: open the page again", code="csrf_refused", status=403)


async def _uploaded(request: Request) -> dict[str, bytes]:
    """A multipart/form-data form's parts by name (the file as its bytes), after its CSRF token matched.
    The standard library's MIME parser reads it; the body is already within the server's size limit."""
    kind = request.headers.get("content-type", "")
    if not kind.startswith("multipart/form-data"):
        raise ApiError("send the form with its file", code="invalid_request", status=422)
    raw = await request.body()
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + kind.encode("latin-1") + b"\r\n\r\n" + raw)
    parts: dict[str, bytes] = {}
    if isinstance(message, EmailMessage) and message.is_multipart():
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                parts.setdefault(name, payload)
    _csrf_matches(request, parts.get("csrf", b"").decode("utf-8", "replace"))
    return parts


def _to_sign_in() -> RedirectResponse:
    return RedirectResponse("/admin/sign-in", status_code=303)


def _signed_in(request: Request, gate: ConsoleGate) -> AdminPrincipal | None:
    try:
        return gate(request)
    except (AdminUnauthorized, SessionExpired):
        return None


def _proposals(request: Request) -> Proposals:
    proposals: Proposals = request.app.state.proposals
    return proposals


# Each page's gate, declared once: tests/server/test_admin_roles.py reads them with the API's.
ANYONE_SIGNED_IN = ConsoleGate(*PEOPLE)
PROPOSERS = ConsoleGate(FINANCE)
APPROVERS = ConsoleGate(APPROVER)
AUDITORS = ConsoleGate(AUDITOR)
DESK = ConsoleGate(SUPPORT)
FAULT_READERS = ConsoleGate(SUPPORT, AUDITOR)  # as GET /api/v1/admin/billers
ADMIN_READERS = ConsoleGate(SUPPORT, AUDITOR)  # as GET /api/v1/admin/administrators
GATES: dict[str, ConsoleGate] = {}


def _gated(path: str, gate: ConsoleGate) -> Callable[[Any], Any]:
    def mark(endpoint: Any) -> Any:
        GATES[path] = gate
        return endpoint

    return mark


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/admin/proposals", status_code=303)


@router.get("/" + STYLESHEET)
def stylesheet() -> Response:
    css = _folder.joinpath(STYLESHEET).read_text(encoding="utf-8")
    return Response(css, media_type="text/css", headers={"cache-control": "max-age=3600"})


@router.get("/sign-in")
def sign_in_page(request: Request) -> HTMLResponse:
    return _page(request, "sign_in.html")


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    try:
        fields = await _form(request)
    except ApiError as exc:
        return _page(request, "sign_in.html", problem=_problem_text(request, exc), status=exc.status)
    state = request.app.state
    settings: Settings = state.settings
    passwords: Passwords = state.passwords
    clock: AuthClock = state.clock
    client = _client(request)
    request.scope[trail.CLIENT_KEY] = client

    def work() -> Any:
        with state.engine.begin() as conn:
            return accounts.sign_in(
                conn,
                passwords,
                settings,
                username=fields.get("username", "")[:64],
                password=fields.get("password", "")[:256],
                code=fields.get("code", "")[:8],
                now=clock.now(),
                client_ip=client,
            )

    from starlette.concurrency import run_in_threadpool

    outcome = await run_in_threadpool(work)
    if isinstance(outcome, accounts.SignInRefusal):
        typed = fields.get("username", "").strip().lower()[:64]
        actor = "?" + typed if outcome.admin_id is not None else accounts.typed_name_label(settings, typed)
        request.scope[trail.NOTE_KEY] = outcome.reason
        request.scope[trail.ACTOR_KEY] = actor
        trail.note_change(request.scope, None, {"username": actor})
        failure = outcome.error()
        return _page(request, "sign_in.html", problem=_problem_text(request, failure), status=failure.status)
    session, principal = outcome
    request.scope[trail.PRINCIPAL_KEY] = principal
    trail.note_change(request.scope, None, {"username": principal.username, "session_id": session.session_id})
    response = RedirectResponse("/admin/proposals", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        httponly=True,
        secure=_secure(request),
        samesite="strict",
        path="/admin",
        max_age=settings.admin_session_absolute_hours * 3600,
    )
    return response


@router.post("/sign-out")
@_gated("POST /admin/sign-out", ANYONE_SIGNED_IN)
async def sign_out(request: Request) -> Response:
    principal = _signed_in(request, ANYONE_SIGNED_IN)
    await _form(request)
    if principal is not None and principal.session_id is not None:
        clock: AuthClock = request.app.state.clock
        with request.app.state.engine.begin() as conn:
            accounts.sign_out(conn, principal.session_id, clock.now())
    response = _to_sign_in()
    response.delete_cookie(SESSION_COOKIE, path="/admin")
    return response


@router.get("/proposals")
@_gated("GET /admin/proposals", ANYONE_SIGNED_IN)
def proposals_page(request: Request) -> Response:
    return _proposals_view(request)


def _proposals_view(request: Request, problem: str | None = None, status: int = 200) -> Response:
    principal = _signed_in(request, ANYONE_SIGNED_IN)
    if principal is None:
        return _to_sign_in()
    return _page(
        request,
        "proposals.html",
        admin=principal,
        problem=problem,
        status=status,
        proposals=_proposals(request).listing(None, 50),
        can_propose=FINANCE in principal.roles,
        can_approve=APPROVER in principal.roles,
    )


async def _act(
    request: Request,
    gate: ConsoleGate,
    action: Callable[[AdminPrincipal, dict[str, str]], Any],
    back: Callable[..., Response] | None = None,
    done: str = "/admin/proposals",
) -> Response:
    """A form's action as `gate` allows it, then on to `done` (or back to the page with the refusal)."""
    from starlette.concurrency import run_in_threadpool

    principal = await run_in_threadpool(_signed_in, request, ANYONE_SIGNED_IN)
    if principal is None:
        return _to_sign_in()
    try:
        fields = await _form(request)
        await run_in_threadpool(gate, request)
        await run_in_threadpool(action, principal, fields)
    except ApiError as exc:
        request.scope[trail.NOTE_KEY] = exc.code
        page = back or _proposals_view
        return await run_in_threadpool(page, request, _problem_text(request, exc), exc.status)
    return RedirectResponse(done, status_code=303)


@router.post("/proposals")
@_gated("POST /admin/proposals", PROPOSERS)
async def propose(request: Request) -> Response:
    def action(principal: AdminPrincipal, fields: dict[str, str]) -> None:
        amount_paise = _paise(fields.get("amount", ""))
        try:
            body = AdjustmentProposalIn(
                kind=ADJUSTMENT,
                kiosk_code=fields.get("kiosk_code", "").strip().upper(),
                direction=fields.get("direction", ""),
                amount_paise=amount_paise,
                memo=fields.get("memo", ""),
            )
        except ValidationError as exc:
            raise ApiError("check the form", code="invalid_request", status=422) from exc
        payload = body.model_dump(exclude={"kind", "note"})
        proposal = _proposals(request).propose(principal, ADJUSTMENT, payload, "")
        trail.note_change(request.scope, None, proposal)

    return await _act(request, PROPOSERS, action)


@router.get("/suspense")
@_gated("GET /admin/suspense", ANYONE_SIGNED_IN)
def suspense_page(request: Request) -> Response:
    return _suspense(request)


def _suspense(request: Request, problem: str | None = None, status: int = 200) -> Response:
    """Bank credits no kiosk's account matched; finance assigns one up to the limit, or proposes it above."""
    principal = _signed_in(request, ANYONE_SIGNED_IN)
    if principal is None:
        return _to_sign_in()
    settings: Settings = request.app.state.settings
    return _page(
        request,
        "suspense.html",
        admin=principal,
        problem=problem,
        status=status,
        credits=request.app.state.wallet.bank.suspense(),
        limit=settings.suspense_approval_limit_paise,
        can_assign=FINANCE in principal.roles,
    )


@router.post("/suspense/{utr}/assign")
@_gated("POST /admin/suspense/{utr}/assign", PROPOSERS)
async def assign_suspense(utr: PathName, request: Request) -> Response:
    """Up to the limit the credit is assigned at once; above it, this makes the proposal an approver decides."""
    settings: Settings = request.app.state.settings
    outcome: dict[str, str] = {}

    def action(principal: AdminPrincipal, fields: dict[str, str]) -> None:
        kiosk_code = fields.get("kiosk_code", "").strip().upper()[:32]
        credits = {c["utr"]: c for c in request.app.state.wallet.bank.suspense()}
        credit = credits.get(utr.upper())
        if credit is not None and credit["amount_paise"] > settings.suspense_approval_limit_paise:
            payload = {"utr": utr.upper(), "kiosk_code": kiosk_code}
            proposal = _proposals(request).propose(principal, SUSPENSE_ASSIGN, payload, "")
            trail.note_change(request.scope, None, proposal)
            outcome["next"] = "/admin/proposals"
            return
        assigned = request.app.state.wallet.bank.assign(utr, kiosk_code)
        trail.note_change(request.scope, {"utr": utr.upper(), "status": "suspense"}, assigned)
        outcome["next"] = "/admin/suspense"

    answer = await _act(request, PROPOSERS, action, back=_suspense)
    if isinstance(answer, RedirectResponse) and outcome.get("next"):
        return RedirectResponse(outcome["next"], status_code=303)
    return answer


@router.post("/proposals/{proposal_id}/approve")
@_gated("POST /admin/proposals/{proposal_id}/approve", APPROVERS)
async def approve(proposal_id: Annotated[RowId, Path()], request: Request) -> Response:
    def action(principal: AdminPrincipal, _fields: dict[str, str]) -> None:
        before = _proposals(request).view(proposal_id)
        after = _proposals(request).approve(proposal_id, principal)
        trail.note_change(
            request.scope, {"status": before["status"]}, {"status": after["status"], "result": after["result"]}
        )

    return await _act(request, APPROVERS, action)


@router.post("/proposals/{proposal_id}/reject")
@_gated("POST /admin/proposals/{proposal_id}/reject", APPROVERS)
async def reject(proposal_id: Annotated[RowId, Path()], request: Request) -> Response:
    def action(principal: AdminPrincipal, _fields: dict[str, str]) -> None:
        after = _proposals(request).reject(proposal_id, principal, "")
        trail.note_change(request.scope, {"status": "pending"}, {"status": after["status"]})

    return await _act(request, APPROVERS, action)


def _payments(request: Request) -> Payments:
    payments: Payments = request.app.state.payments
    return payments


@router.get("/cheques")
@_gated("GET /admin/cheques", ANYONE_SIGNED_IN)
def cheques_page(request: Request) -> Response:
    return _cheques(request)


def _cheques(request: Request, problem: str | None = None, status: int = 200) -> Response:
    """Departmental cheques awaiting clearing; finance clears one at once, or proposes its bounce."""
    principal = _signed_in(request, ANYONE_SIGNED_IN)
    if principal is None:
        return _to_sign_in()
    return _page(
        request,
        "cheques.html",
        admin=principal,
        problem=problem,
        status=status,
        cheques=_payments(request).cheques_received(),
        can_settle=FINANCE in principal.roles,
    )


@router.post("/cheques/{txn_id}/clear")
@_gated("POST /admin/cheques/{txn_id}/clear", PROPOSERS)
async def clear_cheque(txn_id: PathName, request: Request) -> Response:
    """Clearing moves no money back, so one finance administrator does it (as POST /cheques/{txn_id})."""

    def action(_principal: AdminPrincipal, _fields: dict[str, str]) -> None:
        payment = _payments(request).set_cheque_status(txn_id, "cleared")
        trail.note_change(request.scope, {"txn_id": txn_id, "cheque": "received"}, payment["cheque"])

    return await _act(request, PROPOSERS, action, back=_cheques, done="/admin/cheques")


@router.post("/cheques/{txn_id}/bounce")
@_gated("POST /admin/cheques/{txn_id}/bounce", PROPOSERS)
async def propose_bounce(txn_id: PathName, request: Request) -> Response:
    """A bounce takes the payment's money back from the kiosk: a proposal an approver decides."""

    def action(principal: AdminPrincipal, _fields: dict[str, str]) -> None:
        try:
            body = ChequeBounceProposalIn(kind=CHEQUE_BOUNCE, txn_id=txn_id)
        except ValidationError as exc:
            raise ApiError("check the form", code="invalid_request", status=422) from exc
        payload = body.model_dump(exclude={"kind", "note"})
        proposal = _proposals(request).propose(principal, CHEQUE_BOUNCE, payload, "")
        trail.note_change(request.scope, None, proposal)

    return await _act(request, PROPOSERS, action, back=_cheques)


def _bank(request: Request) -> BankCredits:
    bank: BankCredits = request.app.state.wallet.bank
    return bank


@router.get("/statements")
@_gated("GET /admin/statements", ANYONE_SIGNED_IN)
def statements_page(request: Request) -> Response:
    return _statements(request)


def _statements(
    request: Request,
    problem: str | None = None,
    status: int = 200,
    statement: str = "",
    preview: dict[str, Any] | None = None,
    booked: dict[str, Any] | None = None,
    faults: list[dict[str, Any]] | None = None,
) -> Response:
    """A bank statement pasted by finance: first its preview (each line's kiosk or suspense), then booked."""
    principal = _signed_in(request, ANYONE_SIGNED_IN)
    if principal is None:
        return _to_sign_in()
    return _page(
        request,
        "statements.html",
        admin=principal,
        problem=problem,
        status=status,
        can_import=FINANCE in principal.roles,
        statement=statement,
        preview=preview,
        booked=booked,
        faults=faults or [],
    )


async def _pasted(request: Request) -> str:
    return (await _form(request)).get("statement", "")


async def _statement_file(request: Request) -> str:
    """The statement file uploaded: UTF-8 text, as POST /api/v1/admin/wallet/bank-statements takes it."""
    data = (await _uploaded(request)).get("statement_file", b"")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApiError("the statement must be UTF-8 text", code="statement_not_text", status=422) from exc


async def _statement_step(
    request: Request,
    step: Callable[[BankCredits, str], dict[str, Any]],
    booking: bool,
    read: Callable[[Request], Awaitable[str]] = _pasted,
) -> Response:
    """Preview or book the statement pasted or uploaded (finance), and show each line's outcome on the page."""
    from starlette.concurrency import run_in_threadpool

    principal = await run_in_threadpool(_signed_in, request, ANYONE_SIGNED_IN)
    if principal is None:
        return _to_sign_in()
    statement = ""
    try:
        statement = await read(request)
        # The trail keeps the file's size and what became of it, never its lines.
        trail.note_change(request.scope, None, {"bytes": len(statement.encode())})
        await run_in_threadpool(PROPOSERS, request)
        outcome = await run_in_threadpool(step, _bank(request), statement)
    except ApiError as exc:
        request.scope[trail.NOTE_KEY] = exc.code
        problem, status, faults = _problem_text(request, exc), exc.status, exc.details.get("errors", [])
        return await run_in_threadpool(
            lambda: _statements(request, problem, status, statement=statement, faults=faults)
        )
    trail.note_change(request.scope, None, {"bytes": len(statement.encode()), "counts": outcome["counts"]})
    if booking:
        return await run_in_threadpool(lambda: _statements(request, statement=statement, booked=outcome))
    return await run_in_threadpool(lambda: _statements(request, statement=statement, preview=outcome))


@router.post("/statements/preview")
@_gated("POST /admin/statements/preview", PROPOSERS)
async def preview_statement(request: Request) -> Response:
    return await _statement_step(request, BankCredits.preview_statement, booking=False)


@router.post("/statements/upload")
@_gated("POST /admin/statements/upload", PROPOSERS)
async def upload_statement(request: Request) -> Response:
    """A statement file uploaded: previewed exactly as a pasted one, then booked with the same Book button."""
    return await _statement_step(request, BankCredits.preview_statement, booking=False, read=_statement_file)


@router.post("/statements/book")
@_gated("POST /admin/statements/book", PROPOSERS)
async def book_statement(request: Request) -> Response:
    """The same booking as POST /api/v1/admin/wallet/bank-statements: each UTR lands once."""
    return await _statement_step(request, BankCredits.import_statement, booking=True)


TRAIL_PAGE = 100


@router.get("/audit-trail")
@_gated("GET /admin/audit-trail", AUDITORS)
def audit_trail_page(
    request: Request,
    actor: Annotated[Annotated[str, Text(64)] | None, Query()] = None,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_INT64)] = None,
) -> Response:
    """The admin audit trail for auditors, newest first (as GET /api/v1/admin/audit-trail), read-only."""
    principal = _signed_in(request, ANYONE_SIGNED_IN)
    if principal is None:
        return _to_sign_in()
    try:
        AUDITORS(request)
    except RoleRefused as exc:
        return _page(request, "base.html", admin=principal, problem=_problem_text(request, exc), status=exc.status)
    with request.app.state.engine.connect() as conn:
        rows = trail.events(conn, limit=TRAIL_PAGE, before_id=before_id, actor=actor or None)
    events = [trail.public(r) for r in rows]
    return _page(
        request,
        "audit_trail.html",
        admin=principal,
        events=events,
        actor=actor or "",
        older=events[-1]["id"] if len(events) == TRAIL_PAGE else None,
    )


@router.get("/audit-trail.csv")
@_gated("GET /admin/audit-trail.csv", AUDITORS)
def audit_trail_csv(request: Request) -> Response:
    """The trail as CSV, oldest first (as GET /api/v1/admin/audit-trail.csv); the export is itself recorded."""
    principal = _signed_in(request, ANYONE_SIGNED_IN)
    if principal is None:
        return _to_sign_in()
    AUDITORS(request)
    with request.app.state.engine.connect() as conn:
        rows = trail.events(conn, limit=10_000)
    return Response(
        trail.csv_text(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="admin-audit-trail.csv"'},
    )


RECENT_DAYS = 30
RECENT_LINES = 20


@router.get("/kiosks")
@_gated("GET /admin/kiosks", ANYONE_SIGNED_IN)
def kiosks_page(request: Request, q: Annotated[Annotated[str, Text(64)] | None, Query()] = None) -> Response:
    """Kiosks by code, name, holder or district; support also makes a new one here."""
    return _kiosks(request, q=q or "")


@router.get("/kiosks/{kiosk_code}")
@_gated("GET /admin/kiosks/{kiosk_code}", ANYONE_SIGNED_IN)
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
    principal = _signed_in(request, ANYONE_SIGNED_IN)
    if principal is None:
        return _to_sign_in()
    engine = request.app.state.engine
    clock: AuthClock = request.app.state.clock
    kiosk_code = kiosk_code.upper()
    with engine.connect() as conn:
        kiosk_id = kiosk_id_by_code(conn, kiosk_code)
        kiosk = conn.execute(select(kiosks_t).where(kiosks_t.c.id == kiosk_id)).one()._mapping
    today = clock.now().date()
    lines = statement(engine, kiosk_code, today - timedelta(days=RECENT_DAYS - 1), today)["lines"]
    return _page(
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
    return RequestContext(machine_id=None, client_ip=_client(request), now=clock.now())


@router.post("/kiosks/{kiosk_code}/status")
@_gated("POST /admin/kiosks/{kiosk_code}/status", DESK)
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

    return await _act(request, DESK, action, back=lambda r, p, s: _kiosk(r, code, p, s), done=f"/admin/kiosks/{code}")


@router.post("/kiosks/{kiosk_code}/password")
@_gated("POST /admin/kiosks/{kiosk_code}/password", DESK)
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

    answer = await _act(request, DESK, action, back=lambda r, p, s: _kiosk(r, code, p, s))
    if sent:
        return await run_in_threadpool(lambda: _kiosk(request, code, sent_to=sent["to"]))
    return answer


def _desk(request: Request, gate: ConsoleGate) -> AdminPrincipal | Response:
    """The signed-in administrator if `gate` allows the page; else the sign-in, or the refusal in the page's words."""
    principal = _signed_in(request, ANYONE_SIGNED_IN)
    if principal is None:
        return _to_sign_in()
    try:
        gate(request)
    except RoleRefused as exc:
        return _page(request, "base.html", admin=principal, problem=_problem_text(request, exc), status=exc.status)
    return principal


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
@_gated("GET /admin/fleet", ANYONE_SIGNED_IN)
def fleet_page(request: Request, problem: Annotated[Problem | None, Query()] = None) -> Response:
    """Active kiosks by problem with each one's last report: the same listing as GET /api/v1/admin/fleet."""
    principal = _desk(request, ANYONE_SIGNED_IN)
    if isinstance(principal, Response):
        return principal
    clock: AuthClock = request.app.state.clock
    settings: Settings = request.app.state.settings
    now = clock.now()
    with request.app.state.engine.connect() as conn:
        listing = fleet.fleet(conn, now, settings, problem=None if problem is None else problem.value)
    shown = [p for p in fleet.PROBLEMS if problem is None or p == problem.value]
    lang = _language(request)
    return _page(
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


def _paise(text: str, field: str = "amount") -> int:
    """Rupees as typed in a form (commas allowed, up to two decimals) in paise."""
    amount = text.replace(",", "").strip()
    if not RUPEES.match(amount):
        raise ApiError("the amount is rupees, up to 2 decimals", code="invalid_amount", status=422, field=field)
    rupees, _, paise = amount.partition(".")
    return int(rupees) * 100 + int(paise.ljust(2, "0"))


def _field_problems(request: Request, exc: ValidationError, form: str) -> dict[str, str]:
    """Each refused field's own message, in the page's language, to show next to it (`console.<form>_<field>`)."""
    lang = _language(request)
    found: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        key = f"console.{form}_{name}"
        try:
            found[name] = words.text(key, lang)
        except KeyError:
            found[name] = words.text("error.invalid_request", lang)
    return found


class FormRefused(ApiError):
    """A form's fields refused; `fields` holds each one's message for the page."""

    status = 422
    code = "invalid_request"

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("check the marked fields", fields=sorted(fields))
        self.fields = fields


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
    principal = _signed_in(request, ANYONE_SIGNED_IN)
    if principal is None:
        return _to_sign_in()
    found: list[dict[str, Any]] = []
    if q.strip():
        with request.app.state.engine.connect() as conn:
            found = find_kiosks(conn, q)
    return _page(
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
@_gated("POST /admin/kiosks", DESK)
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
            values["credit_limit_paise"] = _paise(typed["credit_limit"] or "0", "credit_limit")
        except ApiError as exc:
            problems["credit_limit"] = _problem_text(request, exc)
        try:
            data = KioskIn.model_validate(values)
        except ValidationError as exc:
            problems |= _field_problems(request, exc, "kiosk_invalid")
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

    answer = await _act(request, DESK, action, back=back)
    if sent:
        return await run_in_threadpool(lambda: _kiosk(request, sent["code"], sent_to=sent["to"], created=True))
    return answer


@router.get("/reconcile")
@_gated("GET /admin/reconcile", ANYONE_SIGNED_IN)
def reconcile_page(
    request: Request,
    biller: Annotated[Annotated[str, Text(32)] | None, Query()] = None,
    business_date: Annotated[Day | None, Query(alias="date")] = None,
) -> Response:
    """Payments in doubt at every kiosk, and what a department's settlement file came to (read-only): the same
    report as GET /api/v1/admin/billers/{biller}/settlements/{business_date}."""
    principal = _desk(request, ANYONE_SIGNED_IN)
    if isinstance(principal, Response):
        return principal
    payments = _payments(request)
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
            problem, status = _problem_text(request, exc), exc.status
    return _page(
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


def _departments(request: Request) -> list[dict[str, Any]]:
    """The simulated departments and the fault of each, as GET /api/v1/admin/billers answers them."""
    settings: Settings = request.app.state.settings
    answer: dict[str, Any] = json.loads(bytes(list_billers(request, settings).body))
    return list(answer["billers"])


@router.get("/faults")
@_gated("GET /admin/faults", FAULT_READERS)
def faults_page(request: Request) -> Response:
    return _faults(request)


def _faults(request: Request, problem: str | None = None, status: int = 200) -> Response:
    """Demo and training only: each simulated department's fault, and support's switch for it."""
    principal = _desk(request, FAULT_READERS)
    if isinstance(principal, Response):
        return principal
    try:
        billers = _departments(request)
    except ApiError as exc:
        return _page(request, "base.html", admin=principal, problem=_problem_text(request, exc), status=exc.status)
    return _page(
        request,
        "faults.html",
        admin=principal,
        problem=problem,
        status=status,
        billers=billers,
        faults=FAULTS,
        applies=APPLIES_TO,
        can_switch=SUPPORT in principal.roles,
    )


FAULTS = get_args(FaultIn.model_fields["fault"].annotation)
APPLIES_TO = get_args(FaultIn.model_fields["applies_to"].annotation)


@router.post("/faults/{biller}")
@_gated("POST /admin/faults/{biller}", DESK)
async def switch_fault_form(biller: PathName, request: Request) -> Response:
    """A department's fault switched (support, demo only), as PUT /api/v1/admin/billers/{biller}/fault."""

    def action(_principal: AdminPrincipal, fields: dict[str, str]) -> None:
        try:
            body = FaultIn(
                fault=fields.get("fault", ""),
                times=int(fields.get("times", "-1") or "-1"),
                delay_ms=int(fields.get("delay_ms", "0") or "0"),
                applies_to=fields.get("applies_to", "pay"),
            )
        except (ValidationError, ValueError) as exc:
            raise ApiError("check the form", code="invalid_request", status=422) from exc
        settings: Settings = request.app.state.settings
        before = {b["biller"]: b["fault"] for b in _departments(request)}.get(biller)
        switch_fault(biller, body, request, settings)
        trail.note_change(request.scope, {"fault": before}, body.model_dump())

    return await _act(request, DESK, action, back=_faults, done="/admin/faults")


@router.get("/ledger-audit")
@_gated("GET /admin/ledger-audit", ANYONE_SIGNED_IN)
def ledger_audit_page(request: Request) -> Response:
    """Whether the ledger balances, and each problem found: the same check as GET /api/v1/admin/ledger/audit."""
    principal = _desk(request, ANYONE_SIGNED_IN)
    if isinstance(principal, Response):
        return principal
    return _page(
        request, "ledger_audit.html", admin=principal, audit=ledger_audit(request.app.state.engine).model_dump()
    )


def _administrators(
    request: Request,
    problem: str | None = None,
    status: int = 200,
    *,
    typed: dict[str, Any] | None = None,
    field_problems: dict[str, str] | None = None,
    made: accounts.NewAdministrator | None = None,
) -> Response:
    """The back office's accounts (support, auditor), support's form for a new one and its suspend button."""
    principal = _desk(request, ADMIN_READERS)
    if isinstance(principal, Response):
        return principal
    with request.app.state.engine.connect() as conn:
        listed = accounts.list_administrators(conn)
    response = _page(
        request,
        "administrators.html",
        admin=principal,
        problem=problem,
        status=status,
        administrators=listed,
        roles=PEOPLE,
        can_manage=SUPPORT in principal.roles,
        typed=typed or {"roles": []},
        field_problems=field_problems or {},
        made=made,
    )
    if made is not None:
        response.headers["cache-control"] = "no-store"  # the TOTP secret is shown this once
    return response


@router.get("/administrators")
@_gated("GET /admin/administrators", ADMIN_READERS)
def administrators_page(request: Request) -> Response:
    return _administrators(request)


def _password_problem(request: Request, exc: ApiError) -> str:
    """A refused password's reasons in the page's language (error.password_rejected.<rule>)."""
    lang = _language(request)
    reasons = []
    for refusal in exc.details.get("problems", []):
        try:
            reasons.append(words.text(f"error.password_rejected.{refusal['rule']}", lang))
        except KeyError:
            reasons.append(str(refusal["message"]))
    return " ".join(reasons) or _problem_text(request, exc)


@router.post("/administrators")
@_gated("POST /admin/administrators", DESK)
async def create_administrator_form(request: Request) -> Response:
    """A new administrator (support), as POST /api/v1/admin/administrators; its TOTP secret is shown once."""
    from starlette.concurrency import run_in_threadpool

    typed: dict[str, Any] = {"roles": []}
    refused: dict[str, str] = {}
    made: list[accounts.NewAdministrator] = []

    def action(principal: AdminPrincipal, fields: dict[str, str]) -> None:
        roles = [r for r in PEOPLE if fields.get(f"role_{r}") == "on"]
        typed.update(
            username=fields.get("username", "").strip()[:64], display_name=fields.get("display_name", "")[:120]
        )
        typed["roles"] = roles
        try:
            body = AdministratorIn(
                username=typed["username"],
                display_name=typed["display_name"],
                password=fields.get("password", "")[:256],
                roles=roles,
            )
        except ValidationError as exc:
            refused.update(_field_problems(request, exc, "admin_invalid"))
            raise FormRefused(refused) from exc
        clock: AuthClock = request.app.state.clock
        try:
            with request.app.state.engine.begin() as conn:
                new = accounts.create_administrator(
                    conn,
                    request.app.state.passwords,
                    username=body.username,
                    display_name=body.display_name,
                    password=body.password,
                    roles=body.roles,
                    now=clock.now(),
                    created_by=principal.admin_id,
                )
        except ApiError as exc:
            field = "password" if exc.code == "password_rejected" else exc.details.get("field")
            if field:
                text = _password_problem(request, exc) if field == "password" else _problem_text(request, exc)
                refused[str(field)] = text
            raise
        made.append(new)
        trail.note_change(request.scope, None, {"username": new.username, "roles": sorted(new.roles)})

    def back(r: Request, problem: str, status: int) -> Response:
        return _administrators(r, problem, status, typed=typed, field_problems=refused)

    answer = await _act(request, DESK, action, back=back)
    if made:
        return await run_in_threadpool(lambda: _administrators(request, made=made[0]))
    return answer


@router.post("/administrators/{username}/status")
@_gated("POST /admin/administrators/{username}/status", DESK)
async def administrator_status(username: PathName, request: Request) -> Response:
    """Suspend an administrator (their sessions end at once) or make them active again (support)."""

    def action(_principal: AdminPrincipal, fields: dict[str, str]) -> None:
        try:
            body = AdministratorStatusIn(status=fields.get("status", ""))
        except ValidationError as exc:
            raise ApiError("the status is active or suspended", code="invalid_request", status=422) from exc
        clock: AuthClock = request.app.state.clock
        with request.app.state.engine.begin() as conn:
            before, after = accounts.set_status(conn, username, body.status, clock.now())
        trail.note_change(request.scope, before, after)

    return await _act(request, DESK, action, back=_administrators, done="/admin/administrators")
