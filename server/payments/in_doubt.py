"""Payments in doubt: some bill still awaits its department's definite answer (the back office's reconcile desk)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from server.payments.status import OUTCOME_UNKNOWN, payments_t


def payments_in_doubt(engine: Engine, limit: int = 200) -> list[int]:
    """The ids of every kiosk's payments whose outcome nobody knows yet, oldest first."""
    query = select(payments_t.c.id).where(payments_t.c.status.in_(OUTCOME_UNKNOWN)).order_by(payments_t.c.id)
    with engine.connect() as conn:
        return [int(i) for i in conn.execute(query.limit(limit)).scalars()]
