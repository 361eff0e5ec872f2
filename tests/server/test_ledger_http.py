"""The ledger over HTTP against a real server process, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from tests.support.server import ServerProcess

KIOSK = "RJ-JPR-0100"


def test_fifty_workers_two_hundred_debits_exactly_what_the_wallet_affords(server: ServerProcess) -> None:
    server.create_kiosk(KIOSK)
    assert server.adjust(KIOSK, "fund-00000001", "credit", 100 * 250).status_code == 200
    barrier = threading.Barrier(50)
    outcomes: list[tuple[int, dict[str, Any]]] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        session = requests.Session()
        session.headers.update(server.http.headers)
        barrier.wait()
        for i in range(4):
            r = session.post(
                f"{server.url}/api/v1/admin/kiosks/{KIOSK}/adjustments",
                timeout=60,
                json={"operation_id": f"debit-{n:03d}-{i}", "direction": "debit", "amount_paise": 250},
            )
            with lock:
                outcomes.append((r.status_code, r.json()))

    with ThreadPoolExecutor(50) as pool:
        list(pool.map(worker, range(50)))

    succeeded = [body for status, body in outcomes if status == 200]
    refused = [body for status, body in outcomes if status != 200]
    assert len(outcomes) == 200
    assert len(succeeded) == 100
    assert {b["error"]["code"] for b in refused} == {"insufficient_balance"}
    assert all(b["spendable_paise"] >= 0 for b in succeeded)
    assert server.balance(KIOSK)["wallet_balance_paise"] == 0
    assert server.audit() == []


def test_replay_after_the_wallet_is_empty_returns_the_original_success(server: ServerProcess) -> None:
    server.create_kiosk(KIOSK)
    server.adjust(KIOSK, "fund-00000001", "credit", 1000)
    first = server.adjust(KIOSK, "spend-00000001", "debit", 1000)
    assert first.status_code == 200
    assert server.adjust(KIOSK, "spend-00000002", "debit", 1).json()["error"]["code"] == "insufficient_balance"
    again = server.adjust(KIOSK, "spend-00000001", "debit", 1000)
    assert again.status_code == 200
    assert again.json() == {**first.json(), "replayed": True}
    reused = server.adjust(KIOSK, "spend-00000001", "debit", 999)
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "operation_id_reused"
    assert server.balance(KIOSK)["wallet_balance_paise"] == 0
    assert server.admin("GET", "/ledger/audit").json()["entries"] == 2


def test_credit_line_is_spent_after_the_wallet_and_never_beyond(server: ServerProcess) -> None:
    server.create_kiosk(KIOSK, credit_limit_paise=5000)
    server.adjust(KIOSK, "fund-00000001", "credit", 3000)
    body = server.adjust(KIOSK, "spend-00000001", "debit", 7000).json()
    assert (body["from_wallet_paise"], body["from_credit_paise"], body["spendable_paise"]) == (3000, 4000, 1000)
    refused = server.adjust(KIOSK, "spend-00000002", "debit", 1001).json()
    assert refused["error"] == {
        "code": "insufficient_balance",
        "spendable_paise": 1000,
        "requested_paise": 1001,
        "message": "not enough balance in the kiosk wallet and credit line",
    }
    assert server.balance(KIOSK) == {
        "kiosk_code": KIOSK,
        "wallet_balance_paise": 0,
        "credit_limit_paise": 5000,
        "credit_used_paise": 4000,
        "spendable_paise": 1000,
    }


def test_batch_applies_each_item_once_and_refuses_per_item(server: ServerProcess) -> None:
    server.create_kiosk(KIOSK)
    server.create_kiosk("RJ-JPR-0101")
    items = [
        {"operation_id": "b-credit-0001", "kiosk_code": KIOSK, "direction": "credit", "amount_paise": 500},
        {"operation_id": "b-debit-00001", "kiosk_code": KIOSK, "direction": "debit", "amount_paise": 400},
        {"operation_id": "b-debit-00002", "kiosk_code": KIOSK, "direction": "debit", "amount_paise": 400},
        {"operation_id": "b-credit-0002", "kiosk_code": "RJ-JPR-0101", "direction": "credit", "amount_paise": 7},
        {"operation_id": "b-unknown-001", "kiosk_code": "RJ-NONE-01", "direction": "credit", "amount_paise": 7},
    ]
    first = server.admin("POST", "/adjustments/batch", json={"items": items}).json()["results"]
    assert [r["status"] for r in first] == ["applied", "applied", "refused", "applied", "refused"]
    assert first[2]["error"]["code"] == "insufficient_balance"
    assert first[4]["error"]["code"] == "unknown_kiosk"
    again = server.admin("POST", "/adjustments/batch", json={"items": items}).json()["results"]
    assert [r["status"] for r in again] == ["replayed", "replayed", "refused", "replayed", "refused"]
    assert server.balance(KIOSK)["wallet_balance_paise"] == 100
    assert server.audit() == []


def test_bad_requests_get_4xx_with_a_code_and_change_nothing(server: ServerProcess) -> None:
    server.create_kiosk(KIOSK)
    server.adjust(KIOSK, "fund-00000001", "credit", 1000)
    before = server.admin("GET", "/ledger/audit").json()
    url = f"/kiosks/{KIOSK}/adjustments"
    good = {"operation_id": "bad-00000001", "direction": "debit", "amount_paise": 10}
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"data": b"{not json", "headers": {"content-type": "application/json"}}, 400, "malformed_json"),
        ({"json": {**good, "amount_paise": -5}}, 422, "invalid_request"),
        ({"json": {**good, "amount_paise": 0}}, 422, "invalid_request"),
        ({"json": {**good, "amount_paise": 10.5}}, 422, "invalid_request"),
        ({"json": {**good, "amount_paise": 10.0}}, 422, "invalid_request"),
        ({"json": {**good, "amount_paise": "10"}}, 422, "invalid_request"),
        ({"json": {**good, "amount_paise": True}}, 422, "invalid_request"),
        ({"json": {**good, "amount_paise": 10**30}}, 422, "invalid_request"),
        ({"json": {**good, "amount_paise": 10_000_000_001}}, 422, "invalid_request"),
        ({"json": {**good, "direction": "sideways"}}, 422, "invalid_request"),
        ({"json": {**good, "operation_id": "short"}}, 422, "invalid_request"),
        ({"json": {**good, "operation_id": "x" * 65}}, 422, "invalid_request"),
        ({"json": {**good, "extra": 1}}, 422, "invalid_request"),
        ({"json": [good]}, 422, "invalid_request"),
        ({"json": {k: v for k, v in good.items() if k != "amount_paise"}}, 422, "invalid_request"),
        ({"data": b"\xff\xfe", "headers": {"content-type": "application/json"}}, 400, "malformed_json"),
        (
            {"data": b'{"a":"' + b"x" * 2_000_000 + b'"}', "headers": {"content-type": "application/json"}},
            413,
            "body_too_large",
        ),
    ]
    for kwargs, status, code in cases:
        r = server.admin("POST", url, **kwargs)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), (kwargs.get("json"), r.text)
    unknown = server.admin("POST", "/kiosks/RJ-NONE-99/adjustments", json=good)
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_kiosk")
    no_admin = requests.post(server.url + "/api/v1/admin" + url, json=good, timeout=10)
    assert (no_admin.status_code, no_admin.json()["error"]["code"]) == (401, "admin_unauthorized")
    missing = requests.get(server.url + "/api/v1/nothing-here", timeout=10)
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    chunked = server.admin(
        "POST", url, data=iter([b'{"a":"', b"x" * 1_100_000, b'"}']), headers={"content-type": "application/json"}
    )
    assert chunked.status_code == 413
    assert server.admin("GET", "/ledger/audit").json() == before
    assert server.balance(KIOSK)["wallet_balance_paise"] == 1000


def test_health_and_openapi_are_served(server: ServerProcess) -> None:
    health = requests.get(server.url + "/api/v1/health", timeout=10).json()
    assert health["status"] == "ok" and health["database"] == "ok"
    schema = requests.get(server.url + "/api/v1/openapi.json", timeout=10).json()
    assert "/api/v1/admin/kiosks/{kiosk_code}/adjustments" in schema["paths"]


def test_operation_status_can_be_asked_by_id(server: ServerProcess) -> None:
    server.create_kiosk(KIOSK)
    op = uuid.uuid4().hex
    server.adjust(KIOSK, op, "credit", 55)
    status = server.admin("GET", f"/operations/{op}").json()
    assert status["status"] == "applied" and status["response"]["amount_paise"] == 55
    assert server.admin("GET", "/operations/never-sent-000").status_code == 404
