"""A kiosk's own receipts, found again for a reprint: the session's kiosk only, never one named in the request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import exists, select

from rules.day import IST
from server.core.errors import NotFound, Unprocessable
from server.payments import Payments
from server.payments.status import bills_t, payments_t

SEARCH_LIMIT = 20  # the newest matches; a narrower key finds an older one


class ReceiptNotFound(NotFound):
    code = "receipt_not_found"


class SearchKeyRequired(Unprocessable):
    code = "search_key_required"


@dataclass(frozen=True)
class SearchKey:
    """What the operator typed: any one of them (several narrow the search)."""

    receipt_no: str | None = None
    consumer_no: str | None = None
    mobile: str | None = None
    day: date | None = None

    @property
    def empty(self) -> bool:
        return not (self.receipt_no or self.consumer_no or self.mobile or self.day)


def find_receipts(payments: Payments, kiosk_id: int, key: SearchKey) -> list[dict[str, Any]]:
    """The kiosk's payments that carry a receipt number and match `key`, newest first (ReceiptNotFound if none)."""
    if key.empty:
        raise SearchKeyRequired(
            "give a receipt number, a consumer number, a mobile number or a date", field="receipt_no"
        )
    query = select(payments_t.c.id).where(payments_t.c.kiosk_id == kiosk_id, payments_t.c.receipt_no.is_not(None))
    if key.receipt_no:
        query = query.where(payments_t.c.receipt_no == key.receipt_no.strip().upper())
    if key.mobile:
        query = query.where(payments_t.c.contact_mobile == key.mobile)
    if key.consumer_no:
        query = query.where(
            exists().where(bills_t.c.payment_id == payments_t.c.id, bills_t.c.consumer_no == key.consumer_no.strip())
        )
    if key.day:
        start = datetime.combine(key.day, time(), IST)
        query = query.where(payments_t.c.created_at >= start, payments_t.c.created_at < start + timedelta(days=1))
    with payments.reads.connect() as conn:
        ids = [int(r[0]) for r in conn.execute(query.order_by(payments_t.c.id.desc()).limit(SEARCH_LIMIT))]
    if not ids:
        raise ReceiptNotFound("no receipt of this kiosk matches", field=_field_of(key))
    return payments.viewer.views(ids)


def _field_of(key: SearchKey) -> str:
    if key.receipt_no:
        return "receipt_no"
    if key.consumer_no:
        return "consumer_no"
    return "mobile" if key.mobile else "date"
