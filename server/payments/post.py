"""Posting a kiosk's payments in one ledger transaction: operation ids, debits, payments and their bills.

One payment is a batch of one through the same code, so each rule — the lock order, the operation id before
any balance, one live payment per bill — exists once. The transaction:

1. refuses the items with a bill that a committed payment of another operation holds (`live_key`);
2. takes the kiosk's rows, answers the operation ids already stored (replays, or 409 with another body) and
   debits the rest in order (`LedgerTx.debit_many`; a cheque or a micro-ATM claim is a debit of nothing);
3. writes the payments and their bills with one statement each. A bill that a concurrent transaction is
   writing meets the unique key: the transaction starts again (`Contended`) and step 1 then sees it.
"""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from rules.day import business_day
from server.core.db import breaks_unique
from server.core.errors import ApiError, Conflict
from server.core.sql import BulkInsert, BulkUpdate, Sql, SqlIn
from server.ledger import (
    Contended,
    Debit,
    Debited,
    LedgerTx,
    OperationRequest,
    OperationResult,
    biller_code,
    in_transaction,
)
from server.models import Kiosk
from server.models.base import table_of, utcnow
from server.payments.status import PaymentStatus, bills_t, payments_t
from server.payments.validate import InvalidField, PayRequest, PricedBill

kiosks_t = table_of(Kiosk)

MICRO_ATM = "micro_atm"  # payments.method of a micro-ATM withdrawal claim: cash paid out, credited on confirmation
LIVE_KEY = "uq_payment_bills_live_key"


@dataclass(frozen=True)
class Posted:
    """A payment in the ledger; `replayed`: written before this request (its bills go out again)."""

    payment_id: int
    replayed: bool


@dataclass(frozen=True)
class Item:
    """One payment to post: the request, its checked bills, and its operation."""

    request: PayRequest
    bills: list[PricedBill]
    op: OperationRequest

    @property
    def claim(self) -> bool:
        """A micro-ATM withdrawal claim: no money moves until the acquirer confirms it."""
        return self.bills[0].service.kind == "micro_atm"

    @property
    def debits_wallet(self) -> bool:
        return self.request.method == "wallet" and not self.claim

    def debit(self, txn_id: str) -> Debit:
        """The kiosk's debit: the bills' amounts to their departments' accounts (nothing for a cheque, a claim)."""
        if not self.debits_wallet:
            return Debit(self.op, 0, [], "bill_payment", f"payment {txn_id}")
        per_biller: dict[str, int] = defaultdict(int)
        for p in self.bills:
            per_biller[biller_code(p.service.biller)] += p.amount_paise
        return Debit(self.op, sum(per_biller.values()), sorted(per_biller.items()), "bill_payment", f"payment {txn_id}")


def live_key(p: PricedBill) -> str | None:
    """What holds a department bill in one live payment at a time (recharges, fees: nothing; a micro-ATM
    claim: its RRN on the kiosk's terminal, see `claim_key`)."""
    if p.service.kind != "bill" or p.bill.bill_no is None:
        return None
    return f"{p.service.biller}|{p.consumer_no}|{p.bill.bill_no}"


def claim_key(p: PricedBill, terminal: str) -> str:
    return f"{p.service.biller}|{p.consumer_no}|{terminal}"


def bill_taken(where: str = "bills") -> Conflict:
    return Conflict(
        "this bill is already being paid or was paid by another payment; fetch the bill again",
        code="bill_already_paid",
        field=where,
    )


def post_payments(engine: Engine, kiosk_id: int, kiosk_code: str, items: Sequence[Item]) -> list[Posted | ApiError]:
    """Post `items` (distinct operation ids of one kiosk) in one transaction; per item, in order, the payment
    or the refusal."""
    if not items:
        return []
    return in_transaction(engine, lambda tx: _post(tx, kiosk_id, kiosk_code, items))


def _post(tx: LedgerTx, kiosk_id: int, kiosk_code: str, items: Sequence[Item]) -> list[Posted | ApiError]:
    answers: dict[int, Posted | ApiError] = {}
    terminal: str | None = None
    if any(item.claim for item in items):
        terminal = tx.conn.execute(
            select(kiosks_t.c.micro_atm_terminal_id).where(kiosks_t.c.id == kiosk_id)
        ).scalar_one_or_none()
    keys: dict[int, list[str | None]] = {}
    for i, item in enumerate(items):
        if item.claim and terminal is None:
            answers[i] = InvalidField(
                "this kiosk has no micro-ATM terminal on record; contact the eMitra help desk",
                code="no_micro_atm_terminal",
                field="bills[0].fields.rrn",
            )
        else:
            keys[i] = [claim_key(p, terminal) if item.claim and terminal else live_key(p) for p in item.bills]
    for i in _held_elsewhere(tx, kiosk_id, items, keys):
        answers[i] = bill_taken()
    todo = [i for i in range(len(items)) if i not in answers]
    txn_ids = {i: f"EMT{secrets.token_hex(6).upper()}" for i in todo}
    debited: list[tuple[int, Debited]] = []
    for i, answer in zip(todo, tx.debit_many(kiosk_code, [items[i].debit(txn_ids[i]) for i in todo]), strict=True):
        if isinstance(answer, ApiError):
            answers[i] = answer
        elif isinstance(answer, OperationResult):
            answers[i] = Posted(int(answer.response["payment_id"]), replayed=True)
        else:
            debited.append((i, answer))
    if debited:
        payment_of = _write(tx, kiosk_id, items, txn_ids, keys, terminal, debited)
        tx.store_responses([(d.operation_pk, {"payment_id": payment_of[i]}) for i, d in debited])
        answers.update((i, Posted(payment_of[i], replayed=False)) for i, _ in debited)
    return [answers[i] for i in range(len(items))]


def _write(
    tx: LedgerTx,
    kiosk_id: int,
    items: Sequence[Item],
    txn_ids: dict[int, str],
    keys: dict[int, list[str | None]],
    terminal: str | None,
    debited: list[tuple[int, Debited]],
) -> dict[int, int]:
    """The payments and their bills, pending until the departments answer; item index → payment id."""
    now = utcnow()
    today = business_day(now)
    rows = []
    for i, d in debited:
        request = items[i].request
        cheque = request.method == "cheque"
        rows.append(
            {
                "kiosk_id": kiosk_id,
                "operation_pk": d.operation_pk,
                "operation_id": request.operation_id,
                "status": PaymentStatus.PENDING.value,
                "method": MICRO_ATM if items[i].claim else request.method,
                "total_paise": sum(p.amount_paise for p in items[i].bills),
                "contact_mobile": request.mobile,
                "contact_email": request.email,
                "txn_id": txn_ids[i],
                "debit_entry_id": d.entry_id,
                "from_wallet_paise": d.from_wallet_paise,
                "from_credit_paise": d.from_credit_paise,
                "reversed_paise": 0,
                "cheque_no": request.cheque_no,
                "cheque_bank": request.cheque_bank.strip() if request.cheque_bank else None,
                "cheque_date": tx.sql_date(request.cheque_date),
                "cheque_status": "received" if cheque else None,
                "offline": int(request.offline),
                "created_at": tx.sql_time(now),
                "updated_at": tx.sql_time(now),
            }
        )
    ids = _insert_payments(tx, rows, today)
    payment_of = {i: payment_id for (i, _), payment_id in zip(debited, ids, strict=True)}
    bills = []
    for i, _ in debited:
        for pos, p in enumerate(items[i].bills):
            bills.append(
                {
                    "payment_id": payment_of[i],
                    "position": pos,
                    "service_code": p.service.code,
                    "department": p.service.department,
                    "biller": p.service.biller,
                    "consumer_no": p.consumer_no,
                    "consumer_name": p.bill.consumer_name,
                    "bill_no": terminal if items[i].claim else p.bill.bill_no,  # a claim: the kiosk's terminal
                    "bill_date": tx.sql_date(p.bill.bill_date),
                    "due_date": tx.sql_date(p.bill.due_date),
                    "amount_due_paise": p.bill.payable_now(today),
                    "amount_paise": p.amount_paise,
                    "fields_json": json.dumps(p.fields, sort_keys=True),
                    "reference": f"{txn_ids[i]}-{pos + 1}",
                    "status": PaymentStatus.PENDING.value,
                    "biller_ref": None,
                    "live_key": keys[i][pos],
                }
            )
    try:
        _INSERT_BILLS.run(tx, bills)
    except Exception as exc:
        if breaks_unique(exc, LIVE_KEY, "live_key"):  # a concurrent payment took a bill: start again
            raise Contended("a bill of this batch was taken by a concurrent payment") from exc
        raise
    return payment_of


def _insert_payments(tx: LedgerTx, rows: list[dict[str, Any]], today: date) -> list[int]:
    """The payments' rows with their receipt numbers, written once each; their ids in order."""
    if tx.is_postgres:
        # The ids first (one short statement on the sequence), so that each row is written once, with its
        # receipt number: an UPDATE afterwards would write every row and its six index entries again.
        ids = [int(r[0]) for r in tx.execute(_NEXT_PAYMENT_IDS, {"n": len(rows)}).fetchall()]
        for row, payment_id in zip(rows, ids, strict=True):
            row["id"], row["receipt_no"] = payment_id, receipt_no(today, payment_id)
        _INSERT_NUMBERED_PAYMENTS.run(tx, rows)
        return ids
    # SQLite has no sequence to ask: the rows, then their numbers.
    payment_of = {int(r[1]): int(r[0]) for r in _INSERT_PAYMENTS.run(tx, rows)}
    ids = [payment_of[int(row["operation_pk"])] for row in rows]
    _SET_RECEIPT_NO.run(tx, [{"id": payment_id, "receipt_no": receipt_no(today, payment_id)} for payment_id in ids])
    return ids


def receipt_no(today: date, payment_id: int) -> str:
    return f"RJ{today:%y%m%d}{payment_id:09d}"


def _held_elsewhere(tx: LedgerTx, kiosk_id: int, items: Sequence[Item], keys: dict[int, list[str | None]]) -> set[int]:
    """The items with a bill that a committed payment of another operation holds."""
    wanted = {i: {k for k in keys_of if k is not None} for i, keys_of in keys.items()}
    held = sorted(set().union(*wanted.values())) if wanted else []
    holders = {str(r[0]): (int(r[1]), str(r[2])) for r in _LIVE_HOLDERS.rows(tx, held, {})}
    mine = {i: (kiosk_id, items[i].request.operation_id) for i in wanted}
    return {i for i, keys_of in wanted.items() if any(holders.get(k, mine[i]) != mine[i] for k in keys_of)}


_PAYMENT_COLUMNS = (
    "kiosk_id",
    "operation_pk",
    "operation_id",
    "status",
    "method",
    "total_paise",
    "contact_mobile",
    "contact_email",
    "txn_id",
    "debit_entry_id",
    "from_wallet_paise",
    "from_credit_paise",
    "reversed_paise",
    "cheque_no",
    "cheque_bank",
    "cheque_date",
    "cheque_status",
    "offline",
    "created_at",
    "updated_at",
)
_INSERT_PAYMENTS = BulkInsert(payments_t, _PAYMENT_COLUMNS, " RETURNING id, operation_pk")  # SQLite
_SET_RECEIPT_NO = BulkUpdate(payments_t, ("receipt_no",))  # SQLite
_INSERT_NUMBERED_PAYMENTS = BulkInsert(payments_t, ("id", "receipt_no", *_PAYMENT_COLUMNS))  # PostgreSQL
_NEXT_PAYMENT_IDS = Sql("", "SELECT nextval(pg_get_serial_sequence('payments', 'id')) FROM generate_series(1, %(n)s)")
_INSERT_BILLS = BulkInsert(
    bills_t,
    (
        "payment_id",
        "position",
        "service_code",
        "department",
        "biller",
        "consumer_no",
        "consumer_name",
        "bill_no",
        "bill_date",
        "due_date",
        "amount_due_paise",
        "amount_paise",
        "fields_json",
        "reference",
        "status",
        "biller_ref",
        "live_key",
    ),
)
_LIVE_HOLDERS = SqlIn(
    "SELECT b.live_key, p.kiosk_id, p.operation_id FROM payment_bills b JOIN payments p ON p.id = b.payment_id "
    "WHERE b.live_key {values}"
)
