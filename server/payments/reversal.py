"""A bill the department declined: failed, and its money back to the kiosk, exactly once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update

from server.ledger import ACCOUNTS, LedgerTx, OperationRequest, biller_code, in_transaction
from server.models import Kiosk
from server.models.base import table_of
from server.payments.status import AWAITING_ANSWER, PaymentStatus, bills_t, payments_t, refresh_statuses

kiosks_t = table_of(Kiosk)


@dataclass(frozen=True)
class LastSent:
    """When a bill was last sent again, as read (None: never, only when it was written)."""

    at: datetime | None


def fail_bill(
    engine: Engine, payment_id: int, bill_id: int, reason: str, *, not_sent_since: LastSent | None = None
) -> None:
    """Mark one bill failed and give its money back, exactly once however often this is called.

    The state change and the reversal entry (operation id `reversal-<reference>`) share one transaction.
    `not_sent_since` (the bill's last_sent_at as the caller read it): only if the bill was not sent again
    since — a resend claims the bill first (`Answers.mark_sent`), so a resend and this never cross.
    """

    def work(tx: LedgerTx) -> None:
        conn = tx.conn
        claim = update(bills_t).where(bills_t.c.id == bill_id, bills_t.c.status.in_(AWAITING_ANSWER))
        if not_sent_since is not None:
            at = not_sent_since.at
            claim = claim.where(bills_t.c.last_sent_at.is_(None) if at is None else bills_t.c.last_sent_at == at)
        changed = conn.execute(
            claim.values(status=PaymentStatus.FAILED.value, failure_reason=reason[:300], live_key=None)
        ).rowcount
        if changed != 1:
            return  # another caller failed it, in a transaction that also reversed it
        refresh_statuses(conn, [payment_id])
        payment = conn.execute(select(payments_t).where(payments_t.c.id == payment_id)).one()
        if payment.method != "wallet":
            return
        bill = conn.execute(select(bills_t).where(bills_t.c.id == bill_id)).one()
        kiosk_code = conn.execute(select(kiosks_t.c.code).where(kiosks_t.c.id == payment.kiosk_id)).scalar_one()
        op = OperationRequest("system", f"reversal-{bill.reference}", "reversal", {"bill": bill.reference})
        tx.run(op, _reverse(payment, bill, kiosk_code))

    in_transaction(engine, work)


def _reverse(payment: Any, bill: Any, kiosk_code: str) -> Callable[[LedgerTx, int], dict[str, Any]]:
    """The reversal entry: the bill's amount back from the department, to the credit line first as far as
    the debit took it from there (and it is still drawn), the rest to the wallet."""

    def reverse(tx: LedgerTx, op_pk: int) -> dict[str, Any]:
        before = tx.lock_kiosk(kiosk_code)
        to_credit_already = min(payment.reversed_paise, payment.from_credit_paise)
        to_credit = max(0, min(bill.amount_paise, payment.from_credit_paise - to_credit_already, before.credit_used))
        to_wallet = bill.amount_paise - to_credit
        settlement = ACCOUNTS.get(tx.conn, biller_code(bill.biller)).id
        entry_id = tx.post_entry(
            op_pk,
            "reversal",
            [(before.wallet_id, to_wallet), (before.credit_id, to_credit), (settlement, -bill.amount_paise)],
            memo=f"reversal of {bill.reference}",
            reverses_entry_id=payment.debit_entry_id,
        )
        tx.conn.execute(update(bills_t).where(bills_t.c.id == bill.id).values(reversal_entry_id=entry_id))
        tx.conn.execute(
            update(payments_t)
            .where(payments_t.c.id == payment.id)
            .values(reversed_paise=payments_t.c.reversed_paise + bill.amount_paise)
        )
        return {"entry_id": entry_id}

    return reverse
