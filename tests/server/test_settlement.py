"""A department's settlement file imported: matched, confirmed, missing (reversed once), unknown to us."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests

from server.catalog import load_catalog
from tests.support.auth import ShiftedClock
from tests.support.server import ServerProcess
from tests.support.wallet import LONG_SESSIONS, WalletKiosk, around_today, error, op

IST = ZoneInfo("Asia/Kolkata")
ENV = {"EMITRA_ARGON2_PROFILE": "fast", "EMITRA_SCHEDULER_ENABLED": "false", **LONG_SESSIONS}


def pay(kiosk: WalletKiosk, k_no: str) -> dict[str, Any]:
    bill = kiosk.ok("POST", "/bills/fetch", json={"service_code": "ELEC-JVVNL", "fields": {"k_no": k_no}})
    body = {
        "operation_id": op(),
        "contact": {"mobile": "9876543210"},
        "method": {"type": "wallet"},
        "bills": [{"service_code": "ELEC-JVVNL", "fields": {"k_no": k_no}, "amount_paise": bill["payable_now_paise"]}],
    }
    return dict(kiosk.ok("POST", "/payments", json=body))


def fault(server: ServerProcess, name: str, times: int = 1) -> None:
    assert server.admin("PUT", "/billers/discom/fault", json={"fault": name, "times": times}).status_code == 200


def upload(server: ServerProcess, data: bytes) -> requests.Response:
    return requests.post(
        server.url + "/api/v1/admin/billers/discom/settlements", data=data, headers=server.http.headers, timeout=60
    )


def test_a_settlement_file_settles_every_payment_once_and_lists_the_rest_for_an_administrator(
    database_url: str, start_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    clock = ShiftedClock(tmp_path / "offset")
    server = start_server(database_url, EMITRA_CLOCK_OFFSET_FILE=str(clock.path), **ENV)
    kiosk = WalletKiosk(server, "RJ-SET")
    kiosk.fund(1_00_000_00)
    matched = pay(kiosk, "210455501235")
    fault(server, "lost_answer")  # recorded at the department, its answer lost: pending here
    confirmed = pay(kiosk, "210455502235")
    fault(server, "timeout")  # never reaches the department: pending here, in no file
    missing = pay(kiosk, "210455503235")
    assert (matched["status"], confirmed["status"], missing["status"]) == ("success", "pending", "pending")
    # Paid at the department through another agent: a reference we never sent.
    assert server.departments is not None
    stranger = server.departments.adapter("discom")
    jvvnl = load_catalog().services["ELEC-JVVNL"]
    other = stranger.fetch(jvvnl, "210455504235", {}, datetime.now(IST).date())
    assert other.bill_no and other.amount_due_paise
    stranger.pay(jvvnl, "OTHER-AGENT-1", "210455504235", other.bill_no, other.amount_due_paise)
    spent = kiosk.wallet

    day = datetime.now(IST).date()
    early = server.admin("POST", f"/billers/discom/settlements/{day}/fetch")
    assert error(early) == (422, "settlement_day_not_over")  # the day's file is not complete yet
    clock.advance(hours=24 + 8)  # the next day, past midnight and the replay window

    r = server.admin("POST", f"/billers/discom/settlements/{day}/fetch")
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["duplicate"] is False
    assert result["counts"] == {"confirmed": 1, "matched": 1, "missing_reversed": 1, "unknown_to_us": 1}
    assert [(i["reference"], i["finding"]) for i in result["for_administrators"]] == [
        ("OTHER-AGENT-1", "unknown_to_us")
    ]
    by_op = {p["operation_id"]: p for p in (matched, confirmed, missing)}
    now = {o: kiosk.ok("GET", f"/payments/{o}") for o in by_op}
    assert now[matched["operation_id"]]["status"] == "success"
    assert now[confirmed["operation_id"]]["status"] == "success"
    gone = now[missing["operation_id"]]
    assert gone["status"] == "failed" and gone["reversed_paise"] == missing["total_paise"]
    assert "settlement" in gone["failure_reason"]
    assert kiosk.wallet == spent + missing["total_paise"]

    # The Reconcile view says the same (failed first, with the department's reason).
    report = kiosk.ok("GET", "/wallet/reconcile", params={"date": day.isoformat()})
    assert report["payments"][0]["operation_id"] == missing["operation_id"]
    assert report["payments"][0]["status"] == "failed"

    # The same file again: nothing new, nothing reversed twice.
    assert server.departments is not None
    _, data = server.departments.adapter("discom").settlement(day)
    again = upload(server, data)
    assert again.status_code == 200, again.text
    assert again.json()["duplicate"] is True and again.json()["counts"] == result["counts"]
    assert kiosk.wallet == spent + missing["total_paise"]
    statement = kiosk.ok("GET", "/wallet/statement", params=around_today())
    assert [line["kind"] for line in statement["lines"]].count("reversal") == 1
    assert server.audit() == []


BAD_FILES: dict[str, Callable[[bytes], bytes]] = {
    "changed": lambda data: data.replace(b'"amount_paise":', b'"amount_paise":1', 1),  # the signature breaks
    "cut": lambda data: data[:-5],
    "garbage": lambda data: b"not a settlement file\n",
    "other department": lambda data: data.replace(b'"department":"discom"', b'"department":"phed"', 1),
}


def test_a_bad_settlement_file_is_refused_whole_with_its_line_and_changes_nothing(server: ServerProcess) -> None:
    kiosk = WalletKiosk(server, "RJ-SETBAD")
    kiosk.fund(10_000_00)
    assert pay(kiosk, f"2104{uuid.uuid4().int % 10**6:06d}35")["status"] == "success"  # a line in the file
    fault(server, "timeout")
    pending = pay(kiosk, f"2104{uuid.uuid4().int % 10**6:06d}35")
    assert server.departments is not None
    day = datetime.now(IST).date()
    _, data = server.departments.adapter("discom").settlement(day)
    for name, change in BAD_FILES.items():
        r = upload(server, change(data))
        assert r.status_code == 422, (name, r.text)
        body = r.json()["error"]
        assert body["code"] == "invalid_settlement_file" and isinstance(body["line"], int), (name, body)
    listed = kiosk.ok("GET", "/wallet/reconcile", params={"date": day.isoformat()})["payments"]  # asks nobody
    assert [p["status"] for p in listed if p["operation_id"] == pending["operation_id"]] == ["pending"]
    assert error(server.admin("GET", f"/billers/discom/settlements/{day}")) == (404, "unknown_settlement")
