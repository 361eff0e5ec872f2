"""kill -9 of the department: a payment is recorded whole or not at all, and a status enquiry or a resend
after the restart gives the definite answer; a request id used before the crash stays used."""

from __future__ import annotations

import json
import threading
import time

import requests

from server.billers import BillerTimeout
from server.billers.http import PayLine
from server.billers.protocol import PAY_PATH, demo_key, sign_request
from tests.departments.helpers import JVVNL, consumer, pay_line, reference
from tests.support.departments import DepartmentsProcess


def test_killed_mid_payment_then_restarted(fresh_departments: DepartmentsProcess) -> None:
    departments = fresh_departments
    discom = departments.adapter("discom", read_timeout_s=5)
    ref, number = reference(), consumer()
    departments.set_fault("discom", "slow", times=1, delay_ms=3000)  # the payment is in flight for 3 s
    outcome: list[object] = []

    def pay() -> None:
        try:
            outcome.append(discom.pay(JVVNL, ref, number, "JVV1", 10_000))
        except BillerTimeout as exc:
            outcome.append(exc)

    worker = threading.Thread(target=pay)
    worker.start()
    time.sleep(0.5)
    departments.kill9()
    worker.join(5)
    assert not worker.is_alive() and isinstance(outcome[0], BillerTimeout)  # no answer, at once
    departments.start()
    assert discom.status(ref) is None  # it died before recording: a definite "not found"
    answer = discom.pay(JVVNL, ref, number, "JVV1", 10_000)  # the resend: the fault was used up
    assert answer.status == "success" and discom.status(ref) == answer


def test_batches_killed_in_flight_are_recorded_whole_or_not_at_all(fresh_departments: DepartmentsProcess) -> None:
    departments = fresh_departments
    discom = departments.adapter("discom", read_timeout_s=5)
    batches: list[list[PayLine]] = []
    answered: list[bool] = []

    def storm() -> None:  # batch after batch until the department dies under it
        while True:
            lines = [pay_line(JVVNL, consumer(), f"JVV{len(batches)}-{i}") for i in range(100)]
            batches.append(lines)
            answers = discom.pay_many(lines)
            answered.append(bool(answers))
            if not answers:
                return

    worker = threading.Thread(target=storm)
    worker.start()
    time.sleep(0.4)
    departments.kill9()
    worker.join(10)
    departments.start()
    assert answered[-1] is False and all(answered[:-1])
    for lines, got_answer in zip(batches, answered, strict=True):
        statuses = discom.status_many([line[1] for line in lines])
        recorded = {s.status if s else None for s in statuses.values()}
        assert recorded in ({"success"}, {None}), recorded  # one transaction per request: all or nothing
        assert recorded == {"success"} or not got_answer  # an answer that arrived is the department's record
    resent = discom.pay_many(batches[-1])
    assert {a.status for a in resent.values()} == {"success"} and len(resent) == 100
    assert len(departments.payments("discom")) == 100 * len(batches)


def test_a_request_id_seen_before_the_crash_is_refused_after_it(fresh_departments: DepartmentsProcess) -> None:
    departments = fresh_departments
    ref = reference()
    item = {
        "reference": ref,
        "service_code": "ELEC-JVVNL",
        "consumer_no": consumer(),
        "bill_no": "JVV1",
        "amount_paise": 10_000,
    }
    body = json.dumps({"items": [item]}).encode()
    headers = {
        **sign_request(demo_key("discom"), "POST", "/discom" + PAY_PATH, body),
        "Content-Type": "application/json",
    }
    url = departments.url + "/discom" + PAY_PATH
    assert requests.post(url, data=body, headers=headers, timeout=10).status_code == 200
    departments.kill9()
    departments.start()
    replayed = requests.post(url, data=body, headers=headers, timeout=10)
    assert replayed.status_code == 409 and replayed.json()["error"]["code"] == "replayed_request"
    assert len(departments.payments("discom", ref)) == 1
