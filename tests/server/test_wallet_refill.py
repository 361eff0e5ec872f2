"""Refill over HTTP: net banking / aggregator orders with signed gateway callbacks, and NEFT/RTGS credits."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from server.core.config import Settings
from server.migrate import migrate
from tests.support.auth import ShiftedClock
from tests.support.server import ROOT, ServerProcess
from tests.support.wallet import (
    BANK_SECRET,
    LONG_SESSIONS,
    WalletKiosk,
    bank_notify,
    error,
    gateway_notify,
    nothing_due,
    op,
    sign,
    sim_page,
    wait_for,
)


@pytest.fixture(scope="module")
def clock(tmp_path_factory: pytest.TempPathFactory) -> ShiftedClock:
    return ShiftedClock(tmp_path_factory.mktemp("clock") / "offset")


@pytest.fixture(scope="module")
def refill_server(tmp_path_factory: pytest.TempPathFactory, clock: ShiftedClock) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("refill")
    url = f"sqlite:///{tmp / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    server = ServerProcess(
        url,
        log_path=tmp / "server.log",
        env={
            "EMITRA_ARGON2_PROFILE": "fast",
            "EMITRA_CLOCK_OFFSET_FILE": str(clock.path),
            "EMITRA_BANK_SECRET": BANK_SECRET,
            "EMITRA_SCHEDULER_POLL_SECONDS": "0.2",
            **LONG_SESSIONS,
        },
    ).start()
    yield server
    assert server.audit() == []  # every entry balanced, every balance equal to its journal
    server.stop()


@pytest.fixture
def kiosk(refill_server: ServerProcess) -> Iterator[WalletKiosk]:
    yield WalletKiosk(refill_server, "RJ-REF")
    assert refill_server.audit() == []


def order(
    kiosk: WalletKiosk, amount: int, operation_id: str | None = None, channel: str = "net_banking"
) -> dict[str, Any]:
    r = kiosk.call(
        "POST",
        "/wallet/refill/orders",
        json={"operation_id": operation_id or op(), "amount_paise": amount, "channel": channel},
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def sim(server: ServerProcess, order_id: str, **body: object) -> requests.Response:
    return requests.post(sim_page(server, order_id) + "/complete", json=body, timeout=30)


# -- net banking / aggregator ---------------------------------------------------------------------------


def test_gateway_refill_credits_once_and_replays_change_nothing(kiosk: WalletKiosk) -> None:
    too_small = kiosk.call(
        "POST", "/wallet/refill/orders", json={"operation_id": op(), "amount_paise": 99_99, "channel": "net_banking"}
    )
    assert error(too_small) == (422, "amount_out_of_range") and too_small.json()["error"]["field"] == "amount_paise"
    operation_id = op()
    first = order(kiosk, 50_000_00, operation_id, "aggregator")
    assert first["status"] == "created" and sim_page(kiosk.server, first["order_id"]).endswith(first["payment_url"])
    assert order(kiosk, 50_000_00, operation_id, "aggregator")["order_id"] == first["order_id"]
    changed = kiosk.call(
        "POST",
        "/wallet/refill/orders",
        json={"operation_id": operation_id, "amount_paise": 60_000_00, "channel": "aggregator"},
    )
    assert error(changed) == (409, "operation_id_reused")

    page = requests.get(kiosk.server.url + first["payment_url"], timeout=30)
    assert page.status_code == 200 and "₹50,000.00" in page.text and "<form" in page.text
    done = sim(kiosk.server, first["order_id"], outcome="success").json()
    assert done["delivery"]["result"] == "credited"
    assert kiosk.wallet == 50_000_00
    status = kiosk.ok("GET", f"/wallet/refill/orders/{first['order_id']}")
    assert (status["status"], status["confirmed_paise"]) == ("success", 50_000_00)

    # The same signed notification again, five times: acknowledged, never credited again.
    for _ in range(5):
        again = gateway_notify(kiosk.server, done["body"].encode(), done["signature"])
        assert again.status_code == 200 and again.json()["result"] == "duplicate"
    late_failure = json.dumps(
        {"order_id": first["order_id"], "status": "failed", "amount_paise": 50_000_00, "gateway_ref": "X"}
    ).encode()
    assert gateway_notify(kiosk.server, late_failure).json()["result"] == "ignored"
    assert kiosk.wallet == 50_000_00
    assert kiosk.ok("GET", f"/wallet/refill/orders/{first['order_id']}")["status"] == "success"


def test_forged_tampered_or_unsigned_notifications_are_refused(kiosk: WalletKiosk) -> None:
    created = order(kiosk, 1_000_00)
    honest = sim(kiosk.server, created["order_id"], outcome="success", deliver=False).json()
    assert honest["delivery"] is None
    body = honest["body"].encode()
    tampered = body.replace(b'"amount_paise":100000', b'"amount_paise":900000')
    assert tampered != body
    cases = [
        (body, sign("not-the-gateway-secret", body), "bad_signature"),  # forged: wrong key
        (tampered, honest["signature"], "bad_signature"),  # the body changed after signing
        (body, honest["signature"][:-2] + "00", "bad_signature"),
        (body, "", "signature_missing"),
    ]
    for raw, signature, code in cases:
        r = gateway_notify(kiosk.server, raw, signature)
        assert error(r) == (401, code), r.text
    malformed = json.dumps(
        {"order_id": created["order_id"], "status": "success", "amount_paise": "100000", "gateway_ref": "G"}
    ).encode()
    r = gateway_notify(kiosk.server, malformed)
    assert error(r) == (422, "invalid_notification") and r.json()["error"]["field"] == "amount_paise"
    assert kiosk.wallet == 0
    assert kiosk.ok("GET", f"/wallet/refill/orders/{created['order_id']}")["status"] == "created"
    assert gateway_notify(kiosk.server, body, honest["signature"]).json()["result"] == "credited"
    assert kiosk.wallet == 1_000_00


def test_amount_mismatch_credits_only_what_the_gateway_confirmed(kiosk: WalletKiosk) -> None:
    created = order(kiosk, 2_000_00)
    done = sim(kiosk.server, created["order_id"], outcome="success", amount_paise=1_250_00).json()
    assert done["delivery"] == {"order_id": created["order_id"], "result": "credited", "credited_paise": 1_250_00}
    view = kiosk.ok("GET", f"/wallet/refill/orders/{created['order_id']}")
    assert (view["status"], view["amount_paise"], view["confirmed_paise"]) == ("success", 2_000_00, 1_250_00)
    assert kiosk.wallet == 1_250_00
    # A second "success" with yet another amount is still the same order: nothing more moves.
    other = json.dumps(
        {"order_id": created["order_id"], "status": "success", "amount_paise": 2_000_00, "gateway_ref": "G2"}
    ).encode()
    assert gateway_notify(kiosk.server, other).json()["result"] == "duplicate"
    assert kiosk.wallet == 1_250_00


def test_a_closed_page_leaves_an_order_that_expires_and_a_late_capture_still_credits_once(
    kiosk: WalletKiosk, clock: ShiftedClock
) -> None:
    created = order(kiosk, 3_000_00)
    failed = order(kiosk, 4_000_00)
    assert sim(kiosk.server, failed["order_id"], outcome="failed").json()["delivery"]["result"] == "failed"
    clock.advance(minutes=31)
    try:
        assert kiosk.ok("GET", f"/wallet/refill/orders/{created['order_id']}")["status"] == "expired"
        r = sim(kiosk.server, created["order_id"], outcome="success")
        assert error(r) == (409, "gateway_session_ended")
        assert "session has ended" in requests.get(kiosk.server.url + created["payment_url"], timeout=30).text
        assert wait_for(lambda: nothing_due(kiosk.server))  # the expiry is recorded: nothing left to do
        assert kiosk.wallet == 0
        # The gateway captured the money after all (it says so, signed): the kiosk gets it, once.
        for pending in (created, failed):
            late = json.dumps(
                {
                    "order_id": pending["order_id"],
                    "status": "success",
                    "amount_paise": pending["amount_paise"],
                    "gateway_ref": "LATE",
                }
            ).encode()
            assert gateway_notify(kiosk.server, late).json()["result"] == "credited"
            assert gateway_notify(kiosk.server, late).json()["result"] == "duplicate"
        assert kiosk.wallet == 7_000_00
    finally:
        clock.advance(minutes=-31)


def test_the_demo_gateway_page_pays_or_cancels_by_form(kiosk: WalletKiosk) -> None:
    paid, cancelled = order(kiosk, 1_500_00), order(kiosk, 1_700_00)
    url = kiosk.server.url
    r = requests.post(url + paid["payment_url"], data={"outcome": "success"}, timeout=30)
    assert r.status_code == 200 and "Payment successful" in r.text
    r = requests.post(url + cancelled["payment_url"], data={"outcome": "failed"}, timeout=30)
    assert "Payment cancelled" in r.text
    assert kiosk.ok("GET", f"/wallet/refill/orders/{cancelled['order_id']}")["status"] == "failed"
    assert kiosk.wallet == 1_500_00
    assert requests.get(url + "/sim/gateway/orders/RO0000000000000000", timeout=30).status_code == 404


def test_a_kiosk_sees_only_its_own_orders(kiosk: WalletKiosk, refill_server: ServerProcess) -> None:
    mine = order(kiosk, 1_000_00)
    other = WalletKiosk(refill_server, "RJ-REF")
    r = other.call("GET", f"/wallet/refill/orders/{mine['order_id']}")
    assert error(r) == (404, "unknown_order") and kiosk.code not in r.text
    assert other.ok("GET", "/wallet/refill")["orders"] == []


# -- NEFT / RTGS -------------------------------------------------------------------------------------------


def credit(kiosk: WalletKiosk, utr: str, amount: int, **extra: object) -> dict[str, Any]:
    account = kiosk.ok("GET", "/wallet/refill")["virtual_account"]["account_no"]
    return {"utr": utr, "account_no": account, "amount_paise": amount, "mode": "NEFT", **extra}


def test_each_kiosk_has_its_own_virtual_account(kiosk: WalletKiosk, refill_server: ServerProcess) -> None:
    page = kiosk.ok("GET", "/wallet/refill")
    account = page["virtual_account"]
    assert account["account_no"] == f"2244{kiosk.kiosk_id:08d}"
    assert re.fullmatch(r"[A-Z]{4}0[A-Z0-9]{6}", account["ifsc"]) and account["beneficiary_name"]
    assert {c["code"] for c in page["channels"]} == {"net_banking", "aggregator", "existing_emitra", "neft_rtgs"}
    other = WalletKiosk(refill_server, "RJ-REF").ok("GET", "/wallet/refill")["virtual_account"]
    assert other["account_no"] != account["account_no"] and other["ifsc"] == account["ifsc"]


def test_a_bank_credit_lands_once_by_its_utr(kiosk: WalletKiosk) -> None:
    notice = credit(kiosk, "SBINN52026112500001", 25_000_00, remitter_name="SUNITA SHARMA")
    first = bank_notify(kiosk.server, notice)
    assert first.json() == {"utr": notice["utr"], "result": "credited", "amount_paise": 25_000_00}
    for _ in range(3):  # the bank retries; nothing moves again
        assert bank_notify(kiosk.server, notice).json()["result"] == "duplicate"
    assert error(bank_notify(kiosk.server, {**notice, "amount_paise": 26_000_00})) == (409, "utr_conflict")
    assert error(bank_notify(kiosk.server, {**notice, "utr": "SBINN52026112500002"}, secret="guess")) == (
        401,
        "bad_signature",
    )
    assert error(bank_notify(kiosk.server, {**notice, "utr": "SBINN52026112500003"}, signature="")) == (
        401,
        "signature_missing",
    )
    assert kiosk.wallet == 25_000_00
    mine = kiosk.ok("GET", "/wallet/refill")["bank_credits"]
    assert [(c["utr"], c["status"]) for c in mine] == [(notice["utr"], "credited")]
    lines = kiosk.ok("GET", "/wallet/statement")["lines"]
    assert lines[-1]["kind"] == "refill_bank" and "SUNITA SHARMA" in lines[-1]["reference"]


def test_an_unknown_account_goes_to_suspense_until_assigned_once(kiosk: WalletKiosk) -> None:
    server = kiosk.server
    stray = {"utr": "HDFCR52026112599001", "account_no": "224499999999", "amount_paise": 7_777_00, "mode": "RTGS"}
    assert bank_notify(server, stray).json()["result"] == "suspense"
    listed = server.admin("GET", "/wallet/suspense").json()["credits"]
    assert stray["utr"] in [c["utr"] for c in listed]
    assert kiosk.wallet == 0
    r = server.admin("POST", f"/wallet/suspense/{stray['utr']}/assign", json={"kiosk_code": kiosk.code})
    assert r.status_code == 200 and r.json()["status"] == "assigned"
    again = server.admin("POST", f"/wallet/suspense/{stray['utr']}/assign", json={"kiosk_code": kiosk.code})
    assert error(again) == (409, "not_in_suspense")
    unknown = server.admin("POST", "/wallet/suspense/NOSUCHUTR0000001/assign", json={"kiosk_code": kiosk.code})
    assert error(unknown) == (404, "unknown_utr")
    assert kiosk.wallet == 7_777_00
    assert stray["utr"] not in [c["utr"] for c in server.admin("GET", "/wallet/suspense").json()["credits"]]
    assert bank_notify(server, stray).json()["result"] == "duplicate"


def test_a_bank_statement_file_books_each_utr_once_by_api_and_cli(
    kiosk: WalletKiosk, refill_server: ServerProcess, tmp_path: Path
) -> None:
    other = WalletKiosk(refill_server, "RJ-REF")
    a = kiosk.ok("GET", "/wallet/refill")["virtual_account"]["account_no"]
    b = other.ok("GET", "/wallet/refill")["virtual_account"]["account_no"]
    assert bank_notify(refill_server, credit(kiosk, "ICICN52026112500010", 1_000_00)).json()["result"] == "credited"
    csv_text = (
        "Value_Date,UTR,Account_No,Amount,Remitter_Name,Mode,Type\n"
        f"25-11-2026,ICICN52026112500010,{a},1000.00,Notified Before,NEFT,CR\n"  # already notified
        f'25-11-2026,ICICN52026112500011,{a},"2,500.50",R Meena,NEFT,CR\n'
        f"2026-11-25,ICICN52026112500012,{b},99.99,Someone,RTGS,CR\n"
        "25/11/2026,ICICN52026112500013,224400000000,10.00,Nobody,IMPS,CR\n"  # no such kiosk → suspense
        f"25-11-2026,ICICN52026112500011,{a},2500.50,Repeated Line,NEFT,CR\n"  # same UTR twice in the file
        f"25-11-2026,ICICN52026112500015,{a},50.00,Bank Charges,NEFT,DR\n"
    )
    # One bad line refuses the whole file, numbered, before anything is booked.
    bad_amount = csv_text + f"25-11-2026,ICICN52026112500014,{a},12.345,Bad Amount,NEFT,CR\n"
    r = refill_server.admin(
        "POST", "/wallet/bank-statements", data=bad_amount.encode(), headers={"Content-Type": "text/csv"}
    )
    assert error(r) == (422, "statement_invalid") and r.json()["error"]["errors"][0]["line"] == 8, r.text
    assert kiosk.wallet == 1_000_00 and other.wallet == 0
    r = refill_server.admin(
        "POST", "/wallet/bank-statements", data=csv_text.encode(), headers={"Content-Type": "text/csv"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["counts"] == {"duplicate": 2, "credited": 2, "suspense": 1, "skipped": 1}
    assert [x["result"] for x in r.json()["results"]] == [
        "duplicate",
        "credited",
        "credited",
        "suspense",
        "duplicate",
        "skipped",
    ]
    assert kiosk.wallet == 1_000_00 + 2_500_50 and other.wallet == 99_99
    again = refill_server.admin(
        "POST", "/wallet/bank-statements", data=csv_text.encode(), headers={"Content-Type": "text/csv"}
    ).json()["counts"]
    assert again == {"duplicate": 5, "skipped": 1}
    bad = refill_server.admin("POST", "/wallet/bank-statements", data=b"utr,amount\nX,1\n")
    assert error(bad) == (422, "statement_columns_missing") and bad.json()["error"]["missing"] == ["account_no"]

    file = tmp_path / "statement.csv"
    file.write_text(csv_text + f"26-11-2026,ICICN52026112500016,{b},1.00,By CLI,NEFT,CR\n", encoding="utf-8")
    env = {**refill_server.env, "EMITRA_DATABASE_URL": refill_server.database_url}
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "import-bank-statement", str(file)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "1 credited" in done.stdout and "5 duplicate" in done.stdout
    assert other.wallet == 99_99 + 1_00
    file.write_text(bad_amount, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "import-bank-statement", str(file)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "line 8: amount must be rupees" in done.stderr, done.stderr


def test_the_simulated_gateway_page_needs_the_key_only_the_kiosk_was_given(kiosk: WalletKiosk) -> None:
    made = order(kiosk, 1_000_00)
    url = kiosk.server.url
    assert made["payment_url"] == sim_page(kiosk.server, made["order_id"])[len(url) :]
    forged = f"{url}/sim/gateway/orders/{made['order_id']}"
    for method, address, kwargs in [
        ("GET", forged, {}),
        ("POST", forged, {"data": {"outcome": "success"}}),
        ("POST", forged + "/complete", {"json": {"outcome": "success", "amount_paise": 99_00_000}}),
        ("POST", forged + "/0123456789abcdef0123456789abcdef/complete", {"json": {"outcome": "failed"}}),
        ("GET", forged + "/0123456789abcdef0123456789abcdef", {}),
    ]:
        r = requests.request(method, address, timeout=30, **kwargs)
        assert r.status_code in (403, 404, 405), (method, address, r.status_code, r.text)
    assert kiosk.ok("GET", f"/wallet/refill/orders/{made['order_id']}")["status"] == "created"
    assert kiosk.wallet == 0
    page = requests.get(url + made["payment_url"], timeout=30)
    assert page.status_code == 200 and "Pay ₹1,000.00" in page.text
