"""Day-end sync through a faulty line: batches broken in every way still end each operation exactly once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk_app.events import SyncProgress
from offline_cache.outbox import OutboxState
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.kiosk_client import KioskPc, assert_exactly_once, paper_bills
from tests.support.server import ServerProcess

BATCH = b"POST /api/v1/payments/batch"


@pytest.fixture
def server(tmp_path: Path, start_server: Callable[..., ServerProcess]) -> ServerProcess:
    from server.core.config import Settings
    from server.migrate import migrate

    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    return start_server(url, EMITRA_ARGON2_PROFILE="fast")


@pytest.fixture
def proxy(server: ServerProcess) -> Iterator[FaultProxy]:
    p = FaultProxy(server.port).start()
    yield p
    p.stop()


def test_sync_through_drops_resets_cuts_delays_and_a_black_hole_pays_each_operation_once(
    server: ServerProcess, proxy: FaultProxy, tmp_path: Path
) -> None:
    bills = paper_bills(240, series=30)
    funds = sum(b.amount_paise for b in bills)
    pc = KioskPc(server, tmp_path, "RJ-SYNC-0001", funds=funds, url=proxy.url)
    pc.core.sync.batch_size = 30
    expected = dict(zip(pc.queue_offline(bills), (b.amount_paise for b in bills), strict=True))
    proxy.plan(
        Fault("lost_answer", match=BATCH),  # the server paid 30, the client heard nothing
        Fault("cut", after_bytes=500, match=BATCH),  # half an answer
        Fault("delay", seconds=0.3, match=BATCH),
        Fault("drop", match=BATCH),  # nothing reached the server
        Fault("reset", match=b"GET /api/v1/payments/"),  # the status question itself fails once
        Fault("blackhole", forward=True, match=BATCH),  # the server paid, the answer never came (timeout)
    )
    runs = []
    for _ in range(8):
        summary = pc.core.sync.run()
        runs.append(summary)
        if summary.complete:
            break
    assert runs[-1].complete, runs[-1]
    assert sum(1 for r in runs if r.interrupted) >= 4
    assert sorted(proxy.applied) == sorted(["lost_answer", "cut", "delay", "drop", "reset", "blackhole"])
    assert pc.core.worker.call(pc.core.store.outbox.counts)[OutboxState.DONE] == len(bills)
    assert_exactly_once(server, pc.code, expected, funds)
    pc.close()


def test_sync_can_be_stopped_and_resumed_and_reports_progress(server: ServerProcess, tmp_path: Path) -> None:
    bills = paper_bills(90, series=31)
    funds = sum(b.amount_paise for b in bills) - bills[-1].amount_paise // 2  # the last one cannot be afforded
    pc = KioskPc(server, tmp_path, "RJ-SYNC-0002", funds=funds)
    pc.core.sync.batch_size = 30
    expected = dict(zip(pc.queue_offline(bills), (b.amount_paise for b in bills), strict=True))
    seen: list[SyncProgress] = []

    def stop_after_first_batch(progress: SyncProgress) -> None:
        seen.append(progress)
        if progress.sent >= 30:
            pc.core.sync.stop()

    disconnect = pc.core.events.sync_progress.connect(stop_after_first_batch)
    first = pc.core.sync.run()
    disconnect()
    assert first.stopped and not first.complete and (first.done, first.remaining) == (30, 60)
    assert [p.sent for p in seen] == [0, 30, 30] and seen[-1].finished
    second = pc.core.sync.run()
    assert second.complete and (second.total, second.done, second.refused) == (60, 59, 1)
    (refusal,) = second.reconcile
    assert refusal.code == "insufficient_balance" and refusal.amount_paise == bills[-1].amount_paise
    last = pc.core.worker.call(pc.core.store.state.last_sync)
    assert last is not None and last.outcome == "complete" and last.summary["refused"] == 1
    del expected[refusal.operation_id]
    assert_exactly_once(server, pc.code, expected, funds)
    pc.close()


def test_payments_whose_department_does_not_answer_the_bill_check_wait_for_the_next_sync_not_reconcile(
    server: ServerProcess, tmp_path: Path
) -> None:
    bills = paper_bills(10, series=33)
    funds = sum(b.amount_paise for b in bills)
    pc = KioskPc(server, tmp_path, "RJ-SYNC-0003", funds=funds)
    ids = pc.queue_offline(bills)
    expected = dict(zip(ids, (b.amount_paise for b in bills), strict=True))
    server.admin("PUT", "/billers/discom/fault", json={"fault": "timeout", "applies_to": "fetch", "times": -1})
    try:
        first = pc.core.sync.run()
    finally:
        server.admin("PUT", "/billers/discom/fault", json={"fault": "none"})
    assert (first.total, first.done, first.refused, first.remaining, first.reconcile) == (10, 0, 0, 10, ())
    assert first.interrupted is not None and "next sync" in first.interrupted and not first.complete
    counts = pc.core.worker.call(pc.core.store.outbox.counts)
    assert counts[OutboxState.QUEUED] == 10 and counts[OutboxState.REFUSED] == 0
    assert_exactly_once(server, pc.code, {}, funds)  # nothing was paid while the department was silent
    second = pc.core.sync.run()
    assert second.complete and second.done == 10, second
    assert_exactly_once(server, pc.code, expected, funds)
    pc.close()
