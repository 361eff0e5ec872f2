"""Paying through the real client core against a real server: online, lost answers, offline with PROVISIONAL."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk_app.errors import AnswerLost, DepartmentNoAnswer, NeedsConnection, OfflineLimitExceeded
from kiosk_app.services import BillLine, Contact, OutcomeStatus, PaymentOrder
from kiosk_app.worker import DbWorker
from offline_cache.outbox import OutboxState
from printing.receipt import Provisional, Receipt, ReceiptStatus
from server.core.config import Settings
from server.migrate import migrate
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.kiosk_client import KioskPc, assert_exactly_once, paper_bills
from tests.support.server import ServerProcess

FUNDS = 10_000_000
_codes = itertools.count(1)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("offline-pay")
    url = f"sqlite:///{tmp / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    process = ServerProcess(url, log_path=tmp / "server.log", env={"EMITRA_ARGON2_PROFILE": "fast"}).start()
    yield process
    process.stop()


@pytest.fixture
def proxy(server: ServerProcess) -> Iterator[FaultProxy]:
    p = FaultProxy(server.port).start()
    yield p
    p.stop()
    server.admin("PUT", "/billers/discom/fault", json={"fault": "none"})


def kiosk_pc(
    server: ServerProcess, tmp_path: Path, *, url: str | None = None, funds: int = FUNDS, **kw: Any
) -> KioskPc:
    pc = KioskPc(server, tmp_path, f"RJ-OFF-{next(_codes):04d}", funds=funds, url=url, **kw)
    pc.core.catalog.refresh()
    pc.core.connectivity.check()
    return pc


def test_online_payment_is_written_first_then_paid_with_a_success_receipt(
    server: ServerProcess, tmp_path: Path
) -> None:
    pc = kiosk_pc(server, tmp_path)
    core = pc.core
    assert core.catalog.refresh() is False  # unchanged: the server answered 304 to the cached ETag
    old = {"version": "old", "categories": [], "departments": [], "services": []}
    core.worker.call(core.store.catalog.replace, old, '"old"')
    assert core.catalog.search("bijli") == [] and core.catalog.version == "old"
    assert core.catalog.refresh() is True  # the server's version differs: the whole catalog comes again
    assert core.catalog.version != "old" and len(core.catalog.search("bijli")) == 3
    bill = paper_bills(1, series=1)[0]
    details = core.payments.get_bill(bill.service_code, {"k_no": bill.k_no})
    assert details.payable_now_paise == bill.amount_paise
    outcome = core.payments.pay(bill.order(mobile="+91 98765 43210"))
    assert outcome.status is OutcomeStatus.PAID and outcome.receipt is not None
    assert outcome.receipt.status is ReceiptStatus.SUCCESS and outcome.receipt.provisional is None
    assert outcome.receipt.consumer_no == bill.k_no and outcome.receipt.consumer_no_label.hi == "के. नं."
    spooled = core.worker.call(core.store.spool.by_operation, outcome.operation_id)
    assert spooled is not None and Receipt.from_json(spooled.receipt_json) == outcome.receipt
    entry = core.worker.call(core.store.outbox.get, outcome.operation_id)
    assert entry is not None and entry.state is OutboxState.DONE and entry.payment_status == "success"
    snapshot = core.worker.call(core.store.state.wallet)
    assert snapshot is not None and snapshot.spendable_paise == FUNDS - bill.amount_paise
    assert_exactly_once(server, pc.code, {outcome.operation_id: bill.amount_paise}, FUNDS)
    pc.close()


def test_a_payment_whose_second_department_declines_is_shown_and_printed_as_partly_paid(
    server: ServerProcess, tmp_path: Path
) -> None:
    pc = kiosk_pc(server, tmp_path)
    core = pc.core
    electricity = paper_bills(1, series=9)[0]
    water_no = {"phed_consumer": "1109900135"}
    water = core.payments.get_bill("WATER-PHED", water_no)
    assert water.payable_now_paise is not None
    order = PaymentOrder(
        (electricity.line(), BillLine("WATER-PHED", water_no, water.payable_now_paise)), Contact(mobile="9876543210")
    )
    server.admin("PUT", "/billers/phed/fault", json={"fault": "decline"}).raise_for_status()
    try:
        outcome = core.payments.pay(order)
    finally:
        server.admin("PUT", "/billers/phed/fault", json={"fault": "none"}).raise_for_status()
    assert outcome.status is OutcomeStatus.PARTIAL and outcome.receipt is not None
    assert outcome.receipt.status is ReceiptStatus.PARTIAL
    assert outcome.receipt.status.label.en == "PARTLY PAID"
    spooled = core.worker.call(core.store.spool.by_operation, outcome.operation_id)
    assert spooled is not None and Receipt.from_json(spooled.receipt_json).status is ReceiptStatus.PARTIAL
    snapshot = core.worker.call(core.store.state.wallet)  # the declined water bill was given back
    assert snapshot is not None and snapshot.spendable_paise == FUNDS - electricity.amount_paise
    pc.close()


def test_a_department_that_does_not_answer_get_bill_details_is_named_and_nothing_is_queued(
    server: ServerProcess, tmp_path: Path
) -> None:
    pc = kiosk_pc(server, tmp_path)
    bill = paper_bills(1, series=2)[0]
    server.admin("PUT", "/billers/discom/fault", json={"fault": "timeout", "applies_to": "fetch", "times": -1})
    try:
        with pytest.raises(DepartmentNoAnswer) as no_answer:
            pc.core.payments.get_bill(bill.service_code, {"k_no": bill.k_no})
        assert no_answer.value.status == 504 and "Get Bill Details again" in no_answer.value.message_en
        assert no_answer.value.message_hi and "विभाग" in no_answer.value.message_hi
        with pytest.raises(DepartmentNoAnswer):  # Pay checks the bill first: refused, nothing in doubt
            pc.core.payments.pay(bill.order())
        assert pc.core.payments.queue_length() == 0
    finally:
        server.admin("PUT", "/billers/discom/fault", json={"fault": "none"})
    assert pc.core.payments.get_bill(bill.service_code, {"k_no": bill.k_no}).payable_now_paise == bill.amount_paise
    assert_exactly_once(server, pc.code, {}, FUNDS)
    pc.close()


def test_a_lost_department_answer_is_resolved_by_asking_the_operations_status(
    server: ServerProcess, tmp_path: Path
) -> None:
    pc = kiosk_pc(server, tmp_path)
    server.admin("PUT", "/billers/discom/fault", json={"fault": "lost_answer", "times": 1})
    bill = paper_bills(1, series=2)[0]
    outcome = pc.core.payments.pay(bill.order())
    assert outcome.status is OutcomeStatus.PAID, outcome.payment
    assert outcome.payment is not None and outcome.payment["bills"][0]["biller_ref"]
    assert_exactly_once(server, pc.code, {outcome.operation_id: bill.amount_paise}, FUNDS)
    pc.close()


@pytest.mark.parametrize(
    "fault",
    [
        Fault("lost_answer", match=b"POST /api/v1/payments"),
        Fault("cut", after_bytes=40, match=b"POST /api/v1/payments"),
        Fault("blackhole", forward=True, match=b"POST /api/v1/payments"),
        Fault("reset", match=b"POST /api/v1/payments"),
        Fault("drop", match=b"POST /api/v1/payments"),
        Fault("delay", seconds=0.5, match=b"POST /api/v1/payments"),
    ],
    ids=lambda f: f.kind,
)
def test_a_broken_exchange_during_pay_ends_exactly_once(
    server: ServerProcess, proxy: FaultProxy, tmp_path: Path, fault: Fault
) -> None:
    pc = kiosk_pc(server, tmp_path, url=proxy.url)
    bill = paper_bills(6, series=3)[["lost_answer", "cut", "blackhole", "reset", "drop", "delay"].index(fault.kind)]
    proxy.plan(fault)
    outcome = pc.core.payments.pay(bill.order())
    assert proxy.applied == [fault.kind]
    assert outcome.status is OutcomeStatus.PAID
    assert pc.core.payments.queue_length() == 0
    assert_exactly_once(server, pc.code, {outcome.operation_id: bill.amount_paise}, FUNDS)
    pc.close()


def test_offline_payments_are_provisional_within_the_limit_and_sync_at_day_end(
    server: ServerProcess, proxy: FaultProxy, tmp_path: Path
) -> None:
    bills = paper_bills(4, series=4)
    funds = bills[0].amount_paise + bills[1].amount_paise + bills[2].amount_paise + 100
    pc = kiosk_pc(server, tmp_path, url=proxy.url, funds=funds, worker=DbWorker())
    core = pc.core
    core.money.refresh()
    seen: list[bool] = []
    core.events.online_changed.connect(seen.append)
    proxy.set_offline(True)
    assert core.connectivity.check() is False and seen == [False]

    # The catalog still answers from the local cache, in Hindi and English.
    assert {s.code for s in core.catalog.search("बिजली")} == {"ELEC-JVVNL", "ELEC-AVVNL", "ELEC-JDVVNL"}
    assert [s.code for s in core.catalog.search("paani")] == [] and core.catalog.search("पानी")[0].code == "WATER-PHED"

    # A service that is not offline-capable says why, in both languages.
    with pytest.raises(NeedsConnection) as refused:
        core.payments.pay(
            PaymentOrder(
                (BillLine("WATER-PHED", {"phed_consumer": "1102345678"}, 10_000),), Contact(mobile="9876543210")
            )
        )
    assert "offline" in refused.value.message_en and "ऑनलाइन" in refused.value.message_hi

    first = core.payments.pay(bills[0].order())
    assert first.status is OutcomeStatus.PROVISIONAL and first.receipt is not None
    assert first.receipt.provisional == Provisional(first.operation_id)
    assert first.receipt.txn_id == first.operation_id
    assert core.money.offline_limit() == funds - bills[0].amount_paise
    typo = BillLine(bills[1].service_code, {"k_no": bills[1].k_no}, bills[1].amount_paise + 1)  # misread amount
    second = core.payments.pay(PaymentOrder((typo,), Contact(mobile="9876543210")))
    third = core.payments.pay(bills[2].order())
    with pytest.raises(OfflineLimitExceeded) as over:
        core.payments.pay(bills[3].order())
    assert over.value.limit_paise == core.money.offline_limit() and over.value.message_hi
    assert core.payments.queue_length() == 3

    proxy.set_offline(False)
    assert core.connectivity.check() is True and seen == [False, True]
    progress: list[int] = []
    core.events.sync_progress.connect(lambda p: progress.append(p.sent))
    summary = core.sync.run()
    assert summary.complete and (summary.total, summary.done, summary.refused) == (3, 2, 1)
    assert progress[-1] == 3
    assert [(r.operation_id, r.code) for r in summary.reconcile] == [(second.operation_id, "amount_must_equal_due")]
    refused = summary.reconcile[0]
    assert refused.mobile == "9876543210"  # whom to call: the customer who paid and went home
    assert "₹" in refused.words[0] and "amount_must_equal_due" not in refused.words[0] + refused.words[1]
    assert [r.operation_id for r in core.sync.reconcile()] == [second.operation_id]
    assert_exactly_once(
        server, pc.code, {first.operation_id: bills[0].amount_paise, third.operation_id: bills[2].amount_paise}, funds
    )
    pc.close()


def test_an_unanswered_payment_of_an_online_only_service_stays_in_doubt_until_the_server_is_asked(
    server: ServerProcess, proxy: FaultProxy, tmp_path: Path
) -> None:
    pc = kiosk_pc(server, tmp_path, url=proxy.url)
    fields = {"phed_consumer": "1107770001"}
    details = pc.core.payments.get_bill("WATER-PHED", fields)
    assert details.payable_now_paise is not None
    order = PaymentOrder((BillLine("WATER-PHED", fields, details.payable_now_paise),), Contact(mobile="9876543210"))
    proxy.plan(Fault("lost_answer", match=b"POST /api/v1/payments"))
    proxy.plan(Fault("reset", times=-1, match=b"GET /api/v1/payments/"))  # the status question fails too
    with pytest.raises(AnswerLost) as lost:
        pc.core.payments.pay(order)
    op_id = lost.value.details["operation_id"]
    assert lost.value.message_hi and pc.core.payments.queue_length() == 1
    proxy.clear()
    summary = pc.core.sync.run()
    assert summary.complete and summary.done == 1
    assert_exactly_once(server, pc.code, {op_id: details.payable_now_paise}, FUNDS)
    pc.close()


def test_connectivity_backs_off_while_offline_and_the_outbox_flushes_when_the_server_is_back(
    server: ServerProcess, proxy: FaultProxy, tmp_path: Path
) -> None:
    pc = kiosk_pc(server, tmp_path, url=proxy.url, worker=DbWorker(), auto_flush=True)
    core = pc.core
    core.money.refresh()
    # The flush started by the first "online" must end first: an answer it got before the cable was pulled
    # would otherwise say "online" after the check below said "offline".
    assert core.flush_finished(20)
    connectivity = core.connectivity
    connectivity.interval, connectivity.min_backoff, connectivity.max_backoff = 0.1, 0.05, 0.4
    proxy.set_offline(True)
    assert connectivity.check() is False
    assert [connectivity.next_delay() for _ in range(5)] == [0.05, 0.1, 0.2, 0.4, 0.4]
    bill = paper_bills(1, series=5)[0]
    outcome = core.payments.pay(bill.order())
    assert outcome.status is OutcomeStatus.PROVISIONAL
    queue: list[int] = []
    flushed = threading.Event()

    def on_queue(length: int) -> None:
        queue.append(length)
        if length == 0:
            flushed.set()

    core.events.queue_changed.connect(on_queue)
    connectivity.start()
    proxy.set_offline(False)  # the background checks notice; the outbox flushes on its own thread
    assert flushed.wait(20), queue
    connectivity.stop()
    assert connectivity.online is True and core.payments.queue_length() == 0
    assert_exactly_once(server, pc.code, {outcome.operation_id: bill.amount_paise}, FUNDS)
    pc.close()


def test_a_silent_network_ends_the_wait_at_the_limit_and_leaves_the_payment_in_doubt_until_asked(
    server: ServerProcess, proxy: FaultProxy, tmp_path: Path
) -> None:
    """The relay takes the payment to the server and swallows the answer, and every status question after it:
    the operator waits no longer than the kiosk's limit, the payment is in doubt (not provisional, no
    receipt), and the next sync learns from the server that it was paid — once."""
    pc = kiosk_pc(server, tmp_path, url=proxy.url)
    pc.core.payments.wait_s = 3.0
    bill = paper_bills(1, series=12)[0]  # electricity: a service that could be taken offline
    proxy.plan(Fault("blackhole", times=-1, match=b"/api/v1/payments", forward=True))
    started = time.monotonic()
    with pytest.raises(AnswerLost) as lost:
        pc.core.payments.pay(bill.order())
    waited = time.monotonic() - started
    assert waited < 3.0 + 2.0, waited  # the limit (plus the machine's slack), not 30 s of read timeout × retries
    assert "IN DOUBT" in lost.value.message_en and "3 s" in lost.value.message_en
    assert "संदिग्ध" in lost.value.message_hi
    op_id = lost.value.details["operation_id"]
    entry = pc.core.worker.call(pc.core.store.outbox.get, op_id)
    assert entry is not None and entry.state is OutboxState.SENDING  # in the queue, in doubt
    assert pc.core.worker.call(pc.core.store.spool.by_operation, op_id) is None  # nothing printed
    proxy.clear()
    summary = pc.core.sync.run()
    assert summary.complete and summary.done == 1
    assert_exactly_once(server, pc.code, {op_id: bill.amount_paise}, FUNDS)
    pc.close()


def test_a_server_that_cannot_be_reached_at_all_takes_the_payment_offline(
    server: ServerProcess, tmp_path: Path
) -> None:
    """No connection could be made, so nothing reached the server: an offline payment, not one in doubt."""
    pc = kiosk_pc(server, tmp_path)
    pc.core.money.refresh()  # the last known balance is what an offline payment may spend
    pc.core.api.base_url = "http://127.0.0.1:9"  # nothing listens: refused at once
    bill = paper_bills(1, series=13)[0]
    outcome = pc.core.payments.pay(bill.order())
    assert outcome.status is OutcomeStatus.PROVISIONAL and outcome.receipt is not None
    pc.close()


def test_a_payment_the_kiosk_believed_online_but_could_not_send_keeps_to_the_offline_limit(
    server: ServerProcess, tmp_path: Path
) -> None:
    """The kiosk thought it was online; no connection could be made, so the payment becomes an offline one —
    and an offline one may not spend more than the last known spendable balance less what is queued."""
    first, second = paper_bills(2, series=14)
    pc = kiosk_pc(server, tmp_path, funds=first.amount_paise + second.amount_paise // 2)
    core = pc.core
    core.money.refresh()
    assert core.connectivity.online is True
    core.api.base_url = "http://127.0.0.1:9"  # the line goes dead between two payments
    outcome = core.payments.pay(first.order())
    assert outcome.status is OutcomeStatus.PROVISIONAL and core.payments.queue_length() == 1
    assert core.connectivity.online is False
    core.connectivity.report(True)  # a stale "online" again: the next payment also finds no connection
    with pytest.raises(OfflineLimitExceeded) as over:
        core.payments.pay(second.order())
    assert over.value.limit_paise == second.amount_paise // 2 == core.money.offline_limit()
    assert core.payments.queue_length() == 1  # the refused one left nothing behind
    pc.close()
