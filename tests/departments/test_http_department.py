"""HttpDepartment against the real departments process: bills, payments idempotent on the reference, status."""

from __future__ import annotations

from datetime import date

import pytest

from departments import consumers
from server.billers import BillAlreadyPaid, BillerDeclined, BillerPayment, BillerTimeout, ConsumerNotFound
from tests.departments.helpers import ENROL, JVVNL, PHED, RECHARGE, consumer, ist_today, pay_line, reference
from tests.support.departments import DepartmentsProcess


def today() -> date:
    """The departments' day, read at each use: a test that runs past midnight (IST) asks for the new day."""
    return date.fromisoformat(ist_today())


def test_bill_fetch_answers_the_demo_consumers(departments: DepartmentsProcess) -> None:
    discom = departments.adapter("discom")
    number = consumer()
    bill = discom.fetch(JVVNL, number, {"k_no": number}, today())
    expected = consumers.bill(JVVNL, number, {}, today())
    assert (bill.consumer_no, bill.bill_no, bill.amount_due_paise, bill.due_date) == (
        number,
        expected.bill_no,
        expected.amount_due_paise,
        expected.due_date,
    )
    assert bill.bill_no is not None and bill.bill_no.startswith("JVV") and not bill.partial_allowed
    with pytest.raises(ConsumerNotFound):
        discom.fetch(JVVNL, "210012340000", {}, today())
    with pytest.raises(BillAlreadyPaid):
        discom.fetch(JVVNL, "210012349999", {}, today())
    phed = departments.adapter("phed").fetch(PHED, "1102345678", {}, today())
    assert phed.partial_allowed and phed.min_paise == 10_000
    recharge = departments.adapter("telecom").fetch(RECHARGE, "9876543210", {}, today())
    assert recharge.amount_due_paise is None and recharge.bill_no is None
    fee = departments.adapter("bhamashah").fetch(ENROL, "234567890124", {"resident_name": "Kamla Devi"}, today())
    assert fee.consumer_name == "Kamla Devi" and fee.amount_due_paise == ENROL.fee_paise


def test_a_payment_is_idempotent_on_its_reference(departments: DepartmentsProcess) -> None:
    discom = departments.adapter("discom")
    number = consumer()
    bill = discom.fetch(JVVNL, number, {}, today())
    ref = reference()
    first = discom.pay(JVVNL, ref, number, bill.bill_no, 12_345)
    assert first.status == "success" and first.reference == ref and first.biller_ref.startswith("DISCOM-")
    assert discom.pay(JVVNL, ref, number, bill.bill_no, 12_345) == first
    assert discom.status(ref) == first
    assert len(departments.payments("discom", ref)) == 1
    with pytest.raises(BillAlreadyPaid):  # the department knows the bill is paid
        discom.fetch(JVVNL, number, {}, today())


def test_a_bill_paid_under_another_reference_is_refused_and_that_refusal_stays(
    departments: DepartmentsProcess,
) -> None:
    discom = departments.adapter("discom")
    number = consumer()
    bill_no = discom.fetch(JVVNL, number, {}, today()).bill_no
    paid = discom.pay(JVVNL, reference(), number, bill_no, 10_000)
    again = reference()
    for _ in range(2):
        with pytest.raises(BillAlreadyPaid):
            discom.pay(JVVNL, again, number, bill_no, 10_000)
    assert discom.status(again) == BillerPayment(again, "", "failed")
    [row] = departments.payments("discom", again)
    assert (row["result"], row["reason"]) == ("declined", "bill_already_paid")
    assert discom.status(paid.reference) == paid
    # fees and recharges may be paid again under a new reference
    telecom = departments.adapter("telecom")
    for _ in range(2):
        assert telecom.pay(RECHARGE, reference(), "9876543210", None, 5_000).status == "success"
    with pytest.raises(ConsumerNotFound):
        discom.pay(JVVNL, reference(), "210012340000", "JVV1", 10_000)


def test_a_decline_is_recorded_and_answered_again(departments: DepartmentsProcess) -> None:
    discom = departments.adapter("discom")
    number = consumer()
    bill_no = discom.fetch(JVVNL, number, {}, today()).bill_no
    declined = reference()
    departments.set_fault("discom", "decline", times=1)
    try:
        with pytest.raises(BillerDeclined):
            discom.pay(JVVNL, declined, number, bill_no, 10_000)
        assert departments.faults()["discom"]["remaining"] == 0  # used up: the resend meets no fault
        with pytest.raises(BillerDeclined):
            discom.pay(JVVNL, declined, number, bill_no, 10_000)
    finally:
        departments.clear_faults()
    assert discom.status(declined) == BillerPayment(declined, "", "failed")
    assert discom.pay(JVVNL, reference(), number, bill_no, 10_000).status == "success"  # a new reference may


def test_batch_fetch_and_pay_carry_many_bills_in_one_request_each(departments: DepartmentsProcess) -> None:
    discom = departments.adapter("discom")
    numbers = [consumer() for _ in range(60)]
    asked = [(JVVNL, n, {}) for n in numbers] + [(JVVNL, "210012340000", {}), (JVVNL, "210012349999", {})]
    bills = discom.fetch_many(asked, today())
    assert [type(b).__name__ for b in bills[-2:]] == ["ConsumerNotFound", "BillAlreadyPaid"]
    assert all(b.consumer_no == n for b, n in zip(bills[:60], numbers, strict=True))
    lines = [pay_line(JVVNL, n, b.bill_no) for n, b in zip(numbers, bills, strict=False)]
    twice = pay_line(JVVNL, numbers[0], lines[0][3])  # the first bill again, under another reference
    unknown = pay_line(JVVNL, "210012340000", "JVV1")
    answers = discom.pay_many([*lines, twice, unknown])
    assert {answers[line[1]].status for line in lines} == {"success"}
    assert answers[twice[1]].status == "failed" and answers[unknown[1]].status == "failed"
    rows = [r for r in departments.payments("discom") if r["reference"] in answers]
    assert len(rows) == 62 and len({r["request_id"] for r in rows}) == 1  # one request, one transaction
    # sent again (an answer lost on the way): the same answers, nothing recorded twice
    assert discom.pay_many([*lines, twice, unknown]) == answers
    assert len([r for r in departments.payments("discom") if r["reference"] in answers]) == 62
    statuses = discom.status_many([line[1] for line in lines[:3]] + [twice[1], "NEVER-SENT-1"])
    assert [s.status if s else None for s in statuses.values()] == ["success"] * 3 + ["failed", None]
    assert discom.pay_many([]) == {} and discom.fetch_many([], today()) == []


def test_a_department_that_is_not_there_is_no_answer(departments: DepartmentsProcess) -> None:
    gone = departments.adapter("discom", via="http://127.0.0.1:9", status_attempts=2)
    with pytest.raises(BillerTimeout):
        gone.pay(JVVNL, reference(), consumer(), "JVV1", 10_000)
    with pytest.raises(BillerTimeout):
        gone.status(reference())
    assert isinstance(gone.fetch_many([(JVVNL, consumer(), {})], today())[0], BillerTimeout)
    assert gone.reachability()["last_problem"].startswith("ConnectionError")
    live = departments.adapter("discom")
    assert live.ping() > 0 and live.reachability()["last_problem"] is None
