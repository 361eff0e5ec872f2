"""The home dashboard's figures: today's collections by service and by method with the commission they earned,
what waits for the server or the operator, the money, the credit line's dues, the last day-end sync and the
operator's most used services — all from this PC's own records, so they are there offline too.

Today's collections follow the server's day-end report (server/wallet/day_end.py): a bill counts on the
business day the server recorded its payment, once its department confirmed it; micro-ATM withdrawals are cash
paid out, not collections. What the server has not confirmed yet (queued, in doubt, or awaiting the department)
is shown beside it, not in it. The dues are the server's own figures (its Fund Payout answer: the next bank
working day, the interest rate), kept here with the time they were told.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from kiosk_app.connectivity import Connectivity
from kiosk_app.errors import KioskError
from kiosk_app.money import Money, read_money
from kiosk_app.wallet import PayoutInfo, Wallet
from kiosk_app.worker import Worker
from offline_cache.outbox import OutboxEntry, OutboxState
from offline_cache.store import LocalStore
from rules.commission import CommissionRate, commission_paise
from rules.day import IST, business_day

log = logging.getLogger("emitra.money")

DUES_KEY = "dashboard_dues"  # the last Fund Payout figures the server gave, in the kiosk's settings table
QUICK_SERVICES = 5
QUICK_OPERATIONS = 1_000  # the most used services of this many of the latest operations (a busy week)
MICRO_ATM = "micro_atm"  # a payment method: cash paid out to a customer, not a collection
CONFIRMED = "success"
AWAITING = frozenset({"initiated", "pending"})  # the department's answer still decides


@dataclass(frozen=True)
class ServiceDay:
    """One service's confirmed collections of the day."""

    service_code: str
    name_en: str
    name_hi: str
    count: int
    amount_paise: int
    commission_paise: int


@dataclass(frozen=True)
class MethodDay:
    method: str  # wallet | cheque
    count: int
    amount_paise: int


@dataclass(frozen=True)
class Waiting:
    """Operations that need the server or the operator (the screens that show them: Day End, Reconcile)."""

    queued: int  # written here, not sent yet
    in_doubt: int  # sent without an answer: the next sync asks the server first
    refused: int  # refused by the server or failed at the department, for Reconcile
    awaiting_count: int  # bills the server has not confirmed yet: those queued or in doubt (of any day), and
    awaiting_paise: int  # today's whose department has not answered


@dataclass(frozen=True)
class Dues:
    """The credit line as the server's Fund Payout answer last described it."""

    outstanding_paise: int
    overdue_paise: int
    interest_due_paise: int
    interest_rate_percent: int
    total_payable_paise: int
    next_due_on: date | None
    taken_at: str  # when the server said it (UTC ISO)

    @property
    def nothing_due(self) -> bool:
        return self.total_payable_paise <= 0

    @classmethod
    def from_payout(cls, info: PayoutInfo, taken_at: str) -> Dues:
        due = date.fromisoformat(info.next_due_on) if info.next_due_on else None
        return cls(
            info.outstanding_paise,
            info.overdue_paise,
            info.interest_due_paise,
            info.interest_rate_percent,
            info.total_payable_paise,
            due,
            taken_at,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "outstanding_paise": self.outstanding_paise,
            "overdue_paise": self.overdue_paise,
            "interest_due_paise": self.interest_due_paise,
            "interest_rate_percent": self.interest_rate_percent,
            "total_payable_paise": self.total_payable_paise,
            "next_due_on": self.next_due_on.isoformat() if self.next_due_on else None,
            "taken_at": self.taken_at,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Dues:
        due = data.get("next_due_on")
        return cls(
            int(data["outstanding_paise"]),
            int(data["overdue_paise"]),
            int(data["interest_due_paise"]),
            int(data["interest_rate_percent"]),
            int(data["total_payable_paise"]),
            date.fromisoformat(due) if due else None,
            str(data["taken_at"]),
        )


@dataclass(frozen=True)
class LastSync:
    started_at: str
    finished_at: str | None  # None: it did not finish (the program stopped during it)
    outcome: str | None  # complete | stopped | interrupted
    done: int
    refused: int
    remaining: int


@dataclass(frozen=True)
class QuickService:
    service_code: str
    name_en: str
    name_hi: str
    uses: int


@dataclass(frozen=True)
class Dashboard:
    day: date  # the business day (IST)
    services: tuple[ServiceDay, ...]
    methods: tuple[MethodDay, ...]
    waiting: Waiting
    money: Money
    low_balance_paise: int  # the setting: below this spendable, the home page warns
    dues: Dues | None
    last_sync: LastSync | None
    quick: tuple[QuickService, ...]
    online: bool | None  # as the kiosk last knew it
    read_at: str  # when these figures were read from this PC's records (UTC ISO)

    @property
    def count(self) -> int:
        return sum(s.count for s in self.services)

    @property
    def amount_paise(self) -> int:
        return sum(s.amount_paise for s in self.services)

    @property
    def commission_paise(self) -> int:
        return sum(s.commission_paise for s in self.services)

    @property
    def low_balance(self) -> bool:
        return is_low(self.money, self.low_balance_paise)

    def method(self, name: str) -> MethodDay:
        return next((m for m in self.methods if m.method == name), MethodDay(name, 0, 0))


def is_low(money: Money, threshold_paise: int) -> bool:
    """What may still be spent (the last known spendable less what waits to be sent) is under the threshold."""
    return money.spendable_paise is not None and money.offline_limit_paise < threshold_paise


def day_start(day: date) -> datetime:
    """The first instant of an IST business day, in UTC."""
    return datetime.combine(day, time(), IST).astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _server_day(entry: OutboxEntry, result: dict[str, Any] | None) -> date:
    """The business day the server counts a payment on: its own record's time when it has answered."""
    when = (result or {}).get("created_at") or entry.created_at
    try:
        return business_day(datetime.fromisoformat(str(when)))
    except ValueError:
        return business_day(datetime.fromisoformat(entry.created_at))


def _bills(entry: OutboxEntry, result: dict[str, Any] | None) -> tuple[str, list[tuple[str, int, str | None]]]:
    """(method, [(service code, amount, bill status or None when the server has not answered)])."""
    bills: list[tuple[str, int, str | None]]
    if entry.state is OutboxState.DONE and result is not None:
        bills = [(str(b["service_code"]), int(b["amount_paise"]), str(b.get("status"))) for b in result["bills"]]
        return str(result.get("method")), bills
    payload = entry.payload
    bills = [(str(b["service_code"]), int(b["amount_paise"]), None) for b in payload["bills"]]
    return str((payload.get("method") or {}).get("type", "wallet")), bills


def read_dashboard(
    store: LocalStore,
    *,
    low_balance_paise: int,
    online: bool | None = None,
    now: datetime | None = None,
) -> Dashboard:
    """Every figure of the home page from this PC's records (on the database worker: one read of each table)."""
    moment = now or datetime.now(UTC)
    today = business_day(moment)
    counted: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    methods: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    awaiting = [0, 0]
    rates: dict[str, CommissionRate] = {}
    names: dict[str, tuple[str, str]] = {}

    def service(code: str) -> CommissionRate:
        if code not in rates:
            data = store.catalog.service(code) or {}
            names[code] = (str(data.get("name_en") or code), str(data.get("name_hi") or data.get("name_en") or code))
            try:
                rates[code] = CommissionRate.of(data)
            except ValueError as exc:  # the server validates its catalog; an old copy here earns nothing
                log.warning("no commission for %s: %s", code, exc)
                rates[code] = CommissionRate()
        return rates[code]

    # Today's answered payments, and every one not answered yet (of any day: the server counts it on the day it
    # gets it).
    answered = [e for e in store.outbox.touched_since(_iso(day_start(today))) if e.state is OutboxState.DONE]
    unanswered = store.outbox.in_state(OutboxState.QUEUED) + store.outbox.in_state(OutboxState.SENDING)
    for entry in answered + unanswered:
        result = entry.result if entry.state is OutboxState.DONE else None
        if result is not None and _server_day(entry, result) != today:
            continue
        method, bills = _bills(entry, result)
        if method == MICRO_ATM:
            continue
        for code, amount, status in bills:
            if status == CONFIRMED:
                row = counted[code]
                row[0] += 1
                row[1] += amount
                row[2] += commission_paise(service(code), amount)
                methods[method][0] += 1
                methods[method][1] += amount
            elif status is None or status in AWAITING:
                awaiting[0] += 1
                awaiting[1] += amount
    counts = store.outbox.counts()
    refused = len(store.outbox.for_reconcile())
    quick = []
    for code, uses in store.outbox.service_uses(QUICK_OPERATIONS, QUICK_SERVICES * 2):
        if store.catalog.service(code) is None:
            continue  # no longer offered: no key for it
        service(code)
        quick.append(QuickService(code, *names[code], uses))
    saved = store.state.get(DUES_KEY)
    run = store.state.last_sync()
    last = (
        None
        if run is None
        else LastSync(
            run.started_at,
            run.finished_at,
            run.outcome,
            int(run.summary.get("done") or 0),
            int(run.summary.get("refused") or 0),
            int(run.summary.get("remaining") or 0),
        )
    )
    for code in counted:
        service(code)
    return Dashboard(
        today,
        tuple(
            ServiceDay(code, *names[code], n, amount, earned) for code, (n, amount, earned) in sorted(counted.items())
        ),
        tuple(MethodDay(m, n, amount) for m, (n, amount) in sorted(methods.items())),
        Waiting(counts[OutboxState.QUEUED], counts[OutboxState.SENDING], refused, awaiting[0], awaiting[1]),
        read_money(store),
        low_balance_paise,
        Dues.from_json(saved) if isinstance(saved, dict) else None,
        last,
        tuple(quick[:QUICK_SERVICES]),
        online,
        _iso(moment),
    )


class HomeDashboard:
    """The home page's use-case: read the figures (local, quick), and ask the server for the dues when online."""

    def __init__(self, store: LocalStore, worker: Worker, connectivity: Connectivity, wallet: Wallet) -> None:
        self.store = store
        self.worker = worker
        self.connectivity = connectivity
        self.wallet = wallet

    def read(self, low_balance_paise: int) -> Dashboard:
        online = self.connectivity.online
        return self.worker.call(lambda: read_dashboard(self.store, low_balance_paise=low_balance_paise, online=online))

    def refresh_dues(self) -> Dues | None:
        """The server's Fund Payout figures, kept for offline; None (the last kept stay) when it cannot be asked."""
        try:
            info = self.wallet.payout_info()
        except KioskError as exc:
            log.info("the dues were not read: %s", exc)
            return None
        dues = Dues.from_payout(info, datetime.now(UTC).isoformat(timespec="seconds"))
        self.worker.call(self.store.state.set, DUES_KEY, dues.to_json())
        return dues

    def load(self, low_balance_paise: int, *, ask_server: bool) -> Dashboard:
        """The figures; with `ask_server` (the page shown, F5, after an operation online) the dues asked first."""
        if ask_server and self.connectivity.online is not False:
            self.refresh_dues()
        return self.read(low_balance_paise)
