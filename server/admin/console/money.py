"""The money desks: proposals and their approval, bank credits in suspense, departmental cheques, bank statements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from server.admin import trail
from server.admin.console.pages import (
    ANYONE_SIGNED_IN,
    APPROVERS,
    PROPOSERS,
    act,
    gated,
    paise,
    payments_of,
    problem_text,
    read_form,
    read_upload,
    render,
    signed_in,
    to_sign_in,
)
from server.admin.proposals import ADJUSTMENT, CHEQUE_BOUNCE, SUSPENSE_ASSIGN, Proposals
from server.admin.roles import APPROVER, FINANCE, AdminPrincipal
from server.admin.schemas import AdjustmentProposalIn, ChequeBounceProposalIn, RowId
from server.core.config import Settings
from server.core.errors import ApiError
from server.core.fields import PathName
from server.wallet.neft import BankCredits

router = APIRouter()


def _proposals(request: Request) -> Proposals:
    proposals: Proposals = request.app.state.proposals
    return proposals


@router.get("/proposals")
@gated("GET /admin/proposals", ANYONE_SIGNED_IN)
def proposals_page(request: Request) -> Response:
    return _proposals_view(request)


def _proposals_view(request: Request, problem: str | None = None, status: int = 200) -> Response:
    principal = signed_in(request, ANYONE_SIGNED_IN)
    if principal is None:
        return to_sign_in()
    return render(
        request,
        "proposals.html",
        admin=principal,
        problem=problem,
        status=status,
        proposals=_proposals(request).listing(None, 50),
        can_propose=FINANCE in principal.roles,
        can_approve=APPROVER in principal.roles,
    )


@router.post("/proposals")
@gated("POST /admin/proposals", PROPOSERS)
async def propose(request: Request) -> Response:
    def action(principal: AdminPrincipal, fields: dict[str, str]) -> None:
        amount_paise = paise(fields.get("amount", ""))
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

    return await act(request, PROPOSERS, action, back=_proposals_view)


@router.post("/proposals/{proposal_id}/approve")
@gated("POST /admin/proposals/{proposal_id}/approve", APPROVERS)
async def approve(proposal_id: Annotated[RowId, Path()], request: Request) -> Response:
    def action(principal: AdminPrincipal, _fields: dict[str, str]) -> None:
        before = _proposals(request).view(proposal_id)
        after = _proposals(request).approve(proposal_id, principal)
        trail.note_change(
            request.scope, {"status": before["status"]}, {"status": after["status"], "result": after["result"]}
        )

    return await act(request, APPROVERS, action, back=_proposals_view)


@router.post("/proposals/{proposal_id}/reject")
@gated("POST /admin/proposals/{proposal_id}/reject", APPROVERS)
async def reject(proposal_id: Annotated[RowId, Path()], request: Request) -> Response:
    def action(principal: AdminPrincipal, _fields: dict[str, str]) -> None:
        after = _proposals(request).reject(proposal_id, principal, "")
        trail.note_change(request.scope, {"status": "pending"}, {"status": after["status"]})

    return await act(request, APPROVERS, action, back=_proposals_view)


@router.get("/suspense")
@gated("GET /admin/suspense", ANYONE_SIGNED_IN)
def suspense_page(request: Request) -> Response:
    return _suspense(request)


def _suspense(request: Request, problem: str | None = None, status: int = 200) -> Response:
    """Bank credits no kiosk's account matched; finance assigns one up to the limit, or proposes it above."""
    principal = signed_in(request, ANYONE_SIGNED_IN)
    if principal is None:
        return to_sign_in()
    settings: Settings = request.app.state.settings
    return render(
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
@gated("POST /admin/suspense/{utr}/assign", PROPOSERS)
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

    answer = await act(request, PROPOSERS, action, back=_suspense)
    if isinstance(answer, RedirectResponse) and outcome.get("next"):
        return RedirectResponse(outcome["next"], status_code=303)
    return answer


@router.get("/cheques")
@gated("GET /admin/cheques", ANYONE_SIGNED_IN)
def cheques_page(request: Request) -> Response:
    return _cheques(request)


def _cheques(request: Request, problem: str | None = None, status: int = 200) -> Response:
    """Departmental cheques awaiting clearing; finance clears one at once, or proposes its bounce."""
    principal = signed_in(request, ANYONE_SIGNED_IN)
    if principal is None:
        return to_sign_in()
    return render(
        request,
        "cheques.html",
        admin=principal,
        problem=problem,
        status=status,
        cheques=payments_of(request).cheques_received(),
        can_settle=FINANCE in principal.roles,
    )


@router.post("/cheques/{txn_id}/clear")
@gated("POST /admin/cheques/{txn_id}/clear", PROPOSERS)
async def clear_cheque(txn_id: PathName, request: Request) -> Response:
    """Clearing moves no money back, so one finance administrator does it (as POST /cheques/{txn_id})."""

    def action(_principal: AdminPrincipal, _fields: dict[str, str]) -> None:
        payment = payments_of(request).set_cheque_status(txn_id, "cleared")
        trail.note_change(request.scope, {"txn_id": txn_id, "cheque": "received"}, payment["cheque"])

    return await act(request, PROPOSERS, action, back=_cheques, done="/admin/cheques")


@router.post("/cheques/{txn_id}/bounce")
@gated("POST /admin/cheques/{txn_id}/bounce", PROPOSERS)
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

    return await act(request, PROPOSERS, action, back=_cheques)


def _bank(request: Request) -> BankCredits:
    bank: BankCredits = request.app.state.wallet.bank
    return bank


@router.get("/statements")
@gated("GET /admin/statements", ANYONE_SIGNED_IN)
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
    principal = signed_in(request, ANYONE_SIGNED_IN)
    if principal is None:
        return to_sign_in()
    return render(
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
    return (await read_form(request)).get("statement", "")


async def _statement_file(request: Request) -> str:
    """The statement file uploaded: UTF-8 text, as POST /api/v1/admin/wallet/bank-statements takes it."""
    data = (await read_upload(request)).get("statement_file", b"")
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

    principal = await run_in_threadpool(signed_in, request, ANYONE_SIGNED_IN)
    if principal is None:
        return to_sign_in()
    statement = ""
    try:
        statement = await read(request)
        # The trail keeps the file's size and what became of it, never its lines.
        trail.note_change(request.scope, None, {"bytes": len(statement.encode())})
        await run_in_threadpool(PROPOSERS, request)
        outcome = await run_in_threadpool(step, _bank(request), statement)
    except ApiError as exc:
        request.scope[trail.NOTE_KEY] = exc.code
        problem, status, faults = problem_text(request, exc), exc.status, exc.details.get("errors", [])
        return await run_in_threadpool(
            lambda: _statements(request, problem, status, statement=statement, faults=faults)
        )
    trail.note_change(request.scope, None, {"bytes": len(statement.encode()), "counts": outcome["counts"]})
    if booking:
        return await run_in_threadpool(lambda: _statements(request, statement=statement, booked=outcome))
    return await run_in_threadpool(lambda: _statements(request, statement=statement, preview=outcome))


@router.post("/statements/preview")
@gated("POST /admin/statements/preview", PROPOSERS)
async def preview_statement(request: Request) -> Response:
    return await _statement_step(request, BankCredits.preview_statement, booking=False)


@router.post("/statements/upload")
@gated("POST /admin/statements/upload", PROPOSERS)
async def upload_statement(request: Request) -> Response:
    """A statement file uploaded: previewed exactly as a pasted one, then booked with the same Book button."""
    return await _statement_step(request, BankCredits.preview_statement, booking=False, read=_statement_file)


@router.post("/statements/book")
@gated("POST /admin/statements/book", PROPOSERS)
async def book_statement(request: Request) -> Response:
    """The same booking as POST /api/v1/admin/wallet/bank-statements: each UTR lands once."""
    return await _statement_step(request, BankCredits.import_statement, booking=True)
