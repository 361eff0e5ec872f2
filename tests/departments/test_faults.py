"""The departments' faults through their admin API: slow, timeout, decline, lost answer; per fetch/pay; counted."""

from __future__ import annotations

import time
from datetime import date

import pytest
import requests

from server.billers import BillerDeclined, BillerTimeout
from tests.departments.helpers import JVVNL, consumer, ist_today, pay_line, reference
from tests.support.departments import DepartmentsProcess


def today() -> date:
    """The departments' day, read at each use: a test that runs past midnight (IST) asks for the new day."""
    return date.fromisoformat(ist_today())


READ_TIMEOUT = 0.3
SLACK = 0.7  # the adapter's own work on a loaded machine


@pytest.fixture(autouse=True)
def no_faults_after(departments: DepartmentsProcess) -> object:
    yield None
    departments.clear_faults()


def timed_out(call: object, *args: object) -> float:
    """Seconds the call took to raise BillerTimeout."""
    started = time.monotonic()
    with pytest.raises(BillerTimeout):
        call(*args)  # type: ignore[operator]
    return time.monotonic() - started


def test_slow_beyond_the_read_timeout_returns_in_time_and_is_recorded_later(departments: DepartmentsProcess) -> None:
    discom = departments.adapter("discom", read_timeout_s=READ_TIMEOUT)
    number, ref = consumer(), reference()
    departments.set_fault("discom", "slow", times=1, delay_ms=1200)
    assert timed_out(discom.pay, JVVNL, ref, number, "JVV1", 10_000) < READ_TIMEOUT + SLACK
    assert discom.status(ref) is None  # not yet: the department is still on it
    departments.wait_for(lambda: discom.status(ref) is not None, timeout=5)
    answer = discom.status(ref)
    assert answer is not None and answer.status == "success"
    assert discom.pay(JVVNL, ref, number, "JVV1", 10_000) == answer  # the resend gets the same success


def test_lost_answer_is_recorded_at_the_department_and_the_adapter_says_timeout(
    departments: DepartmentsProcess,
) -> None:
    discom = departments.adapter("discom", read_timeout_s=READ_TIMEOUT)
    number, ref = consumer(), reference()
    departments.set_fault("discom", "lost_answer", times=1)
    assert timed_out(discom.pay, JVVNL, ref, number, "JVV1", 10_000) < READ_TIMEOUT + SLACK
    [row] = departments.payments("discom", ref)
    assert row["result"] == "success"
    assert discom.status(ref) == discom.pay(JVVNL, ref, number, "JVV1", 10_000)
    assert len(departments.payments("discom", ref)) == 1


def test_timeout_never_sees_the_payment_and_is_counted(departments: DepartmentsProcess) -> None:
    discom = departments.adapter("discom", read_timeout_s=READ_TIMEOUT)
    number, ref = consumer(), reference()
    departments.set_fault("discom", "timeout", times=2)
    for _ in range(2):
        assert timed_out(discom.pay, JVVNL, ref, number, "JVV1", 10_000) < READ_TIMEOUT + SLACK
    assert departments.payments("discom", ref) == [] and discom.status(ref) is None
    assert departments.faults()["discom"] == {
        "fault": "timeout",
        "remaining": 0,
        "delay_ms": 0,
        "applies_to": "pay",
        "active": False,
    }
    assert discom.pay(JVVNL, ref, number, "JVV1", 10_000).status == "success"  # the third request: no fault


def test_faults_on_bill_fetch(departments: DepartmentsProcess) -> None:
    discom = departments.adapter("discom", read_timeout_s=READ_TIMEOUT)
    items = [(JVVNL, consumer(), {}) for _ in range(3)]
    departments.set_fault("discom", "timeout", applies_to="fetch")
    started = time.monotonic()
    assert all(isinstance(b, BillerTimeout) for b in discom.fetch_many(items, today()))
    assert time.monotonic() - started < READ_TIMEOUT + SLACK
    assert discom.pay(JVVNL, reference(), consumer(), "JVV1", 10_000).status == "success"  # payments unaffected
    departments.set_fault("discom", "decline", applies_to="both", times=2)
    with pytest.raises(BillerDeclined):
        discom.fetch(JVVNL, consumer(), {}, today())
    with pytest.raises(BillerDeclined):
        discom.pay(JVVNL, reference(), consumer(), "JVV1", 10_000)
    assert discom.fetch(JVVNL, consumer(), {}, today()).amount_due_paise  # both used up
    departments.set_fault("discom", "slow", applies_to="fetch", delay_ms=100)
    assert discom.fetch(JVVNL, consumer(), {}, today()).bill_no  # slow within the timeout: answered


def test_a_counted_decline_declines_that_many_payments_of_a_batch(departments: DepartmentsProcess) -> None:
    discom = departments.adapter("discom")
    lines = [pay_line(JVVNL, consumer(), "JVV1") for _ in range(5)]
    departments.set_fault("discom", "decline", times=2)
    answers = discom.pay_many(lines)
    assert [answers[line[1]].status for line in lines] == ["failed", "failed", "success", "success", "success"]
    assert departments.faults()["discom"]["remaining"] == 0


def test_the_admin_api_wants_its_token(departments: DepartmentsProcess) -> None:
    url = departments.url + "/admin/faults"
    assert requests.get(url, timeout=5).status_code == 401
    assert requests.get(url, headers={"X-Admin-Token": "wrong"}, timeout=5).status_code == 401
    assert departments.admin("PUT", "/faults/nowhere", json={"fault": "timeout"}).status_code == 404
    assert departments.admin("PUT", "/faults/discom", json={"fault": "melt"}).status_code == 422
    assert sorted(departments.faults()) == ["bhamashah", "discom", "microatm", "phed", "telecom"]
    health = requests.get(departments.url + "/health", timeout=5).json()
    assert health == {"status": "ok", "departments": ["bhamashah", "discom", "microatm", "phed", "telecom"]}
