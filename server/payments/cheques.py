"""Departmental cheques: a cheque payment moves no wallet money; an administrator clears or bounces it once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, update

from server.core.errors import Conflict, NotFound
from server.kiosks import kiosks_t
from server.models.base import utcnow
from server.payments.status import payments_t


def cheques_received(engine: Engine, limit: int = 200) -> list[dict[str, Any]]:
    """Cheques still awaiting clearing (status received), oldest first: the finance desk's list."""
    query = (
        select(
            payments_t.c.txn_id,
            kiosks_t.c.code.label("kiosk_code"),
            payments_t.c.cheque_no,
            payments_t.c.cheque_bank,
            payments_t.c.cheque_date,
            payments_t.c.total_paise,
            payments_t.c.created_at,
        )
        .join(kiosks_t, kiosks_t.c.id == payments_t.c.kiosk_id)
        .where(payments_t.c.method == "cheque", payments_t.c.cheque_status == "received")
        .order_by(payments_t.c.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [
            {
                "txn_id": r.txn_id,
                "kiosk_code": r.kiosk_code,
                "cheque_no": r.cheque_no,
                "cheque_bank": r.cheque_bank,
                "cheque_date": r.cheque_date.isoformat() if r.cheque_date else None,
                "amount_paise": int(r.total_paise),
            }
            for r in conn.execute(query)
        ]


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
