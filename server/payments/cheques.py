"""Departmental cheques: a cheque payment moves no wallet money; an administrator clears or bounces it once."""

from __future__ import annotations

from sqlalchemy import Engine, select, update

from server.core.errors import Conflict, NotFound
from server.models.base import utcnow
from server.payments.status import payments_t


def set_cheque_status(engine: Engine, txn_id: str, status: str) -> int:
    """Clear or bounce the cheque of payment `txn_id`, once; returns the payment's id."""
    with engine.begin() as conn:
        payment_id = conn.execute(
            select(payments_t.c.id).where(payments_t.c.txn_id == txn_id, payments_t.c.method == "cheque")
        ).scalar()
        if payment_id is None:
            raise NotFound("no cheque payment with this transaction id", code="unknown_cheque_payment")
        changed = conn.execute(
            update(payments_t)
            .where(payments_t.c.id == payment_id, payments_t.c.cheque_status == "received")
            .values(cheque_status=status, updated_at=utcnow())
        ).rowcount
        if not changed:
            raise Conflict("this cheque was already cleared or bounced", code="cheque_already_settled")
    return int(payment_id)
