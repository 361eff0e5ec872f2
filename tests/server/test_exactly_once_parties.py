"""Money between us and the other parties exactly once, under races across two server processes.

Each test is one defect the outside bank checker found, reproduced as a race that is run many times:
a bill refunded to the kiosk while its department holds it paid; one bill paid twice by two operations;
the old portal's limit credited twice.  The departments' records are read from their own admin API.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.support.server import ServerProcess
from tests.support.wallet import LONG_SESSIONS, WalletKiosk

ENV = {"EMITRA_ARGON2_PROFILE": "fast", "EMITRA_SCHEDULER_ENABLED": "false", **LONG_SESSIONS}
ROUNDS = 8


@pytest.fixture
def two(database_url: str, start_server: Callable[..., ServerProcess]) -> Iterator[tuple[ServerProcess, ...]]:
    servers = (start_server(database_url, **ENV), start_server(database_url, **ENV))
    yield servers
    assert servers[0].audit() == []


def department_records(server: ServerProcess, references: list[str]) -> dict[str, list[str]]:
    """The departments' own record of each reference: what they answered it (success or declined)."""
    held: dict[str, list[str]] = {r: [] for r in references}
    for p in server.department_payments():
        if p["reference"] in held:
            held[p["reference"]].append(p["result"])
    return held


def paid_at_department(server: ServerProcess, biller: str, consumer_no: str) -> int:
    return sum(
        p["department"] == biller and p["consumer_no"] == consumer_no and p["result"] == "success"
        for p in server.department_payments()
    )


def bill_item(kiosk: WalletKiosk, service: str, fields: dict[str, str]) -> dict[str, Any]:
    bill = kiosk.ok("POST", "/bills/fetch", json={"service_code": service, "fields": fields})
    return {"service_code": service, "fields": fields, "amount_paise": bill["payable_now_paise"]}


def payment(item: dict[str, Any], operation_id: str) -> dict[str, Any]:
    return {
        "operation_id": operation_id,
        "bills": [item],
        "contact": {"mobile": "9876543210"},
        "method": {"type": "wallet"},
    }


def test_a_decline_racing_status_queries_on_the_other_process_ends_with_one_answer(
    database_url: str, two: tuple[ServerProcess, ServerProcess]
) -> None:
    """Defect 1(a): the department declines once while three threads ask the payment's status elsewhere."""
    one, other = two
    kiosk = WalletKiosk(one, "RJ-XO-DECL")
    kiosk.fund(1_00_000_00)
    asker = requests.Session()
    asker.headers.update(kiosk.http.headers)
    seen: list[dict[str, Any]] = []
    for n in range(ROUNDS):
        assert one.admin("PUT", "/billers/discom/fault", json={"fault": "decline", "times": 1}).status_code == 200
        item = bill_item(kiosk, "ELEC-JVVNL", {"k_no": f"2104{n:04d}7001"})
        op = uuid.uuid4().hex
        done = threading.Event()

        def poll() -> None:
            while not done.is_set():  # noqa: B023 - this round's
                r = asker.get(f"{other.url}/api/v1/payments/{op}", timeout=60)  # noqa: B023 - this round's
                assert r.status_code in (200, 404), r.text

        with ThreadPoolExecutor(4) as pool:
            pollers = [pool.submit(poll) for _ in range(3)]
            time.sleep(0.02)
            r = kiosk.call("POST", "/payments", json=payment(item, op))
            done.set()
            for p in pollers:
                p.result()
        assert r.status_code == 200, r.text
        seen.append(kiosk.ok("GET", f"/payments/{op}"))
    held = department_records(one, [p["bills"][0]["reference"] for p in seen])
    disagreements = [
        (p["status"], held[p["bills"][0]["reference"]])
        for p in seen
        if (p["status"] == "success") != (held[p["bills"][0]["reference"]] == ["success"])
    ]
    assert disagreements == [], f"refunded while paid at the department (or the reverse): {disagreements}"
    reversed_ = [p for p in seen if p["status"] == "failed"]
    assert all(p["reversed_paise"] == p["total_paise"] for p in reversed_)
    assert kiosk.wallet == 1_00_000_00 - sum(p["total_paise"] for p in seen if p["status"] == "success")


def test_one_bill_paid_at_the_same_instant_by_many_operations_is_paid_once(
    database_url: str, two: tuple[ServerProcess, ServerProcess]
) -> None:
    """Defect 2: one consumer's one bill, several operation ids, two kiosks, two processes, single and batch."""
    kiosks = [WalletKiosk(server, "RJ-XO-TWICE") for server in two]
    for kiosk in kiosks:
        kiosk.fund(1_00_000_00)
    total_paid = 0
    for n in range(ROUNDS):
        k_no = f"3104{n:04d}8002"
        item = bill_item(kiosks[0], "ELEC-AVVNL", {"k_no": k_no})
        barrier = threading.Barrier(6)

        def send(i: int) -> requests.Response:
            kiosk = kiosks[i % 2]
            body = payment(item, uuid.uuid4().hex)  # noqa: B023 - this round's bill
            barrier.wait()  # noqa: B023
            if i < 4:
                return kiosk.call("POST", "/payments", json=body)
            return kiosk.call("POST", "/payments/batch", json={"items": [body]})

        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(send, range(6)))
        paid = 0
        for r in answers:
            assert r.status_code in (200, 409), r.text
            body = r.json()
            if r.status_code == 409:
                assert body["error"]["code"] == "bill_already_paid", body
                continue
            result = body["results"][0] if "results" in body else {"result": "done", "payment": body}
            if result["result"] == "done":
                paid += result["payment"]["status"] == "success"
            else:
                assert result["error"]["code"] == "bill_already_paid", result
        assert paid == 1, f"round {n}: {paid} payments of one bill succeeded"
        assert paid_at_department(two[0], "discom", k_no) == 1
        total_paid += item["amount_paise"]
    assert sum(k.wallet for k in kiosks) == 2 * 1_00_000_00 - total_paid


def test_two_cug_codes_of_one_old_id_redeemed_at_once_give_the_limit_once(
    two: tuple[ServerProcess, ServerProcess],
) -> None:
    """Defect 3: an old eMitra ID with a limit and two CUG codes, redeemed at the same instant on two processes."""
    for n in range(ROUNDS):
        old_id = f"OLD-XO-{n:04d}"
        for code in ("A", "B"):
            limit = {"limit_paise": 1_234_00, "cug_code": f"CUG-XO{n}-{code}"}
            r = two[0].admin("PUT", f"/wallet/legacy-portal/{old_id}", json=limit)
            assert r.status_code == 200, r.text
        kiosk = WalletKiosk(two[0], "RJ-XO-CUG", old_emitra_id=old_id)
        barrier = threading.Barrier(2)

        def redeem(i: int) -> requests.Response:
            body = {"operation_id": uuid.uuid4().hex, "cug_code": f"CUG-XO{n}-{'AB'[i]}"}  # noqa: B023
            barrier.wait()  # noqa: B023
            url = f"{two[i].url}/api/v1/wallet/refill/existing-emitra"
            return requests.post(url, json=body, headers=kiosk.http.headers, timeout=60)  # noqa: B023

        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(redeem, range(2)))
        accepted = [r.json()["amount_paise"] for r in answers if r.status_code == 200]
        refused = [r.json()["error"]["code"] for r in answers if r.status_code != 200]
        assert accepted == [1_234_00] and refused == ["no_legacy_limit"], (accepted, refused)
