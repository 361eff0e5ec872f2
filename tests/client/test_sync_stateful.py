"""Hypothesis drives a kiosk through online/offline interleavings against a real server: nothing lost or doubled."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from kiosk_app.errors import InsufficientBalance, OfflineLimitExceeded
from kiosk_app.services import OutcomeStatus
from server.core.config import Settings
from server.migrate import migrate
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.kiosk_client import KioskPc, assert_exactly_once, paper_bills
from tests.support.server import ServerProcess

_codes = itertools.count(1)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("stateful")
    url = f"sqlite:///{tmp / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    process = ServerProcess(url, log_path=tmp / "server.log", env={"EMITRA_ARGON2_PROFILE": "fast"}).start()
    yield process
    process.stop()


def test_online_offline_interleavings_end_with_every_payment_exactly_once(
    server: ServerProcess, tmp_path: Path
) -> None:
    bills = iter(paper_bills(480, series=40))
    proxy = FaultProxy(server.port).start()

    class Kiosk(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            proxy.set_offline(False)
            proxy.clear()
            self.bills = [next(bills) for _ in range(12)]
            self.funds = sum(b.amount_paise for b in self.bills[:8])  # not all of them can be paid
            self.pc = KioskPc(server, tmp_path, f"RJ-HYP-{next(_codes):04d}", funds=self.funds, url=proxy.url)
            self.pc.core.catalog.refresh()
            self.pc.core.money.refresh()
            self.pc.core.connectivity.check()
            self.paid: dict[str, int] = {}  # operation id → amount, every payment the server must end with
            self.queued: set[str] = set()

        @rule()
        def go_offline(self) -> None:
            proxy.set_offline(True)
            assert self.pc.core.connectivity.check() is False

        @rule()
        def come_back_online(self) -> None:
            proxy.set_offline(False)
            assert self.pc.core.connectivity.check() is True

        @rule(lose_answer=st.booleans())
        def pay(self, lose_answer: bool) -> None:
            if not self.bills:
                return
            bill = self.bills.pop()
            online = self.pc.core.connectivity.online
            limit = self.pc.core.money.offline_limit()
            if lose_answer:
                proxy.plan(Fault("lost_answer", match=b"POST /api/v1/payments"))
            try:
                outcome = self.pc.core.payments.pay(bill.order())
            except OfflineLimitExceeded:
                assert not online and bill.amount_paise > limit
                return
            except InsufficientBalance:
                assert online and bill.amount_paise > self.funds - sum(self.paid.values())
                return
            finally:
                proxy.clear()
            if online:
                assert outcome.status is OutcomeStatus.PAID
            else:
                assert outcome.status is OutcomeStatus.PROVISIONAL and bill.amount_paise <= limit
                self.queued.add(outcome.operation_id)
            self.paid[outcome.operation_id] = bill.amount_paise

        @rule()
        def day_end_sync(self) -> None:
            online = self.pc.core.connectivity.online
            summary = self.pc.core.sync.run()
            if online:
                assert summary.complete and summary.refused == 0
                self.queued.clear()
            else:
                assert summary.interrupted and summary.remaining == len(self.queued)

        @invariant()
        def the_queue_is_what_was_taken_offline(self) -> None:
            assert self.pc.core.payments.queue_length() == len(self.queued)

        def teardown(self) -> None:
            proxy.set_offline(False)
            self.pc.core.connectivity.check()
            assert self.pc.core.sync.run().complete
            assert_exactly_once(server, self.pc.code, self.paid, self.funds)
            self.pc.close()

    try:
        run_state_machine_as_test(
            Kiosk,
            settings=settings(
                max_examples=6,
                stateful_step_count=10,
                deadline=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            ),
        )
    finally:
        proxy.stop()
