"""Day-end report: a kiosk's collections, reversals, refills, balances and outstanding for one business date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from server.catalog import Catalog
from server.ledger import ACCOUNTS, credit_code, entries_t, lines_t, wallet_code
from server.payments import MICRO_ATM
from server.wallet.books import bills_t, iso, kiosks_t, payments_t, payouts_t
from server.wallet.calendar import day_start_utc
from server.wallet.credit import CreditLine
from server.wallet.statement import balances_before

REFILL_KINDS = {
    "refill_gateway": "net_banking",
    "refill_legacy": "existing_emitra",
    "refill_bank": "neft_rtgs",
    "suspense_assign": "neft_rtgs",
    "adjustment_credit": "adjustment",
}


class DayEnd:
    def __init__(self, engine: Engine, catalog: Catalog, credit: CreditLine, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.catalog = catalog
        self.credit = credit
        self.now = now

    def report(self, kiosk_id: int, kiosk_code: str, day: date) -> dict[str, Any]:
        lo, hi = day_start_utc(day), day_start_utc(day + timedelta(days=1))
        with self.engine.connect() as conn:
            kiosk_name = conn.execute(select(kiosks_t.c.name).where(kiosks_t.c.id == kiosk_id)).scalar_one()
            wallet = ACCOUNTS.get(conn, wallet_code(kiosk_code)).id
            credit = ACCOUNTS.get(conn, credit_code(kiosk_code)).id
            opening = balances_before(conn, [wallet, credit], lo)
            closing = balances_before(conn, [wallet, credit], hi)
            statuses = conn.execute(
                select(payments_t.c.status, func.count(), func.coalesce(func.sum(payments_t.c.total_paise), 0))
                .where(payments_t.c.kiosk_id == kiosk_id, payments_t.c.created_at >= lo, payments_t.c.created_at < hi)
                .group_by(payments_t.c.status)
            ).all()
            collected = conn.execute(
                select(bills_t.c.service_code, payments_t.c.method, bills_t.c.amount_paise, bills_t.c.status)
                .select_from(bills_t.join(payments_t, payments_t.c.id == bills_t.c.payment_id))
                .where(
                    payments_t.c.kiosk_id == kiosk_id,
                    payments_t.c.created_at >= lo,
                    payments_t.c.created_at < hi,
                    bills_t.c.status.in_(("success", "initiated", "pending")),
                )
            ).all()
            movements = conn.execute(
                select(entries_t.c.kind, lines_t.c.account_id, lines_t.c.amount)
                .select_from(lines_t.join(entries_t, entries_t.c.id == lines_t.c.entry_id))
                .where(
                    lines_t.c.account_id.in_([wallet, credit]),
                    entries_t.c.created_at >= lo,
                    entries_t.c.created_at < hi,
                )
            ).all()
            credit_state = self.credit.state(conn, kiosk_id, kiosk_code, as_of=day)
            payouts = conn.execute(
                select(func.count(), func.coalesce(func.sum(payouts_t.c.amount_paise), 0)).where(
                    payouts_t.c.kiosk_id == kiosk_id, payouts_t.c.business_date == day
                )
            ).one()

        by_service: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        by_method: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        # Micro-ATM withdrawals are cash the kiosk paid out to customers, not collections: credited once the
        # bank confirmed them, awaiting the bank until then.
        cash_out: dict[str, list[int]] = {"credited": [0, 0], "awaiting_bank": [0, 0]}
        for service_code, method, amount, status in collected:
            if method == MICRO_ATM:
                part = cash_out["credited" if status == "success" else "awaiting_bank"]
                part[0] += 1
                part[1] += amount
                continue
            if status != "success":
                continue
            by_service[service_code][0] += 1
            by_service[service_code][1] += amount
            by_method[method][0] += 1
            by_method[method][1] += amount
        kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for kind, _account, amount in movements:
            kinds[kind][0] += 1
            kinds[kind][1] += amount
        refills: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for kind, channel in REFILL_KINDS.items():
            if kind in kinds:
                refills[channel][0] += kinds[kind][0]
                refills[channel][1] += kinds[kind][1]
        counts = {s: int(n) for s, n, _ in statuses}
        return {
            "date": day.isoformat(),
            "kiosk_code": kiosk_code,
            "kiosk_name": kiosk_name,
            "generated_at": iso(self.now()),
            "payments": {
                "count": sum(counts.values()),
                "by_status": counts,
                "amount_paise": sum(int(total) for _, _, total in statuses),
            },
            "collections": {
                "count": sum(v[0] for v in by_service.values()),
                "amount_paise": sum(v[1] for v in by_service.values()),
                "by_service": [
                    {
                        "service_code": code,
                        "service_name_en": self.catalog.services[code].name_en
                        if code in self.catalog.services
                        else code,
                        "service_name_hi": self.catalog.services[code].name_hi
                        if code in self.catalog.services
                        else code,
                        "count": n,
                        "amount_paise": amount,
                    }
                    for code, (n, amount) in sorted(by_service.items())
                ],
                "by_method": [
                    {"method": method, "count": n, "amount_paise": amount}
                    for method, (n, amount) in sorted(by_method.items())
                ],
            },
            "cash_paid_out": {
                "count": sum(n for n, _ in cash_out.values()),
                "amount_paise": sum(a for _, a in cash_out.values()),
                **{part: {"count": n, "amount_paise": a} for part, (n, a) in cash_out.items()},
            },
            "reversals": {"count": kinds["reversal"][0], "amount_paise": kinds["reversal"][1]},
            "refills": {
                "count": sum(v[0] for v in refills.values()),
                "amount_paise": sum(v[1] for v in refills.values()),
                "by_channel": [
                    {"channel": channel, "count": n, "amount_paise": amount}
                    for channel, (n, amount) in sorted(refills.items())
                ],
            },
            "payouts": {"count": int(payouts[0]), "amount_paise": int(payouts[1])},
            "wallet": {"opening_paise": opening[wallet], "closing_paise": closing[wallet]},
            "credit_line": {"opening_used_paise": -opening[credit], "closing_used_paise": -closing[credit]},
            "outstanding": {
                "outstanding_paise": credit_state.outstanding,
                "overdue_paise": credit_state.overdue,
                "interest_due_paise": credit_state.interest_due,
                "next_due_on": min((t.due_on for t in credit_state.open), default=None),
            },
        }
