"""The departments' own records: payments (successes and declines), faults, request ids seen; one transaction each.

A payment reference is answered the same way forever: the first answer is recorded (a decline too) and every
resend is answered from the record.  A bill is paid once: a partial unique index refuses a second success for
the same (department, consumer, bill number), whatever reference it comes under.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

from departments import consumers
from server.billers.protocol import (
    REPLAY_WINDOW_S,
    FetchItem,
    FetchResult,
    PayItem,
    PayResult,
    SettlementLine,
    SignatureRefused,
    StatusResult,
)
from server.catalog import Catalog

IST = ZoneInfo("Asia/Kolkata")
FAULTS = ("none", "slow", "timeout", "decline", "lost_answer")
APPLIES_TO = ("fetch", "pay", "both")
SIMULATED_DECLINE = "the department declined it (simulated)"
_CHUNK = 400  # values per IN list (SQLite allows 999 bound parameters)

metadata = MetaData()
payments_t = Table(
    "dept_payments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("department", String(32), nullable=False),
    Column("reference", String(64), nullable=False),
    Column("service_code", String(64), nullable=False),
    Column("consumer_no", String(64), nullable=False),
    Column("bill_no", String(64)),
    Column("one_per_bill", Boolean, nullable=False),
    Column("amount_paise", BigInteger, nullable=False),
    Column("result", String(16), nullable=False),  # success | declined
    Column("reason", String(32)),  # when declined: declined | bill_already_paid | consumer_not_found
    Column("message", String(300), nullable=False),
    Column("department_ref", String(64)),
    Column("business_date", String(10), nullable=False),  # IST date of recorded_at, YYYY-MM-DD
    Column("recorded_at", String(40), nullable=False),  # ISO 8601, UTC
    Column("request_id", String(64), nullable=False),
    UniqueConstraint("department", "reference", name="dept_payments_one_per_reference"),
    Index(
        "dept_payments_one_success_per_bill",
        "department",
        "consumer_no",
        "bill_no",
        unique=True,
        sqlite_where=text("result = 'success' AND one_per_bill AND bill_no IS NOT NULL"),
        postgresql_where=text("result = 'success' AND one_per_bill AND bill_no IS NOT NULL"),
    ),
    Index("dept_payments_by_consumer", "department", "consumer_no"),
    Index("dept_payments_by_date", "department", "business_date", "result"),
)
faults_t = Table(
    "dept_faults",
    metadata,
    Column("department", String(32), primary_key=True),
    Column("fault", String(16), nullable=False),
    Column("remaining", Integer, nullable=False),  # -1: until switched off
    Column("delay_ms", Integer, nullable=False),
    Column("applies_to", String(8), nullable=False),
)
seen_t = Table(
    "dept_seen_requests",
    metadata,
    Column("request_id", String(64), primary_key=True),
    Column("seen_at", BigInteger, nullable=False),
)
# The micro-ATM acquirer's own record of the cash withdrawals made at its terminals (the device, not us, makes
# them): a kiosk's claim is confirmed only against one of these, by RRN, terminal and amount.
withdrawals_t = Table(
    "acquirer_withdrawals",
    metadata,
    Column("rrn", String(12), primary_key=True),
    Column("terminal_id", String(16), nullable=False),
    Column("amount_paise", BigInteger, nullable=False),
    Column("aadhaar_last4", String(4), nullable=False),
    Column("made_at", String(40), nullable=False),
)
NO_WITHDRAWAL = "the bank has no such withdrawal at this terminal"


@dataclass(frozen=True)
class Fault:
    fault: str
    remaining: int
    delay_ms: int
    applies_to: str

    def acts_on(self, call: str) -> bool:
        return self.fault != "none" and self.remaining != 0 and self.applies_to in (call, "both")

    def public(self) -> dict[str, Any]:
        return {**self.__dict__, "active": self.fault != "none" and self.remaining != 0}


NO_FAULT = Fault("none", 0, 0, "pay")


def make_engines(url: str) -> tuple[Engine, Engine]:
    """The writer's engine and the readers' (the same one on PostgreSQL)."""
    if make_url(url).get_backend_name() != "sqlite":
        engine = create_engine(url, pool_size=10, max_overflow=10, pool_recycle=1800, isolation_level="READ COMMITTED")
        return engine, engine
    args = {"timeout": 30, "check_same_thread": False}
    writer = create_engine(url, poolclass=QueuePool, pool_size=4, max_overflow=16, connect_args=args)
    readers = create_engine(url, poolclass=QueuePool, pool_size=8, max_overflow=32, connect_args=args)
    _configure_sqlite(writer, immediate=True)
    _configure_sqlite(readers, immediate=False)
    return writer, readers


def _configure_sqlite(engine: Engine, *, immediate: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event below says BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # a recorded payment survives kill -9 and power loss
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    if not immediate:
        return  # readers: each statement on its own, beside the writer (WAL)
    # One writer: the threads of this process queue on a lock, in order, not in SQLite's busy handler.
    lock = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if not lock.acquire(timeout=30):
            raise sqlite3.OperationalError("database is locked (waited 30 s for the writer lock)")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            lock.release()
            raise
        conn.info["holds_writer"] = True

    def _release(conn: Any) -> None:
        if conn.info.pop("holds_writer", False):
            lock.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    return (values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK))


def _lock_key(department: str) -> int:
    return int.from_bytes(hashlib.sha256(f"dept-pay {department}".encode()).digest()[:8], "big", signed=True)


class StaleRequest(Exception):
    """The request's replay window closed before its transaction could commit: nothing was recorded."""


class Store:
    """Records of every department of the catalog, in one database of their own."""

    def __init__(self, url: str, catalog: Catalog, *, window_s: float = REPLAY_WINDOW_S) -> None:
        self.engine, self.readers = make_engines(url)
        self.catalog = catalog
        self.window_s = window_s
        self._postgres = self.engine.dialect.name == "postgresql"
        self._next_prune = 0.0
        metadata.create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
        self.readers.dispose()

    # -- faults -----------------------------------------------------------------------------------------
    def fault(self, department: str) -> Fault:
        with self.readers.connect() as conn:
            return self._fault(conn, department)

    @staticmethod
    def _fault(conn: Connection, department: str) -> Fault:
        row = conn.execute(select(faults_t).where(faults_t.c.department == department)).first()
        return NO_FAULT if row is None else Fault(row.fault, row.remaining, row.delay_ms, row.applies_to)

    def take_fault(self, department: str, call: str) -> Fault:
        """The fault acting on this request (`call` fetch or pay), one of its count taken; NO_FAULT if none.

        A decline of payments is not taken here: `pay` declines and counts payment by payment.
        """
        found = self.fault(department)
        if not found.acts_on(call) or (found.fault == "decline" and call == "pay"):
            return NO_FAULT
        if found.remaining < 0:
            return found
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(faults_t)
                .where(faults_t.c.department == department, faults_t.c.remaining > 0)
                .values(remaining=faults_t.c.remaining - 1)
            ).rowcount
        return found if taken else NO_FAULT  # a concurrent request took the last one

    def set_fault(self, department: str, fault: Fault) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(faults_t).where(faults_t.c.department == department))
            if fault.fault != "none":
                conn.execute(faults_t.insert().values(department=department, **fault.__dict__))

    def clear_faults(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(faults_t))

    def faults(self) -> dict[str, Fault]:
        with self.readers.connect() as conn:
            rows = conn.execute(select(faults_t)).all()
        return {r.department: Fault(r.fault, r.remaining, r.delay_ms, r.applies_to) for r in rows}

    # -- bill fetch -------------------------------------------------------------------------------------
    def fetch(self, department: str, items: Sequence[FetchItem], today: date, *, declined: bool) -> list[FetchResult]:
        """The bills for these items; one look at the records for all of them."""
        results: list[FetchResult] = []
        wanted: dict[int, tuple[str, str]] = {}
        for position, item in enumerate(items):
            service = self.catalog.services.get(item.service_code)
            if service is None or service.biller != department:
                results.append(FetchResult(result="refused", reason="declined", message="no such service here"))
                continue
            if declined:
                results.append(FetchResult(result="refused", reason="declined", message=SIMULATED_DECLINE))
                continue
            try:
                found = consumers.bill(service, item.consumer_no, item.fields, today)
            except consumers.NoBill as exc:
                results.append(FetchResult(result="refused", reason=exc.reason, message=exc.message))
                continue
            results.append(FetchResult(result="bill", bill=found))
            if found.bill_no is not None and consumers.one_per_bill(service):
                wanted[position] = (found.consumer_no, found.bill_no)
        if wanted:
            with self.readers.connect() as conn:
                paid = self._paid(conn, department, set(wanted.values()))
            for position, pair in wanted.items():
                if pair in paid:
                    results[position] = FetchResult(
                        result="refused", reason="bill_already_paid", message=consumers.NOTHING_DUE
                    )
        return results

    def _paid(self, conn: Connection, department: str, pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (consumer, bill number) pairs the department has a success for."""
        paid: set[tuple[str, str]] = set()
        for part in _chunks(sorted({c for c, _ in pairs})):
            rows = conn.execute(
                select(payments_t.c.consumer_no, payments_t.c.bill_no).where(
                    payments_t.c.department == department,
                    payments_t.c.consumer_no.in_(part),
                    payments_t.c.result == "success",
                    payments_t.c.one_per_bill.is_(True),
                )
            )
            paid.update((str(r.consumer_no), str(r.bill_no)) for r in rows)
        return paid & pairs

    # -- payment ----------------------------------------------------------------------------------------
    def pay(self, department: str, request_id: str, signed_at: int, items: Sequence[PayItem]) -> list[PayResult]:
        """Record a request's payments in one transaction and answer each; a reference held answers its record.

        A decline fault declines the new payments, one of its count per payment.  Raises SignatureRefused for a
        request id seen before and StaleRequest when the replay window closed before the commit (nothing
        recorded then).
        """
        now = time.time()
        recorded_at = datetime.fromtimestamp(now, UTC)
        business_date = recorded_at.astimezone(IST).date().isoformat()
        with self.engine.begin() as conn:
            if self._postgres:  # payments of one department one request at a time (SQLite: one writer anyway)
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(department)})
            self._claim(conn, request_id, signed_at, now)
            fault = self._fault(conn, department)
            held = self._held(conn, department, sorted({i.reference for i in items}))
            pairs = {
                (i.consumer_no, i.bill_no)
                for i in items
                if i.bill_no is not None and i.reference not in held and self._one_per_bill(i)
            }
            paid = self._paid(conn, department, pairs) if pairs else set()
            declines_left = fault.remaining if fault.fault == "decline" and fault.acts_on("pay") else 0
            new: list[dict[str, Any]] = []
            answers: list[PayResult] = []
            for item in items:
                if item.reference in held:
                    answers.append(_result(held[item.reference]))
                    continue
                row = self._decide(department, item, paid, declines_left != 0)
                if row["message"] == SIMULATED_DECLINE and declines_left > 0:
                    declines_left -= 1
                if row["result"] == "success" and row["one_per_bill"]:
                    paid.add((item.consumer_no, str(item.bill_no)))
                row.update(
                    department=department,
                    reference=item.reference,
                    request_id=request_id,
                    business_date=business_date,
                    recorded_at=recorded_at.isoformat(),
                )
                held[item.reference] = row
                new.append(row)
                answers.append(_result(row))
            if new:
                conn.execute(payments_t.insert(), new)
            if declines_left >= 0 and declines_left != fault.remaining and fault.fault == "decline":
                conn.execute(
                    update(faults_t).where(faults_t.c.department == department).values(remaining=declines_left)
                )
            if time.time() > signed_at + self.window_s:
                raise StaleRequest  # rolls back: a request past its window never records anything
        return answers

    def _one_per_bill(self, item: PayItem) -> bool:
        service = self.catalog.services.get(item.service_code)
        return service is not None and consumers.one_per_bill(service)

    def _decide(self, department: str, item: PayItem, paid: set[tuple[str, str]], decline: bool) -> dict[str, Any]:
        """The department's answer to a payment it has not seen before, as the row that records it."""
        service = self.catalog.services.get(item.service_code)
        row: dict[str, Any] = {
            "service_code": item.service_code,
            "consumer_no": item.consumer_no,
            "bill_no": item.bill_no,
            "one_per_bill": service is not None and consumers.one_per_bill(service),
            "amount_paise": item.amount_paise,
            "result": "declined",
            "department_ref": None,
        }
        if service is None or service.biller != department:
            return {**row, "reason": "declined", "message": "no such service here"}
        if decline:
            return {**row, "reason": "declined", "message": SIMULATED_DECLINE}
        if service.kind == "micro_atm":
            return self._withdrawal_claim(row, item, paid)
        if not consumers.is_known(item.consumer_no):
            return {**row, "reason": "consumer_not_found", "message": consumers.UNKNOWN_CONSUMER}
        if consumers.has_nothing_due(service, item.consumer_no) or (
            row["one_per_bill"] and (item.consumer_no, item.bill_no) in paid
        ):
            return {**row, "reason": "bill_already_paid", "message": consumers.NOTHING_DUE}
        return {
            **row,
            "result": "success",
            "reason": None,
            "message": "",
            "department_ref": consumers.department_ref(department, item.reference),
        }

    def _withdrawal_claim(self, row: dict[str, Any], item: PayItem, paid: set[tuple[str, str]]) -> dict[str, Any]:
        """The acquirer's answer to a kiosk's claim (consumer_no = RRN, bill_no = the kiosk's terminal id).

        An unknown RRN and another terminal's RRN get the same answer, so a claim teaches nothing about other
        kiosks' customers; a wrong amount is declined as such (the kiosk's own withdrawal); a withdrawal
        confirmed once (under another reference) is not confirmed again.
        """
        with self.readers.connect() as conn:
            found = conn.execute(select(withdrawals_t).where(withdrawals_t.c.rrn == item.consumer_no)).first()
        if found is None or found.terminal_id != item.bill_no:
            return {**row, "reason": "declined", "message": NO_WITHDRAWAL}
        if found.amount_paise != item.amount_paise:
            return {**row, "reason": "declined", "message": "the amount does not match the bank's record"}
        if (item.consumer_no, str(item.bill_no)) in paid:
            return {**row, "reason": "bill_already_paid", "message": "this withdrawal was credited already"}
        ref = consumers.department_ref("microatm", item.reference)
        return {**row, "result": "success", "reason": None, "message": "", "department_ref": ref}

    def record_withdrawal(self, terminal_id: str, amount_paise: int, aadhaar_last4: str) -> dict[str, Any]:
        """A customer took cash at a terminal (demo and tests stand in for the device): its new RRN."""
        made_at = datetime.now(UTC)
        with self.engine.begin() as conn:
            for _ in range(20):
                rrn = f"{secrets.randbelow(9 * 10**11) + 10**11}"
                if conn.execute(select(withdrawals_t.c.rrn).where(withdrawals_t.c.rrn == rrn)).first() is None:
                    break
            row = {
                "rrn": rrn,
                "terminal_id": terminal_id,
                "amount_paise": amount_paise,
                "aadhaar_last4": aadhaar_last4,
                "made_at": made_at.isoformat(),
            }
            conn.execute(withdrawals_t.insert().values(**row))
        return row

    def _claim(self, conn: Connection, request_id: str, signed_at: int, now: float) -> None:
        """Remember a payment request's id in its transaction: a replay is refused even after a restart."""
        dialect = postgresql if self._postgres else sqlite
        inserted = conn.execute(
            dialect.insert(seen_t).values(request_id=request_id, seen_at=signed_at).on_conflict_do_nothing()
        ).rowcount
        if not inserted:
            raise SignatureRefused("replayed_request", f"request {request_id} was seen before")
        if now >= self._next_prune:  # ids older than two windows can no longer arrive: forget them
            self._next_prune = now + 60
            conn.execute(delete(seen_t).where(seen_t.c.seen_at < int(now - 2 * self.window_s)))

    def _held(self, conn: Connection, department: str, references: Sequence[str]) -> dict[str, Any]:
        held: dict[str, Any] = {}
        for part in _chunks(references):
            rows = conn.execute(
                select(payments_t).where(payments_t.c.department == department, payments_t.c.reference.in_(part))
            )
            held.update({r.reference: r._asdict() for r in rows})
        return held

    # -- status enquiry, settlement, checkers --------------------------------------------------------------
    def status(self, department: str, references: Sequence[str]) -> list[StatusResult]:
        with self.readers.connect() as conn:
            held = self._held(conn, department, sorted(set(references)))
        answers = []
        for reference in references:
            row = held.get(reference)
            if row is None:
                answers.append(StatusResult(reference=reference, result="not_found"))
            else:
                answers.append(
                    StatusResult(
                        reference=reference,
                        result=row["result"],
                        reason=row["reason"],
                        department_ref=row["department_ref"],
                        approval_no=_approval(row),
                        amount_paise=row["amount_paise"],
                    )
                )
        return answers

    def settlement(self, department: str, business_date: date) -> list[SettlementLine]:
        """What the department received on this business date (IST): its successes, in the order recorded."""
        with self.readers.connect() as conn:
            rows = conn.execute(
                select(payments_t)
                .where(
                    payments_t.c.department == department,
                    payments_t.c.business_date == business_date.isoformat(),
                    payments_t.c.result == "success",
                )
                .order_by(payments_t.c.id)
            ).all()
        return [
            SettlementLine(
                reference=r.reference,
                department_ref=r.department_ref,
                service_code=r.service_code,
                consumer_no=r.consumer_no,
                bill_no=r.bill_no,
                amount_paise=r.amount_paise,
                paid_at=r.recorded_at,
            )
            for r in rows
        ]

    def payments(
        self, department: str | None = None, reference: str | None = None, limit: int = 1000
    ) -> list[dict[str, Any]]:
        query = select(payments_t).order_by(payments_t.c.id).limit(limit)
        if department is not None:
            query = query.where(payments_t.c.department == department)
        if reference is not None:
            query = query.where(payments_t.c.reference == reference)
        with self.readers.connect() as conn:
            return [dict(r._asdict()) for r in conn.execute(query)]

    def healthy(self) -> bool:
        with self.readers.connect() as conn:
            return conn.execute(select(1)).scalar() == 1


def _approval(row: Any) -> str | None:
    """A success's approval number: derived from the department and our reference, so every answer for the
    reference (a resend, a status enquiry, after a restart) gives the same one."""
    return consumers.approval_no(row["department"], row["reference"]) if row["result"] == "success" else None


def _result(row: dict[str, Any]) -> PayResult:
    return PayResult(
        reference=row["reference"],
        result=row["result"],
        reason=row["reason"],
        department_ref=row["department_ref"],
        approval_no=_approval(row),
        message=row["message"],
    )
