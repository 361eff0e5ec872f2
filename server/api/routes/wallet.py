"""The kiosk's own wallet, as its session sees it: balance (more wallet routes join later)."""

from __future__ import annotations

from fastapi import APIRouter

from server.api.deps import CurrentKiosk, EngineDep
from server.ledger import read_kiosk_balances
from server.schemas import BalancePublic

router = APIRouter(tags=["wallet"])


@router.get("/balance")
def wallet_balance(kiosk: CurrentKiosk, engine: EngineDep) -> BalancePublic:
    with engine.connect() as conn:
        b = read_kiosk_balances(conn, kiosk.kiosk_code)
    return BalancePublic(kiosk_code=kiosk.kiosk_code, wallet_balance_paise=b.wallet,
                         credit_limit_paise=-b.credit_floor, credit_used_paise=b.credit_used,
                         spendable_paise=b.spendable)
