"""Fund Payout by net banking over HTTP, on SQLite and PostgreSQL: the payout orders still waiting for the bank
are listed on the Fund Payout page, and a paid order shows how its money was applied (interest first, then the
oldest outstanding, anything left over to the wallet)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import requests
from sqlalchemy import Engine

from server.core.config import Settings
from server.core.db import make_engine
from server.ledger import account_balance
from server.migrate import migrate
from server.wallet.credit import interest_for
from tests.support.auth import ShiftedClock
from tests.support.server import ServerProcess
from tests.support.wallet import LONG_SESSIONS, WalletKiosk, error, op, sim_page


@pytest.fixture(scope="module")
def clock(tmp_path_factory: pytest.TempPathFactory) -> ShiftedClock:
    return ShiftedClock(tmp_path_factory.mktemp("clock") / "offset")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def payout_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, clock: ShiftedClock
) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("payout")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'server.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_cluster").create_database()
    migrate(Settings(database_url=url))
    server = ServerProcess(
        url,
        log_path=tmp / "server.log",
        env={
            "EMITRA_ARGON2_PROFILE": "fast",
            "EMITRA_CLOCK_OFFSET_FILE": str(clock.path),
            "EMITRA_SCHEDULER_ENABLED": "false",
            **LONG_SESSIONS,
        },
    ).start()
    yield server
    assert server.audit() == []  # every entry balanced, every balance equal to its journal
    server.stop()


@pytest.fixture
def engine(payout_server: ServerProcess) -> Iterator[Engine]:
    engine = make_engine(payout_server.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def shifted(clock: ShiftedClock) -> Iterator[ShiftedClock]:
    """The server's clock, put back where it was after the test."""
    before = clock.seconds
    yield clock
    clock.advance(seconds=before - clock.seconds)


def payout_order(kiosk: WalletKiosk, amount: int, operation_id: str | None = None) -> dict[str, Any]:
    body = {"operation_id": operation_id or op(), "amount_paise": amount, "method": "net_banking"}
    answer = kiosk.ok("POST", "/wallet/payout", json=body)
    assert answer["method"] == "net_banking"
    return dict(answer["order"])


def complete(server: ServerProcess, order_id: str, **body: object) -> dict[str, Any]:
    r = requests.post(sim_page(server, order_id) + "/complete", json=body, timeout=30)
    assert r.status_code == 200, r.text
    return dict(r.json())


def open_ids(kiosk: WalletKiosk) -> list[str]:
    return [o["order_id"] for o in kiosk.ok("GET", "/wallet/payout")["open_orders"]]


def interest_income(engine: Engine) -> int:
    with engine.connect() as conn:
        return account_balance(conn, "income:interest")


def test_open_payout_orders_are_listed_until_paid_failed_or_expired(
    payout_server: ServerProcess, shifted: ShiftedClock
) -> None:
    kiosk = WalletKiosk(payout_server, "RJ-OPN", credit_limit=50_000_00)
    other = WalletKiosk(payout_server, "RJ-OPN", credit_limit=50_000_00)
    for k in (kiosk, other):
        k.fund(100_00)
        assert payout_server.adjust(k.code, op(), "debit", 5_100_00).status_code == 200  # ₹5,000 on credit
    assert kiosk.ok("GET", "/wallet/payout")["open_orders"] == []

    refill = kiosk.ok(
        "POST", "/wallet/refill/orders", json={"operation_id": op(), "amount_paise": 500_00, "channel": "net_banking"}
    )
    assert "breakdown" not in refill  # a refill order is credited whole; only payouts are split
    first_op = op()
    first = payout_order(kiosk, 1_000_00, first_op)
    second = payout_order(kiosk, 2_000_00)
    payout_order(other, 700_00)
    page = kiosk.ok("GET", "/wallet/payout")
    assert [o["order_id"] for o in page["open_orders"]] == [second["order_id"], first["order_id"]]  # newest first
    listed = page["open_orders"][1]
    assert listed == {**first, "status": "created", "breakdown": None}
    assert listed["purpose"] == "payout" and sim_page(payout_server, first["order_id"]).endswith(listed["payment_url"])
    assert page["outstanding_paise"] == 5_000_00  # an order moves no money
    assert len(open_ids(other)) == 1 and first["order_id"] not in open_ids(other)

    # A replayed request answers with the same order; it is listed once.
    assert payout_order(kiosk, 1_000_00, first_op)["order_id"] == first["order_id"]
    assert open_ids(kiosk) == [second["order_id"], first["order_id"]]

    # Cancelled at the bank: no longer waiting.
    assert complete(payout_server, first["order_id"], outcome="failed")["delivery"]["result"] == "failed"
    assert open_ids(kiosk) == [second["order_id"]]
    failed = kiosk.ok("GET", f"/wallet/refill/orders/{first['order_id']}")
    assert (failed["status"], failed["breakdown"]) == ("failed", None)

    # Paid: no longer waiting, and the outstanding is down by the amount.
    assert complete(payout_server, second["order_id"], outcome="success")["delivery"]["result"] == "credited"
    page = kiosk.ok("GET", "/wallet/payout")
    assert page["open_orders"] == [] and page["outstanding_paise"] == 3_000_00

    # A page nobody completed: listed until it expires (30 minutes), then not, even before the scheduler runs.
    third = payout_order(kiosk, 500_00)
    shifted.advance(minutes=29)
    assert open_ids(kiosk) == [third["order_id"]]
    shifted.advance(minutes=2)
    assert open_ids(kiosk) == []
    assert kiosk.ok("GET", f"/wallet/refill/orders/{third['order_id']}")["status"] == "expired"
    assert kiosk.ok("GET", "/wallet/payout")["outstanding_paise"] == 3_000_00


def test_a_paid_payout_order_shows_interest_first_then_the_oldest_outstanding_then_the_wallet(
    payout_server: ServerProcess, shifted: ShiftedClock, engine: Engine
) -> None:
    kiosk = WalletKiosk(payout_server, "RJ-BRK", credit_limit=1_00_000_00)
    kiosk.fund(1_000_00)
    assert payout_server.adjust(kiosk.code, op(), "debit", 21_000_00).json()["from_credit_paise"] == 20_000_00
    page = kiosk.ok("GET", "/wallet/payout")
    assert page["interest_due_paise"] == 0 and page["next_due_on"] is not None
    # Four days after the due date (the next bank working day; weekends and holidays accrue too).
    overdue = 4
    assert page["outstanding"][0]["overdue_days"] == 0
    due_in = (date.fromisoformat(page["next_due_on"]) - date.fromisoformat(page["as_of"])).days
    shifted.advance(hours=24 * (due_in + overdue))
    page = kiosk.ok("GET", "/wallet/payout")
    interest = interest_for(20_000_00 * overdue, 18)  # 20 00 000 × 4 × 18 / 36 500 = 3 945.2 → 3 945 paise
    assert (page["outstanding"][0]["overdue_days"], page["interest_due_paise"]) == (overdue, interest) == (4, 3_945)
    income_before = interest_income(engine)

    # Part of it by net banking: the interest due first, the rest to the oldest outstanding.
    first = payout_order(kiosk, interest + 5_000_00)
    assert first["breakdown"] is None  # nothing is applied before the bank confirms
    assert complete(payout_server, first["order_id"], outcome="success")["delivery"]["result"] == "credited"
    paid = kiosk.ok("GET", f"/wallet/refill/orders/{first['order_id']}")
    assert paid["status"] == "success"
    assert paid["breakdown"] == {
        "amount_paise": interest + 5_000_00,
        "interest_paise": interest,
        "principal_paise": 5_000_00,
        "to_wallet_paise": 0,
        "paid_on": page["as_of"],
    }
    assert interest_income(engine) - income_before == interest
    after = kiosk.ok("GET", "/wallet/payout")
    assert (after["interest_due_paise"], after["interest_paid_paise"], after["outstanding_paise"]) == (
        0,
        interest,
        15_000_00,
    )
    assert after["open_orders"] == [] and kiosk.wallet == 0

    # The rest, and the bank confirms ₹300 more than the order: the excess goes to the wallet.
    second = payout_order(kiosk, 15_000_00)
    done = complete(payout_server, second["order_id"], outcome="success", amount_paise=15_300_00)
    assert done["delivery"] == {"order_id": second["order_id"], "result": "credited", "credited_paise": 15_300_00}
    view = kiosk.ok("GET", f"/wallet/refill/orders/{second['order_id']}")
    assert view["confirmed_paise"] == 15_300_00
    assert view["breakdown"] == {
        "amount_paise": 15_300_00,
        "interest_paise": 0,
        "principal_paise": 15_000_00,
        "to_wallet_paise": 300_00,
        "paid_on": page["as_of"],
    }
    assert kiosk.wallet == 300_00 and kiosk.balance["credit_used_paise"] == 0
    assert interest_income(engine) - income_before == interest
    # The same figures in the Refill page's list of orders; the bank's notification again changes nothing.
    listed = {o["order_id"]: o for o in kiosk.ok("GET", "/wallet/refill")["orders"]}
    assert listed[second["order_id"]]["breakdown"] == view["breakdown"]
    assert listed[first["order_id"]]["breakdown"] == paid["breakdown"]
    r = requests.post(
        f"{payout_server.url}/api/v1/callbacks/gateway",
        data=done["body"].encode(),
        headers={"Content-Type": "application/json", "X-Gateway-Signature": done["signature"]},
        timeout=30,
    )
    assert r.json()["result"] == "duplicate"
    assert kiosk.ok("GET", f"/wallet/refill/orders/{second['order_id']}")["breakdown"] == view["breakdown"]
    nothing = kiosk.call("POST", "/wallet/payout", json={"operation_id": op(), "amount_paise": 1, "method": "wallet"})
    assert error(nothing) == (422, "nothing_due")


def test_another_kiosk_cannot_read_a_payout_order(payout_server: ServerProcess) -> None:
    kiosk = WalletKiosk(payout_server, "RJ-OWN", credit_limit=10_000_00)
    stranger = WalletKiosk(payout_server, "RJ-OWN")
    assert payout_server.adjust(kiosk.code, op(), "debit", 1_000_00).status_code == 200
    order = payout_order(kiosk, 1_000_00)
    assert error(stranger.call("GET", f"/wallet/refill/orders/{order['order_id']}")) == (404, "unknown_order")
    assert stranger.ok("GET", "/wallet/payout")["open_orders"] == []


def test_the_administrator_sees_the_payout_orders_a_kiosk_still_waits_for(payout_server: ServerProcess) -> None:
    kiosk = WalletKiosk(payout_server, "RJ-ADM", credit_limit=10_000_00)
    other = WalletKiosk(payout_server, "RJ-ADM", credit_limit=10_000_00)
    for k in (kiosk, other):
        assert payout_server.adjust(k.code, op(), "debit", 3_000_00).status_code == 200

    def admin_view(code: str) -> dict[str, Any]:
        r = payout_server.admin("GET", f"/wallet/kiosks/{code}/payout")
        assert r.status_code == 200, r.text
        return dict(r.json())

    assert admin_view(kiosk.code)["open_orders"] == []
    kiosk.ok(
        "POST", "/wallet/refill/orders", json={"operation_id": op(), "amount_paise": 500_00, "channel": "aggregator"}
    )
    first = payout_order(kiosk, 1_000_00)
    second = payout_order(kiosk, 500_00)
    payout_order(other, 700_00)
    seen = admin_view(kiosk.code)
    assert [o["order_id"] for o in seen["open_orders"]] == [second["order_id"], first["order_id"]]  # newest first
    assert seen == kiosk.ok("GET", "/wallet/payout")  # the kiosk's own Fund Payout page, figure for figure
    assert seen["outstanding_paise"] == 3_000_00

    assert complete(payout_server, first["order_id"], outcome="success")["delivery"]["result"] == "credited"
    seen = admin_view(kiosk.code)
    assert [o["order_id"] for o in seen["open_orders"]] == [second["order_id"]]
    assert seen["outstanding_paise"] == 2_000_00
    others = [o["order_id"] for o in admin_view(other.code)["open_orders"]]
    assert len(others) == 1 and others[0] not in (first["order_id"], second["order_id"])

    missing = payout_server.admin("GET", "/wallet/kiosks/RJ-NONE-0000/payout")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_kiosk"
