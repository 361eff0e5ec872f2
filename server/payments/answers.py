"""The departments' answers: send a kiosk's bills, and move each bill from pending to success or failed.

The departments are called after the payment's commit, outside any database transaction. Each department
is asked once for all the bills it holds among the payments sent together (one payment is a batch of one);
its answer for a reference decides that bill, and a bill with no answer stays pending, asked again later.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select, update

from server.billers import Biller, BillerError, BillerPayment, BillerTimeout
from server.catalog import Catalog
from server.core.sql import BulkUpdate, one_of
from server.ledger import LedgerTx, OperationRequest, credit_kiosk, in_transaction
from server.models.base import utcnow
from server.payments.post import MICRO_ATM, kiosks_t
from server.payments.reversal import LastSent, fail_bill
from server.payments.status import (
    AWAITING_ANSWER,
    AWAITING_ANSWER_SQL,
    PaymentStatus,
    bills_t,
    payments_t,
    refresh_statuses,
)

log = logging.getLogger("emitra.payments")

MICRO_ATM_CLEARING = "clearing:bank"


class Answers:
    """Sending bills to their departments and booking what they answer."""

    def __init__(self, engine: Engine, reads: Engine, catalog: Catalog, billers: dict[str, Biller]) -> None:
        self.engine = engine
        self.reads = reads
        self.catalog = catalog
        self.billers = billers

    def send(self, payment_ids: Sequence[int], resent: Sequence[int]) -> None:
        """Ask each department once for every awaiting bill of these payments; write the answers.

        `resent`: payments written before this request (replays, status queries, Verify), whose bills go
        out again: they are claimed first (`mark_sent`), and a bill failed meanwhile is not sent.
        """
        if not payment_ids:
            return
        with self.reads.connect() as conn:
            postgres = conn.dialect.name == "postgresql"
            bills = list(conn.execute(_awaiting(postgres), {"ids": list(payment_ids)}))
        again = set(resent)
        claimed = self.mark_sent([b.id for b in bills if b.payment_id in again])
        bills = [b for b in bills if b.payment_id not in again or b.id in claimed]
        by_biller: dict[str, list[Any]] = defaultdict(list)
        for bill in bills:
            by_biller[bill.biller].append(bill)
        successes: list[tuple[Any, BillerPayment]] = []
        for code, group in by_biller.items():
            answers = self.billers[code].pay_answers(
                [
                    (self.catalog.services[b.service_code], b.reference, b.consumer_no, b.bill_no, b.amount_paise)
                    for b in group
                ]
            )
            for bill in group:
                answer = answers.get(bill.reference)
                claim = self.catalog.services[bill.service_code].kind == "micro_atm"  # credited on its own
                if answer is None or isinstance(answer, BillerTimeout):
                    log.warning(
                        "payment %s bill %s: no answer from %s — stays pending", bill.payment_id, bill.reference, code
                    )
                elif isinstance(answer, BillerPayment) and answer.status == "success" and not claim:
                    successes.append((bill, answer))  # written together below
                else:
                    self._settle(bill, answer)
        if successes:

            def work(tx: LedgerTx) -> None:
                _succeeded(tx, [(bill.id, answer.biller_ref, answer.approval_no) for bill, answer in successes])
                refresh_statuses(tx.conn, sorted({bill.payment_id for bill, _ in successes}))

            in_transaction(self.engine, work)

    def resolve(self, payment_id: int) -> None:
        """Drive a payment's awaiting bills to an end: the department is asked again (it is idempotent on our
        reference)."""
        self.send([payment_id], resent=[payment_id])

    def mark_sent(self, bill_ids: list[int]) -> set[int]:
        """Claim bills about to be sent again: only those still awaiting, stamped with the time, which bounds
        the days on which the department can have recorded them (server/payments/settlement.py)."""
        if not bill_ids:
            return set()
        with self.engine.begin() as conn:
            found = conn.execute(
                update(bills_t)
                .where(bills_t.c.id.in_(bill_ids), bills_t.c.status.in_(AWAITING_ANSWER))
                .values(last_sent_at=utcnow())
                .returning(bills_t.c.id)
            )
            return {int(i) for i in found.scalars()}

    def _settle(self, bill: Any, answer: BillerPayment | BillerError) -> None:
        if isinstance(answer, BillerError):  # declined, or a refusal: the department's definite "no"
            self.fail_bill(bill.payment_id, bill.id, answer.message)
        elif answer.status == "success":
            self.confirm_bill(bill.payment_id, bill.id, answer.biller_ref, answer.approval_no)
        else:
            self.fail_bill(bill.payment_id, bill.id, "the department reports the payment failed")

    def confirm_bill(self, payment_id: int, bill_id: int, biller_ref: str, approval_no: str = "") -> None:
        """The department paid this bill (its answer, or its settlement file): success, once, with its reference
        and (where its answer gave one) its approval number.

        A micro-ATM claim confirmed by the acquirer is credited to the kiosk's wallet in the same transaction
        (operation id `microatm-<reference>`): the cash the kiosk paid out comes back exactly once.
        """

        def work(tx: LedgerTx) -> int:
            conn = tx.conn
            changed = _succeeded(tx, [(bill_id, biller_ref, approval_no)])
            refresh_statuses(conn, [payment_id])
            payment = conn.execute(
                select(payments_t.c.method, payments_t.c.kiosk_id).where(payments_t.c.id == payment_id)
            ).one()
            if changed and payment.method == MICRO_ATM:
                bill = conn.execute(select(bills_t).where(bills_t.c.id == bill_id)).one()
                kiosk_code = conn.execute(select(kiosks_t.c.code).where(kiosks_t.c.id == payment.kiosk_id)).scalar_one()
                op = OperationRequest(
                    "system", f"microatm-{bill.reference}", "micro_atm_credit", {"rrn": bill.consumer_no}
                )
                tx.run(
                    op,
                    lambda tx, pk: credit_kiosk(
                        tx,
                        pk,
                        kiosk_code,
                        bill.amount_paise,
                        MICRO_ATM_CLEARING,
                        "micro_atm_entry",
                        f"micro-ATM withdrawal RRN {bill.consumer_no}, confirmed by the bank",
                    ),
                )
            return changed

        changed = in_transaction(self.engine, work)
        if not changed and self._bill_status(bill_id) == PaymentStatus.FAILED:
            # We reverse only on the department's own "failed", so this is the department contradicting
            # itself: nothing is booked here; its settlement file lists it for an administrator.
            log.error("the department reports bill %s of payment %s paid after it failed it", bill_id, payment_id)

    def fail_bill(self, payment_id: int, bill_id: int, reason: str, *, not_sent_since: LastSent | None = None) -> None:
        """See `server.payments.reversal.fail_bill`."""
        fail_bill(self.engine, payment_id, bill_id, reason, not_sent_since=not_sent_since)

    def _bill_status(self, bill_id: int) -> str:
        with self.reads.connect() as conn:
            return str(conn.execute(select(bills_t.c.status).where(bills_t.c.id == bill_id)).scalar_one())


# The one way a bill succeeds: only from awaiting, with the department's reference and approval number.
_SUCCEEDED = BulkUpdate(
    bills_t, ("status", "biller_ref", "approval_no"), where=f"payment_bills.status IN {AWAITING_ANSWER_SQL}"
)


def _succeeded(tx: LedgerTx, bills: Sequence[tuple[int, str, str]]) -> int:
    """Bills the department paid (id, its reference, its approval number or ""); how many of them changed."""
    return _SUCCEEDED.run(
        tx,
        [
            {"id": i, "status": PaymentStatus.SUCCESS.value, "biller_ref": ref, "approval_no": approval or None}
            for i, ref, approval in bills
        ],
    )


_AWAITING: dict[bool, Any] = {}


def _awaiting(postgres: bool) -> Any:
    """The awaiting bills of some payments (built once per backend: SQLAlchemy caches by statement object)."""
    found = _AWAITING.get(postgres)
    if found is None:
        found = _AWAITING[postgres] = (
            select(bills_t)
            .where(one_of(bills_t.c.payment_id, "ids", postgres=postgres), bills_t.c.status.in_(AWAITING_ANSWER))
            .order_by(bills_t.c.payment_id, bills_t.c.position)
        )
    return found
