"""The settlement file of a business date lists exactly what the department received: its successes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import requests

from server.billers import BillerDeclined, BillerTimeout
from server.billers.protocol import SETTLEMENT_PATH, demo_key, sign_request
from tests.departments.helpers import JVVNL, PHED, RECHARGE, consumer, ist_today, pay_line, reference
from tests.support.departments import DepartmentsProcess


def test_the_settlement_file_lists_exactly_the_successes(fresh_departments: DepartmentsProcess) -> None:
    departments = fresh_departments
    discom = departments.adapter("discom", read_timeout_s=0.5)
    today = date.fromisoformat(ist_today())
    paid = [pay_line(JVVNL, consumer(), f"JVV{i}", amount=10_000 + i) for i in range(5)]
    twice = pay_line(JVVNL, paid[0][2], paid[0][3])  # refused: that bill is paid
    unknown = pay_line(JVVNL, "210012340000", "JVV9")  # refused: no such consumer
    answers = discom.pay_many([*paid, twice, unknown])
    assert [answers[line[1]].status for line in [*paid, twice, unknown]] == ["success"] * 5 + ["failed"] * 2
    departments.set_fault("discom", "decline", times=1)
    declined = pay_line(JVVNL, consumer(), "JVVD")
    with pytest.raises(BillerDeclined):
        discom.pay(*declined)
    departments.set_fault("discom", "lost_answer", times=1)
    lost = pay_line(JVVNL, consumer(), "JVVL")  # recorded there, its answer lost: it is in the file
    with pytest.raises(BillerTimeout):
        discom.pay(*lost)
    departments.set_fault("discom", "timeout", times=1)
    never = pay_line(JVVNL, consumer(), "JVVN")  # never seen there: not in the file
    with pytest.raises(BillerTimeout):
        discom.pay(*never)
    departments.clear_faults()
    assert departments.adapter("phed").pay(*pay_line(PHED, "1102345678", "PHE1")).status == "success"

    found, data = discom.settlement(today)
    assert found.department == "discom" and found.business_date == today
    assert [line.reference for line in found.lines] == [line[1] for line in paid] + [lost[1]]
    assert [line.amount_paise for line in found.lines] == [10_000 + i for i in range(5)] + [10_000]
    assert found.total_paise == sum(10_000 + i for i in range(5)) + 10_000
    assert declined[1] not in data.decode() and never[1] not in data.decode()
    assert discom.settlement(today)[1] == data  # the same day asked again: the same bytes
    assert discom.settlement(today - timedelta(days=1))[0].lines == ()


def test_the_settlement_route_wants_a_signed_request_and_a_date(departments: DepartmentsProcess) -> None:
    path = "/discom" + SETTLEMENT_PATH.format(business_date=ist_today())
    assert requests.get(departments.url + path, timeout=5).status_code == 401
    bad = "/discom" + SETTLEMENT_PATH.format(business_date="2026-13-45")
    answer = requests.get(departments.url + bad, headers=sign_request(demo_key("discom"), "GET", bad, b""), timeout=5)
    assert answer.status_code == 422


def test_a_recharge_paid_today_is_in_todays_file(departments: DepartmentsProcess) -> None:
    telecom = departments.adapter("telecom")
    ref = reference("S")
    assert telecom.pay(RECHARGE, ref, "9876543210", None, 7_500).status == "success"
    found, _ = telecom.settlement(date.fromisoformat(ist_today()))
    [line] = [line for line in found.lines if line.reference == ref]
    assert (line.amount_paise, line.bill_no, line.service_code) == (7_500, None, "MOBILE-PREPAID")
