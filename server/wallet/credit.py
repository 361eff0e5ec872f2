"""The credit line: what is outstanding since when, when it is due, the interest on it, and Fund Payout.

The kiosk's credit account in the ledger is the only record of drawdowns: every line on it is either a
drawdown (negative: a payment or debit adjustment that spent beyond the wallet) or a repayment (positive:
a reversal that gave credit back, or a payout).  Repayments settle the oldest drawdowns first (FIFO).

Due date: the next bank working day after the business (IST) date of the drawdown.
Interest: simple, `credit_interest_percent` (18) per year of 365 days, for each day after the due date
until the day the amount is repaid.  It is computed on the running total of paise-days over the kiosk's
whole history and rounded once, ROUND_HALF_UP:  accrued = round(paise_days × rate / 36 500).  So no
paisa is lost to daily rounding and the figure never goes down; interest due = accrued − interest paid.
Interest is posted to income:interest when it is paid (see docs/WALLET.md for why not daily).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from rules.day import business_day
from server.core.errors import ApiError
from server.ledger import (
    ACCOUNTS,
    LedgerTx,
    OperationRequest,
    credit_code,
    entries_t,
    in_transaction,
    lines_t,
    read_kiosk_balances,
)
from server.wallet.books import InvalidInput, kiosk_scope, payouts_t
from server.wallet.calendar import BankCalendar

INTEREST_ACCOUNT = "income:interest"


class NothingDue(ApiError):
    status = 422
    code = "nothing_due"


@dataclass(frozen=True)
class CreditEvent:
    """One line on a kiosk's credit account: negative draws, positive repays."""

    day: date
    amount: int


@dataclass
class Tranche:
    drawn_on: date
    due_on: date
    amount: int
    remaining: int


@dataclass(frozen=True)
class CreditState:
    as_of: date
    open: list[Tranche] = field(default_factory=list)
    paise_days: int = 0
    interest_accrued: int = 0
    interest_paid: int = 0

    @property
    def outstanding(self) -> int:
        return sum(t.remaining for t in self.open)

    @property
    def interest_due(self) -> int:
        return max(0, self.interest_accrued - self.interest_paid)

    @property
    def payable(self) -> int:
        return self.outstanding + self.interest_due

    @property
    def overdue(self) -> int:
        return sum(t.remaining for t in self.open if t.due_on < self.as_of)


def overdue_days(due_on: date, until: date) -> int:
    return max(0, (until - due_on).days)


def interest_for(paise_days: int, rate_percent: int) -> int:
    """round_half_up(paise_days × rate / (100 × 365)) in integers."""
    denominator = 100 * 365
    return (2 * paise_days * rate_percent + denominator) // (2 * denominator)


def credit_state(
    events: Iterable[CreditEvent], as_of: date, calendar: BankCalendar, rate_percent: int, interest_paid: int
) -> CreditState:
    """Replay the credit account FIFO and total the paise-days overdue up to `as_of`."""
    queue: list[Tranche] = []
    paise_days = 0
    for event in events:
        if event.amount < 0:
            queue.append(Tranche(event.day, calendar.next_working_day(event.day), -event.amount, -event.amount))
            continue
        repay = event.amount
        while repay and queue:
            oldest = queue[0]
            part = min(repay, oldest.remaining)
            paise_days += part * overdue_days(oldest.due_on, event.day)
            oldest.remaining -= part
            repay -= part
            if oldest.remaining == 0:
                queue.pop(0)
    paise_days += sum(t.remaining * overdue_days(t.due_on, as_of) for t in queue)
    return CreditState(as_of, queue, paise_days, interest_for(paise_days, rate_percent), interest_paid)


class CreditLine:
    def __init__(self, engine: Engine, now: Callable[[], datetime], calendar: BankCalendar, rate_percent: int) -> None:
        self.engine = engine
        self.now = now
        self.calendar = calendar
        self.rate_percent = rate_percent

    # -- reading ----------------------------------------------------------------------------------------
    def state(self, conn: Connection, kiosk_id: int, kiosk_code: str, as_of: date | None = None) -> CreditState:
        credit = ACCOUNTS.get(conn, credit_code(kiosk_code))
        rows = conn.execute(
            select(lines_t.c.amount, entries_t.c.created_at, payouts_t.c.business_date)
            .select_from(
                lines_t.join(entries_t, entries_t.c.id == lines_t.c.entry_id).outerjoin(
                    payouts_t, payouts_t.c.entry_id == entries_t.c.id
                )
            )
            .where(lines_t.c.account_id == credit.id)
            .order_by(lines_t.c.id)
        ).all()
        day = as_of or business_day(self.now())
        # A payout is dated by the business clock that priced its interest; other lines by the ledger's time.
        events = [CreditEvent(r.business_date or business_day(r.created_at), int(r.amount)) for r in rows]
        paid = conn.execute(
            select(func.coalesce(func.sum(payouts_t.c.interest_paise), 0)).where(
                payouts_t.c.kiosk_id == kiosk_id, payouts_t.c.business_date <= day
            )
        ).scalar_one()
        return credit_state([e for e in events if e.day <= day], day, self.calendar, self.rate_percent, int(paid))

    def view(self, kiosk_id: int, kiosk_code: str) -> dict[str, Any]:
        """The Fund Payout page: outstanding, due dates, interest so far, what paying all takes."""
        with self.engine.connect() as conn:
            state = self.state(conn, kiosk_id, kiosk_code)
            balances = read_kiosk_balances(conn, kiosk_code)
        return {
            "as_of": state.as_of.isoformat(),
            "credit_limit_paise": -balances.credit_floor,
            "credit_used_paise": balances.credit_used,
            "available_credit_paise": balances.unused_credit,
            "wallet_balance_paise": balances.wallet,
            "outstanding_paise": state.outstanding,
            "overdue_paise": state.overdue,
            "next_due_on": min((t.due_on for t in state.open), default=None),
            "outstanding": [
                {
                    "drawn_on": t.drawn_on.isoformat(),
                    "due_on": t.due_on.isoformat(),
                    "amount_paise": t.amount,
                    "remaining_paise": t.remaining,
                    "overdue_days": overdue_days(t.due_on, state.as_of),
                    "state": "overdue" if t.due_on < state.as_of else "due_today" if t.due_on == state.as_of else "due",
                }
                for t in state.open
            ],
            "interest_rate_percent": self.rate_percent,
            "interest_accrued_paise": state.interest_accrued,
            "interest_paid_paise": state.interest_paid,
            "interest_due_paise": state.interest_due,
            "total_payable_paise": state.payable,
            "rule": (
                f"Outstanding credit is due on the next bank working day; after that {self.rate_percent}% a year "
                "simple interest accrues for each day until it is paid. A payout pays interest first, then the "
                "oldest outstanding."
            ),
        }

    # -- Fund Payout ------------------------------------------------------------------------------------
    def pay_from_wallet(self, kiosk_id: int, kiosk_code: str, operation_id: str, amount: int) -> dict[str, Any]:
        op = OperationRequest(
            kiosk_scope(kiosk_code), operation_id, "credit_payout", {"amount_paise": amount, "method": "wallet"}
        )
        result = in_transaction(
            self.engine, lambda tx: tx.run(op, lambda tx, pk: self.post(tx, pk, kiosk_id, kiosk_code, amount, None))
        )
        return {**result.response, "replayed": result.replayed}

    def check_payable(self, kiosk_id: int, kiosk_code: str, amount: int) -> None:
        with self.engine.connect() as conn:
            state = self.state(conn, kiosk_id, kiosk_code)
        _check_amount(state, amount)

    def post(
        self, tx: LedgerTx, op_pk: int, kiosk_id: int, kiosk_code: str, amount: int, counter: str | None
    ) -> dict[str, Any]:
        """One entry: interest to income, principal back to the credit line, any excess to the wallet.

        `counter` None takes the money from the wallet (which may not go below zero); otherwise it is the
        clearing account the money came through (a net banking payout), where an excess refills the wallet.
        """
        before = tx.lock_kiosk(kiosk_code)
        now = self.now()
        state = self.state(tx.conn, kiosk_id, kiosk_code)
        if counter is None:
            _check_amount(state, amount)
        interest = min(amount, state.interest_due)
        principal = min(amount - interest, before.credit_used)
        excess = amount - interest - principal
        income = ACCOUNTS.get(tx.conn, INTEREST_ACCOUNT).id
        source = before.wallet_id if counter is None else ACCOUNTS.get(tx.conn, counter).id
        lines = [(source, -amount), (income, interest), (before.credit_id, principal), (before.wallet_id, excess)]
        entry_id = tx.post_entry(op_pk, "credit_payout", lines, memo=f"Fund Payout {kiosk_code}")
        tx.conn.execute(
            insert(payouts_t).values(
                kiosk_id=kiosk_id,
                method="wallet" if counter is None else "net_banking",
                amount_paise=amount,
                interest_paise=interest,
                principal_paise=principal,
                to_wallet_paise=excess,
                entry_id=entry_id,
                paid_at=now,
                business_date=business_day(now),
            )
        )
        wallet_after = before.wallet + (excess if counter is not None else -amount)
        return {
            "entry_id": entry_id,
            "amount_paise": amount,
            "interest_paise": interest,
            "principal_paise": principal,
            "to_wallet_paise": excess,
            "paid_on": business_day(now).isoformat(),
            "wallet_balance_paise": wallet_after,
            "credit_used_paise": before.credit_used - principal,
        }


def _check_amount(state: CreditState, amount: int) -> None:
    if state.payable == 0:
        raise NothingDue("nothing is outstanding on the credit line", field="amount_paise")
    if amount > state.payable:
        raise InvalidInput(
            "the amount is more than the outstanding plus interest",
            code="amount_exceeds_due",
            field="amount_paise",
            payable_paise=state.payable,
        )
