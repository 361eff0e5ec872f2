"""Bill payments: Get Bill Details, Add Bill For Payment, pay by wallet or departmental cheque.

A payment's money moves in the ledger in one transaction with its operation id (so a retry is
recognised before the balance is looked at); the departments are called after that commit, outside any
database transaction, and their answers move each bill from pending to success or failed.  A failed bill
is reversed to the kiosk exactly once: the state change and the reversal entry share one transaction,
and the reversal carries its own operation id.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Select, TextClause, Update, bindparam, or_, select, text, update

from server.billers import Bill, Biller, BillerDeclined, BillerError, BillerPayment, BillerTimeout
from server.catalog import Catalog, Service
from server.core.db import breaks_unique, one_of, reader
from server.core.errors import ApiError, Conflict, NotFound
from server.ledger import (
    ACCOUNTS,
    BulkInsert,
    BulkUpdate,
    Contended,
    Debit,
    Debited,
    KioskBalances,
    LedgerTx,
    OperationIdReused,
    OperationRequest,
    OperationResult,
    Sql,
    biller_code,
    chunks,
    credit_kiosk,
    debit_kiosk,
    in_transaction,
    operations_t,
    read_kiosk_balances,
)
from server.models import Kiosk, Payment, PaymentBill
from server.models.base import table_of, utcnow

log = logging.getLogger("emitra.payments")

IST = ZoneInfo("Asia/Kolkata")
payments_t = table_of(Payment)
bills_t = table_of(PaymentBill)
kiosks_t = table_of(Kiosk)

MOBILE = re.compile(r"^[6-9][0-9]{9}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
CHEQUE_NO = re.compile(r"^[0-9]{6}$")
MICRO_ATM_CLEARING = "clearing:bank"
MICRO_ATM = "micro_atm"  # payments.method of a micro-ATM withdrawal claim: cash paid out, credited on confirmation
UNFINISHED = ("initiated", "pending")

INSERT_PAYMENT = Sql.of(
    "INSERT INTO payments (kiosk_id, operation_pk, operation_id, status, method, total_paise, contact_mobile, "
    "contact_email, txn_id, from_wallet_paise, from_credit_paise, reversed_paise, cheque_no, cheque_bank, "
    "cheque_date, cheque_status, offline, created_at, updated_at) VALUES (:kiosk_id, :operation_pk, "
    ":operation_id, 'initiated', :method, :total_paise, :contact_mobile, :contact_email, :txn_id, 0, 0, 0, "
    ":cheque_no, :cheque_bank, :cheque_date, :cheque_status, :offline, :now, :now) RETURNING id"
)
INSERT_PAYMENTS = BulkInsert(
    payments_t,
    (
        "kiosk_id",
        "operation_pk",
        "operation_id",
        "status",
        "method",
        "total_paise",
        "contact_mobile",
        "contact_email",
        "txn_id",
        "debit_entry_id",
        "from_wallet_paise",
        "from_credit_paise",
        "reversed_paise",
        "offline",
        "created_at",
        "updated_at",
    ),
    " RETURNING id, operation_pk",
)
INSERT_BILLS = BulkInsert(
    bills_t,
    (
        "payment_id",
        "position",
        "service_code",
        "department",
        "biller",
        "consumer_no",
        "consumer_name",
        "bill_no",
        "bill_date",
        "due_date",
        "amount_due_paise",
        "amount_paise",
        "fields_json",
        "reference",
        "status",
        "biller_ref",
        "live_key",
    ),
)
SET_RECEIPT_NO = BulkUpdate(payments_t, ("receipt_no",))
INSERT_NUMBERED_PAYMENTS = BulkInsert(payments_t, ("id", "receipt_no", *INSERT_PAYMENTS.columns))  # PostgreSQL
NEXT_PAYMENT_IDS = Sql("", "SELECT nextval(pg_get_serial_sequence('payments', 'id')) FROM generate_series(1, %(n)s)")
SET_STATUSES = BulkUpdate(payments_t, ("status", "failure_reason", "updated_at"))  # PostgreSQL only (times)
FINISH_PAYMENT = Sql.of(
    "UPDATE payments SET status = :status, receipt_no = :receipt_no, debit_entry_id = :debit_entry_id, "
    "from_wallet_paise = :from_wallet_paise, from_credit_paise = :from_credit_paise WHERE id = :id"
)


@dataclass(frozen=True)
class _Statements:
    """The batch path's reads and writes, built once per backend: SQLAlchemy memoizes a statement's cache key
    on the statement object, so one built per call costs its construction and its key on every call."""

    payment_ids: Select[Any]
    payments: Select[Any]
    bills: Select[Any]
    unfinished_bills: Select[Any]
    kiosks: Select[Any]
    lock_payments: Select[Any]
    bill_statuses: Select[Any]
    set_statuses: Update
    bills_succeeded: Update | TextClause
    live_holders: Select[Any]

    @staticmethod
    @functools.cache
    def of(postgres: bool) -> _Statements:
        def ids(column: Any, name: str = "ids") -> Any:
            return one_of(column, name, postgres=postgres)

        return _Statements(
            payment_ids=select(payments_t.c.operation_id, payments_t.c.id, operations_t.c.request_hash)
            .join(operations_t, operations_t.c.id == payments_t.c.operation_pk)
            .where(payments_t.c.kiosk_id == bindparam("kiosk_id"), ids(payments_t.c.operation_id, "operation_ids")),
            payments=select(payments_t).where(ids(payments_t.c.id)),
            bills=select(bills_t).where(ids(bills_t.c.payment_id)).order_by(bills_t.c.position),
            unfinished_bills=select(bills_t)
            .where(ids(bills_t.c.payment_id), bills_t.c.status.in_(UNFINISHED))
            .order_by(bills_t.c.payment_id, bills_t.c.position),
            kiosks=select(kiosks_t.c.id, kiosks_t.c.code, kiosks_t.c.name).where(ids(kiosks_t.c.id)),
            # The payments' rows first (PostgreSQL; SQLite has one writer anyway): two transactions that each
            # changed one bill of a multi-bill payment then read each other's change, not both "pending".
            lock_payments=select(payments_t.c.id)
            .where(ids(payments_t.c.id))
            .order_by(payments_t.c.id)
            .with_for_update(),
            bill_statuses=select(bills_t.c.payment_id, bills_t.c.status, bills_t.c.failure_reason)
            .where(ids(bills_t.c.payment_id))
            .order_by(bills_t.c.payment_id, bills_t.c.id),
            set_statuses=update(payments_t)
            .where(payments_t.c.id == bindparam("pid"))
            .values(status=bindparam("status"), updated_at=bindparam("now"), failure_reason=bindparam("reason")),
            # The department's successes: one statement over two arrays on PostgreSQL, one per bill elsewhere.
            bills_succeeded=text(
                "UPDATE payment_bills SET status = 'success', biller_ref = v.ref "
                "FROM unnest(CAST(:bill_ids AS BIGINT[]), CAST(:refs AS TEXT[])) AS v(id, ref) "
                "WHERE payment_bills.id = v.id AND payment_bills.status IN "
                + "("
                + ", ".join(f"'{status}'" for status in UNFINISHED)
                + ")"
            )
            if postgres
            else update(bills_t)
            .where(bills_t.c.id == bindparam("bill_id"), or_(*(bills_t.c.status == s for s in UNFINISHED)))
            .values(status="success", biller_ref=bindparam("ref")),
            live_holders=select(bills_t.c.live_key, payments_t.c.kiosk_id, payments_t.c.operation_id)
            .join(payments_t, payments_t.c.id == bills_t.c.payment_id)
            .where(ids(bills_t.c.live_key, "keys")),
        )


def _statements(conn: Connection) -> _Statements:
    return _Statements.of(conn.dialect.name == "postgresql")


class InvalidField(ApiError):
    status = 422
    code = "invalid_field"


def ist_today(now: datetime) -> date:
    return now.astimezone(IST).date()


def normalise_mobile(raw: str) -> str:
    """Accept what people type (+91, 0 prefix, spaces, dashes) and keep the 10 digits."""
    digits = re.sub(r"[\s-]", "", raw)
    if digits.startswith("+91"):
        digits = digits[3:]
    elif digits.startswith("91") and len(digits) == 12:
        digits = digits[2:]
    elif digits.startswith("0") and len(digits) == 11:
        digits = digits[1:]
    return digits


@dataclass(frozen=True)
class BillRequest:
    service_code: str
    fields: dict[str, str]
    amount_paise: int


@dataclass(frozen=True)
class PayRequest:
    operation_id: str
    bills: list[BillRequest]
    mobile: str | None
    email: str | None
    method: str
    cheque_no: str | None = None
    cheque_bank: str | None = None
    cheque_date: date | None = None
    offline: bool = False

    def body(self) -> dict[str, Any]:
        """What the idempotency hash covers: everything the client asked for."""
        return {
            "bills": [
                {"service_code": b.service_code, "fields": b.fields, "amount_paise": b.amount_paise} for b in self.bills
            ],
            "mobile": self.mobile,
            "email": self.email,
            "method": self.method,
            "cheque_no": self.cheque_no,
            "cheque_bank": self.cheque_bank,
            "cheque_date": self.cheque_date.isoformat() if self.cheque_date else None,
            "offline": self.offline,
        }


@dataclass(frozen=True)
class PricedBill:
    """A bill the department confirmed, with the amount this payment pays on it."""

    service: Service
    consumer_no: str
    fields: dict[str, str]
    bill: Bill
    amount_paise: int


@dataclass(frozen=True)
class LastSent:
    """When a bill was last sent again, as read (None: never, only when it was written)."""

    at: datetime | None


@dataclass(frozen=True, eq=False)
class WantedBill:
    """One bill of a request, checked and cleaned, before the department is asked for it."""

    service: Service
    consumer_no: str
    fields: dict[str, str]
    amount_paise: int
    where: str


class Payments:
    def __init__(
        self, engine: Engine, catalog: Catalog, now: Callable[[], datetime], billers: dict[str, Biller]
    ) -> None:
        self.engine = engine
        self.reads = reader(engine)  # reads without a transaction of their own (PostgreSQL)
        self.catalog = catalog
        self.now = now
        self.billers = billers  # the departments (server.billers.departments): the only way to reach one

    # -- Get Bill Details -------------------------------------------------------------------------------
    def service(self, code: str, where: str = "service_code") -> Service:
        service = self.catalog.services.get(code)
        if service is None:
            raise NotFound("no such service in the catalog", code="unknown_service", field=where)
        return service

    def check_fields(
        self, service: Service, values: dict[str, str], where: str = "fields"
    ) -> tuple[str, dict[str, str]]:
        """The consumer number and the cleaned values, or the first problem with its field."""
        unknown = sorted(set(values) - {f.name for f in service.fields})
        if unknown:
            raise InvalidField(
                f"{service.name_en} has no field {unknown[0]}", code="unknown_field", field=f"{where}.{unknown[0]}"
            )
        cleaned: dict[str, str] = {}
        for f in service.fields:
            value = values.get(f.name)
            if f.name == "mobile" and value:
                value = normalise_mobile(value)
            problem = f.problem(value)
            if problem == "required" and service.requires_field_message_en:
                raise InvalidField(
                    service.requires_field_message_en,
                    code=f"{f.name}_required",
                    field=f"{where}.{f.name}",
                    message_hi=service.requires_field_message_hi,
                )
            if problem is not None:
                raise InvalidField(
                    f"{f.label_en}: {'is required' if problem == 'required' else 'must look like ' + f.example}",
                    code="field_required" if problem == "required" else "invalid_field",
                    field=f"{where}.{f.name}",
                    label_hi=f.label_hi,
                    example=f.example,
                )
            cleaned[f.name] = (value or "").strip()
        return cleaned[service.fields[0].name], cleaned

    def fetch(self, service_code: str, values: dict[str, str]) -> tuple[Service, str, dict[str, str], Bill]:
        service = self.service(service_code)
        consumer_no, cleaned = self.check_fields(service, values)
        if service.kind == "micro_atm":
            return service, consumer_no, cleaned, _claim_form(service, consumer_no)
        try:
            bill = self.billers[service.biller].fetch(service, consumer_no, cleaned, ist_today(self.now()))
        except BillerError as exc:
            raise _biller_refusal(exc) from exc
        return service, consumer_no, cleaned, bill

    def bill_public(self, service: Service, bill: Bill) -> dict[str, Any]:
        dept = self.catalog.departments[service.department]
        return {
            "service_code": service.code,
            "service_name_en": service.name_en,
            "service_name_hi": service.name_hi,
            "department": dept.code,
            "department_name_en": dept.name_en,
            "department_name_hi": dept.name_hi,
            "kind": service.kind,
            "consumer_no": bill.consumer_no,
            "consumer_name": bill.consumer_name,
            "bill_no": bill.bill_no,
            "bill_date": _iso(bill.bill_date),
            "due_date": _iso(bill.due_date),
            "amount_due_paise": bill.amount_due_paise,
            "amount_after_due_paise": bill.amount_after_due_paise,
            "payable_now_paise": bill.payable_now(ist_today(self.now())),
            "partial_allowed": bill.partial_allowed,
            "min_paise": bill.min_paise,
            "max_paise": bill.max_paise,
        }

    # -- Pay --------------------------------------------------------------------------------------------
    def validate(self, request: PayRequest) -> list[PricedBill]:
        """Every check that needs no money to move: contact, method, fields, amounts, the bills themselves."""
        wanted = self._precheck(request)
        priced = []
        for want in wanted:
            if want.service.kind == "micro_atm":
                priced.append(self._priced(want, _claim_form(want.service, want.consumer_no)))
                continue
            try:
                bill = self.billers[want.service.biller].fetch(
                    want.service, want.consumer_no, want.fields, ist_today(self.now())
                )
            except BillerError as exc:
                raise _biller_refusal(exc, field=want.where) from exc
            priced.append(self._priced(want, bill))
        return priced

    def validate_many(self, requests: list[PayRequest]) -> list[list[PricedBill] | ApiError]:
        """`validate` for a day-end batch: each department is asked once for all the bills it holds."""
        checked: list[list[WantedBill] | ApiError] = []
        for request in requests:
            try:
                checked.append(self._precheck(request))
            except ApiError as exc:
                checked.append(exc)
        by_biller: dict[str, list[WantedBill]] = defaultdict(list)
        bills: dict[int, Bill | BillerError] = {}
        for wanted in checked:
            if not isinstance(wanted, ApiError):
                for want in wanted:
                    if want.service.kind == "micro_atm":
                        bills[id(want)] = _claim_form(want.service, want.consumer_no)
                    else:
                        by_biller[want.service.biller].append(want)
        today = ist_today(self.now())
        for code, group in by_biller.items():
            answers = self.billers[code].fetch_many([(w.service, w.consumer_no, w.fields) for w in group], today)
            bills.update({id(w): answer for w, answer in zip(group, answers, strict=True)})
        results: list[list[PricedBill] | ApiError] = []
        for wanted in checked:
            if isinstance(wanted, ApiError):
                results.append(wanted)
                continue
            try:
                priced = []
                for want in wanted:
                    answer = bills[id(want)]
                    if isinstance(answer, BillerError):
                        raise _biller_refusal(answer, field=want.where)
                    priced.append(self._priced(want, answer))
                results.append(priced)
            except ApiError as exc:
                results.append(exc)
        return results

    def _precheck(self, request: PayRequest) -> list[WantedBill]:
        """The checks before the department is asked: contact, method, services, fields."""
        if not request.mobile and not request.email:
            raise InvalidField(
                "enter the consumer's mobile number or e-mail (at least one)", code="contact_required", field="contact"
            )
        if request.mobile and not MOBILE.fullmatch(request.mobile):
            raise InvalidField(
                "mobile number must be 10 digits starting with 6, 7, 8 or 9",
                code="invalid_mobile",
                field="contact.mobile",
            )
        if request.email and not EMAIL.fullmatch(request.email):
            raise InvalidField("e-mail address is not valid", code="invalid_email", field="contact.email")
        if request.method == "cheque":
            self._check_cheque(request)
        wanted: list[WantedBill] = []
        seen: set[tuple[str, str]] = set()
        for i, item in enumerate(request.bills):
            where = f"bills[{i}]"
            service = self.service(item.service_code, f"{where}.service_code")
            if request.method == "cheque" and service.kind != "bill":
                raise InvalidField(
                    "a departmental cheque pays only department bills", code="cheque_not_allowed", field="method"
                )
            if service.kind == "micro_atm" and len(request.bills) > 1:
                raise InvalidField("a micro-ATM entry is submitted on its own", code="micro_atm_alone", field=where)
            consumer_no, cleaned = self.check_fields(service, item.fields, f"{where}.fields")
            if (service.code, consumer_no) in seen:
                raise InvalidField("the same bill is in this payment twice", code="duplicate_bill", field=where)
            seen.add((service.code, consumer_no))
            wanted.append(WantedBill(service, consumer_no, cleaned, item.amount_paise, where))
        return wanted

    def _priced(self, want: WantedBill, bill: Bill) -> PricedBill:
        self._check_amount(want.service, bill, want.amount_paise, f"{want.where}.amount_paise")
        return PricedBill(want.service, want.consumer_no, want.fields, bill, want.amount_paise)

    def _check_cheque(self, request: PayRequest) -> None:
        if not request.cheque_no or not CHEQUE_NO.fullmatch(request.cheque_no):
            raise InvalidField("cheque number must be 6 digits", code="invalid_cheque_no", field="method.cheque_no")
        if not request.cheque_bank or not 2 <= len(request.cheque_bank.strip()) <= 100:
            raise InvalidField("enter the bank the cheque is drawn on", code="invalid_cheque_bank", field="method.bank")
        today = ist_today(self.now())
        if request.cheque_date is None or request.cheque_date > today:
            raise InvalidField(
                "a post-dated cheque cannot be accepted", code="invalid_cheque_date", field="method.date"
            )
        if request.cheque_date < today - timedelta(days=90):
            raise InvalidField(
                "the cheque is older than three months (stale)", code="stale_cheque", field="method.date"
            )

    def _check_amount(self, service: Service, bill: Bill, amount: int, where: str) -> None:
        payable = bill.payable_now(ist_today(self.now()))
        if payable is None:  # recharge: the operator chooses within the department's range
            if not bill.min_paise <= amount <= bill.max_paise:
                raise InvalidField(
                    "amount is outside what the department accepts",
                    code="amount_out_of_range",
                    field=where,
                    min_paise=bill.min_paise,
                    max_paise=bill.max_paise,
                )
            return
        if bill.partial_allowed:
            if not min(bill.min_paise, payable) <= amount <= payable:
                raise InvalidField(
                    "amount must be between the minimum part payment and the amount due",
                    code="amount_out_of_range",
                    field=where,
                    min_paise=min(bill.min_paise, payable),
                    max_paise=payable,
                )
        elif amount != payable:
            raise InvalidField(
                "this bill must be paid in full", code="amount_must_equal_due", field=where, payable_paise=payable
            )

    def pay(self, kiosk_id: int, kiosk_code: str, request: PayRequest) -> dict[str, Any]:
        scope = f"kiosk:{kiosk_code}"
        op = OperationRequest(scope, request.operation_id, "payment", request.body())
        existing = self._payment_id(kiosk_id, request.operation_id)
        if existing is not None:
            return self._retry(op, existing)
        try:
            priced = self.validate(request)
        except ApiError:
            # A copy of this very operation may have paid the bill while we were checking it ("already
            # paid"): if so, answer as a retry rather than refuse what was done.
            existing = self._payment_id(kiosk_id, request.operation_id)
            if existing is not None:
                return self._retry(op, existing)
            raise
        total = sum(p.amount_paise for p in priced)
        txn_id = f"EMT{secrets.token_hex(6).upper()}"

        def apply(tx: LedgerTx, op_pk: int) -> dict[str, Any]:
            return {"payment_id": self._record(tx, op_pk, kiosk_id, kiosk_code, request, priced, total, txn_id)}

        def post(tx: LedgerTx) -> OperationResult:
            if request.method == "wallet" or priced[0].service.kind == "micro_atm":
                # The kiosk's rows before the operation id, as the day-end batch takes them: two copies of
                # one id sent both ways at once then wait for each other instead of deadlocking.
                tx.lock_kiosk(kiosk_code)
            return tx.run(op, apply)

        result = in_transaction(self.engine, post)
        payment_id = int(result.response["payment_id"])
        if not result.replayed:
            self._send(payment_id)
        else:
            self.resolve(payment_id)
        return self.view(payment_id)

    def pay_batch(self, kiosk_id: int, kiosk_code: str, requests: list[PayRequest]) -> list[dict[str, Any]]:
        """Day-end sync: many payments of one kiosk at the cost of a few transactions, not a few per item.

        Every item keeps the single path's guarantees (its operation id first, its own savepoint, so a
        refusal leaves the others), but the items share one ledger transaction, each department is asked
        once for all of them, and their answers are written in one transaction.  Answers come back in
        order: {"result": "done", "payment": …} or {"result": "refused", "status_code", "error"}.
        """
        scope = f"kiosk:{kiosk_code}"
        ops = [OperationRequest(scope, r.operation_id, "payment", r.body()) for r in requests]
        known = self._payment_ids(kiosk_id, [r.operation_id for r in requests])
        outcome: list[dict[str, Any] | None] = [None] * len(requests)
        priced: dict[int, list[PricedBill]] = {}
        in_batch: set[str] = set()
        # An operation id sent twice in one batch: the later copies get the first one's answer (same body)
        # or 409 (another body), after it — never a second look at the department.
        first_of: dict[str, int] = {}
        copy_of: dict[int, int] = {}
        for i, request in enumerate(requests):
            if request.operation_id in first_of:
                copy_of[i] = first_of[request.operation_id]
                outcome[i] = _COPY
            else:
                first_of[request.operation_id] = i
        fresh = [i for i, request in enumerate(requests) if request.operation_id not in known and i not in copy_of]
        checked = dict(zip(fresh, self.validate_many([requests[i] for i in fresh]), strict=True))
        for i in fresh:
            try:
                answer = checked[i]
                if isinstance(answer, ApiError):
                    raise answer
                priced[i] = answer
                # Checked one by one, two items for the same bill would both look unpaid: the second is
                # refused as the department would refuse it after the first.
                bills = {key for key in map(live_key, priced[i]) if key is not None}
                if bills & in_batch:
                    del priced[i]
                    raise ApiError(
                        "this bill is already paid by an earlier item of this sync",
                        code="bill_already_paid",
                        status=409,
                        field="bills",
                    )
                in_batch |= bills
            except ApiError as exc:
                outcome[i] = _refused(exc)
        # A refused check may hide a copy of the same operation that paid meanwhile: ask again.
        late = self._payment_ids(kiosk_id, [requests[i].operation_id for i, o in enumerate(outcome) if o])
        for i, request in enumerate(requests):
            if outcome[i] is not None and i not in copy_of and request.operation_id in late:
                outcome[i] = None
                known[request.operation_id] = late[request.operation_id]
        # A known id is answered from what is committed, without a transaction: an operation's row, its hash
        # and its payment are written together and never change, so the ledger's own replay check would read
        # the same (same body → the first payment; another body → 409).
        posted: dict[int, tuple[int, bool] | dict[str, Any]] = {}
        for i, request in enumerate(requests):
            if outcome[i] is None and i not in copy_of and request.operation_id in known:
                payment_id, digest = known[request.operation_id]
                same = ops[i].request_hash() == digest
                posted[i] = (payment_id, True) if same else _refused(OperationIdReused.of(request.operation_id))
        todo = {i for i, o in enumerate(outcome) if o is None and i not in posted}  # to post in the ledger

        def post_all(tx: LedgerTx) -> dict[int, tuple[int, bool] | dict[str, Any]]:
            # Bills another payment holds (committed) are refused here; one that a concurrent transaction is
            # writing meets the unique key in `_post_bulk`, and the transaction starts again to see it here.
            done: dict[int, tuple[int, bool] | dict[str, Any]] = {
                i: _refused(_bill_taken()) for i in self._held_elsewhere(tx, kiosk_id, requests, priced, todo)
            }
            # Runs of plain wallet payments are posted together (`_post_bulk`); anything else — a cheque, a
            # micro-ATM entry — goes one by one, in its place, so the items still take the wallet in the order
            # they were sent. (Known ids were answered above; later copies of an id in this batch set aside.)
            run: list[int] = []
            for i, request in enumerate(requests):
                if i not in todo or i in done:
                    continue
                plain = request.method == "wallet" and all(p.service.kind != "micro_atm" for p in priced[i])
                if plain:
                    run.append(i)
                    continue
                done.update(self._post_bulk(tx, kiosk_id, kiosk_code, requests, ops, priced, run))
                run = []
                try:
                    bills, total = priced[i], sum(p.amount_paise for p in priced[i])
                    txn_id = f"EMT{secrets.token_hex(6).upper()}"

                    def apply(
                        tx: LedgerTx,
                        op_pk: int,
                        request: PayRequest = request,
                        bills: list[PricedBill] = bills,
                        total: int = total,
                        txn_id: str = txn_id,
                    ) -> dict[str, Any]:
                        return {
                            "payment_id": self._record(tx, op_pk, kiosk_id, kiosk_code, request, bills, total, txn_id)
                        }

                    result = tx.run(ops[i], apply)
                    done[i] = (int(result.response["payment_id"]), result.replayed)
                except ApiError as exc:
                    done[i] = _refused(exc)
            done.update(self._post_bulk(tx, kiosk_id, kiosk_code, requests, ops, priced, run))
            return done

        if todo:
            posted.update(in_transaction(self.engine, post_all, savepoints=True))
        for i, value in posted.items():
            if isinstance(value, dict):
                outcome[i] = value
        payment_ids = [v[0] for v in posted.values() if isinstance(v, tuple)]
        self._send_many(payment_ids, resent=[v[0] for v in posted.values() if isinstance(v, tuple) and v[1]])
        views = dict(zip(payment_ids, self.views(payment_ids), strict=True))
        for i, value in posted.items():
            if isinstance(value, tuple):
                outcome[i] = {"result": "done", "payment": views[value[0]]}
        for i, j in copy_of.items():
            if ops[i].request_hash() == ops[j].request_hash():
                outcome[i] = outcome[j]
            else:
                outcome[i] = _refused(OperationIdReused.of(requests[i].operation_id))
        return [o if o is not None else {"result": "refused"} for o in outcome]

    def _post_bulk(
        self,
        tx: LedgerTx,
        kiosk_id: int,
        kiosk_code: str,
        requests: list[PayRequest],
        ops: list[OperationRequest],
        priced: dict[int, list[PricedBill]],
        indexes: list[int],
    ) -> dict[int, tuple[int, bool] | dict[str, Any]]:
        """Wallet payments of one batch with a few statements for all of them (`LedgerTx.debit_many`)."""
        if not indexes:
            return {}
        txn_ids = {i: f"EMT{secrets.token_hex(6).upper()}" for i in indexes}
        debits = []
        for i in indexes:
            per_biller: dict[str, int] = defaultdict(int)
            for p in priced[i]:
                per_biller[biller_code(p.service.biller)] += p.amount_paise
            debits.append(
                Debit(
                    ops[i],
                    sum(per_biller.values()),
                    sorted(per_biller.items()),
                    "bill_payment",
                    f"payment {txn_ids[i]}",
                )
            )
        out: dict[int, tuple[int, bool] | dict[str, Any]] = {}
        posted: list[tuple[int, Debited]] = []
        for i, answer in zip(indexes, tx.debit_many(kiosk_code, debits), strict=True):
            if isinstance(answer, ApiError):
                out[i] = _refused(answer)
            elif isinstance(answer, OperationResult):
                out[i] = (int(answer.response["payment_id"]), True)
            else:
                posted.append((i, answer))
        if not posted:
            return out
        now = utcnow()
        rows = [
            {
                "kiosk_id": kiosk_id,
                "operation_pk": debited.operation_pk,
                "operation_id": requests[i].operation_id,
                "status": "pending",
                "method": "wallet",
                "total_paise": sum(p.amount_paise for p in priced[i]),
                "contact_mobile": requests[i].mobile,
                "contact_email": requests[i].email,
                "txn_id": txn_ids[i],
                "debit_entry_id": debited.entry_id,
                "from_wallet_paise": debited.from_wallet_paise,
                "from_credit_paise": debited.from_credit_paise,
                "reversed_paise": 0,
                "offline": int(requests[i].offline),
                "created_at": tx.sql_time(now),
                "updated_at": tx.sql_time(now),
            }
            for i, debited in posted
        ]
        today = ist_today(now)
        if tx.is_postgres:
            # The ids first (one short statement on the sequence), so that each row is written once, with its
            # receipt number: an UPDATE afterwards would write every row and its six index entries again.
            ids = [int(r[0]) for r in tx.execute(NEXT_PAYMENT_IDS, {"n": len(rows)}).fetchall()]
            for row, payment_id in zip(rows, ids, strict=True):
                row["id"], row["receipt_no"] = payment_id, _receipt_no(today, payment_id)
            INSERT_NUMBERED_PAYMENTS.run(tx, rows)
            payment_of = {int(row["operation_pk"]): int(row["id"]) for row in rows}
        else:
            payment_of = {int(r[1]): int(r[0]) for r in INSERT_PAYMENTS.run(tx, rows)}
            SET_RECEIPT_NO.run(
                tx,
                [
                    {"id": payment_of[d.operation_pk], "receipt_no": _receipt_no(today, payment_of[d.operation_pk])}
                    for _, d in posted
                ],
            )
        try:
            INSERT_BILLS.run(
                tx,
                [
                    _bill_row(tx, payment_of[debited.operation_pk], pos, p, txn_ids[i], today)
                    for i, debited in posted
                    for pos, p in enumerate(priced[i])
                ],
            )
        except Exception as exc:
            if breaks_unique(exc, LIVE_KEY, "live_key"):  # a concurrent payment took a bill: start again
                raise Contended("a bill of this batch was taken by a concurrent payment") from exc
            raise
        tx.store_responses([(d.operation_pk, {"payment_id": payment_of[d.operation_pk]}) for _, d in posted])
        out.update({i: (payment_of[d.operation_pk], False) for i, d in posted})
        return out

    @staticmethod
    def _held_elsewhere(
        tx: LedgerTx, kiosk_id: int, requests: list[PayRequest], priced: dict[int, list[PricedBill]], todo: set[int]
    ) -> set[int]:
        """The items of `todo` with a bill that a committed payment of another operation holds."""
        wanted = {i: {key for key in map(live_key, priced[i]) if key is not None} for i in todo}
        keys = sorted(set().union(*wanted.values())) if wanted else []
        holders: dict[str, tuple[int, str]] = {}
        for part in chunks(keys, 500):
            found = tx.conn.execute(_statements(tx.conn).live_holders, {"keys": list(part)})
            holders.update((str(r.live_key), (int(r.kiosk_id), str(r.operation_id))) for r in found)
        mine = {i: (kiosk_id, requests[i].operation_id) for i in todo}
        return {i for i, keys_of in wanted.items() if any(holders.get(k, mine[i]) != mine[i] for k in keys_of)}

    def _send_many(self, payment_ids: list[int], resent: list[int]) -> None:
        """Ask each department once for every unfinished bill of these payments; write answers together.

        `resent`: payments written before this batch (replays), whose bills go out again.
        """
        if not payment_ids:
            return
        with self.reads.connect() as conn:
            bills = list(conn.execute(_statements(conn).unfinished_bills, {"ids": payment_ids}))
        again = set(resent)
        # Bills sent again are claimed first; a bill failed meanwhile (its settlement said so) is not sent.
        claimed = self._mark_sent([b.id for b in bills if b.payment_id in again])
        bills = [b for b in bills if b.payment_id not in again or b.id in claimed]
        by_biller: dict[str, list[Any]] = defaultdict(list)
        for bill in bills:
            by_biller[bill.biller].append(bill)
        successes: list[tuple[Any, BillerPayment]] = []
        for code, group in by_biller.items():
            # One request per department for the whole batch; its answer for each reference decides that bill
            # exactly as for a single payment, and a bill with no answer stays pending (asked again later).
            answers = self.billers[code].pay_answers(
                [
                    (self.catalog.services[b.service_code], b.reference, b.consumer_no, b.bill_no, b.amount_paise)
                    for b in group
                ]
            )
            for bill in group:
                answer = answers.get(bill.reference)
                claim = self.catalog.services[bill.service_code].kind == "micro_atm"  # credited on its own
                if isinstance(answer, BillerPayment) and answer.status == "success" and not claim:
                    successes.append((bill, answer))  # written together below
                elif answer is None or isinstance(answer, BillerTimeout):
                    log.warning("payment %s bill %s: no answer from %s — stays pending", bill.payment_id,
                                bill.reference, code)
                else:
                    self._settle(bill.payment_id, bill, _answered(answer))
        if successes:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(
                        _statements(conn).bills_succeeded,
                        {"bill_ids": [b.id for b, _ in successes], "refs": [a.biller_ref for _, a in successes]},
                    )
                else:
                    conn.execute(
                        _statements(conn).bills_succeeded,
                        [{"bill_id": bill.id, "ref": answer.biller_ref} for bill, answer in successes],
                    )
                self._refresh_statuses(conn, sorted({bill.payment_id for bill, _ in successes}))

    def _retry(self, op: OperationRequest, payment_id: int) -> dict[str, Any]:
        """A known operation id: the ledger answers it (same body → the payment; another → 409) first."""
        in_transaction(self.engine, lambda tx: tx.run(op, _never))
        self.resolve(payment_id)
        return self.view(payment_id)

    def _record(
        self,
        tx: LedgerTx,
        op_pk: int,
        kiosk_id: int,
        kiosk_code: str,
        request: PayRequest,
        priced: list[PricedBill],
        total: int,
        txn_id: str,
    ) -> int:
        # Raw statements on the ledger's cursor: a day-end batch writes thousands of these.
        conn = tx.conn
        now = utcnow()
        payment_id = int(
            tx.execute(
                INSERT_PAYMENT,
                {
                    "kiosk_id": kiosk_id,
                    "operation_pk": op_pk,
                    "operation_id": request.operation_id,
                    "method": MICRO_ATM if priced[0].service.kind == "micro_atm" else request.method,
                    "total_paise": total,
                    "contact_mobile": request.mobile,
                    "contact_email": request.email,
                    "txn_id": txn_id,
                    "cheque_no": request.cheque_no,
                    "cheque_bank": request.cheque_bank.strip() if request.cheque_bank else None,
                    "cheque_date": tx.sql_date(request.cheque_date),
                    "cheque_status": "received" if request.method == "cheque" else None,
                    "offline": int(request.offline),
                    "now": tx.sql_time(now),
                },
            ).fetchone()[0]
        )
        receipt_no = _receipt_no(ist_today(now), payment_id)
        rows = [_bill_row(tx, payment_id, pos, p, txn_id, ist_today(now)) for pos, p in enumerate(priced)]
        micro_atm = priced[0].service.kind == "micro_atm"
        if micro_atm:  # a claim: RRN and the kiosk's own terminal go to the acquirer, which alone confirms it
            terminal = conn.execute(
                select(kiosks_t.c.micro_atm_terminal_id).where(kiosks_t.c.id == kiosk_id)
            ).scalar_one_or_none()
            if terminal is None:
                raise InvalidField(
                    "this kiosk has no micro-ATM terminal on record; contact the eMitra help desk",
                    code="no_micro_atm_terminal",
                    field="bills[0].fields.rrn",
                )
            rows[0].update(bill_no=terminal, live_key=f"{priced[0].service.biller}|{priced[0].consumer_no}|{terminal}")
        try:
            INSERT_BILLS.run(tx, rows)
        except Exception as exc:
            if breaks_unique(exc, LIVE_KEY, "live_key"):  # another payment holds one of these bills
                raise _bill_taken() from exc
            raise
        moved: dict[str, Any] = {}  # a micro-ATM claim moves no money until the acquirer confirms it
        if request.method == "wallet" and not micro_atm:
            per_biller: dict[str, int] = defaultdict(int)
            for p in priced:
                per_biller[biller_code(p.service.biller)] += p.amount_paise
            moved = debit_kiosk(
                tx, op_pk, kiosk_code, total, sorted(per_biller.items()), "bill_payment", f"payment {txn_id}"
            )
        tx.execute(
            FINISH_PAYMENT,
            {
                "id": payment_id,
                "status": "pending",
                "receipt_no": receipt_no,
                "debit_entry_id": moved.get("entry_id"),
                "from_wallet_paise": moved.get("from_wallet_paise", 0),
                "from_credit_paise": moved.get("from_credit_paise", 0),
            },
        )
        return payment_id

    # -- the departments' answers ------------------------------------------------------------------------
    def _asker(self, biller: Biller, bill: Any) -> Callable[[], BillerPayment]:
        service = self.catalog.services[bill.service_code]

        def ask() -> BillerPayment:
            return biller.pay(service, bill.reference, bill.consumer_no, bill.bill_no, bill.amount_paise)

        return ask

    def _send(self, payment_id: int) -> None:
        bills = self._unfinished(payment_id)
        claimed = self._mark_sent([b.id for b in bills])
        for bill in bills:
            if bill.id in claimed:
                self._settle(payment_id, bill, self._asker(self.billers[bill.biller], bill))

    def _mark_sent(self, bill_ids: list[int]) -> set[int]:
        """Claim bills about to be sent (again): only those still unfinished, stamped with the time, which
        bounds the days on which the department can have recorded them (server/payments/settlement.py)."""
        if not bill_ids:
            return set()
        with self.engine.begin() as conn:
            found = conn.execute(
                update(bills_t)
                .where(bills_t.c.id.in_(bill_ids), bills_t.c.status.in_(UNFINISHED))
                .values(last_sent_at=utcnow())
                .returning(bills_t.c.id)
            )
            return {int(i) for i in found.scalars()}

    def resolve(self, payment_id: int) -> None:
        """Drive unfinished bills to an end: the department is asked (it is idempotent on our reference)."""
        self._send(payment_id)

    def _settle(self, payment_id: int, bill: Any, ask: Callable[[], BillerPayment]) -> None:
        try:
            answer = ask()
        except BillerTimeout as exc:
            log.warning("payment %s bill %s: %s — status unknown, stays pending", payment_id, bill.reference, exc)
            return
        except BillerDeclined as exc:
            self.fail_bill(payment_id, bill.id, exc.message)
            return
        except BillerError as exc:
            self.fail_bill(payment_id, bill.id, exc.message)
            return
        if answer.status == "success":
            self.confirm_bill(payment_id, bill.id, answer.biller_ref)
        else:
            self.fail_bill(payment_id, bill.id, "the department reports the payment failed")

    def confirm_bill(self, payment_id: int, bill_id: int, biller_ref: str) -> None:
        """The department paid this bill (its answer, or its settlement file): success, once.

        A micro-ATM claim confirmed by the acquirer is credited to the kiosk's wallet in the same transaction
        (operation id `microatm-<reference>`): the cash the kiosk paid out comes back exactly once.
        """

        def work(tx: LedgerTx) -> int:
            conn = tx.conn
            changed = int(
                conn.execute(
                    update(bills_t)
                    .where(bills_t.c.id == bill_id, bills_t.c.status.in_(UNFINISHED))
                    .values(status="success", biller_ref=biller_ref)
                ).rowcount
            )
            self._refresh_status(conn, payment_id)
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
                        tx, pk, kiosk_code, bill.amount_paise, MICRO_ATM_CLEARING, "micro_atm_entry",
                        f"micro-ATM withdrawal RRN {bill.consumer_no}, confirmed by the bank",
                    ),
                )
            return changed

        changed = in_transaction(self.engine, work)
        if not changed and self._bill_status(bill_id) == "failed":
            # We reverse only on the department's own "failed", so this is the department contradicting
            # itself: nothing is booked here; its settlement file lists it for an administrator.
            log.error("the department reports bill %s of payment %s paid after it failed it", bill_id, payment_id)

    def fail_bill(self, payment_id: int, bill_id: int, reason: str, *, not_sent_since: LastSent | None = None) -> None:
        """Mark one bill failed and give its money back, exactly once however often this is called.

        `not_sent_since` (the bill's last_sent_at as the caller read it): only if the bill was not sent again
        since — a resend claims the bill first (`_mark_sent`), so a resend and this never cross.
        """

        def work(tx: LedgerTx) -> None:
            conn = tx.conn
            claim = update(bills_t).where(bills_t.c.id == bill_id, bills_t.c.status.in_(UNFINISHED))
            if not_sent_since is not None:
                at = not_sent_since.at
                claim = claim.where(bills_t.c.last_sent_at.is_(None) if at is None else bills_t.c.last_sent_at == at)
            changed = conn.execute(
                claim.values(status="failed", failure_reason=reason[:300], live_key=None)
            ).rowcount
            if changed != 1:
                return  # another caller failed it, in a transaction that also reversed it
            self._refresh_status(conn, payment_id)
            payment = conn.execute(select(payments_t).where(payments_t.c.id == payment_id)).one()
            bill = conn.execute(select(bills_t).where(bills_t.c.id == bill_id)).one()
            if payment.method != "wallet":
                return
            kiosk_code = conn.execute(select(kiosks_t.c.code).where(kiosks_t.c.id == payment.kiosk_id)).scalar_one()
            op = OperationRequest("system", f"reversal-{bill.reference}", "reversal", {"bill": bill.reference})

            def reverse(tx: LedgerTx, op_pk: int) -> dict[str, Any]:
                before = tx.lock_kiosk(kiosk_code)
                to_credit_already = min(payment.reversed_paise, payment.from_credit_paise)
                to_credit = max(
                    0, min(bill.amount_paise, payment.from_credit_paise - to_credit_already, before.credit_used)
                )
                to_wallet = bill.amount_paise - to_credit
                settlement = ACCOUNTS.get(conn, biller_code(bill.biller)).id
                entry_id = tx.post_entry(
                    op_pk,
                    "reversal",
                    [(before.wallet_id, to_wallet), (before.credit_id, to_credit), (settlement, -bill.amount_paise)],
                    memo=f"reversal of {bill.reference}",
                    reverses_entry_id=payment.debit_entry_id,
                )
                conn.execute(update(bills_t).where(bills_t.c.id == bill_id).values(reversal_entry_id=entry_id))
                conn.execute(
                    update(payments_t)
                    .where(payments_t.c.id == payment_id)
                    .values(reversed_paise=payments_t.c.reversed_paise + bill.amount_paise)
                )
                return {"entry_id": entry_id}

            tx.run(op, reverse)

        in_transaction(self.engine, work)

    @staticmethod
    def _refresh_status(conn: Connection, payment_id: int) -> None:
        """The payment's status from its bills', written in the transaction that changed a bill."""
        Payments._refresh_statuses(conn, [payment_id])

    @staticmethod
    def _refresh_statuses(conn: Connection, payment_ids: list[int]) -> None:
        bills: dict[int, list[Any]] = defaultdict(list)
        sql = _statements(conn)
        for start in range(0, len(payment_ids), 500):
            chunk = payment_ids[start : start + 500]
            conn.execute(sql.lock_payments, {"ids": chunk}).all()
            for r in conn.execute(sql.bill_statuses, {"ids": chunk}):
                bills[r.payment_id].append(r)
        rows = []
        now = utcnow()
        for payment_id in payment_ids:
            statuses = [b.status for b in bills[payment_id]]
            if any(s in UNFINISHED for s in statuses):
                status = "pending"
            elif all(s == "success" for s in statuses):
                status = "success"
            elif all(s == "failed" for s in statuses):
                status = "failed"
            else:
                status = "partial"
            reasons = "; ".join(b.failure_reason for b in bills[payment_id] if b.failure_reason is not None)
            rows.append({"pid": payment_id, "status": status, "reason": reasons[:300] or None, "now": now})
        if rows and conn.dialect.name == "postgresql":
            SET_STATUSES.run(
                conn,
                [
                    {"id": r["pid"], "status": r["status"], "failure_reason": r["reason"], "updated_at": now}
                    for r in rows
                ],
            )
        elif rows:
            conn.execute(sql.set_statuses, rows)

    def _bill_status(self, bill_id: int) -> str:
        with self.reads.connect() as conn:
            return str(conn.execute(select(bills_t.c.status).where(bills_t.c.id == bill_id)).scalar_one())

    def _unfinished(self, payment_id: int) -> list[Any]:
        with self.reads.connect() as conn:
            return list(
                conn.execute(
                    select(bills_t)
                    .where(bills_t.c.payment_id == payment_id, bills_t.c.status.in_(UNFINISHED))
                    .order_by(bills_t.c.position)
                )
            )

    # -- reading ----------------------------------------------------------------------------------------
    def _payment_id(self, kiosk_id: int, operation_id: str) -> int | None:
        with self.reads.connect() as conn:
            found = conn.execute(
                select(payments_t.c.id).where(
                    payments_t.c.kiosk_id == kiosk_id, payments_t.c.operation_id == operation_id
                )
            ).scalar()
        return int(found) if found is not None else None

    def _payment_ids(self, kiosk_id: int, operation_ids: list[str]) -> dict[str, tuple[int, str]]:
        """The kiosk's payments of these operation ids: id → (payment id, the operation's request hash)."""
        if not operation_ids:
            return {}
        with self.reads.connect() as conn:
            rows = conn.execute(_statements(conn).payment_ids, {"kiosk_id": kiosk_id, "operation_ids": operation_ids})
            return {r.operation_id: (int(r.id), str(r.request_hash)) for r in rows}

    def by_operation(self, kiosk_id: int, operation_id: str, *, resolve: bool = True) -> dict[str, Any]:
        payment_id = self._payment_id(kiosk_id, operation_id)
        if payment_id is None:
            raise NotFound("no payment with this operation id at this kiosk", code="unknown_payment")
        if resolve:
            self.resolve(payment_id)
        return self.view(payment_id)

    def view(self, payment_id: int) -> dict[str, Any]:
        """Everything a receipt needs, in one answer."""
        return self.views([payment_id])[0]

    def views(self, payment_ids: list[int]) -> list[dict[str, Any]]:
        """`view` of many payments (of any kiosks) with a few queries for all of them, in the order asked."""
        payments: dict[int, Any] = {}
        bills: dict[int, list[Any]] = defaultdict(list)
        with self.reads.connect() as conn:
            sql = _statements(conn)
            for start in range(0, len(payment_ids), 500):
                chunk = payment_ids[start : start + 500]
                payments.update((r.id, r) for r in conn.execute(sql.payments, {"ids": chunk}))
                for b in conn.execute(sql.bills, {"ids": chunk}):
                    bills[b.payment_id].append(b)
            kiosks = {
                r.id: r for r in conn.execute(sql.kiosks, {"ids": sorted({p.kiosk_id for p in payments.values()})})
            }
            balances = {k.id: read_kiosk_balances(conn, k.code) for k in kiosks.values()}
        return [
            self._view(payments[pid], kiosks[payments[pid].kiosk_id], bills[pid], balances[payments[pid].kiosk_id])
            for pid in payment_ids
        ]

    def _view(self, p: Any, kiosk: Any, bills: list[Any], balances: KioskBalances) -> dict[str, Any]:
        created = p.created_at if p.created_at.tzinfo else p.created_at.replace(tzinfo=ZoneInfo("UTC"))
        return {
            "operation_id": p.operation_id,
            "payment_id": p.id,
            "status": p.status,
            "method": p.method,
            "total_paise": p.total_paise,
            "receipt_no": p.receipt_no,
            "txn_id": p.txn_id,
            "created_at": created.isoformat(),
            "created_at_ist": created.astimezone(IST).strftime("%d-%m-%Y %H:%M:%S"),
            "kiosk_code": kiosk.code,
            "kiosk_name": kiosk.name,
            "contact": {"mobile": p.contact_mobile, "email": p.contact_email},
            "cheque": None
            if p.method != "cheque"
            else {
                "cheque_no": p.cheque_no,
                "bank": p.cheque_bank,
                "date": _iso(p.cheque_date),
                "status": p.cheque_status,
            },
            "from_wallet_paise": p.from_wallet_paise,
            "from_credit_paise": p.from_credit_paise,
            "reversed_paise": p.reversed_paise,
            "failure_reason": p.failure_reason,
            "offline": bool(p.offline),
            "bills": [self._bill_view(b) for b in bills],
            "wallet": {"wallet_balance_paise": balances.wallet, "spendable_paise": balances.spendable},
        }

    def _bill_view(self, b: Any) -> dict[str, Any]:
        service = self.catalog.services.get(b.service_code)
        dept = self.catalog.departments.get(b.department)
        return {
            "service_code": b.service_code,
            "service_name_en": service.name_en if service else b.service_code,
            "service_name_hi": service.name_hi if service else b.service_code,
            "department": b.department,
            "department_name_en": dept.name_en if dept else b.department,
            "department_name_hi": dept.name_hi if dept else b.department,
            "consumer_no": b.consumer_no,
            "consumer_name": b.consumer_name,
            "bill_no": b.bill_no,
            "bill_date": _iso(b.bill_date),
            "due_date": _iso(b.due_date),
            "amount_due_paise": b.amount_due_paise,
            "amount_paise": b.amount_paise,
            "reference": b.reference,
            "biller_ref": b.biller_ref,
            "status": b.status,
            "failure_reason": b.failure_reason,
        }

    def set_cheque_status(self, txn_id: str, status: str) -> dict[str, Any]:
        with self.engine.begin() as conn:
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
        return self.view(int(payment_id))


_COPY: dict[str, Any] = {"result": "copy"}  # placeholder: a later copy of an operation id in the same batch


def _receipt_no(today: date, payment_id: int) -> str:
    return f"RJ{today:%y%m%d}{payment_id:09d}"


def _bill_row(tx: LedgerTx, payment_id: int, pos: int, p: PricedBill, txn_id: str, today: date) -> dict[str, Any]:
    """One payment_bills row (see INSERT_BILLS), pending until the department answers."""
    return {
        "payment_id": payment_id,
        "position": pos,
        "service_code": p.service.code,
        "department": p.service.department,
        "biller": p.service.biller,
        "consumer_no": p.consumer_no,
        "consumer_name": p.bill.consumer_name,
        "bill_no": p.bill.bill_no,
        "bill_date": tx.sql_date(p.bill.bill_date),
        "due_date": tx.sql_date(p.bill.due_date),
        "amount_due_paise": p.bill.payable_now(today),
        "amount_paise": p.amount_paise,
        "fields_json": json.dumps(p.fields, sort_keys=True),
        "reference": f"{txn_id}-{pos + 1}",
        "status": "pending",
        "biller_ref": None,
        "live_key": live_key(p),
    }


def live_key(p: PricedBill) -> str | None:
    """What holds a department bill in one live payment at a time (recharges, fees, micro-ATM: nothing)."""
    if p.service.kind != "bill" or p.bill.bill_no is None:
        return None
    return f"{p.service.biller}|{p.consumer_no}|{p.bill.bill_no}"


LIVE_KEY = "uq_payment_bills_live_key"


def _bill_taken(where: str = "bills") -> Conflict:
    return Conflict(
        "this bill is already being paid or was paid by another payment; fetch the bill again",
        code="bill_already_paid",
        field=where,
    )


def _claim_form(service: Service, rrn: str) -> Bill:
    """A micro-ATM withdrawal entry before the claim: nothing is asked of the acquirer (an enquiry by RRN would
    tell any kiosk about any customer's withdrawal); the operator types the amount on the slip."""
    return Bill(
        rrn, f"Micro-ATM withdrawal RRN {rrn}", None, None, None, None, None, True,
        service.min_paise or 1, service.max_paise or 10**9,
    )


def _answered(answer: BillerPayment | BillerError) -> Callable[[], BillerPayment]:
    """A department's answer already in hand, in the shape `_settle` asks for one."""

    def ask() -> BillerPayment:
        if isinstance(answer, BillerError):
            raise answer
        return answer

    return ask


def _refused(exc: ApiError) -> dict[str, Any]:
    return {"result": "refused", "status_code": exc.status, **exc.body()}


def _never(_tx: LedgerTx, _pk: int) -> dict[str, Any]:
    raise AssertionError("a known operation id is never applied twice")


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _biller_refusal(exc: BillerError, field: str | None = None) -> ApiError:
    status = {"consumer_not_found": 404, "bill_already_paid": 409, "biller_timeout": 504}.get(exc.code, 502)
    details = {"field": field} if field else {}
    return ApiError(exc.message, code=exc.code, status=status, **details)


def load_kiosk_id(conn: Connection, kiosk_code: str) -> int:
    return int(conn.execute(select(kiosks_t.c.id).where(kiosks_t.c.code == kiosk_code)).scalar_one())
