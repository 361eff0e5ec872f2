"""Table handles, kiosk lookups and small shared shapes of the wallet channels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from server.auth.clock import aware
from server.core.errors import ApiError
from server.models import (
    BankCredit,
    CreditPayout,
    Kiosk,
    LegacyTransfer,
    Payment,
    PaymentBill,
    RefillOrder,
    SimLegacyCode,
    SimLegacyLimit,
)
from server.models.base import table_of

kiosks_t = table_of(Kiosk)
orders_t = table_of(RefillOrder)
transfers_t = table_of(LegacyTransfer)
bank_credits_t = table_of(BankCredit)
payouts_t = table_of(CreditPayout)
payments_t = table_of(Payment)
bills_t = table_of(PaymentBill)
sim_limits_t = table_of(SimLegacyLimit)
sim_codes_t = table_of(SimLegacyCode)

SYSTEM_SCOPE = "system"


class InvalidInput(ApiError):
    status = 422
    code = "invalid_field"


def kiosk_scope(kiosk_code: str) -> str:
    """Operation-id scope of a kiosk's own requests (the same one payments use)."""
    return f"kiosk:{kiosk_code}"


def kiosk_code_of(conn: Connection, kiosk_id: int) -> str:
    return str(conn.execute(select(kiosks_t.c.code).where(kiosks_t.c.id == kiosk_id)).scalar_one())


def iso(value: datetime | None) -> str | None:
    return aware(value).isoformat() if value is not None else None


def rupees(paise: int) -> str:
    """Plain rupees with two decimals for files (CSV); screens format with Indian grouping themselves."""
    sign = "-" if paise < 0 else ""
    return f"{sign}{abs(paise) // 100}.{abs(paise) % 100:02d}"
