"""Gateway orders and notifications over HTTP on SQLite and PostgreSQL: an order's first answer is the order as
stored, a replay answers the stored order, and every notification outcome (credited, duplicate, failed,
ignored, unknown) holds, also for copies of one notification delivered at the same time."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from server.core.config import Settings
from server.migrate import migrate
from tests.support.server import ServerProcess
from tests.support.wallet import LONG_SESSIONS, WalletKiosk, error, gateway_notify, op


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("gateway-orders")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'server.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_cluster").create_database()
    migrate(Settings(database_url=url))
    server = ServerProcess(
        url,
        log_path=tmp / "server.log",
        env={"EMITRA_ARGON2_PROFILE": "fast", "EMITRA_SCHEDULER_ENABLED": "false", **LONG_SESSIONS},
    ).start()
    yield server
    assert server.audit() == []  # every entry balanced, every balance equal to its journal
    server.stop()


def refill_order(kiosk: WalletKiosk, amount: int, operation_id: str) -> dict[str, Any]:
    body = {"operation_id": operation_id, "amount_paise": amount, "channel": "aggregator"}
    return dict(kiosk.ok("POST", "/wallet/refill/orders", json=body))


def note(order_id: str, status: str, amount: int, **extra: object) -> dict[str, Any]:
    return {"order_id": order_id, "status": status, "amount_paise": amount, "gateway_ref": "PG-TEST-1", **extra}


def result(server: ServerProcess, payload: dict[str, Any]) -> str:
    r = gateway_notify(server, payload)
    assert r.status_code == 200, r.text
    assert r.json()["order_id"] == payload["order_id"]
    return str(r.json()["result"])


def test_an_order_answers_as_stored_and_a_replay_answers_the_stored_order(server: ServerProcess) -> None:
    kiosk = WalletKiosk(server, "RJ-GWO", credit_limit=10_000_00)
    operation_id = op()
    first = refill_order(kiosk, 1_234_00, operation_id)
    stored = kiosk.ok("GET", f"/wallet/refill/orders/{first['order_id']}")
    assert first == stored  # the same JSON, field for field, as read back from the database
    assert (first["status"], first["operation_id"], first["amount_paise"]) == ("created", operation_id, 1_234_00)
    assert first["created_at"].endswith("+00:00") and first["expires_at"] > first["created_at"]
    assert first["completed_at"] is None and "breakdown" not in first

    assert refill_order(kiosk, 1_234_00, operation_id) == stored
    assert error(
        kiosk.call(
            "POST",
            "/wallet/refill/orders",
            json={"operation_id": operation_id, "amount_paise": 1_235_00, "channel": "aggregator"},
        )
    ) == (409, "operation_id_reused")
    assert [o["order_id"] for o in kiosk.ok("GET", "/wallet/refill")["orders"]].count(first["order_id"]) == 1

    # A Fund Payout order: the same, with its (still empty) breakdown.
    assert server.adjust(kiosk.code, op(), "debit", 2_000_00).status_code == 200
    payout_op = op()
    body = {"operation_id": payout_op, "amount_paise": 1_500_00, "method": "net_banking"}
    payout = kiosk.ok("POST", "/wallet/payout", json=body)["order"]
    assert payout["purpose"] == "payout" and payout["breakdown"] is None
    assert payout == kiosk.ok("GET", f"/wallet/refill/orders/{payout['order_id']}")
    assert kiosk.ok("POST", "/wallet/payout", json=body)["order"] == payout

    # Once the order has moved on, a replay answers it as it is now, still the same order.
    assert result(server, note(first["order_id"], "success", 1_234_00)) == "credited"
    again = refill_order(kiosk, 1_234_00, operation_id)
    assert again["order_id"] == first["order_id"] and again["status"] == "success"
    assert again == kiosk.ok("GET", f"/wallet/refill/orders/{first['order_id']}")


def test_each_notification_outcome(server: ServerProcess) -> None:
    kiosk = WalletKiosk(server, "RJ-GWN")
    unknown = "RO" + "0" * 16
    assert error(gateway_notify(server, note(unknown, "success", 100_00))) == (404, "unknown_order")
    assert error(gateway_notify(server, note(unknown, "failed", 100_00))) == (404, "unknown_order")

    # Failed, failed again (ignored), then captured after all: credited once; then duplicate, late failure ignored.
    first = refill_order(kiosk, 500_00, op())["order_id"]
    assert result(server, note(first, "failed", 500_00, reason="bank said no")) == "failed"
    failed = kiosk.ok("GET", f"/wallet/refill/orders/{first}")
    assert (failed["status"], failed["failure_reason"], failed["gateway_ref"]) == (
        "failed",
        "bank said no",
        "PG-TEST-1",
    )
    assert failed["completed_at"] is not None
    assert result(server, note(first, "failed", 500_00)) == "ignored"
    assert kiosk.wallet == 0
    r = gateway_notify(server, note(first, "success", 500_00))
    assert r.json() == {"order_id": first, "result": "credited", "credited_paise": 500_00}
    assert kiosk.wallet == 500_00
    done = kiosk.ok("GET", f"/wallet/refill/orders/{first}")
    assert (done["status"], done["confirmed_paise"], done["failure_reason"]) == ("success", 500_00, None)
    assert result(server, note(first, "success", 500_00)) == "duplicate"
    assert result(server, note(first, "failed", 500_00)) == "ignored"
    assert kiosk.wallet == 500_00 and kiosk.ok("GET", f"/wallet/refill/orders/{first}")["status"] == "success"

    # A failure without a reason gets the standard one.
    second = refill_order(kiosk, 300_00, op())["order_id"]
    assert result(server, note(second, "failed", 300_00)) == "failed"
    reason = kiosk.ok("GET", f"/wallet/refill/orders/{second}")["failure_reason"]
    assert reason == "the gateway reports the payment failed"


def test_copies_of_one_notification_at_the_same_time_credit_once(server: ServerProcess) -> None:
    kiosk = WalletKiosk(server, "RJ-GWC")
    orders = [refill_order(kiosk, 200_00 + n, op())["order_id"] for n in range(4)]
    raw = [json.dumps(note(order_id, "success", 200_00 + n)).encode() for n, order_id in enumerate(orders)]
    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda body: gateway_notify(server, body), [b for b in raw for _ in range(6)]))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers if a.status_code != 200]
    by_order = Counter((a.json()["order_id"], a.json()["result"]) for a in answers)
    assert by_order == Counter(
        {(o, r): (1 if r == "credited" else 5) for o in orders for r in ("credited", "duplicate")}
    )
    assert kiosk.wallet == sum(200_00 + n for n in range(4))
