"""Simulated departments: deterministic demo consumers and faults that can be switched on per biller.

Demo consumers: any consumer number of the right format has a bill whose name, amount and dates follow
from a hash of the number, except numbers ending in 0000 (no such consumer) and 9999 (nothing due).
A bill paid through us is paid at the department too: fetching it again says so.

Faults (table biller_faults, switched by the admin API in demo mode): timeout — the department never
sees the payment; lost_answer — it records the payment, then the answer is lost; decline — it refuses;
slow — it answers after delay_ms.
"""

from __future__ import annotations

import hashlib
import time
from datetime import date, timedelta

from sqlalchemy import Engine, insert, select, update
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
from server.models import BillerFault, SimBillerPayment
from server.models.base import table_of

faults_t = table_of(BillerFault)
sim_t = table_of(SimBillerPayment)

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

    # -- faults -----------------------------------------------------------------------------------------
    def _fault(self, call: str) -> tuple[str, int]:
        """The fault in force for this call ("pay" or "fetch"); a pay consumes one of a counted fault."""
        query = select(faults_t.c.fault, faults_t.c.remaining, faults_t.c.delay_ms, faults_t.c.applies_to).where(
            faults_t.c.biller == self.code
        )
        with self.engine.connect() as conn:  # a read: no write lock unless there is a count to take
            row = conn.execute(query).first()
        if row is None or row.fault == "none" or row.remaining == 0 or row.applies_to not in (call, "both"):
            return "none", 0
        if call == "pay" and row.remaining > 0:
            with self.engine.begin() as conn:
                taken = conn.execute(
                    update(faults_t)
                    .where(faults_t.c.biller == self.code, faults_t.c.remaining > 0)
                    .values(remaining=faults_t.c.remaining - 1)
                ).rowcount
            if not taken:  # a concurrent call took the last one
                return "none", 0
        return row.fault, row.delay_ms

    def _slow(self, delay_ms: int) -> None:
        delay = delay_ms / 1000
        if delay >= self.timeout_s:
            time.sleep(self.timeout_s)
            raise BillerTimeout(f"{self.code} did not answer within {self.timeout_s:g} s")
        time.sleep(delay)

    # -- the interface ----------------------------------------------------------------------------------
    def fetch(self, service: Service, consumer_no: str, values: dict[str, str], today: date) -> Bill:
        fault, delay = self._fault("fetch")
        if fault == "timeout":
            raise BillerTimeout(f"{self.code} did not answer; try Get Bill Details again")
        if fault == "slow":
            self._slow(delay)
        bill = self._bill(service, consumer_no, values, today)
        if bill.bill_no is not None and service.kind == "bill" and self._paid(consumer_no, bill.bill_no):
            raise BillAlreadyPaid("this bill is already paid; nothing is due")
        return bill

    def fetch_many(self, items: list[tuple[Service, str, dict[str, str]]], today: date) -> list[Bill | BillerError]:
        """Many bills at once (a department's bulk enquiry): one look at its records for all of them.

        With a fetch fault switched on, each item goes through `fetch`, so faults behave as for one bill.
        """
        if self._fault("fetch")[0] != "none":
            answers: list[Bill | BillerError] = []
            for service, consumer_no, values in items:
                try:
                    answers.append(self.fetch(service, consumer_no, values, today))
                except BillerError as exc:
                    answers.append(exc)
            return answers
        bills: list[Bill | BillerError] = []
        for service, consumer_no, values in items:
            try:
                bills.append(self._bill(service, consumer_no, values, today))
            except BillerError as exc:
                bills.append(exc)
        wanted = [
            b.bill_no
            for b, (s, _, _) in zip(bills, items, strict=True)
            if isinstance(b, Bill) and b.bill_no is not None and s.kind == "bill"
        ]
        paid: set[tuple[str, str]] = set()
        for start in range(0, len(wanted), 500):
            with self.engine.connect() as conn:
                paid |= {
                    (str(r.consumer_no), str(r.bill_no))
                    for r in conn.execute(
                        select(sim_t.c.consumer_no, sim_t.c.bill_no).where(
                            sim_t.c.biller == self.code,
                            sim_t.c.bill_no.in_(wanted[start : start + 500]),
                            sim_t.c.status == "success",
                        )
                    )
                }
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
        known = self.status(reference)
        if known is not None:  # the department is idempotent on our reference
            return known
        fault, delay = self._fault("pay")
        if fault == "timeout":
            raise BillerTimeout(f"{self.code} did not answer")
        if fault == "decline":
            raise BillerDeclined(f"{self.code} declined the payment (simulated)")
        if fault == "slow":
            self._slow(delay)
        biller_ref = f"{self.code.upper()}-{_digest(reference) % 10**10:010d}"
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(sim_t).values(
                        biller=self.code,
                        reference=reference,
                        service_code=service.code,
                        consumer_no=consumer_no,
                        bill_no=bill_no,
                        amount_paise=amount_paise,
                        biller_ref=biller_ref,
                        status="success",
                    )
                )
        except IntegrityError:  # a concurrent attempt with the same reference recorded it first
            found = self.status(reference)
            assert found is not None
            return found
        if fault == "lost_answer":
            raise BillerTimeout(f"{self.code} did not answer (the payment was recorded there)")
        return BillerPayment(reference, biller_ref, "success")

    def pay_many(self, items: list[tuple[Service, str, str, str | None, int]]) -> dict[str, BillerPayment]:
        """Record many payments in one transaction (a department's bulk file).

        Only when no fault is switched on for this department: with one, the caller pays item by item so
        every fault behaves exactly as for a single payment.  Items left out of the answer were not paid.
        """
        if self._fault_switched_on():
            return {}
        references = [reference for _, reference, _, _, _ in items]
        with self.engine.connect() as conn:
            known = {
                str(r.reference): BillerPayment(str(r.reference), str(r.biller_ref), str(r.status))
                for r in conn.execute(
                    select(sim_t.c.reference, sim_t.c.biller_ref, sim_t.c.status).where(
                        sim_t.c.biller == self.code, sim_t.c.reference.in_(references)
                    )
                )
            }
        fresh = [
            BillerPayment(reference, f"{self.code.upper()}-{_digest(reference) % 10**10:010d}", "success")
            for _, reference, _, _, _ in items
            if reference not in known
        ]
        if fresh:
            details = {
                reference: (service, consumer_no, bill_no, amount)
                for service, reference, consumer_no, bill_no, amount in items
            }
            rows = [
                {
                    "biller": self.code,
                    "reference": f.reference,
                    "service_code": details[f.reference][0].code,
                    "consumer_no": details[f.reference][1],
                    "bill_no": details[f.reference][2],
                    "amount_paise": details[f.reference][3],
                    "biller_ref": f.biller_ref,
                    "status": f.status,
                }
                for f in fresh
            ]
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(sim_t), rows)
            except IntegrityError:
                return known  # a concurrent attempt recorded some of them: the rest go one by one
        return {**known, **{f.reference: f for f in fresh}}

    def _fault_switched_on(self) -> bool:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(faults_t.c.fault, faults_t.c.remaining).where(faults_t.c.biller == self.code)
            ).first()
        return row is not None and row.fault != "none" and row.remaining != 0

    def status(self, reference: str) -> BillerPayment | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(sim_t.c.reference, sim_t.c.biller_ref, sim_t.c.status).where(
                    sim_t.c.biller == self.code, sim_t.c.reference == reference
                )
            ).first()
        return BillerPayment(row.reference, row.biller_ref, row.status) if row else None

    def _paid(self, consumer_no: str, bill_no: str) -> bool:
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    select(sim_t.c.id).where(
                        sim_t.c.biller == self.code,
                        sim_t.c.consumer_no == consumer_no,
                        sim_t.c.bill_no == bill_no,
                        sim_t.c.status == "success",
                    )
                ).first()
                is not None
            )


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
