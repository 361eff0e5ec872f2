"""A department's daily settlement file, imported: every payment matched, missing there, or unknown to us.

The file (docs/DEPARTMENTS.md, "Settlement file") lists what the department recorded as paid on one business
date, signed with its key.  Importing it is all-or-nothing: the whole file is verified and parsed first
(line-numbered errors, nothing stored), then stored in one transaction with one finding per line; the same
file again is a no-op that answers what the first import found; another file for a date already imported is
refused.  Then, per line and per bill of ours:

- in the file, pending here → **confirmed**: the department's record is its definite answer (success);
- in the file, success here → **matched** (or **amount_differs**, for an administrator);
- in the file, failed and reversed here → **paid_after_reversal** (for an administrator; nothing is booked);
- in the file, no such bill here → **unknown_to_us** (for an administrator: the suspense list);
- not in the file while it is the last of the files that could hold it → **missing_reversed** when pending
  here (the bill fails and its money goes back to the kiosk, once: the department's files are its definite
  "not paid"), **missing_but_paid_here** when the department had answered success (for an administrator).

"Could hold it": a department records a payment on the day a request for it reaches it, and refuses a
request signed more than the protocol's replay window ago.  So a bill can be recorded only between its
creation and `RECORDED_BY` after it was last sent; once the files of every business date in that span are
imported and none lists it, the department never recorded it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from rules.day import IST, business_day
from server.auth.clock import aware
from server.billers.protocol import REPLAY_WINDOW_S, SettlementFile, SettlementFileError
from server.core.errors import ApiError, Conflict, NotFound
from server.models import DepartmentSettlement, SettlementFinding
from server.models.base import table_of, utcnow
from server.payments import LastSent, Payments, bills_t, payments_t
from server.payments.status import AWAITING_ANSWER

settlements_t = table_of(DepartmentSettlement)
findings_t = table_of(SettlementFinding)

# A request signed at t reaches the department's books by t + replay window at the latest; one minute more
# for the department's clock running behind ours.
RECORDED_BY = timedelta(seconds=REPLAY_WINDOW_S + 60)
FINDINGS = (
    "matched",
    "confirmed",
    "amount_differs",
    "paid_after_reversal",
    "unknown_to_us",
    "missing_reversed",
    "missing_but_paid_here",
)
FOR_ADMINISTRATORS = ("amount_differs", "paid_after_reversal", "unknown_to_us", "missing_but_paid_here")


class InvalidSettlementFile(ApiError):
    status = 422
    code = "invalid_settlement_file"


@dataclass(frozen=True)
class _Bill:
    id: int
    payment_id: int
    reference: str
    status: str
    amount_paise: int
    created_at: datetime
    last_sent_at: datetime | None

    def recording_days(self) -> list[date]:
        """The business dates on which the department can have recorded this bill."""
        first = business_day(self.created_at)
        last = business_day(max(self.created_at, self.last_sent_at or self.created_at) + RECORDED_BY)
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


class Settlements:
    def __init__(self, payments: Payments) -> None:
        self.payments = payments
        self.engine = payments.engine

    def fetch(self, biller: str, business_date: date) -> dict[str, Any]:
        """Ask the department for its file of this date and import it."""
        department = self._department(biller)
        _, data = department.settlement(business_date)  # BillerTimeout: the route answers 504
        return self.import_file(biller, data)

    def import_file(self, biller: str, data: bytes) -> dict[str, Any]:
        department = self._department(biller)
        try:
            parsed = department.read_settlement(data)
        except SettlementFileError as exc:
            raise InvalidSettlementFile(
                f"the settlement file is not valid: {exc}", line=exc.line, problem=exc.message
            ) from exc
        if not date(2000, 1, 1) <= parsed.business_date <= date(2999, 12, 31):
            raise InvalidSettlementFile(
                f"the settlement file's business date {parsed.business_date} is out of range",
                line=1,
                problem="business date out of range",
            )
        over = datetime.combine(parsed.business_date + timedelta(days=1), datetime.min.time()).replace(tzinfo=IST)
        if self.payments.now() < over + RECORDED_BY:
            raise InvalidSettlementFile(
                f"the business day {parsed.business_date} is not over yet: its file is not complete",
                code="settlement_day_not_over",
            )
        digest = hashlib.sha256(data).hexdigest()
        with self.engine.begin() as conn:
            known = conn.execute(
                select(settlements_t).where(
                    settlements_t.c.biller == biller, settlements_t.c.business_date == parsed.business_date
                )
            ).first()
            if known is not None and known.sha256 != digest:
                raise Conflict(
                    f"another settlement file of {biller} for {parsed.business_date} was imported already",
                    code="settlement_file_differs",
                )
            duplicate = known is not None
            settlement_id = self._store(conn, biller, parsed, digest) if known is None else int(known.id)
        # Deciding is idempotent (a bill changes state once): a duplicate file, or an import cut short by a
        # crash after the store, decides again what is still open.
        self._decide(biller, settlement_id, parsed)
        return {**self.report(biller, parsed.business_date), "duplicate": duplicate}

    def report(self, biller: str, business_date: date) -> dict[str, Any]:
        with self.engine.connect() as conn:
            settlement = conn.execute(
                select(settlements_t).where(
                    settlements_t.c.biller == biller, settlements_t.c.business_date == business_date
                )
            ).first()
            if settlement is None:
                raise NotFound("no settlement file of this department for this date", code="unknown_settlement")
            rows = conn.execute(
                select(findings_t).where(findings_t.c.settlement_id == settlement.id).order_by(findings_t.c.id)
            ).all()
        counts: dict[str, int] = defaultdict(int)
        for r in rows:
            counts[r.finding] += 1
        return {
            "biller": biller,
            "business_date": business_date.isoformat(),
            "lines": settlement.line_count,
            "total_paise": settlement.total_paise,
            "counts": dict(sorted(counts.items())),
            "for_administrators": [
                {"line": r.line_no, "reference": r.reference, "amount_paise": r.amount_paise, "finding": r.finding}
                for r in rows
                if r.finding in FOR_ADMINISTRATORS
            ],
        }

    # -- the parts --------------------------------------------------------------------------------------
    def _department(self, biller: str) -> Any:
        department = self.payments.billers.get(biller)
        if department is None:
            raise NotFound(f"no department {biller}", code="unknown_biller", field="biller")
        return department

    @staticmethod
    def _store(conn: Connection, biller: str, parsed: SettlementFile, digest: str) -> int:
        settlement_id = int(
            conn.execute(
                insert(settlements_t)
                .values(
                    biller=biller,
                    business_date=parsed.business_date,
                    sha256=digest,
                    line_count=len(parsed.lines),
                    total_paise=parsed.total_paise,
                    imported_at=utcnow(),
                )
                .returning(settlements_t.c.id)
            ).scalar_one()
        )
        if parsed.lines:
            conn.execute(
                insert(findings_t),
                [
                    {
                        "settlement_id": settlement_id,
                        "line_no": n + 2,  # the header is line 1
                        "reference": line.reference,
                        "department_ref": line.department_ref,
                        "amount_paise": line.amount_paise,
                        "finding": "unknown_to_us",  # until decided below
                    }
                    for n, line in enumerate(parsed.lines)
                ],
            )
        return settlement_id

    def _bills(self, conn: Connection, biller: str, where: Any) -> list[_Bill]:
        rows = conn.execute(
            select(
                bills_t.c.id,
                bills_t.c.payment_id,
                bills_t.c.reference,
                bills_t.c.status,
                bills_t.c.amount_paise,
                bills_t.c.last_sent_at,
                payments_t.c.created_at,
            )
            .join(payments_t, payments_t.c.id == bills_t.c.payment_id)
            .where(bills_t.c.biller == biller, where)
        ).all()
        return [
            _Bill(
                int(r.id),
                int(r.payment_id),
                str(r.reference),
                str(r.status),
                int(r.amount_paise),
                aware(r.created_at),
                aware(r.last_sent_at) if r.last_sent_at is not None else None,
            )
            for r in rows
        ]

    def _decide(self, biller: str, settlement_id: int, parsed: SettlementFile) -> None:
        day = parsed.business_date
        listed = {line.reference: line for line in parsed.lines}
        lo = datetime.combine(day - timedelta(days=2), datetime.min.time()).replace(tzinfo=IST)
        with self.engine.connect() as conn:
            ours = {b.reference: b for b in self._bills(conn, biller, bills_t.c.reference.in_(list(listed)))}
            # Ours that this file could hold: created up to two days before its date (a bill sent again later
            # is found through its last send), and not in it.
            candidates = [
                b
                for b in self._bills(
                    conn,
                    biller,
                    (payments_t.c.created_at >= lo) | (bills_t.c.last_sent_at >= lo),
                )
                if b.reference not in listed and day in b.recording_days()
            ]
            imported = set(
                conn.execute(select(settlements_t.c.business_date).where(settlements_t.c.biller == biller)).scalars()
            )
            elsewhere = {
                str(r)
                for r in conn.execute(
                    select(findings_t.c.reference)
                    .join(settlements_t, settlements_t.c.id == findings_t.c.settlement_id)
                    .where(
                        settlements_t.c.biller == biller,
                        findings_t.c.line_no.is_not(None),
                        findings_t.c.reference.in_([b.reference for b in candidates]),
                    )
                ).scalars()
            }
        findings: dict[str, str] = {}
        for reference, line in listed.items():
            bill = ours.get(reference)
            if bill is None:
                findings[reference] = "unknown_to_us"
            elif bill.status in AWAITING_ANSWER:
                self.payments.confirm_bill(bill.payment_id, bill.id, line.department_ref)
                findings[reference] = "confirmed"
            elif bill.status == "failed":
                findings[reference] = "paid_after_reversal"
            elif bill.amount_paise != line.amount_paise:
                findings[reference] = "amount_differs"
            else:
                findings[reference] = "matched"
        missing: list[tuple[_Bill, str]] = []
        for bill in candidates:
            if bill.reference in elsewhere or not set(bill.recording_days()) <= imported:
                continue  # in another day's file, or a file that could hold it is still to come
            if bill.status in AWAITING_ANSWER:
                days = ", ".join(d.isoformat() for d in bill.recording_days())
                self.payments.fail_bill(
                    bill.payment_id,
                    bill.id,
                    f"not in the department's settlement files of {days}; amount reversed",
                    not_sent_since=LastSent(bill.last_sent_at),
                )
                missing.append((bill, "missing_reversed"))
            elif bill.status == "success":
                missing.append((bill, "missing_but_paid_here"))
        with self.engine.begin() as conn:
            already = {
                str(r.reference): r.finding
                for r in conn.execute(
                    select(findings_t.c.reference, findings_t.c.finding).where(
                        findings_t.c.settlement_id == settlement_id
                    )
                )
            }
            for reference, finding in findings.items():
                if already.get(reference) == "confirmed":
                    continue  # a second import finds it matched: what the first one did stays on record
                conn.execute(
                    update(findings_t)
                    .where(findings_t.c.settlement_id == settlement_id, findings_t.c.reference == reference)
                    .values(finding=finding)
                )
            fresh = [(b, f) for b, f in missing if b.reference not in already]
            if fresh:
                conn.execute(
                    insert(findings_t),
                    [
                        {
                            "settlement_id": settlement_id,
                            "line_no": None,
                            "reference": b.reference,
                            "department_ref": None,
                            "amount_paise": b.amount_paise,
                            "finding": finding,
                        }
                        for b, finding in fresh
                    ],
                )
