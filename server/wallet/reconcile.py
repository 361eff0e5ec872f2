""" "Reconcile Finance Transaction": a day's payments, failed and pending first, and Verify for each.

Verify asks the department for the final status of every unfinished bill of a payment:
- the department knows the payment → its answer decides (success → confirmed; failed → reversed once);
- it does not know it and the payment is younger than `reconcile_unknown_after_minutes` → the bill is
  sent again under the same reference (the department is idempotent on it, so this can never pay twice);
- it does not know it and the payment is older → the bill is failed and the money reversed to the kiosk
  (deemed failed; it is never sent again, so it cannot be paid later behind our back).
`Payments.fail_bill` makes the reversal happen once however many Verify calls race; Verify twice = once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from server.auth.clock import aware
from server.billers import BillerError
from server.core.errors import NotFound
from server.payments import UNFINISHED, Payments
from server.wallet.books import bills_t, payments_t
from server.wallet.calendar import day_start_utc

log = logging.getLogger("emitra.wallet")

ORDER = {"failed": 0, "initiated": 1, "pending": 1, "partial": 2, "success": 3}


class Reconcile:
    def __init__(self, engine: Engine, payments: Payments, now: Callable[[], datetime], unknown_after_minutes: int):
        self.engine = engine
        self.payments = payments
        self.now = now
        self.unknown_after = timedelta(minutes=unknown_after_minutes)

    def report(self, kiosk_id: int, day: date) -> dict[str, Any]:
        lo, hi = day_start_utc(day), day_start_utc(day + timedelta(days=1))
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(payments_t.c.id, payments_t.c.status, payments_t.c.created_at).where(
                    payments_t.c.kiosk_id == kiosk_id, payments_t.c.created_at >= lo, payments_t.c.created_at < hi
                )
            ).all()
        rows = sorted(rows, key=lambda r: (ORDER.get(r.status, 1), aware(r.created_at), r.id))
        items = [self._item(self.payments.view(r.id)) for r in rows]
        counts: dict[str, int] = {}
        for item in items:
            counts[item["status"]] = counts.get(item["status"], 0) + 1
        return {"date": day.isoformat(), "counts": counts, "payments": items}

    def _item(self, view: dict[str, Any]) -> dict[str, Any]:
        unfinished = view["status"] in UNFINISHED
        return {**view, "verify_needed": unfinished or view["status"] == "partial", "can_verify": True}

    def verify(self, kiosk_id: int, payment_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            payment = conn.execute(
                select(payments_t.c.id, payments_t.c.created_at).where(
                    payments_t.c.id == payment_id, payments_t.c.kiosk_id == kiosk_id
                )
            ).first()
            if payment is None:
                raise NotFound("no such payment at this kiosk", code="unknown_payment", field="payment_id")
            unfinished = conn.execute(
                select(bills_t.c.id, bills_t.c.biller, bills_t.c.reference).where(
                    bills_t.c.payment_id == payment_id, bills_t.c.status.in_(UNFINISHED)
                )
            ).all()
        decided = []
        old = self.now() - aware(payment.created_at) >= self.unknown_after
        for bill in unfinished:
            try:
                known = self.payments.billers[bill.biller].status(bill.reference)
            except BillerError as exc:  # no answer is not "no record": nothing can be decided yet
                log.warning("status of %s unknown: %s", bill.reference, exc.message)
                continue
            if known is None and old:
                minutes = int(self.unknown_after.total_seconds() // 60)
                self.payments.fail_bill(
                    payment_id,
                    bill.id,
                    f"the department has no record of this payment after {minutes} minutes; amount reversed",
                )
                decided.append(bill.reference)
        if unfinished:
            self.payments.resolve(payment_id)  # asks again (idempotent) whatever is still unfinished
        view = self.payments.view(payment_id)
        outcome = {
            "success": "confirmed",
            "failed": "reversed",
            "partial": "partly_reversed",
        }.get(view["status"], "still_pending")
        return {"result": outcome, "deemed_failed": decided, "payment": view}
