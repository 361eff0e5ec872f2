"""Answers lost at the TCP level (tests/support/faultproxy.py between adapter and department): reset, black
hole, cut after N bytes.  The adapter says "no answer" within its timeout and never resends a payment; a
status enquiry (retried) or a resend with the same reference then gives the definite answer."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from server.billers import BillerTimeout
from server.billers.http import HttpDepartment
from tests.departments.helpers import JVVNL, consumer, reference
from tests.support.departments import DepartmentsProcess
from tests.support.faultproxy import Fault, FaultProxy

PAY = b"POST /discom/v1/payments HTTP"
STATUS = b"POST /discom/v1/payments/status HTTP"
READ_TIMEOUT = 0.4


@pytest.fixture
def proxy(departments: DepartmentsProcess) -> Iterator[FaultProxy]:
    found = FaultProxy(departments.port).start()
    yield found
    found.stop()


@pytest.fixture
def discom(departments: DepartmentsProcess, proxy: FaultProxy) -> HttpDepartment:
    return departments.adapter("discom", via=proxy.url, read_timeout_s=READ_TIMEOUT)


def pay_lost(discom: HttpDepartment, ref: str, number: str) -> None:
    started = time.monotonic()
    with pytest.raises(BillerTimeout):
        discom.pay(JVVNL, ref, number, "JVV1", 10_000)
    assert time.monotonic() - started < READ_TIMEOUT + 0.6


def test_reset_before_the_department_sees_it(
    departments: DepartmentsProcess, proxy: FaultProxy, discom: HttpDepartment
) -> None:
    ref, number = reference(), consumer()
    proxy.plan(Fault("reset", match=PAY))
    pay_lost(discom, ref, number)
    assert proxy.applied == ["reset"]
    assert departments.payments("discom", ref) == []  # and the adapter did not send it again by itself
    assert discom.status(ref) is None
    assert discom.pay(JVVNL, ref, number, "JVV1", 10_000).status == "success"


@pytest.mark.parametrize(
    "fault",
    [
        Fault("blackhole", match=PAY, forward=True),
        Fault("cut", match=PAY, after_bytes=60),
        Fault("lost_answer", match=PAY),
    ],
)
def test_an_answer_lost_after_the_department_acted(
    departments: DepartmentsProcess, proxy: FaultProxy, discom: HttpDepartment, fault: Fault
) -> None:
    ref, number = reference(), consumer()
    proxy.plan(fault)
    pay_lost(discom, ref, number)
    departments.wait_for(lambda: len(departments.payments("discom", ref)) == 1, timeout=5)
    answer = discom.status(ref)
    assert answer is not None and answer.status == "success"
    assert discom.pay(JVVNL, ref, number, "JVV1", 10_000) == answer
    assert len(departments.payments("discom", ref)) == 1


def test_the_status_enquiry_is_retried(proxy: FaultProxy, discom: HttpDepartment) -> None:
    ref = reference()
    assert discom.pay(JVVNL, ref, consumer(), "JVV1", 10_000).status == "success"
    proxy.plan(Fault("reset", match=STATUS), Fault("cut", match=STATUS, after_bytes=10))
    answer = discom.status(ref)
    assert answer is not None and answer.status == "success"
    assert proxy.applied == ["reset", "cut"]
    proxy.plan(Fault("reset", match=STATUS, times=3))
    with pytest.raises(BillerTimeout):  # three attempts (the configured status_attempts), then no answer
        discom.status(ref)


def test_a_slow_line_beyond_the_read_timeout(departments: DepartmentsProcess, proxy: FaultProxy) -> None:
    discom = departments.adapter("discom", via=proxy.url, read_timeout_s=0.3, connect_timeout_s=0.3)
    proxy.plan(Fault("delay", match=PAY, seconds=1))  # the request reaches the department late
    ref, number = reference(), consumer()
    pay_lost(discom, ref, number)
    departments.wait_for(lambda: discom.status(ref) is not None, timeout=5)
