"""Credit line: due dates on bank working days, 18% simple interest, FIFO settlement, Fund Payout end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from server.core.config import Settings
from server.core.db import make_engine
from server.ledger import account_balance
from server.migrate import migrate
from server.wallet.calendar import BankCalendar
from server.wallet.credit import CreditEvent, credit_state, interest_for
from tests.support.auth import ShiftedClock
from tests.support.server import ServerProcess
from tests.support.wallet import LONG_SESSIONS, WalletKiosk, error, op, sim_page

IST = ZoneInfo("Asia/Kolkata")
FRI = date(2026, 11, 13)  # the Friday before the 2nd Saturday of November 2026


# -- the rules, on fixed dates ------------------------------------------------------------------------


def test_bank_calendar_closes_sundays_second_and_fourth_saturdays_and_listed_holidays() -> None:
    calendar = BankCalendar.load()  # server/data/holidays.json
    saturdays = [date(2026, 11, d) for d in (7, 14, 21, 28)]
    assert [calendar.is_working_day(d) for d in saturdays] == [True, False, True, False]
    assert calendar.closed_because(date(2026, 11, 15)) == "Sunday"
    assert calendar.closed_because(date(2026, 11, 24)) == "Guru Nanak Jayanti"
    assert calendar.next_working_day(date(2026, 11, 23)) == date(2026, 11, 25)  # Tuesday is a holiday
    assert calendar.next_working_day(date(2026, 11, 27)) == date(2026, 11, 30)  # 4th Saturday, then Sunday


def test_interest_across_a_weekend_and_a_holiday() -> None:
    calendar = BankCalendar({date(2026, 11, 16): "A listed holiday"})
    drawn = [CreditEvent(FRI, -1_00_000_00)]  # ₹1,00,000 drawn on Friday
    # Saturday (2nd) and Sunday are closed, Monday is a holiday: due on Tuesday the 17th.
    on_due_day = credit_state(drawn, date(2026, 11, 17), calendar, 18, 0)
    assert on_due_day.open[0].due_on == date(2026, 11, 17) and on_due_day.interest_accrued == 0
    # Paid on Friday the 20th: three days late → 1,00,00,000 × 18 × 3 / 36 500 = 14 794.52 → 14 795 paise.
    repaid = credit_state([*drawn, CreditEvent(date(2026, 11, 20), 1_00_000_00)], date(2026, 12, 31), calendar, 18, 0)
    assert (repaid.outstanding, repaid.paise_days, repaid.interest_accrued) == (0, 1_00_000_00 * 3, 14_795)
    # Unpaid: it keeps accruing every calendar day, weekends and holidays included.
    assert credit_state(drawn, date(2026, 11, 24), calendar, 18, 0).interest_accrued == interest_for(
        1_00_000_00 * 7, 18
    )


def test_repayments_settle_the_oldest_drawdown_first() -> None:
    calendar = BankCalendar({})
    events = [
        CreditEvent(date(2026, 11, 2), -500_00),
        CreditEvent(date(2026, 11, 4), -300_00),
        CreditEvent(date(2026, 11, 6), 600_00),
    ]
    state = credit_state(events, date(2026, 11, 10), calendar, 18, 0)
    assert [(t.drawn_on, t.due_on, t.remaining) for t in state.open] == [(date(2026, 11, 4), date(2026, 11, 5), 200_00)]
    # 500 paid 3 days after its due date (3rd → 6th); 100 of the second paid 1 day late; 200 still open 5 days.
    assert state.paise_days == 500_00 * 3 + 100_00 * 1 + 200_00 * 5


def test_rounding_is_half_up_on_the_running_total() -> None:
    assert interest_for(36_500 * 100 // 18, 18) == 100  # exactly ₹1
    assert interest_for(9_125, 18) == 5  # 9 125 paise-days × 18 / 36 500 = 4.5 exactly: half goes up
    assert interest_for(9_124, 18) == 4 and interest_for(1_013, 18) == 0 and interest_for(1_014, 18) == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(1, 50_000), st.booleans()), max_size=12), st.integers(0, 60))
def test_interest_never_goes_down_as_days_pass(raw: list[tuple[int, int, bool]], extra: int) -> None:
    events, used = [], 0
    for day, amount, repay in sorted(raw):
        when = date(2026, 11, 1) + timedelta(days=day)
        if repay:
            amount = min(amount, used)
            if amount:
                used -= amount
                events.append(CreditEvent(when, amount))
        else:
            used += amount
            events.append(CreditEvent(when, -amount))
    calendar = BankCalendar.load()
    earlier = credit_state(events, date(2026, 12, 15), calendar, 18, 0)
    later = credit_state(events, date(2026, 12, 15) + timedelta(days=extra), calendar, 18, 0)
    assert later.interest_accrued >= earlier.interest_accrued >= 0
    assert earlier.outstanding == later.outstanding == used


# -- end to end -----------------------------------------------------------------------------------------


def closed(day: date, holidays: set[date]) -> bool:
    return day.weekday() == 6 or (day.weekday() == 5 and (day.day - 1) // 7 in (1, 3)) or day in holidays


@pytest.fixture(scope="module")
def today() -> date:
    return datetime.now(IST).date()


@pytest.fixture(scope="module")
def holidays(tmp_path_factory: pytest.TempPathFactory, today: date) -> tuple[Path, set[date]]:
    days = {today + timedelta(days=1), today + timedelta(days=2)}
    path = tmp_path_factory.mktemp("holidays") / "holidays.json"
    path.write_text(json.dumps({"holidays": [{"date": d.isoformat(), "name": "Test holiday"} for d in days]}))
    return path, days


@pytest.fixture(scope="module")
def clock(tmp_path_factory: pytest.TempPathFactory) -> ShiftedClock:
    return ShiftedClock(tmp_path_factory.mktemp("clock") / "offset")


@pytest.fixture(scope="module")
def credit_server(
    tmp_path_factory: pytest.TempPathFactory, clock: ShiftedClock, holidays: tuple[Path, set[date]]
) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("credit")
    url = f"sqlite:///{tmp / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    server = ServerProcess(
        url,
        log_path=tmp / "server.log",
        env={
            "EMITRA_ARGON2_PROFILE": "fast",
            "EMITRA_CLOCK_OFFSET_FILE": str(clock.path),
            "EMITRA_HOLIDAYS_FILE": str(holidays[0]),
            "EMITRA_SCHEDULER_ENABLED": "false",
            **LONG_SESSIONS,
        },
    ).start()
    yield server
    assert server.audit() == []
    server.stop()


@pytest.fixture
def engine(credit_server: ServerProcess) -> Iterator[Engine]:
    engine = make_engine(credit_server.database_url)
    yield engine
    engine.dispose()


def interest_income(engine: Engine) -> int:
    with engine.connect() as conn:
        return account_balance(conn, "income:interest")


def test_overdue_credit_accrues_interest_and_fund_payout_pays_interest_first(
    credit_server: ServerProcess, clock: ShiftedClock, today: date, holidays: tuple[Path, set[date]], engine: Engine
) -> None:
    kiosk = WalletKiosk(credit_server, "RJ-CRD", credit_limit=5_00_000_00)
    kiosk.fund(1_000_00)
    # ₹21,000 spent with ₹1,000 in the wallet: ₹20,000 comes from the credit line.
    r = credit_server.adjust(kiosk.code, op(), "debit", 21_000_00)
    assert r.json()["from_credit_paise"] == 20_000_00
    due = today + timedelta(days=1)
    while closed(due, holidays[1]):
        due += timedelta(days=1)
    page = kiosk.ok("GET", "/wallet/payout")
    assert (page["outstanding_paise"], page["next_due_on"], page["interest_due_paise"]) == (
        20_000_00,
        due.isoformat(),
        0,
    )
    assert page["outstanding"] == [
        {
            "drawn_on": today.isoformat(),
            "due_on": due.isoformat(),
            "amount_paise": 20_000_00,
            "remaining_paise": 20_000_00,
            "overdue_days": 0,
            "state": "due",
        }
    ]
    nothing = kiosk.call("POST", "/wallet/payout", json={"operation_id": op(), "amount_paise": 1, "method": "wallet"})
    assert error(nothing) == (422, "insufficient_balance")  # the wallet is empty

    clock.advance(hours=24 * ((due - today).days + 10))  # ten days after the due date
    try:
        page = kiosk.ok("GET", "/wallet/payout")
        interest = (2 * 20_000_00 * 10 * 18 + 36_500) // 73_000  # 9 863.01 → 9 863 paise
        assert (page["outstanding"][0]["overdue_days"], page["interest_due_paise"]) == (10, interest)
        assert page["total_payable_paise"] == 20_000_00 + interest and page["overdue_paise"] == 20_000_00
        kiosk.fund(30_000_00)
        too_much = kiosk.call(
            "POST",
            "/wallet/payout",
            json={"operation_id": op(), "amount_paise": 20_000_00 + interest + 1, "method": "wallet"},
        )
        assert error(too_much) == (422, "amount_exceeds_due") and too_much.json()["error"]["field"] == "amount_paise"

        first = {"operation_id": op(), "amount_paise": interest + 5_000_00, "method": "wallet"}
        paid = kiosk.ok("POST", "/wallet/payout", json=first)["payout"]
        assert (paid["interest_paise"], paid["principal_paise"], paid["replayed"]) == (interest, 5_000_00, False)
        assert kiosk.ok("POST", "/wallet/payout", json=first)["payout"]["replayed"] is True
        assert interest_income(engine) == interest
        assert kiosk.balance["credit_used_paise"] == 15_000_00
        assert kiosk.wallet == 30_000_00 - interest - 5_000_00
        after = kiosk.ok("GET", "/wallet/payout")
        assert (after["interest_due_paise"], after["interest_paid_paise"], after["outstanding_paise"]) == (
            0,
            interest,
            15_000_00,
        )

        # The rest by net banking through the gateway: the confirmed amount repays the credit line.
        order = kiosk.ok(
            "POST", "/wallet/payout", json={"operation_id": op(), "amount_paise": 15_000_00, "method": "net_banking"}
        )["order"]
        assert order["purpose"] == "payout"
        done = credit_server.http.post(
            sim_page(credit_server, order["order_id"]) + "/complete",
            json={"outcome": "success"},
            timeout=30,
        ).json()
        assert done["delivery"]["result"] == "credited"
        final = kiosk.ok("GET", "/wallet/payout")
        assert (final["outstanding_paise"], final["interest_due_paise"], final["credit_used_paise"]) == (0, 0, 0)
        assert kiosk.wallet == 30_000_00 - interest - 5_000_00 and interest_income(engine) == interest
        again = kiosk.call("POST", "/wallet/payout", json={"operation_id": op(), "amount_paise": 1, "method": "wallet"})
        assert error(again) == (422, "nothing_due")
        day_end = kiosk.ok("GET", "/wallet/day-end")
        assert day_end["payouts"] == {"count": 2, "amount_paise": interest + 20_000_00}
    finally:
        clock.advance(hours=-24 * ((due - today).days + 10))


def test_payments_draw_on_credit_and_a_reversal_gives_it_back(credit_server: ServerProcess) -> None:
    kiosk = WalletKiosk(credit_server, "RJ-CRD", credit_limit=1_00_000_00)
    kiosk.fund(100_00)
    fields = {"k_no": "210466661111"}
    bill = kiosk.ok("POST", "/bills/fetch", json={"service_code": "ELEC-JVVNL", "fields": fields})
    pay = {
        "operation_id": op(),
        "contact": {"mobile": "9876543210"},
        "method": {"type": "wallet"},
        "bills": [{"service_code": "ELEC-JVVNL", "fields": fields, "amount_paise": bill["payable_now_paise"]}],
    }
    paid = kiosk.ok("POST", "/payments", json=pay)
    drawn = paid["from_credit_paise"]
    assert drawn == bill["payable_now_paise"] - 100_00 > 0
    assert kiosk.ok("GET", "/wallet/payout")["outstanding_paise"] == drawn

    credit_server.admin("PUT", "/billers/discom/fault", json={"fault": "decline", "times": 1})
    try:
        fields = {"k_no": "210466662222"}
        bill = kiosk.ok("POST", "/bills/fetch", json={"service_code": "ELEC-JVVNL", "fields": fields})
        declined = kiosk.ok(
            "POST",
            "/payments",
            json={
                **pay,
                "operation_id": op(),
                "bills": [{"service_code": "ELEC-JVVNL", "fields": fields, "amount_paise": bill["payable_now_paise"]}],
            },
        )
        assert declined["status"] == "failed" and declined["from_credit_paise"] == bill["payable_now_paise"]
    finally:
        credit_server.admin("PUT", "/billers/discom/fault", json={"fault": "none"})
    page = kiosk.ok("GET", "/wallet/payout")
    assert page["outstanding_paise"] == drawn and len(page["outstanding"]) == 1
