"""A PROVISIONAL receipt's message, through the real client core against a real server: kept while its payment is
still on this PC, left waiting when the connection is back, sent once the day-end sync has put the payment in —
with the server's receipt number, not the provisional one. And the background run that sends them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk_app.background import Background
from kiosk_app.receipt_message import MessageStatus
from kiosk_app.services import OutcomeStatus
from kiosk_app.worker import DbWorker
from tests.support.auth import messages
from tests.support.faultproxy import FaultProxy
from tests.support.kiosk_client import KioskPc, paper_bills
from tests.support.server import ServerProcess

MOBILE = "9876500031"


@pytest.fixture
def proxy(auth_server: ServerProcess) -> Iterator[FaultProxy]:
    p = FaultProxy(auth_server.port).start()
    yield p
    p.stop()


def test_a_provisional_receipts_message_waits_for_its_payment(
    auth_server: ServerProcess, proxy: FaultProxy, tmp_path: Path
) -> None:
    pc = KioskPc(auth_server, tmp_path, "RJ-PRV-0001", url=proxy.url, worker=DbWorker())
    core = pc.core
    try:
        core.catalog.refresh()
        core.money.refresh()
        proxy.set_offline(True)
        assert core.connectivity.check() is False
        outcome = core.payments.pay(paper_bills(1, series=93)[0].order(MOBILE))
        assert outcome.status is OutcomeStatus.PROVISIONAL and outcome.receipt is not None
        kept = core.receipt_messages.send(outcome.receipt, MOBILE, "en")
        assert kept.status is MessageStatus.QUEUED and core.receipt_messages.waiting() == 1

        proxy.set_offline(False)
        assert core.connectivity.check() is True
        assert core.receipt_messages.flush_finished(20)
        assert core.receipt_messages.waiting() == 1  # its payment has not reached the server yet
        assert messages(auth_server, MOBILE, "receipt") == []

        summary = core.sync.run()  # the payment goes in; the sync's end lets the message go
        assert summary.done == 1 and summary.remaining == 0  # the message is no part of the sync
        deadline_ok = core.receipt_messages.flush_finished(20)
        assert deadline_ok and core.receipt_messages.waiting() == 0
        (sent,) = messages(auth_server, MOBILE, "receipt")
        assert "PRV-" not in sent["body"] and sent["body"].startswith("eMitra receipt RJ")
        assert core.receipt_messages.flush() == 0
        assert len(messages(auth_server, MOBILE, "receipt")) == 1
    finally:
        pc.close()


def test_a_background_run_asked_for_while_one_is_going_runs_once_more_after_it() -> None:
    release, runs = threading.Event(), []

    def target() -> None:
        runs.append(len(runs))
        release.wait(10)

    background = Background(target, "test-background")
    background.start()
    background.start()  # the connection back while the first run goes: one more run, not two
    background.start()
    release.set()
    assert background.finished(10) and runs == [0, 1]
    background.start()
    assert background.finished(10) and runs == [0, 1, 2]
