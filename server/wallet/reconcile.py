""" "Reconcile Finance Transaction": a day's payments, failed and pending first, and Verify for each.

Verify asks the department again, under the same reference, for every unfinished bill of a payment
(the department answers a reference the same way every time, so this can never pay twice):
- it paid it → confirmed;
- it declined it (now or before) → the bill fails and its money goes back to the kiosk, once;
- no answer (down, slow, lost) → the bill stays pending, shown as such, and is asked again later — the
  clock alone never fails a bill (a department that recorded it while we gave the money back would hold
  a paid bill we refunded).
`Payments.fail_bill` makes the reversal happen once however many Verify calls race; Verify twice = once.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, select

from server.auth.clock import aware
from server.core.errors import NotFound
from server.payments import Payments
from server.payments.status import OUTCOME_UNKNOWN, PaymentStatus
from server.wallet.books import payments_t
from server.wallet.calendar import day_start_utc

ORDER = {"failed": 0, "initiated": 1, "pending": 1, "partial": 2, "success": 3}


class Reconcile:
    def __init__(self, engine: Engine, payments: Payments) -> None:
        self.engine = engine
        self.payments = payments

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
        verify_needed = view["status"] in OUTCOME_UNKNOWN or view["status"] == PaymentStatus.PARTIAL
        return {**view, "verify_needed": verify_needed, "can_verify": True}

    def verify(self, kiosk_id: int, payment_id: int) -> dict[str, Any]:
        """Ask the departments again for the unfinished bills of a payment; their answers decide.

        Nothing is decided here by the clock: a bill the department has not answered stays pending (and
        says so), however old, until the department answers or its settlement file settles it.
        """
        with self.engine.connect() as conn:
            payment = conn.execute(
                select(payments_t.c.id, payments_t.c.created_at).where(
                    payments_t.c.id == payment_id, payments_t.c.kiosk_id == kiosk_id
                )
            ).first()
            if payment is None:
                raise NotFound("no such payment at this kiosk", code="unknown_payment", field="payment_id")
        self.payments.resolve(payment_id)  # the same reference again: the department is idempotent on it
        view = self.payments.view(payment_id)
        outcome = {
            "success": "confirmed",
            "failed": "reversed",
            "partial": "partly_reversed",
        }.get(view["status"], "still_pending")
        return {"result": outcome, "deemed_failed": [], "payment": view}
