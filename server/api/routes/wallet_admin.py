"""Administrator wallet endpoints: bank statement import, suspense credits, the demo old portal, the scheduler."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from server.admin.errors import ProposalRequired
from server.admin.roles import DEMO_TOKEN, FINANCE, READERS, SUPPORT, AdminPrincipal
from server.api.answers import checked
from server.api.deps import EngineDep, SettingsDep, allow
from server.core.errors import ApiError
from server.core.fields import PathName
from server.kiosks import kiosk_id_by_code
from server.wallet import Wallet
from server.wallet.books import bank_credits_t
from server.wallet.schemas import (
    BankStatementPublic,
    LegacyLimitIn,
    LegacyLimitPublic,
    PayoutPagePublic,
    SchedulerRunPublic,
    SuspenseAssignedPublic,
    SuspenseAssignIn,
    SuspensePublic,
)

router = APIRouter(tags=["admin"])

BOOKS = (FINANCE, DEMO_TOKEN)


def _wallet(request: Request) -> Wallet:
    wallet: Wallet = request.app.state.wallet
    return wallet


@router.post(
    "/wallet/bank-statements",
    dependencies=[allow(*BOOKS)],
    openapi_extra={"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}},
    response_model=BankStatementPublic,
)
async def import_bank_statement(request: Request) -> Response:
    """Book a bank statement (CSV: utr, account_no, amount in rupees, …); each UTR lands once."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError("the statement must be UTF-8 text", code="statement_not_text", status=422) from exc
    bank = _wallet(request).bank
    return await run_in_threadpool(lambda: checked(BankStatementPublic, bank.import_statement(text)))


@router.get("/wallet/suspense", response_model=SuspensePublic, dependencies=[allow(*READERS)])
def suspense_credits(request: Request) -> Response:
    """Bank credits to accounts that are no kiosk's, waiting for an administrator."""
    return checked(SuspensePublic, {"credits": _wallet(request).bank.suspense()})


@router.post("/wallet/suspense/{utr}/assign", response_model=SuspenseAssignedPublic)
def assign_suspense(
    utr: PathName,
    body: SuspenseAssignIn,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    principal: Annotated[AdminPrincipal, allow(*BOOKS)],
) -> Response:
    """Credit a suspense credit to a kiosk's wallet; a credit is assigned once (409 not_in_suspense after).
    Above `suspense_approval_limit_paise` a named administrator proposes it instead (four eyes)."""
    if principal.is_person:
        with engine.connect() as conn:
            amount = conn.execute(
                select(bank_credits_t.c.amount_paise).where(bank_credits_t.c.utr == utr.upper())
            ).scalar_one_or_none()
        if amount is not None and amount > settings.suspense_approval_limit_paise:
            raise ProposalRequired(
                "this credit is above the limit for one administrator: propose it (kind suspense_assign)",
                limit_paise=settings.suspense_approval_limit_paise,
            )
    return checked(SuspenseAssignedPublic, _wallet(request).bank.assign(utr, body.kiosk_code))


@router.get("/wallet/kiosks/{kiosk_code}/payout", response_model=PayoutPagePublic, dependencies=[allow(*READERS)])
def kiosk_credit(kiosk_code: PathName, request: Request, engine: EngineDep) -> Response:
    """A kiosk's outstanding, due dates and interest, and its payout orders still waiting for the bank
    (`open_orders`, newest first), as its Fund Payout page shows them."""
    with engine.connect() as conn:
        kiosk_id = kiosk_id_by_code(conn, kiosk_code)
    wallet = _wallet(request)
    return checked(
        PayoutPagePublic,
        {**wallet.credit.view(kiosk_id, kiosk_code), "open_orders": wallet.refills.open_orders(kiosk_id, "payout")},
    )


@router.put("/wallet/legacy-portal/{old_emitra_id}", dependencies=[allow(SUPPORT, DEMO_TOKEN)])
def set_legacy_limit(
    old_emitra_id: PathName, body: LegacyLimitIn, request: Request, engine: EngineDep, settings: SettingsDep
) -> LegacyLimitPublic:
    """Demo and training only: the simulated old portal's limit for an old eMitra ID, and a CUG code for it."""
    if settings.mode != "demo":
        raise ApiError("the old portal is simulated only on a demo server", code="demo_only", status=403)
    code = body.cug_code.upper()
    with engine.begin() as conn:
        _wallet(request).legacy_portal.set_limit(conn, old_emitra_id, body.limit_paise, body.admin_name, code)
    return LegacyLimitPublic(old_emitra_id=old_emitra_id, limit_paise=body.limit_paise, cug_code=code)


@router.post("/wallet/scheduler/run", dependencies=[allow(SUPPORT, FINANCE, DEMO_TOKEN)])
def run_scheduler(request: Request) -> SchedulerRunPublic:
    """Do the scheduler's due work now (credits due legacy transfers, expires abandoned orders)."""
    return SchedulerRunPublic(done=_wallet(request).scheduler.tick())
