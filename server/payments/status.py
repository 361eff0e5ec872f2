"""The statuses of a payment and its bills, and the payment's status rolled up from its bills'."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, select

from server.core.sql import BulkUpdate, chunks, one_of, sql_time
from server.models import Payment, PaymentBill
from server.models.base import table_of, utcnow

payments_t = table_of(Payment)
bills_t = table_of(PaymentBill)


class PaymentStatus(StrEnum):
    """`payments.status` (rolled up from its bills', `rolled_up`) and `payment_bills.status`, the one status of
    the contract (openapi.json) that the client's types are generated from. A bill is pending until its
    department's definite answer, then success or failed; it is never partial (docs/WALLET.md). "initiated"
    was written by the first version of the server; a bill of today starts pending."""

    INITIATED = "initiated"
    PENDING = "pending"
    SUCCESS = "success"
    FAILED = "failed"
    PARTIAL = "partial"


# Bills the department's answer (or its settlement file) still decides: a resend goes out for these, and only
# these may become success or failed. Written into SQL text too (`AWAITING_ANSWER_SQL`).
AWAITING_ANSWER: tuple[PaymentStatus, ...] = (PaymentStatus.INITIATED, PaymentStatus.PENDING)
AWAITING_ANSWER_SQL = "(" + ", ".join(f"'{s.value}'" for s in AWAITING_ANSWER) + ")"

# Payments whose outcome nobody knows yet: some bill still waits for its department.
OUTCOME_UNKNOWN: tuple[PaymentStatus, ...] = (PaymentStatus.INITIATED, PaymentStatus.PENDING)


def rolled_up(statuses: Sequence[str]) -> PaymentStatus:
    """A payment's status from its bills': any awaiting → pending, all success → success, all failed → failed,
    else partial."""
    if any(s in AWAITING_ANSWER for s in statuses):
        return PaymentStatus.PENDING
    if all(s == PaymentStatus.SUCCESS for s in statuses):
        return PaymentStatus.SUCCESS
    if all(s == PaymentStatus.FAILED for s in statuses):
        return PaymentStatus.FAILED
    return PaymentStatus.PARTIAL


_SET_STATUSES = BulkUpdate(payments_t, ("status", "failure_reason", "updated_at"))


def refresh_statuses(conn: Connection, payment_ids: Iterable[int]) -> None:
    """The payments' statuses from their bills', written in the transaction that changed a bill.

    The payments' rows are locked first (PostgreSQL; SQLite has one writer anyway): two transactions that
    each changed one bill of a multi-bill payment then read each other's change, not both "pending".
    """
    ids = list(payment_ids)
    postgres = conn.dialect.name == "postgresql"
    lock, read = _statements(postgres)
    bills: dict[int, list[Any]] = defaultdict(list)
    for part in chunks(ids):
        conn.execute(lock, {"ids": list(part)}).all()
        for r in conn.execute(read, {"ids": list(part)}):
            bills[r.payment_id].append(r)
    now = sql_time(utcnow(), postgres)
    rows = []
    for payment_id in ids:
        reasons = "; ".join(b.failure_reason for b in bills[payment_id] if b.failure_reason is not None)
        rows.append(
            {
                "id": payment_id,
                "status": rolled_up([b.status for b in bills[payment_id]]).value,
                "failure_reason": reasons[:300] or None,
                "updated_at": now,
            }
        )
    _SET_STATUSES.run(conn, rows)


_BUILT: dict[bool, tuple[Any, Any]] = {}


def _statements(postgres: bool) -> tuple[Any, Any]:
    """Built once per backend: SQLAlchemy memoizes a statement's cache key on the statement object."""
    found = _BUILT.get(postgres)
    if found is None:
        lock = (
            select(payments_t.c.id)
            .where(one_of(payments_t.c.id, "ids", postgres=postgres))
            .order_by(payments_t.c.id)
            .with_for_update()
        )
        read = (
            select(bills_t.c.payment_id, bills_t.c.status, bills_t.c.failure_reason)
            .where(one_of(bills_t.c.payment_id, "ids", postgres=postgres))
            .order_by(bills_t.c.payment_id, bills_t.c.id)
        )
        found = _BUILT[postgres] = (lock, read)
    return found
