"""A department answers a payment with its reference and its approval number, the same one every time it is
asked (a resend, a status enquiry, after a restart); a decline has none, and an answer that gives a decline an
approval number is malformed."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from departments import consumers
from server.billers import BillerDeclined, BillerPayment
from server.billers.protocol import PayResult, StatusResult
from tests.departments.helpers import JVVNL, consumer, ist_today, reference
from tests.support.departments import DepartmentsProcess


def test_a_success_carries_its_approval_number_on_every_answer(fresh_departments: DepartmentsProcess) -> None:
    discom = fresh_departments.adapter("discom")
    number = consumer()
    bill = discom.fetch(JVVNL, number, {}, date.fromisoformat(ist_today()))
    ref = reference()
    paid = discom.pay(JVVNL, ref, number, bill.bill_no, 12_345)
    assert paid.status == "success" and paid.approval_no == consumers.approval_no("discom", ref)
    assert paid.approval_no.startswith("APDIS") and paid.approval_no != paid.biller_ref
    assert discom.pay(JVVNL, ref, number, bill.bill_no, 12_345) == paid  # the resend: the same answer
    assert discom.status(ref) == paid
    fresh_departments.stop()
    fresh_departments.start()
    assert fresh_departments.adapter("discom").status(ref) == paid  # after a restart too


def test_a_decline_has_no_approval_number(departments: DepartmentsProcess) -> None:
    discom = departments.adapter("discom")
    declined = reference()
    departments.set_fault("discom", "decline", times=1)
    try:
        with pytest.raises(BillerDeclined):
            discom.pay(JVVNL, declined, consumer(), "JVV1", 10_000)
    finally:
        departments.clear_faults()
    assert discom.status(declined) == BillerPayment(declined, "", "failed", "")


def test_the_protocol_refuses_an_approval_number_without_a_success() -> None:
    with pytest.raises(ValidationError):
        PayResult(reference="R-1", result="declined", reason="declined", approval_no="AP1")
    with pytest.raises(ValidationError):
        StatusResult(reference="R-1", result="not_found", approval_no="AP1")
    with pytest.raises(ValidationError):  # not a number a receipt can print
        PayResult(reference="R-1", result="success", department_ref="D-1", approval_no="AP 1\n")
    old = PayResult(reference="R-1", result="success", department_ref="D-1")  # a department that gives none
    assert old.approval_no is None
