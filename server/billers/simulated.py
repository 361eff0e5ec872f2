"""Simulated departments: deterministic demo consumers and faults that can be switched on per biller.

Demo consumers: any consumer number of the right format has a bill whose name, amount and dates follow
from a hash of the number, except numbers ending in 0000 (no such consumer) and 9999 (nothing due).
A bill paid through us is paid at the department too: fetching it again says so.

Faults (table biller_faults, switched by the admin API in demo mode): timeout — the department never
sees the payment; lost_answer — it records the payment, then the answer is lost; decline — it refuses
(and answers "failed" for that reference from then on); slow — it answers after delay_ms.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError

from server.billers import (
    Bill,
    BillAlreadyPaid,
    BillerDeclined,
    BillerError,
    BillerPayment,
    BillerTimeout,
    ConsumerNotFound,
)
from server.catalog import Service
from server.core.db import reader
from server.models import BillerFault, SimBillerPayment
from server.models.base import table_of, utcnow

faults_t = table_of(BillerFault)
sim_t = table_of(SimBillerPayment)

# Built once: a batch asks these every time, and a statement built per call costs more Python time to
# construct and to key for the compiled cache than the database spends answering it.
_FAULT = select(faults_t.c.fault, faults_t.c.remaining, faults_t.c.delay_ms, faults_t.c.applies_to).where(
    faults_t.c.biller == bindparam("biller")
)
_TAKE_ONE = (
    update(faults_t)
    .where(faults_t.c.biller == bindparam("of_biller"), faults_t.c.remaining > 0)
    .values(remaining=faults_t.c.remaining - 1)
)
_STATUS = select(sim_t.c.reference, sim_t.c.biller_ref, sim_t.c.status).where(
    sim_t.c.biller == bindparam("biller"), sim_t.c.reference == bindparam("reference")
)
_STATUSES = select(sim_t.c.reference, sim_t.c.biller_ref, sim_t.c.status).where(
    sim_t.c.biller == bindparam("biller"), sim_t.c.reference.in_(bindparam("references", expanding=True))
)
_PAID = (
    select(sim_t.c.id)
    .where(
        sim_t.c.biller == bindparam("biller"),
        sim_t.c.bill_no == bindparam("bill_no"),
        sim_t.c.consumer_no == bindparam("consumer_no"),
        sim_t.c.status == "success",
        sim_t.c.reference != bindparam("besides"),
    )
    .limit(1)
)
_PAID_MANY = select(sim_t.c.consumer_no, sim_t.c.bill_no).where(
    sim_t.c.biller == bindparam("biller"),
    sim_t.c.bill_no.in_(bindparam("bill_nos", expanding=True)),
    sim_t.c.status == "success",
)
# PostgreSQL: one index probe per bill.  Asked as an IN list, the planner of a table that grew since it was
# last analyzed takes `biller = …` for the selective part and reads every row of the department instead.
_PAID_PAIRS_PG = text(
    "SELECT w.consumer_no, w.bill_no "
    "FROM unnest(CAST(:consumers AS text[]), CAST(:bill_nos AS text[])) AS w(consumer_no, bill_no) "
    "CROSS JOIN LATERAL (SELECT 1 FROM sim_biller_payments s WHERE s.biller = :biller AND s.bill_no = w.bill_no "
    "AND s.consumer_no = w.consumer_no AND s.status = 'success' LIMIT 1) AS paid"
)
_RECORD = insert(sim_t)
# A bulk file: rows the department already holds (an earlier or a concurrent attempt) are skipped, the others
# recorded; the statement answers the references it recorded.  On PostgreSQL one statement of columns as arrays.
_RECORD_NEW_PG = text(
    "INSERT INTO sim_biller_payments (biller, reference, service_code, consumer_no, bill_no, amount_paise, "
    "biller_ref, status, created_at) "
    "SELECT :biller, r.reference, r.service_code, r.consumer_no, r.bill_no, r.amount_paise, r.biller_ref, "
    "'success', :now FROM unnest(CAST(:references AS text[]), CAST(:service_codes AS text[]), "
    "CAST(:consumers AS text[]), CAST(:bill_nos AS text[]), CAST(:amounts AS bigint[]), "
    "CAST(:biller_refs AS text[])) AS r(reference, service_code, consumer_no, bill_no, amount_paise, biller_ref) "
    "ON CONFLICT (biller, reference) DO NOTHING RETURNING reference"
)
_RECORD_NEW_SQLITE = (
    sqlite.insert(sim_t)
    .on_conflict_do_nothing(index_elements=[sim_t.c.biller, sim_t.c.reference])
    .returning(sim_t.c.reference)
)
_IN_CHUNK = 500  # bound parameters per IN list (SQLite allows 999 per statement)

NAMES = [
    "Ramesh Kumar Sharma",
    "Sunita Devi",
    "Mohan Lal Meena",
    "Kamla Kanwar",
    "Abdul Rashid",
    "Geeta Choudhary",
    "Suresh Jat",
    "Pooja Rathore",
    "Bhanwar Lal Bishnoi",
    "Manju Saini",
    "Harish Agarwal",
    "Rekha Gurjar",
]
PARTIAL_BILLERS = {"phed"}


def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("|".join(parts).encode()).digest()[:8], "big")


class SimulatedBiller:
    """Plays one department (biller code); its records live in sim_biller_payments."""

    def __init__(self, code: str, engine: Engine, *, timeout_s: float = 10.0) -> None:
        self.code = code
        self.engine = engine
        self.timeout_s = timeout_s

    @functools.cached_property
    def _reads(self) -> Engine:
        """Where the department's lookups go: no transaction of their own on PostgreSQL (see `reader`)."""
        return reader(self.engine)

    # -- faults -----------------------------------------------------------------------------------------
    def _fault_row(self, conn: Connection) -> Any:
        return conn.execute(_FAULT, {"biller": self.code}).first()

    @staticmethod
    def _in_force(row: Any, call: str) -> tuple[str, int]:
        """The fault this row puts on a call ("pay" or "fetch"), before any count is taken."""
        if row is None or row.fault == "none" or row.remaining == 0 or row.applies_to not in (call, "both"):
            return "none", 0
        return str(row.fault), int(row.delay_ms)

    def _fault(self, call: str, row: Any = None) -> tuple[str, int]:
        """The fault in force for this call ("pay" or "fetch"); a pay consumes one of a counted fault.

        `row` is the fault row when the caller has just read it; otherwise it is read here.
        """
        if row is None:
            with self._reads.connect() as conn:  # a read: no write lock unless there is a count to take
                row = self._fault_row(conn)
        fault, delay = self._in_force(row, call)
        if fault != "none" and call == "pay" and row.remaining > 0:
            with self.engine.begin() as conn:
                taken = conn.execute(_TAKE_ONE, {"of_biller": self.code}).rowcount
            if not taken:  # a concurrent call took the last one
                return "none", 0
        return fault, delay

    @staticmethod
    def _switched_on(row: Any) -> bool:
        """Any fault at all for this department (whatever call it applies to)."""
        return row is not None and row.fault != "none" and row.remaining != 0

    def _slow(self, delay_ms: int) -> None:
        delay = delay_ms / 1000
        if delay >= self.timeout_s:
            time.sleep(self.timeout_s)
            raise BillerTimeout(f"{self.code} did not answer within {self.timeout_s:g} s")
        time.sleep(delay)

    # -- the interface ----------------------------------------------------------------------------------
    def fetch(self, service: Service, consumer_no: str, values: dict[str, str], today: date) -> Bill:
        fault, delay = self._fault("fetch")
        bill = self._faulted_bill(fault, delay, service, consumer_no, values, today)
        if bill.bill_no is not None and service.kind == "bill" and self._paid(consumer_no, bill.bill_no):
            raise BillAlreadyPaid("this bill is already paid; nothing is due")
        return bill

    def _faulted_bill(
        self, fault: str, delay: int, service: Service, consumer_no: str, values: dict[str, str], today: date
    ) -> Bill:
        if fault == "timeout":
            raise BillerTimeout(f"{self.code} did not answer; try Get Bill Details again")
        if fault == "slow":
            self._slow(delay)
        return self._bill(service, consumer_no, values, today)

    def fetch_many(self, items: list[tuple[Service, str, dict[str, str]]], today: date) -> list[Bill | BillerError]:
        """Many bills at once (a department's bulk enquiry): one look at its records for all of them.

        The fault row is read once for the whole enquiry; a fetch fault then acts on each item as it would
        on one bill (a timeout for each, a slow answer before each).
        """
        with self._reads.connect() as conn:
            fault, delay = self._in_force(self._fault_row(conn), "fetch")
            if fault != "slow":  # nothing to wait for: the bills and the lookup share this connection
                return self._checked(conn, items, [self._try_bill(fault, 0, item, today) for item in items])
        bills = [self._try_bill(fault, delay, item, today) for item in items]  # sleeps with no connection held
        with self._reads.connect() as conn:
            return self._checked(conn, items, bills)

    def _try_bill(
        self, fault: str, delay: int, item: tuple[Service, str, dict[str, str]], today: date
    ) -> Bill | BillerError:
        service, consumer_no, values = item
        try:
            return self._faulted_bill(fault, delay, service, consumer_no, values, today)
        except BillerError as exc:
            return exc

    def _checked(
        self, conn: Connection, items: list[tuple[Service, str, dict[str, str]]], bills: list[Bill | BillerError]
    ) -> list[Bill | BillerError]:
        """The bills, with those the department already has a payment for answered "already paid"."""
        wanted = sorted(
            {
                (b.consumer_no, b.bill_no)
                for b, (s, _, _) in zip(bills, items, strict=True)
                if isinstance(b, Bill) and b.bill_no is not None and s.kind == "bill"
            }
        )
        if not wanted:
            return bills
        paid: set[tuple[str, str]] = set()
        if conn.dialect.name == "postgresql":
            found = conn.execute(
                _PAID_PAIRS_PG,
                {"biller": self.code, "consumers": [c for c, _ in wanted], "bill_nos": [b for _, b in wanted]},
            )
            paid.update((str(r.consumer_no), str(r.bill_no)) for r in found)
        else:
            for part in _chunks(sorted({b for _, b in wanted})):
                found = conn.execute(_PAID_MANY, {"biller": self.code, "bill_nos": part})
                paid.update((str(r.consumer_no), str(r.bill_no)) for r in found)
        if not paid:
            return bills
        return [
            BillAlreadyPaid("this bill is already paid; nothing is due")
            if isinstance(b, Bill) and s.kind == "bill" and (b.consumer_no, b.bill_no) in paid
            else b
            for b, (s, _, _) in zip(bills, items, strict=True)
        ]

    def _bill(self, service: Service, consumer_no: str, values: dict[str, str], today: date) -> Bill:
        """The department's bill for this consumer today, before looking at what it was already paid."""
        if consumer_no.endswith("0000"):
            raise ConsumerNotFound("no consumer with this number at the department; check the number on the bill")
        h = _digest(service.code, consumer_no)
        name = values.get("resident_name") or NAMES[h % len(NAMES)]
        if service.kind == "recharge":
            return Bill(
                consumer_no,
                f"{service.name_en} {consumer_no}",
                None,
                None,
                None,
                None,
                None,
                True,
                service.min_paise or 1,
                service.max_paise or 10**9,
            )
        if service.kind == "fee":
            fee = service.fee_paise or 0
            return Bill(consumer_no, name, f"APP{h % 10**8:08d}", today, None, fee, None, False, fee, fee)
        if service.kind == "micro_atm":
            amount = 10_000 * (1 + h % 100)  # ₹100 to ₹10,000 in steps of ₹100
            return Bill(
                consumer_no,
                f"Micro-ATM withdrawal RRN {consumer_no}",
                consumer_no,
                today,
                None,
                amount,
                None,
                False,
                amount,
                amount,
            )
        bill_no = f"{service.department[:3]}{(h >> 8) % 10**7:07d}"
        if consumer_no.endswith("9999"):
            raise BillAlreadyPaid("this bill is already paid; nothing is due")
        amount = 10_000 + (h % 4_990) * 100  # ₹100 to ₹5,089
        bill_date = today - timedelta(days=12 + h % 10)
        overdue = (h >> 16) % 4 == 0
        due_date = today - timedelta(days=3) if overdue else today + timedelta(days=3 + h % 10)
        partial = self.code in PARTIAL_BILLERS
        return Bill(
            consumer_no=consumer_no,
            consumer_name=name,
            bill_no=bill_no,
            bill_date=bill_date,
            due_date=due_date,
            amount_due_paise=amount,
            amount_after_due_paise=amount + amount // 50,  # 2% late-payment surcharge
            partial_allowed=partial,
            min_paise=10_000 if partial else amount,
            max_paise=amount + amount // 50,
        )

    def pay(
        self, service: Service, reference: str, consumer_no: str, bill_no: str | None, amount_paise: int
    ) -> BillerPayment:
        with self._reads.connect() as conn:
            known = self._status(conn, reference)
            row = None if known is not None else self._fault_row(conn)
        if known is not None:  # the department is idempotent on our reference
            return known
        if bill_no is not None and service.kind == "bill" and self._paid(consumer_no, bill_no, besides=reference):
            raise BillAlreadyPaid("this bill is already paid at the department under another reference")
        fault, delay = self._fault("pay", row)
        if fault == "timeout":
            raise BillerTimeout(f"{self.code} did not answer")
        if fault == "slow":
            self._slow(delay)
        # The first answer for a reference is recorded, a decline too, and every later ask of that reference
        # gets it again: two attempts racing on one reference (a resend from a status query on another
        # server process) end with one answer, never a decline for one and a success for the other.
        outcome = "failed" if fault == "decline" else "success"
        biller_ref = self._biller_ref(reference)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    _RECORD,
                    {
                        "biller": self.code,
                        "reference": reference,
                        "service_code": service.code,
                        "consumer_no": consumer_no,
                        "bill_no": bill_no,
                        "amount_paise": amount_paise,
                        "biller_ref": biller_ref,
                        "status": outcome,
                    },
                )
        except IntegrityError:  # a concurrent attempt with the same reference recorded it first
            found = self.status(reference)
            assert found is not None
            return found
        if fault == "decline":
            raise BillerDeclined(f"{self.code} declined the payment (simulated)")
        if fault == "lost_answer":
            raise BillerTimeout(f"{self.code} did not answer (the payment was recorded there)")
        return BillerPayment(reference, biller_ref, "success")

    def _biller_ref(self, reference: str) -> str:
        return f"{self.code.upper()}-{_digest(reference) % 10**10:010d}"

    def pay_many(self, items: list[tuple[Service, str, str, str | None, int]]) -> dict[str, BillerPayment]:
        """Record many payments in one transaction (a department's bulk file).

        Only when no fault is switched on for this department: with one, the caller pays item by item so
        every fault behaves exactly as for a single payment.  Items left out of the answer were not paid.
        A reference the department already holds (an earlier or a concurrent attempt) answers what it holds.
        """
        if not items:
            return {}
        biller_refs = {reference: self._biller_ref(reference) for _, reference, _, _, _ in items}
        with self.engine.begin() as conn:
            if self._switched_on(self._fault_row(conn)):
                return {}
            if conn.dialect.name == "postgresql":
                fresh = {item[1]: item for item in items}  # one row per reference
                found = conn.execute(
                    _RECORD_NEW_PG,
                    {
                        "biller": self.code,
                        "now": utcnow(),
                        "references": list(fresh),
                        "service_codes": [service.code for service, *_ in fresh.values()],
                        "consumers": [consumer_no for _, _, consumer_no, _, _ in fresh.values()],
                        "bill_nos": [bill_no for _, _, _, bill_no, _ in fresh.values()],
                        "amounts": [amount for *_, amount in fresh.values()],
                        "biller_refs": [biller_refs[reference] for reference in fresh],
                    },
                )
            else:
                rows = {
                    reference: {
                        "biller": self.code,
                        "reference": reference,
                        "service_code": service.code,
                        "consumer_no": consumer_no,
                        "bill_no": bill_no,
                        "amount_paise": amount,
                        "biller_ref": biller_refs[reference],
                        "status": "success",
                    }
                    for service, reference, consumer_no, bill_no, amount in items
                }
                found = conn.execute(_RECORD_NEW_SQLITE, list(rows.values()))
            recorded = {str(reference) for reference in found.scalars()}
            answers = {reference: BillerPayment(reference, biller_refs[reference], "success") for reference in recorded}
            held = [reference for reference in biller_refs if reference not in recorded]
            for part in _chunks(held):
                answers.update(
                    (str(r.reference), BillerPayment(str(r.reference), str(r.biller_ref), str(r.status)))
                    for r in conn.execute(_STATUSES, {"biller": self.code, "references": part})
                )
        return answers

    def _status(self, conn: Connection, reference: str) -> BillerPayment | None:
        row = conn.execute(_STATUS, {"biller": self.code, "reference": reference}).first()
        return BillerPayment(row.reference, row.biller_ref, row.status) if row else None

    def status(self, reference: str) -> BillerPayment | None:
        with self._reads.connect() as conn:
            return self._status(conn, reference)

    def _paid(self, consumer_no: str, bill_no: str, besides: str = "") -> bool:
        """Whether the department holds this bill paid (under a reference other than `besides`: a copy of our
        own attempt that a concurrent request recorded a moment ago is that attempt, not another payment)."""
        with self._reads.connect() as conn:
            found = conn.execute(
                _PAID, {"biller": self.code, "consumer_no": consumer_no, "bill_no": bill_no, "besides": besides}
            )
            return found.first() is not None


def _chunks(values: list[str]) -> Iterable[list[str]]:
    return (values[start : start + _IN_CHUNK] for start in range(0, len(values), _IN_CHUNK))


def set_fault(
    engine: Engine, biller: str, fault: str, times: int = -1, delay_ms: int = 0, applies_to: str = "pay"
) -> None:
    with engine.begin() as conn:
        conn.execute(faults_t.delete().where(faults_t.c.biller == biller))
        if fault != "none":
            conn.execute(
                insert(faults_t).values(
                    biller=biller, fault=fault, remaining=times, delay_ms=delay_ms, applies_to=applies_to
                )
            )


def list_faults(engine: Engine) -> dict[str, dict[str, int | str]]:
    """The faults switched on, per biller: fault, remaining (-1 until switched off, 0 used up), delay_ms, applies_to."""
    columns = (faults_t.c.biller, faults_t.c.fault, faults_t.c.remaining, faults_t.c.delay_ms, faults_t.c.applies_to)
    with engine.connect() as conn:
        rows = conn.execute(select(*columns)).all()
    return {
        str(r.biller): {
            "fault": str(r.fault),
            "remaining": int(r.remaining),
            "delay_ms": int(r.delay_ms),
            "applies_to": str(r.applies_to),
        }
        for r in rows
    }
