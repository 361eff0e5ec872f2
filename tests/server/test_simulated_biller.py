"""The simulated department on SQLite and PostgreSQL: its bulk enquiry and bulk file answer as its single calls
do, each asks the database a fixed number of statements whatever the batch size, and a counted pay fault
takes exactly one count per payment when two processes (two engines) pay at the same time."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert, select

from server.billers import Bill, BillAlreadyPaid, BillerDeclined, BillerPayment, BillerTimeout, ConsumerNotFound
from server.billers.simulated import SimulatedBiller, faults_t, list_faults, set_fault, sim_t
from server.catalog import load_catalog
from server.core.db import make_engine, reader

TODAY = date(2026, 11, 25)
CATALOG = load_catalog()
ELEC = CATALOG.services["ELEC-JVVNL"]
RECHARGE = CATALOG.services["MOBILE-PREPAID"]


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


class Statements:
    """Counts the statements sent for an engine (BEGIN/COMMIT/ROLLBACK are not statements here)."""

    def __init__(self, engine: Engine) -> None:
        self.sent: list[str] = []
        for watched in {engine, reader(engine)}:  # the reads' own engine on PostgreSQL
            event.listen(watched, "before_cursor_execute", self._seen)

    def _seen(self, *args: Any) -> None:
        verb = str(args[2]).split()[0].upper()
        if verb not in ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA"):
            self.sent.append(verb)

    def take(self) -> list[str]:
        sent, self.sent = self.sent, []
        return sent


def consumers(n: int, start: int = 0) -> list[str]:
    return [f"2104{start + i:06d}11" for i in range(n)]


def enquiry(biller: SimulatedBiller, numbers: list[str]) -> list[Bill | Exception]:
    return list(biller.fetch_many([(ELEC, c, {"k_no": c}) for c in numbers], TODAY))


def pay_all(biller: SimulatedBiller, bills: list[Any], prefix: str) -> dict[str, BillerPayment]:
    items = [(ELEC, f"{prefix}{i:05d}", b.consumer_no, b.bill_no, b.amount_due_paise) for i, b in enumerate(bills)]
    return biller.pay_many(items)


def test_the_bulk_enquiry_and_file_answer_as_single_calls_in_two_statements_each(engine: Engine) -> None:
    biller = SimulatedBiller(ELEC.biller, engine)
    statements = Statements(engine)
    numbers = consumers(120)
    first = enquiry(biller, numbers)
    assert all(isinstance(b, Bill) for b in first)
    assert statements.take() == ["SELECT", "SELECT"]  # the fault row, then one look at the department's records

    paid = pay_all(biller, first[:70], "REF")
    assert sorted(paid) == [f"REF{i:05d}" for i in range(70)]
    assert all(p.status == "success" and p.biller_ref.startswith(ELEC.biller.upper() + "-") for p in paid.values())
    assert statements.take() == ["SELECT", "INSERT"]  # the fault row, then the whole file in one statement
    assert {r: biller.status(r) for r in paid} == paid

    # The same file again (a retry) plus new rows: the held references answer what the department holds.
    again = pay_all(biller, first[:80], "REF")
    assert len(again) == 80 and {r: again[r] for r in paid} == paid
    statements.take()

    after = enquiry(biller, [*numbers, "2104999990000"])
    assert all(isinstance(b, BillAlreadyPaid) for b in after[:80])
    assert all(isinstance(b, Bill) for b in after[80:120]) and isinstance(after[120], ConsumerNotFound)
    assert [b.amount_due_paise for b in after[80:120] if isinstance(b, Bill)] == [
        b.amount_due_paise for b in first[80:] if isinstance(b, Bill)
    ]
    assert statements.take() == ["SELECT", "SELECT"]
    for number, answer in zip(numbers, after, strict=False):  # the single enquiry agrees item by item
        if isinstance(answer, BillAlreadyPaid):
            with pytest.raises(BillAlreadyPaid):
                biller.fetch(ELEC, number, {"k_no": number}, TODAY)
        else:
            assert biller.fetch(ELEC, number, {"k_no": number}, TODAY) == answer


def test_already_paid_is_per_consumer_and_bill_and_only_for_success(engine: Engine) -> None:
    biller = SimulatedBiller(ELEC.biller, engine)
    mine, other, failed = consumers(3, start=500)
    bills = dict(zip((mine, other, failed), enquiry(biller, [mine, other, failed]), strict=True))
    numbers = {c: b.bill_no for c, b in bills.items() if isinstance(b, Bill)}
    assert len(numbers) == 3

    def record(reference: str, consumer: str, bill_no: str | None, status: str) -> None:
        with engine.begin() as conn:
            conn.execute(
                insert(sim_t).values(
                    biller=ELEC.biller,
                    reference=reference,
                    service_code=ELEC.code,
                    consumer_no=consumer,
                    bill_no=bill_no,
                    amount_paise=100,
                    biller_ref=f"B-{reference}",
                    status=status,
                )
            )

    record("X1", other, numbers[mine], "success")  # another consumer's payment under the same bill number
    record("X2", failed, numbers[failed], "failed")  # a payment the department did not take
    assert enquiry(biller, [mine, other, failed]) == [bills[mine], bills[other], bills[failed]]
    record("X3", mine, numbers[mine], "success")
    answers = enquiry(biller, [mine, other, failed])
    assert isinstance(answers[0], BillAlreadyPaid) and answers[1:] == [bills[other], bills[failed]]
    recharge = SimulatedBiller(RECHARGE.biller, engine).fetch_many([(RECHARGE, "9829011111", {})], TODAY)
    assert isinstance(recharge[0], Bill) and recharge[0].bill_no is None  # no bill number: nothing to look up


def test_a_fetch_fault_acts_on_every_item_after_one_read_and_any_fault_stops_the_bulk_file(engine: Engine) -> None:
    biller = SimulatedBiller(ELEC.biller, engine)
    statements = Statements(engine)
    set_fault(engine, ELEC.biller, "timeout", times=2, applies_to="fetch")
    statements.take()
    answers = enquiry(biller, consumers(30, start=700))
    assert all(isinstance(a, BillerTimeout) for a in answers)
    assert statements.take() == ["SELECT"]  # the fault row, once for the whole enquiry
    assert list_faults(engine)[ELEC.biller]["remaining"] == 2  # an enquiry never uses up a counted fault

    # Any fault switched on (even one for enquiries only) sends the payments one by one: the file records none.
    assert biller.pay_many([(ELEC, "F1", "210400000111", "JVV0000001", 100)]) == {}
    assert biller.status("F1") is None

    set_fault(engine, ELEC.biller, "slow", delay_ms=1, applies_to="both")
    answers = enquiry(biller, consumers(3, start=700))
    assert all(isinstance(a, Bill) for a in answers)
    set_fault(engine, ELEC.biller, "none")
    assert all(isinstance(a, Bill) for a in enquiry(biller, consumers(3, start=700)))


def test_a_counted_pay_fault_takes_one_count_per_payment_across_two_processes(database_url: str) -> None:
    engines = [make_engine(database_url), make_engine(database_url)]
    try:
        set_fault(engines[0], ELEC.biller, "decline", times=7)
        billers = [SimulatedBiller(ELEC.biller, e) for e in engines]
        outcomes: Counter[str] = Counter()
        lock = threading.Lock()

        def pay(worker: int) -> None:
            for n in range(10):
                reference = f"W{worker}-{n:03d}"
                try:
                    billers[worker % 2].pay(ELEC, reference, "210400000111", f"JVV{worker}{n:06d}", 100)
                    result = "paid"
                except BillerDeclined:
                    result = "declined"
                with lock:
                    outcomes[result] += 1

        threads = [threading.Thread(target=pay, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert outcomes == Counter({"declined": 7, "paid": 33})
        with engines[0].connect() as conn:
            assert conn.execute(select(faults_t.c.remaining)).scalar_one() == 0
            statuses = Counter(conn.execute(select(sim_t.c.status)).scalars())
            assert statuses == Counter({"success": 33, "failed": 7})  # a decline is kept, for its reference
        # The fault is used up: a new reference is paid now, and asked again answers the department's record.
        again = billers[1].pay(ELEC, "W9-000", "210400000111", "JVV9000000", 100)
        assert again.status == "success" and billers[0].pay(ELEC, "W9-000", "x", None, 1) == again
        with engines[0].connect() as conn:
            declined = conn.execute(select(sim_t.c.reference).where(sim_t.c.status == "failed")).scalars().first()
        assert declined is not None
        assert billers[1].pay(ELEC, declined, "x", None, 1).status == "failed"  # declined once, declined again
    finally:
        for e in engines:
            e.dispose()
