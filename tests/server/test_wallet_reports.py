"""Wallet statement, Reconcile Finance Transaction with Verify (also under concurrency), and the day-end report."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from server.core.config import Settings
from server.migrate import migrate
from tests.support.auth import ShiftedClock
from tests.support.server import ServerProcess
from tests.support.wallet import BANK_SECRET, LONG_SESSIONS, WalletKiosk, around_today, bank_notify, error, op

IST = ZoneInfo("Asia/Kolkata")
ENV = {"EMITRA_ARGON2_PROFILE": "fast", "EMITRA_BANK_SECRET": BANK_SECRET, **LONG_SESSIONS}


@pytest.fixture(scope="module")
def report_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("reports")
    url = f"sqlite:///{tmp / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    server = ServerProcess(url, log_path=tmp / "server.log", env=ENV).start()
    yield server
    assert server.audit() == []
    server.stop()


@pytest.fixture
def kiosk(report_server: ServerProcess) -> Iterator[WalletKiosk]:
    yield WalletKiosk(report_server, "RJ-RPT")
    for biller in ("discom", "phed", "telecom"):
        report_server.admin("PUT", f"/billers/{biller}/fault", json={"fault": "none"})
    assert report_server.audit() == []


def pay(kiosk: WalletKiosk, service: str, fields: dict[str, str], operation_id: str | None = None) -> dict[str, Any]:
    bill = kiosk.ok("POST", "/bills/fetch", json={"service_code": service, "fields": fields})
    return dict(
        kiosk.ok(
            "POST",
            "/payments",
            json={
                "operation_id": operation_id or op(),
                "contact": {"mobile": "9876543210"},
                "method": {"type": "wallet"},
                "bills": [{"service_code": service, "fields": fields, "amount_paise": bill["payable_now_paise"]}],
            },
        )
    )


def fault(server: ServerProcess, biller: str, name: str, times: int = -1) -> None:
    assert server.admin("PUT", f"/billers/{biller}/fault", json={"fault": name, "times": times}).status_code == 200


def today() -> date:
    return datetime.now(IST).date()


# -- statement --------------------------------------------------------------------------------------------


def test_statement_has_every_line_with_running_balances_and_exports_csv(kiosk: WalletKiosk) -> None:
    server = kiosk.server
    server.admin(
        "POST",
        f"/kiosks/{kiosk.code}/adjustments",
        json={"operation_id": op(), "direction": "credit", "amount_paise": 10_000_00, "memo": "=HYPERLINK(1)"},
    )
    paid = pay(kiosk, "ELEC-JVVNL", {"k_no": "210412340001"})
    account = kiosk.ok("GET", "/wallet/refill")["virtual_account"]["account_no"]
    assert (
        bank_notify(server, {"utr": "SBINN52026112577001", "account_no": account, "amount_paise": 2_000_00}).status_code
        == 200
    )
    data = kiosk.ok("GET", "/wallet/statement", params={"from": today().isoformat(), "to": today().isoformat()})
    assert [line["kind"] for line in data["lines"]] == ["adjustment_credit", "bill_payment", "refill_bank"]
    assert [line["balance_paise"] for line in data["lines"]] == [
        10_000_00,
        10_000_00 - paid["total_paise"],
        12_000_00 - paid["total_paise"],
    ]
    assert data["accounts"]["wallet"] == {
        "opening_paise": 0,
        "closing_paise": kiosk.wallet,
        "credits_paise": 12_000_00,
        "debits_paise": paid["total_paise"],
    }
    assert data["lines"][1]["reference"] == f"payment {paid['txn_id']}"
    assert all(line["business_date"] == today().isoformat() for line in data["lines"])

    later = (today() + timedelta(days=1)).isoformat()
    empty = kiosk.ok("GET", "/wallet/statement", params={"from": later, "to": later})
    assert empty["lines"] == [] and empty["accounts"]["wallet"]["opening_paise"] == kiosk.wallet

    r = kiosk.call("GET", "/wallet/statement", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["balance_paise"] for row in rows] == [str(line["balance_paise"]) for line in data["lines"]]
    assert rows[0]["credit_rupees"] == "10000.00" and rows[1]["debit_rupees"]
    assert rows[0]["reference"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet

    backwards = kiosk.call("GET", "/wallet/statement", params={"from": later, "to": today().isoformat()})
    assert error(backwards) == (422, "invalid_range") and backwards.json()["error"]["field"] == "from"
    too_long = kiosk.call("GET", "/wallet/statement", params={"from": "2026-01-01", "to": "2026-12-31"})
    assert error(too_long) == (422, "range_too_long")
    assert error(kiosk.call("GET", "/wallet/statement", params={"from": "25-11-2026"})) == (422, "invalid_request")


# -- Reconcile Finance Transaction --------------------------------------------------------------------------


def test_reconcile_lists_failed_and_pending_first_and_verify_settles_them_once(kiosk: WalletKiosk) -> None:
    server = kiosk.server
    kiosk.fund(50_000_00)
    ok = pay(kiosk, "ELEC-AVVNL", {"k_no": "310412340002"})
    fault(server, "discom", "decline", 1)
    failed = pay(kiosk, "ELEC-JDVVNL", {"k_no": "4104123400031"})
    fault(server, "phed", "timeout", 1)
    pending = pay(kiosk, "WATER-PHED", {"phed_consumer": "1101234004"})
    assert [p["status"] for p in (ok, failed, pending)] == ["success", "failed", "pending"]

    report = kiosk.ok("GET", "/wallet/reconcile", params={"date": today().isoformat()})
    assert [p["payment_id"] for p in report["payments"]] == [
        failed["payment_id"],
        pending["payment_id"],
        ok["payment_id"],
    ]
    assert report["counts"] == {"failed": 1, "pending": 1, "success": 1}
    assert report["payments"][1]["verify_needed"] and not report["payments"][2]["verify_needed"]
    assert kiosk.ok("GET", "/wallet/reconcile", params={"date": "2026-01-01"})["payments"] == []

    wallet = kiosk.wallet
    verify = f"/wallet/reconcile/payments/{pending['payment_id']}/verify"
    first = kiosk.ok("POST", verify)  # the department never saw it and it is young: sent again, and paid
    assert (first["result"], first["payment"]["status"]) == ("confirmed", "success")
    assert kiosk.ok("POST", verify)["result"] == "confirmed" and kiosk.wallet == wallet
    settled = kiosk.ok("POST", f"/wallet/reconcile/payments/{failed['payment_id']}/verify")
    assert settled["result"] == "reversed" and settled["payment"]["reversed_paise"] == failed["total_paise"]
    assert kiosk.wallet == wallet
    other = WalletKiosk(server, "RJ-RPT")
    r = other.call("POST", verify)
    assert error(r) == (404, "unknown_payment") and kiosk.code not in r.text

    report = kiosk.ok("GET", "/wallet/day-end", params={"date": today().isoformat()})
    assert report["payments"]["by_status"] == {"failed": 1, "success": 2}
    assert report["collections"]["count"] == 2
    assert report["collections"]["amount_paise"] == ok["total_paise"] + pending["total_paise"]
    assert {s["service_code"] for s in report["collections"]["by_service"]} == {"ELEC-AVVNL", "WATER-PHED"}
    assert report["collections"]["by_method"] == [
        {"method": "wallet", "count": 2, "amount_paise": ok["total_paise"] + pending["total_paise"]}
    ]
    assert report["reversals"] == {"count": 1, "amount_paise": failed["total_paise"]}
    assert report["refills"]["by_channel"] == [{"channel": "adjustment", "count": 1, "amount_paise": 50_000_00}]
    assert report["wallet"] == {"opening_paise": 0, "closing_paise": kiosk.wallet}
    assert report["outstanding"]["outstanding_paise"] == 0


def test_verify_never_reverses_on_the_clock_and_from_many_threads_reverses_once(
    database_url: str, start_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    clock = ShiftedClock(tmp_path / "offset")
    server = start_server(
        database_url, EMITRA_CLOCK_OFFSET_FILE=str(clock.path), EMITRA_SCHEDULER_ENABLED="false", **ENV
    )
    kiosk = WalletKiosk(server, "RJ-VFY")
    kiosk.fund(10_000_00)
    fault(server, "telecom", "timeout")  # the department never records it, and never answers
    pending = pay(kiosk, "TEL-MOBILE-POSTPAID", {"mobile": "9829012399"})
    assert pending["status"] == "pending"
    verify = f"/wallet/reconcile/payments/{pending['payment_id']}/verify"
    barrier = threading.Barrier(8)

    def once(_: int) -> dict[str, Any]:
        barrier.wait()
        r = kiosk.call("POST", verify)
        assert r.status_code == 200, r.text
        return dict(r.json())

    clock.advance(hours=26)  # however old: no answer from the department is no answer
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(once, range(8)))
    assert {a["result"] for a in answers} == {"still_pending"}
    assert kiosk.wallet == 10_000_00 - pending["total_paise"]

    fault(server, "telecom", "decline")  # the department's own answer for this reference, from now on
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(once, range(8)))
    assert {a["result"] for a in answers} == {"reversed"}
    assert {a["payment"]["reversed_paise"] for a in answers} == {pending["total_paise"]}
    assert kiosk.wallet == 10_000_00
    lines = kiosk.ok("GET", "/wallet/statement", params=around_today())["lines"]
    assert [line["kind"] for line in lines].count("reversal") == 1
    fault(server, "telecom", "none")
    assert kiosk.ok("POST", verify)["result"] == "reversed"  # asked again, the department declines it again
    assert server.audit() == []
