"""Kiosk health to the centre: many kiosks report and are listed by problem; the report is rate-limited and scoped."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from tests.support.auth import ShiftedClock, ready_token
from tests.support.fleet import health_facts as facts
from tests.support.server import ServerProcess

API = "/api/v1"
KIOSKS = 24


def report(server: ServerProcess, token: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(
        server.url + API + "/kiosk/health", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def fleet(server: ServerProcess, **params: Any) -> dict[str, Any]:
    r = server.admin("GET", "/fleet", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_many_kiosks_report_and_are_listed_by_problem(auth_server: ServerProcess, auth_clock: ShiftedClock) -> None:
    with ThreadPoolExecutor(8) as pool:
        tokens = list(pool.map(lambda i: ready_token(auth_server, f"FLT{i:04d}"), range(KIOSKS)))
    now = datetime.now(UTC)

    def body(i: int) -> dict[str, Any]:
        if i % 6 == 1:
            return facts(version="0.0.9")
        if i % 6 == 2:
            return facts(printer_status="failing", print_failures=3)
        if i % 6 == 3:
            return facts(queue_length=5, oldest_queued_seconds=2 * 86_400)
        if i % 6 == 4:
            return facts(client_time=(now + timedelta(minutes=7)).isoformat())
        if i % 6 == 5:
            return facts(version="0.2.0")
        return facts()

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: report(auth_server, tokens[i], body(i)), range(KIOSKS)))
    seconds = time.monotonic() - started
    print(f"{KIOSKS} health reports over HTTP in {seconds:.2f} s")
    assert [a.status_code for a in answers] == [200] * KIOSKS, [a.text for a in answers if a.status_code != 200]
    skewed = answers[4].json()
    assert 6 * 60_000 < skewed["clock_offset_ms"] < 8 * 60_000
    assert abs(answers[0].json()["clock_offset_ms"]) < 5_000

    listed = fleet(auth_server)
    assert listed["newest_version"] == "0.2.0"
    assert listed["kiosks_reporting"] == KIOSKS
    per = KIOSKS // 6
    # Older than the newest the fleet reports: every kiosk not on 0.2.0.
    assert listed["counts"] == {
        "old_version": KIOSKS - per,
        "printer_failing": per,
        "queue_stale": per,
        "clock_off": per,
        "silent": 0,
    }
    by_code = {k["kiosk_code"]: k for k in listed["kiosks"]}
    assert set(by_code["FLT0002"]["problems"]) == {"old_version", "printer_failing"}
    assert "FLT0005" not in by_code
    failing = fleet(auth_server, problem="printer_failing")
    assert sorted(k["kiosk_code"] for k in failing["kiosks"]) == [f"FLT{i:04d}" for i in range(2, KIOSKS, 6)]
    # Nothing heard for longer than the silent limit: every kiosk is listed silent.
    auth_clock.advance(hours=27)
    assert fleet(auth_server)["counts"]["silent"] == KIOSKS


def test_a_report_is_rate_limited_scoped_and_bounded(auth_server: ServerProcess, auth_clock: ShiftedClock) -> None:
    a, b = ready_token(auth_server, "FLTA001"), ready_token(auth_server, "FLTB001")
    assert report(auth_server, a, facts()).status_code == 200
    again = report(auth_server, a, facts(printer_status="failing"))
    assert again.status_code == 429, again.text
    assert again.json()["error"]["code"] == "health_report_too_soon"
    assert 1 <= int(again.headers["Retry-After"]) <= 601
    assert again.json()["error"]["server_time"]
    # B's first report is its own: A's window does not hold it, and A's latest row is unchanged.
    assert report(auth_server, b, facts(printer_status="failing")).status_code == 200
    # A kiosk cannot name another: the kiosk comes from the credential, a body naming one is refused.
    named = report(auth_server, a, facts(kiosk_code="FLTB001"))
    assert named.status_code == 422, named.text
    listed = {k["kiosk_code"]: k for k in fleet(auth_server, problem="printer_failing")["kiosks"]}
    assert list(listed) == ["FLTB001"]
    # Bad input is 4xx, never 500.
    for bad in (
        facts(version="1.0; drop"),
        facts(queue_length=-1),
        facts(free_disk_bytes=2**70),
        facts(os="x\x00y"),
        facts(client_time="not a time"),
        facts(client_time="2026-01-01T00:00:00"),  # no zone
        facts(printer_status="melting"),
        {"version": "0.1.0"},
    ):
        r = report(auth_server, b, bad)
        assert 400 <= r.status_code < 500, (bad, r.status_code, r.text)
    assert report(auth_server, "not-a-token", facts()).status_code == 401
    # After the window, the next report is taken; the history keeps both.
    auth_clock.advance(minutes=11)
    assert report(auth_server, a, facts(printer_status="failing")).status_code == 200
    assert fleet(auth_server)["history_reports"] == 3


def test_the_servers_clock_dates_a_payment_never_the_kiosks(auth_server: ServerProcess) -> None:
    """A kiosk whose clock is 7 minutes fast is listed clock_off, and its payment is dated by the server: the
    payment request has no field for a time, and one sent anyway is refused."""
    token = ready_token(auth_server, "FLTC001")
    headers = {"Authorization": f"Bearer {token}"}
    fast = datetime.now(UTC) + timedelta(minutes=7)
    assert report(auth_server, token, facts(client_time=fast.isoformat())).status_code == 200
    assert "FLTC001" in {k["kiosk_code"] for k in fleet(auth_server, problem="clock_off")["kiosks"]}
    assert auth_server.adjust("FLTC001", "fund-FLTC001", "credit", 10_000_00).status_code == 200
    api = auth_server.url + API
    fields = {"k_no": "210987654321"}
    bill = requests.post(
        api + "/bills/fetch", json={"service_code": "ELEC-JVVNL", "fields": fields}, headers=headers, timeout=30
    )
    assert bill.status_code == 200, bill.text
    body: dict[str, Any] = {
        "operation_id": "clock-check-0001",
        "bills": [{"service_code": "ELEC-JVVNL", "fields": fields, "amount_paise": bill.json()["payable_now_paise"]}],
        "contact": {"mobile": "9876543210"},
        "method": {"type": "wallet"},
    }
    for name in ("created_at", "client_time", "paid_at"):
        dated = requests.post(api + "/payments", json=body | {name: fast.isoformat()}, headers=headers, timeout=30)
        assert dated.status_code == 422, (name, dated.text)
    before = datetime.now(UTC)
    paid = requests.post(api + "/payments", json=body, headers=headers, timeout=60)
    assert paid.status_code == 200, paid.text
    created = datetime.fromisoformat(paid.json()["created_at"])
    assert before - timedelta(seconds=5) <= created <= datetime.now(UTC) + timedelta(seconds=5), created
