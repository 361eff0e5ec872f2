"""The ledger under faults: two server processes racing on one operation id, and kill -9 mid-load."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.support.pgcluster import PgCluster
from tests.support.server import ServerProcess

KIOSK = "RJ-JPR-0200"


@pytest.mark.postgres
def test_same_operation_id_sent_to_two_server_processes_at_once(
    pg_cluster: PgCluster, start_server: Callable[..., ServerProcess]
) -> None:
    from server.core.config import Settings
    from server.migrate import migrate

    url = pg_cluster.create_database()
    migrate(Settings(database_url=url))
    one, two = start_server(url), start_server(url)
    one.create_kiosk(KIOSK)
    one.adjust(KIOSK, "fund-00000001", "credit", 1_000_000)
    entries = one.admin("GET", "/ledger/audit").json()["entries"]

    for round_ in range(20):
        op = f"race-{round_:02d}-{uuid.uuid4().hex[:8]}"
        body = {"operation_id": op, "direction": "debit", "amount_paise": 1000 + round_}
        barrier = threading.Barrier(2)

        def send(
            server: ServerProcess, body: dict[str, Any] = body, barrier: threading.Barrier = barrier
        ) -> requests.Response:
            barrier.wait()
            return server.admin("POST", f"/kiosks/{KIOSK}/adjustments", json=body)

        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(send, [one, two]))
        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        first, second = (a.json() for a in answers)
        assert sorted([first.pop("replayed"), second.pop("replayed")]) == [False, True]
        assert first == second
        entries += 1
        assert two.admin("GET", "/ledger/audit").json()["entries"] == entries

        other = {**body, "amount_paise": 1}
        for server in (one, two):
            reused = server.admin("POST", f"/kiosks/{KIOSK}/adjustments", json=other)
            assert (reused.status_code, reused.json()["error"]["code"]) == (409, "operation_id_reused")

    assert one.balance(KIOSK)["wallet_balance_paise"] == 1_000_000 - sum(1000 + r for r in range(20))
    assert one.audit() == []


def test_kill_9_during_a_posting_load_loses_and_doubles_nothing(
    database_url: str, start_server: Callable[..., ServerProcess]
) -> None:
    server = start_server(database_url)
    server.create_kiosk(KIOSK)
    server.adjust(KIOSK, "fund-00000001", "credit", 50_000)
    acked: dict[str, dict[str, Any]] = {}
    sent: dict[str, dict[str, Any]] = {}
    stop = threading.Event()
    lock = threading.Lock()

    def load(worker: int) -> None:
        session = requests.Session()
        session.headers.update(server.http.headers)
        i = 0
        while not stop.is_set():
            i += 1
            body = {
                "operation_id": f"load-{worker}-{i:05d}",
                "direction": "debit" if i % 3 else "credit",
                "amount_paise": 100 + worker,
            }
            with lock:
                sent[body["operation_id"]] = body
            try:
                r = session.post(f"{server.url}/api/v1/admin/kiosks/{KIOSK}/adjustments", json=body, timeout=10)
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                return  # the server is gone (before or while it answered): this operation's fate is unknown
            if r.status_code == 200:
                with lock:
                    acked[body["operation_id"]] = r.json()

    threads = [threading.Thread(target=load, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while len(acked) < 150 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill9()
    stop.set()
    for t in threads:
        t.join()
    assert len(acked) >= 150

    server.start()  # same database, new process
    assert server.audit() == []
    for op, response in acked.items():
        status = server.admin("GET", f"/operations/{op}").json()
        assert status["response"]["entry_id"] == response["entry_id"], op
    # The client now resends everything whose answer it never got (and everything else: replays are safe).
    final: dict[str, dict[str, Any]] = {}
    for op, body in sent.items():
        r = server.adjust(KIOSK, op, body["direction"], body["amount_paise"])
        if r.status_code == 200:
            final[op] = r.json()
            if op in acked:
                assert final[op]["replayed"] and final[op]["entry_id"] == acked[op]["entry_id"]
        else:
            assert r.json()["error"]["code"] == "insufficient_balance" and op not in acked
    summary = server.admin("GET", "/ledger/audit").json()
    assert summary["problems"] == []
    assert summary["entries"] == len(final) + 1  # one entry per applied operation, plus the opening credit
    assert len({r["entry_id"] for r in final.values()}) == len(final)
    expected = 50_000 + sum((1 if sent[op]["direction"] == "credit" else -1) * sent[op]["amount_paise"] for op in final)
    balance = server.balance(KIOSK)
    assert balance["wallet_balance_paise"] == expected >= 0
