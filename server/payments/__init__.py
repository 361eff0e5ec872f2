"""Bill payments: Get Bill Details, Add Bill For Payment, pay by wallet or departmental cheque.

One path for one payment and a day-end batch: a single payment is a batch of one. The modules, by job:

- `validate`: every check before money moves (contact, cheque, fields, amounts, the departments' bills);
- `post`: the ledger transaction (operation ids, debits, payments, bills; one live payment per bill);
- `answers`: the departments are asked after that commit, outside any transaction; their answers move
  each bill from pending to success, or to failed with its reversal (`reversal`), exactly once;
- `status`: the statuses and the payment's status rolled up from its bills';
- `views`: a payment as its receipt shows it; `cheques`: clearing and bouncing a departmental cheque.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from server.billers import Bill, Biller
from server.catalog import Catalog, Service
from server.core.db import reader
from server.core.errors import ApiError
from server.ledger import OperationIdReused, OperationRequest
from server.models import Kiosk
from server.models.base import table_of
from server.payments.answers import Answers
from server.payments.cheques import cheques_received, set_cheque_status
from server.payments.post import MICRO_ATM, Item, Posted, live_key, post_payments
from server.payments.reversal import LastSent
from server.payments.status import bills_t, payments_t
from server.payments.validate import (
    BillRequest,
    Checks,
    InvalidField,
    PayRequest,
    PricedBill,
)
from server.payments.verification import ReceiptKeys
from server.payments.views import Views

__all__ = [
    "MICRO_ATM",
    "BillRequest",
    "InvalidField",
    "LastSent",
    "PayRequest",
    "Payments",
    "bills_t",
    "live_key",
    "load_kiosk_id",
    "payments_t",
]

kiosks_t = table_of(Kiosk)


class Payments:
    """The payments of the kiosks: what the routes, Reconcile and the settlement files call."""

    def __init__(
        self,
        engine: Engine,
        catalog: Catalog,
        now: Callable[[], datetime],
        billers: dict[str, Biller],
        receipt_keys: ReceiptKeys | None = None,
    ) -> None:
        self.engine = engine
        self.reads = reader(engine)  # reads without a transaction of their own (PostgreSQL)
        self.catalog = catalog
        self.now = now
        self.billers = billers  # the departments (server.billers.departments): the only way to reach one
        self.checks = Checks(catalog, billers, now)
        self.answers = Answers(engine, self.reads, catalog, billers)
        self.viewer = Views(self.reads, catalog, now, receipt_keys)

    # -- Get Bill Details -------------------------------------------------------------------------------
    def fetch(self, service_code: str, values: dict[str, str]) -> tuple[Service, str, dict[str, str], Bill]:
        return self.checks.fetch(service_code, values)

    def bill_public(self, service: Service, bill: Bill) -> dict[str, Any]:
        return self.viewer.bill_public(service, bill)

    def by_receipt_no(self, receipt_no: str) -> dict[str, Any] | None:
        return self.viewer.by_receipt_no(receipt_no)

    # -- Pay --------------------------------------------------------------------------------------------
    def pay(self, kiosk_id: int, kiosk_code: str, request: PayRequest) -> dict[str, Any]:
        """One payment: its view, or its refusal raised (4xx)."""
        (outcome,) = self.pay_many(kiosk_id, kiosk_code, [request])
        if isinstance(outcome, ApiError):
            raise outcome
        return self.view(outcome.payment_id)

    def pay_batch(self, kiosk_id: int, kiosk_code: str, requests: list[PayRequest]) -> list[dict[str, Any]]:
        """Day-end sync: answers in order, {"result": "done", "payment": …} or {"result": "refused",
        "status_code", "error"} — a refusal leaves the other items."""
        outcomes = self.pay_many(kiosk_id, kiosk_code, requests)
        ids = list(dict.fromkeys(o.payment_id for o in outcomes if isinstance(o, Posted)))
        views = dict(zip(ids, self.views(ids), strict=True))
        return [
            {"result": "done", "payment": views[o.payment_id]} if isinstance(o, Posted) else _refused(o)
            for o in outcomes
        ]

    def pay_many(self, kiosk_id: int, kiosk_code: str, requests: list[PayRequest]) -> list[Posted | ApiError]:
        """Many payments of one kiosk at the cost of a few transactions, not a few per item.

        Each item keeps its guarantees: its operation id is recognised before anything else (same body → the
        first payment, another → 409), it is refused alone, and its bills are paid at most once. The items are
        checked together (each department asked once), posted in one ledger transaction, and sent together
        (each department asked once); a replay's bills are sent again.
        """
        scope = f"kiosk:{kiosk_code}"
        ops = [OperationRequest(scope, r.operation_id, "payment", r.body()) for r in requests]
        outcome: list[Posted | ApiError | None] = [None] * len(requests)
        # An operation id sent twice in one batch: the later copies get the first one's answer (same body)
        # or 409 (another body), after it — never a second look at the department.
        first_of: dict[str, int] = {}
        copy_of: dict[int, int] = {}
        for i, request in enumerate(requests):
            if request.operation_id in first_of:
                copy_of[i] = first_of[request.operation_id]
            else:
                first_of[request.operation_id] = i
        firsts = [i for i in range(len(requests)) if i not in copy_of]
        known = self.viewer.payment_ids(kiosk_id, [requests[i].operation_id for i in firsts])
        fresh = [i for i in firsts if requests[i].operation_id not in known]
        priced: dict[int, list[PricedBill]] = {}
        in_batch: set[str] = set()
        for i, checked in zip(fresh, self.checks.validate_many([requests[i] for i in fresh]), strict=True):
            if isinstance(checked, ApiError):
                outcome[i] = checked
                continue
            # Checked one by one, two items for the same bill would both look unpaid: the second is refused
            # as the department would refuse it after the first.
            bills = {key for key in map(live_key, checked) if key is not None}
            if bills & in_batch:
                outcome[i] = ApiError(
                    "this bill is already paid by an earlier item of this sync",
                    code="bill_already_paid",
                    status=409,
                    field="bills",
                )
                continue
            in_batch |= bills
            priced[i] = checked
        # A refused check may hide a copy of the same operation that paid meanwhile ("already paid"): if so,
        # answer as a replay rather than refuse what was done.
        late = self.viewer.payment_ids(kiosk_id, [requests[i].operation_id for i in fresh if outcome[i] is not None])
        for i in fresh:
            if requests[i].operation_id in late:
                outcome[i] = None
                known[requests[i].operation_id] = late[requests[i].operation_id]
        # A known id is answered from what is committed, without a transaction: an operation's row, its hash
        # and its payment are written together and never change, so the ledger's own replay check would read
        # the same (same body → the first payment; another body → 409).
        for i in firsts:
            if requests[i].operation_id in known:
                payment_id, digest = known[requests[i].operation_id]
                same = ops[i].request_hash() == digest
                outcome[i] = Posted(payment_id, replayed=True) if same else OperationIdReused.of(ops[i].operation_id)
        todo = [i for i in firsts if outcome[i] is None]
        posted = post_payments(self.engine, kiosk_id, kiosk_code, [Item(requests[i], priced[i], ops[i]) for i in todo])
        for i, answer in zip(todo, posted, strict=True):
            outcome[i] = answer
        sent = [o for o in outcome if isinstance(o, Posted)]
        self.answers.send([p.payment_id for p in sent], resent=[p.payment_id for p in sent if p.replayed])
        for i, j in copy_of.items():
            same = ops[i].request_hash() == ops[j].request_hash()
            outcome[i] = outcome[j] if same else OperationIdReused.of(ops[i].operation_id)
        return [o if o is not None else _never_answered() for o in outcome]

    # -- the departments' answers ------------------------------------------------------------------------
    def resolve(self, payment_id: int) -> None:
        """Drive awaiting bills to an end: the department is asked again (it is idempotent on our reference)."""
        self.answers.resolve(payment_id)

    def confirm_bill(self, payment_id: int, bill_id: int, biller_ref: str, approval_no: str = "") -> None:
        self.answers.confirm_bill(payment_id, bill_id, biller_ref, approval_no)

    def fail_bill(self, payment_id: int, bill_id: int, reason: str, *, not_sent_since: LastSent | None = None) -> None:
        self.answers.fail_bill(payment_id, bill_id, reason, not_sent_since=not_sent_since)

    # -- reading ----------------------------------------------------------------------------------------
    def by_operation(self, kiosk_id: int, operation_id: str, *, resolve: bool = True) -> dict[str, Any]:
        payment_id = self.viewer.payment_id(kiosk_id, operation_id)
        if resolve:
            self.resolve(payment_id)
        return self.view(payment_id)

    def view(self, payment_id: int) -> dict[str, Any]:
        """Everything a receipt needs, in one answer."""
        return self.viewer.view(payment_id)

    def views(self, payment_ids: list[int]) -> list[dict[str, Any]]:
        return self.viewer.views(payment_ids)

    def set_cheque_status(self, txn_id: str, status: str) -> dict[str, Any]:
        return self.view(set_cheque_status(self.engine, txn_id, status))

    def cheques_received(self) -> list[dict[str, Any]]:
        return cheques_received(self.engine)


def _refused(exc: ApiError) -> dict[str, Any]:
    return {"result": "refused", "status_code": exc.status, **exc.body()}


def _never_answered() -> ApiError:
    raise AssertionError("every item of a batch gets an answer")


def load_kiosk_id(conn: Connection, kiosk_code: str) -> int:
    return int(conn.execute(select(kiosks_t.c.id).where(kiosks_t.c.code == kiosk_code)).scalar_one())
