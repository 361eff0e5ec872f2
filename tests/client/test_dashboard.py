"""The home dashboard's figures (kiosk_app/dashboard.py) through the real client core against a real server: after
real payments they equal the server's day-end report of the day; offline they equal the local journal; the dues
are the server's Fund Payout figures, kept for offline; the quick services are the most used. No Qt."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk_app.dashboard import Dashboard, HomeDashboard, day_start, read_dashboard
from kiosk_app.services import BillLine, Contact, OutcomeStatus, PaymentOrder, PayMethod
from offline_cache.outbox import OutboxState
from rules.commission import CommissionRate, commission_paise
from rules.day import business_day
from server.catalog import CATALOG_FILE, Catalog, load_catalog
from server.core.config import Settings
from server.migrate import migrate
from tests.support.faultproxy import FaultProxy
from tests.support.kiosk_client import KioskPc, paper_bills
from tests.support.server import ServerProcess

FUNDS = 10_000_000
LOW = 2_000_00
_codes = itertools.count(1)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{tmp / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    process = ServerProcess(url, log_path=tmp / "server.log", env={"EMITRA_ARGON2_PROFILE": "fast"}).start()
    yield process
    process.stop()


def kiosk_pc(server: ServerProcess, tmp_path: Path, *, url: str | None = None, funds: int = FUNDS) -> KioskPc:
    pc = KioskPc(server, tmp_path, f"RJ-DSH-{next(_codes):04d}", funds=funds, url=url)
    pc.core.catalog.refresh()
    pc.core.connectivity.check()
    return pc


def home(pc: KioskPc) -> HomeDashboard:
    core = pc.core
    return HomeDashboard(core.store, core.worker, core.connectivity, core.wallet)


def rate(code: str) -> CommissionRate:
    return load_catalog().services[code].commission


def test_after_real_payments_the_figures_equal_the_servers_day_end_report(
    server: ServerProcess, tmp_path: Path
) -> None:
    pc = kiosk_pc(server, tmp_path)
    core = pc.core
    bills = paper_bills(3, series=41)
    for bill in bills[:2]:
        assert core.payments.pay(bill.order()).status is OutcomeStatus.PAID
    cheque = PayMethod("cheque", cheque_no="123456", bank="State Bank of India", date=business_day())
    order = PaymentOrder((bills[2].line(),), Contact(mobile="9876543210"), cheque)
    assert core.payments.pay(order).status is OutcomeStatus.PAID
    recharge = core.payments.pay(
        PaymentOrder(
            (BillLine("MOBILE-PREPAID", {"mobile": "9876543210", "mobile_operator": "JIO"}, 239_00),),
            Contact(mobile="9876543210"),
        )
    )
    assert recharge.status is OutcomeStatus.PAID

    figures = home(pc).load(LOW, ask_server=True)
    report = core.wallet.day_end_report(business_day())
    assert figures.day == report.day
    assert [(s.service_code, s.count, s.amount_paise) for s in figures.services] == [
        (s.service_code, s.count, s.amount_paise) for s in report.by_service
    ]
    assert [(m.method, m.count, m.amount_paise) for m in figures.methods] == [
        (m.key, m.count, m.amount_paise) for m in report.by_method
    ]
    assert (figures.count, figures.amount_paise) == (report.collections.count, report.collections.amount_paise)
    assert figures.method("cheque").count == 1 and figures.method("wallet").count == 3
    # The commission is the rule's for each bill with the catalog's rate: ₹5 flat a bill, 2% of a recharge.
    expected = sum(commission_paise(rate(b.service_code), b.amount_paise) for b in bills) + 239_00 * 200 // 10_000
    assert figures.commission_paise == expected == 3 * 500 + 478
    assert figures.waiting.queued == figures.waiting.in_doubt == figures.waiting.refused == 0
    assert figures.waiting.awaiting_count == 0
    # The money and the dues are the server's: spendable after the wallet payments, nothing drawn on credit.
    assert figures.money.spendable_paise == server.balance(pc.code)["spendable_paise"]
    assert figures.dues is not None and figures.dues.nothing_due and figures.dues.interest_rate_percent == 18
    assert figures.online is True and not figures.low_balance
    assert [q.service_code for q in figures.quick] == ["ELEC-JVVNL", "MOBILE-PREPAID"]
    assert figures.quick[0].uses == 3 and figures.quick[0].name_hi == "जेवीवीएनएल बिजली बिल"
    pc.close()


@pytest.fixture
def proxy(server: ServerProcess) -> Iterator[FaultProxy]:
    p = FaultProxy(server.port).start()
    yield p
    p.stop()


def test_offline_the_figures_are_the_local_journals_and_say_from_when(
    server: ServerProcess, proxy: FaultProxy, tmp_path: Path
) -> None:
    pc = kiosk_pc(server, tmp_path, url=proxy.url)
    core = pc.core
    paid = paper_bills(1, series=52)[0]
    assert core.payments.pay(paid.order()).status is OutcomeStatus.PAID
    online = home(pc).load(LOW, ask_server=True)
    assert online.dues is not None
    proxy.set_offline(True)
    core.connectivity.report(False)
    queued = paper_bills(2, series=53)
    for bill in queued:
        assert core.payments.pay(bill.order()).status is OutcomeStatus.PROVISIONAL

    figures = home(pc).load(LOW, ask_server=True)  # offline: nothing asked, the kept figures read
    entries = core.worker.call(core.store.outbox.in_state, OutboxState.DONE)
    waiting = core.worker.call(core.store.outbox.in_state, OutboxState.QUEUED)
    assert [(s.service_code, s.count, s.amount_paise) for s in figures.services] == [
        ("ELEC-JVVNL", len(entries), sum(e.amount_paise for e in entries))
    ]
    assert figures.waiting.queued == len(waiting) == 2 and figures.waiting.in_doubt == 0
    assert (figures.waiting.awaiting_count, figures.waiting.awaiting_paise) == (
        2,
        sum(e.amount_paise for e in waiting),
    )
    assert figures.online is False
    assert figures.dues == online.dues  # as the server last said them, with when
    assert figures.money.taken_at is not None and figures.money.taken_at <= figures.read_at
    # The spendable balance as last known; under the setting's threshold the home page warns.
    left = online.money.spendable_paise or 0
    assert figures.money.offline_limit_paise == left - sum(b.amount_paise for b in queued)
    assert not figures.low_balance
    low = core.worker.call(lambda: read_dashboard(core.store, low_balance_paise=left + 1))
    assert low.low_balance and low.low_balance_paise == left + 1
    assert [q.uses for q in figures.quick] == [3]
    # Tomorrow, today's confirmed bill is yesterday's; the ones still queued wait still (the server counts them
    # on the day it gets them).
    tomorrow = day_start(figures.day + timedelta(days=1))
    later = core.worker.call(lambda: read_dashboard(core.store, low_balance_paise=LOW, now=tomorrow))
    assert later.services == () and (later.waiting.awaiting_count, later.waiting.queued) == (2, 2)
    pc.close()


def test_a_payment_counts_on_the_day_the_server_recorded_it(server: ServerProcess, tmp_path: Path) -> None:
    pc = kiosk_pc(server, tmp_path)
    core = pc.core
    bill = paper_bills(1, series=61)[0]
    assert core.payments.pay(bill.order()).status is OutcomeStatus.PAID
    now = datetime.now(UTC)
    today: Dashboard = core.worker.call(lambda: read_dashboard(core.store, low_balance_paise=LOW, now=now))
    assert today.count == 1
    tomorrow_start = day_start(business_day(now) + timedelta(days=1))
    tomorrow = core.worker.call(lambda: read_dashboard(core.store, low_balance_paise=LOW, now=tomorrow_start))
    assert tomorrow.count == 0 and tomorrow.services == () and tomorrow.commission_paise == 0
    pc.close()


def test_the_commission_rule_and_the_catalog_refuse_a_rate_that_is_not_whole() -> None:
    assert commission_paise(CommissionRate(500, 0), 1_234_56) == 500
    assert commission_paise(CommissionRate(0, 200), 239_00) == 478
    assert commission_paise(CommissionRate(100, 150), 333) == 104  # 4.995 paise earned: rounded down to 4
    assert CommissionRate.of({}) == CommissionRate() and CommissionRate.of({"commission_bp": None}).basis_points == 0
    for bad in (
        {"commission_paise": 2.5},
        {"commission_bp": 10_001},
        {"commission_paise": -1},
        {"commission_bp": True},
    ):
        with pytest.raises(ValueError):
            CommissionRate.of(bad)
    with pytest.raises(ValueError):
        commission_paise(CommissionRate(), -5)
    data = load_catalog().public()
    assert all("commission_paise" in s and "commission_bp" in s for s in data["services"])
    raw = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    raw["services"][0]["commission_paise"] = "5"
    with pytest.raises(ValueError, match="ELEC-JVVNL: commission_paise"):
        Catalog.from_data(raw)
