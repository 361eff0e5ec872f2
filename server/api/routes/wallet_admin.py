"""Administrator wallet endpoints: bank statement import, suspense credits, the demo old portal, the scheduler."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from server.api.deps import AdminDep, EngineDep, SettingsDep
from server.core.errors import ApiError
from server.core.fields import PathName
from server.kiosks import kiosk_id_by_code
from server.wallet import Wallet
from server.wallet.schemas import LegacyLimitIn, SuspenseAssignIn

router = APIRouter(tags=["admin"], dependencies=[AdminDep])


def _wallet(request: Request) -> Wallet:
    wallet: Wallet = request.app.state.wallet
    return wallet


@router.post(
    "/wallet/bank-statements",
    openapi_extra={"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def import_bank_statement(request: Request) -> dict[str, Any]:
    """Book a bank statement (CSV: utr, account_no, amount in rupees, …); each UTR lands once."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError("the statement must be UTF-8 text", code="statement_not_text", status=422) from exc
    result: dict[str, Any] = await run_in_threadpool(_wallet(request).bank.import_statement, text)
    return result


@router.get("/wallet/suspense")
def suspense_credits(request: Request) -> dict[str, Any]:
    """Bank credits to accounts that are no kiosk's, waiting for an administrator."""
    return {"credits": _wallet(request).bank.suspense()}


@router.post("/wallet/suspense/{utr}/assign")
def assign_suspense(utr: PathName, body: SuspenseAssignIn, request: Request) -> dict[str, Any]:
    """Credit a suspense credit to a kiosk's wallet; a credit is assigned once (409 not_in_suspense after)."""
    return _wallet(request).bank.assign(utr, body.kiosk_code)


@router.get("/wallet/kiosks/{kiosk_code}/payout")
def kiosk_credit(kiosk_code: PathName, request: Request, engine: EngineDep) -> dict[str, Any]:
    """A kiosk's outstanding, due dates and interest, and its payout orders still waiting for the bank
    (`open_orders`, newest first), as its Fund Payout page shows them."""
    with engine.connect() as conn:
        kiosk_id = kiosk_id_by_code(conn, kiosk_code)
    wallet = _wallet(request)
    return {**wallet.credit.view(kiosk_id, kiosk_code), "open_orders": wallet.refills.open_orders(kiosk_id, "payout")}


@router.put("/wallet/legacy-portal/{old_emitra_id}")
def set_legacy_limit(
    old_emitra_id: PathName, body: LegacyLimitIn, request: Request, engine: EngineDep, settings: SettingsDep
) -> dict[str, Any]:
    """Demo and training only: the simulated old portal's limit for an old eMitra ID, and a CUG code for it."""
    if settings.mode != "demo":
        raise ApiError("the old portal is simulated only on a demo server", code="demo_only", status=403)
    code = body.cug_code.upper()
    with engine.begin() as conn:
        _wallet(request).legacy_portal.set_limit(conn, old_emitra_id, body.limit_paise, body.admin_name, code)
    return {"old_emitra_id": old_emitra_id, "limit_paise": body.limit_paise, "cug_code": code}


@router.post("/wallet/scheduler/run")
def run_scheduler(request: Request) -> dict[str, Any]:
    """Do the scheduler's due work now (credits due legacy transfers, expires abandoned orders)."""
    return {"done": _wallet(request).scheduler.tick()}
