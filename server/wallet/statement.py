"""Wallet statement: every ledger line on the kiosk's wallet and credit line, with running balances, as JSON or CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from rules.day import business_day
from server.ledger import ACCOUNTS, credit_code, entries_t, lines_t, wallet_code
from server.wallet.books import InvalidInput, iso, rupees
from server.wallet.calendar import day_start_utc, ist_text

MAX_DAYS = 93

DESCRIPTIONS = {
    "bill_payment": "Bill payment",
    "reversal": "Reversal of a failed payment",
    "micro_atm_entry": "Micro-ATM withdrawal entry",
    "refill_gateway": "Refill: net banking / aggregator",
    "refill_legacy": "Refill: Fund Receive Request from Existing Emitra",
    "refill_bank": "Refill: NEFT/RTGS",
    "suspense_assign": "Refill: NEFT/RTGS (assigned from suspense)",
    "credit_payout": "Fund Payout",
    "adjustment_credit": "Adjustment (credit)",
    "adjustment_debit": "Adjustment (debit)",
    "opening_balance": "Opening balance",
}
CSV_COLUMNS = (
    "date_ist",
    "time_ist",
    "account",
    "description",
    "reference",
    "debit_rupees",
    "credit_rupees",
    "balance_rupees",
    "amount_paise",
    "balance_paise",
    "entry_id",
)


def check_range(start: date, end: date) -> None:
    if start > end:
        raise InvalidInput("the start date is after the end date", code="invalid_range", field="from")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput(
            f"a statement covers at most {MAX_DAYS} days", code="range_too_long", field="to", max_days=MAX_DAYS
        )


def balances_before(conn: Connection, account_ids: list[int], instant: Any) -> dict[int, int]:
    rows = conn.execute(
        select(lines_t.c.account_id, func.coalesce(func.sum(lines_t.c.amount), 0))
        .select_from(lines_t.join(entries_t, entries_t.c.id == lines_t.c.entry_id))
        .where(lines_t.c.account_id.in_(account_ids), entries_t.c.created_at < instant)
        .group_by(lines_t.c.account_id)
    ).all()
    found = {int(a): int(s) for a, s in rows}
    return {a: found.get(a, 0) for a in account_ids}


def statement(engine: Engine, kiosk_code: str, start: date, end: date) -> dict[str, Any]:
    check_range(start, end)
    lo, hi = day_start_utc(start), day_start_utc(end + timedelta(days=1))
    with engine.connect() as conn:
        wallet = ACCOUNTS.get(conn, wallet_code(kiosk_code)).id
        credit = ACCOUNTS.get(conn, credit_code(kiosk_code)).id
        names = {wallet: "wallet", credit: "credit"}
        running = balances_before(conn, [wallet, credit], lo)
        opening = dict(running)
        rows = conn.execute(
            select(
                lines_t.c.account_id,
                lines_t.c.amount,
                entries_t.c.id,
                entries_t.c.kind,
                entries_t.c.memo,
                entries_t.c.created_at,
            )
            .select_from(lines_t.join(entries_t, entries_t.c.id == lines_t.c.entry_id))
            .where(
                lines_t.c.account_id.in_([wallet, credit]), entries_t.c.created_at >= lo, entries_t.c.created_at < hi
            )
            .order_by(lines_t.c.id)
        ).all()
    lines = []
    totals = {a: {"credits_paise": 0, "debits_paise": 0} for a in (wallet, credit)}
    for r in rows:
        running[r.account_id] += r.amount
        totals[r.account_id]["credits_paise" if r.amount > 0 else "debits_paise"] += abs(r.amount)
        lines.append(
            {
                "entry_id": r.id,
                "at": iso(r.created_at),
                "at_ist": ist_text(r.created_at),
                "business_date": business_day(r.created_at).isoformat(),
                "account": names[r.account_id],
                "kind": r.kind,
                "description": DESCRIPTIONS.get(r.kind, r.kind.replace("_", " ").capitalize()),
                "reference": r.memo,
                "amount_paise": r.amount,
                "balance_paise": running[r.account_id],
            }
        )
    return {
        "kiosk_code": kiosk_code,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "accounts": {
            names[a]: {"opening_paise": opening[a], "closing_paise": running[a], **totals[a]} for a in (wallet, credit)
        },
        "lines": lines,
    }


def statement_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in data["lines"]:
        day, clock = line["at_ist"].split(" ")
        amount = line["amount_paise"]
        writer.writerow(
            [
                day,
                clock,
                line["account"],
                line["description"],
                _safe(line["reference"]),
                rupees(-amount) if amount < 0 else "",
                rupees(amount) if amount > 0 else "",
                rupees(line["balance_paise"]),
                amount,
                line["balance_paise"],
                line["entry_id"],
            ]
        )
    return out.getvalue()


def _safe(text: str) -> str:
    """Keep a spreadsheet from reading a cell as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
