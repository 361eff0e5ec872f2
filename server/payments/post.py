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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, select

from rules.day import business_day
from server.core.db import breaks_unique, write_alone
from server.core.errors import ApiError, Conflict
from server.core.sql import BulkInsert, BulkUpdate, SqlIn
from server.ledger import (
    ACCOUNTS,
    Contended,
    Debit,
    Debited,
    LedgerTx,
    OperationRequest,
    OperationResult,
    biller_code,
    counter_legs,
    credit_code,
    in_one_statement,
    in_transaction,
    not_posted,
    shard_of,
    wallet_code,
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
    or the refusal. On PostgreSQL the transaction is one statement (`payment_post`, migration 0017); on SQLite
    the same steps are statements here (`_post`)."""
    if not items:
        return []
    if len({item.op.operation_id for item in items}) != len(items) or len({item.op.scope for item in items}) != 1:
        raise ValueError("post_payments needs distinct operation ids of one kiosk")
    if engine.dialect.name == "postgresql":
        return in_one_statement(engine, lambda conn: _post_in_database(conn, kiosk_id, kiosk_code, items))
    return in_transaction(engine, lambda tx: _post(tx, kiosk_id, kiosk_code, items))


@dataclass(frozen=True)
class _Plan:
    """What both ways of posting start from: each item's bill keys or its refusal, and its transaction id."""

    refused: dict[int, ApiError]
    keys: dict[int, list[str | None]]
    terminal: str | None
    txn_ids: dict[int, str]


def _plan(conn: Connection, kiosk_id: int, items: Sequence[Item]) -> _Plan:
    terminal: str | None = None
    if any(item.claim for item in items):
        terminal = conn.execute(
            select(kiosks_t.c.micro_atm_terminal_id).where(kiosks_t.c.id == kiosk_id)
        ).scalar_one_or_none()
    refused: dict[int, ApiError] = {}
    keys: dict[int, list[str | None]] = {}
    for i, item in enumerate(items):
        if item.claim and terminal is None:
            refused[i] = InvalidField(
                "this kiosk has no micro-ATM terminal on record; contact the eMitra help desk",
                code="no_micro_atm_terminal",
                field="bills[0].fields.rrn",
            )
        else:
            keys[i] = [claim_key(p, terminal) if item.claim and terminal else live_key(p) for p in item.bills]
    txn_ids = {i: f"EMT{secrets.token_hex(6).upper()}" for i in keys}
    return _Plan(refused, keys, terminal, txn_ids)


def _post(tx: LedgerTx, kiosk_id: int, kiosk_code: str, items: Sequence[Item]) -> list[Posted | ApiError]:
    plan = _plan(tx.conn, kiosk_id, items)
    answers: dict[int, Posted | ApiError] = dict(plan.refused)
    for i in _held_elsewhere(tx, kiosk_id, items, plan.keys):
        answers[i] = bill_taken()
    todo = [i for i in range(len(items)) if i not in answers]
    debited: list[tuple[int, Debited]] = []
    for i, answer in zip(todo, tx.debit_many(kiosk_code, [items[i].debit(plan.txn_ids[i]) for i in todo]), strict=True):
        if isinstance(answer, Debited):
            debited.append((i, answer))
        else:
            answers[i] = _replayed(answer)
    if debited:
        payment_of = _write(tx, kiosk_id, items, plan, debited)
        tx.store_responses([(d.operation_pk, {"payment_id": payment_of[i]}) for i, d in debited])
        answers.update((i, Posted(payment_of[i], replayed=False)) for i, _ in debited)
    return [answers[i] for i in range(len(items))]


def _post_in_database(
    conn: Connection, kiosk_id: int, kiosk_code: str, items: Sequence[Item]
) -> list[Posted | ApiError]:
    """`_post`'s steps as one call of `payment_post`: the rows go as JSON, the function adds their ids, the
    receipt numbers and the debit's facts."""
    plan = _plan(conn, kiosk_id, items)
    answers: dict[int, Posted | ApiError] = dict(plan.refused)
    todo = [i for i in range(len(items)) if i not in answers]
    if not todo:
        return [answers[i] for i in range(len(items))]
    wallet = ACCOUNTS.get(conn, wallet_code(kiosk_code))
    credit = ACCOUNTS.get(conn, credit_code(kiosk_code))
    now = utcnow()
    today = business_day(now)
    shards: dict[int, int] = {}
    debits = {i: items[i].debit(plan.txn_ids[i]) for i in todo}
    payload = []
    for i in todo:
        debit, op = debits[i], items[i].op
        legs = counter_legs(conn, wallet.id, debit)
        payload.append(
            {
                "operation_id": op.operation_id,
                "kind": op.kind,
                "hash": op.request_hash(),
                "amount": debit.amount,
                "entry_kind": debit.kind,
                "memo": debit.memo[:500],
                "legs": [[a, amount, shards.setdefault(a, shard_of(conn, a))] for a, amount in legs],
                "live_keys": sorted({k for k in plan.keys[i] if k is not None}),
                "payment": _payment_row(kiosk_id, items[i], plan.txn_ids[i], str),
                "bills": _bill_rows(items[i], plan, i, today, str),
            }
        )
    params = {
        "kiosk_id": kiosk_id,
        "scope": items[0].op.scope,
        "wallet": wallet.id,
        "credit": credit.id,
        "now": now,
        "prefix": receipt_prefix(today),
        "items": json.dumps(payload),
    }
    with _bill_taken_meanwhile():
        rows = write_alone(conn, _PAYMENT_POST, params)
    for n, outcome, payment_id, stored_hash, stored_response, spendable in rows:
        i = todo[int(n) - 1]
        if outcome == "taken":
            answers[i] = bill_taken()
        elif outcome == "posted":
            answers[i] = Posted(int(payment_id), replayed=False)
        else:
            answer = not_posted(debits[i], outcome, stored_hash, stored_response, spendable)
            assert answer is not None, outcome
            answers[i] = _replayed(answer)
    return [answers[i] for i in range(len(items))]


def _payment_row(kiosk_id: int, item: Item, txn_id: str, day: Callable[[date | None], Any]) -> dict[str, Any]:
    """A payment's row before the ledger's facts (operation, debit entry, wallet and credit parts, times)."""
    request = item.request
    cheque = request.method == "cheque"
    return {
        "kiosk_id": kiosk_id,
        "operation_id": request.operation_id,
        "status": PaymentStatus.PENDING.value,
        "method": MICRO_ATM if item.claim else request.method,
        "total_paise": sum(p.amount_paise for p in item.bills),
        "contact_mobile": request.mobile,
        "contact_email": request.email,
        "txn_id": txn_id,
        "reversed_paise": 0,
        "cheque_no": request.cheque_no,
        "cheque_bank": request.cheque_bank.strip() if request.cheque_bank else None,
        "cheque_date": day(request.cheque_date) if request.cheque_date else None,
        "cheque_status": "received" if cheque else None,
        "offline": int(request.offline),
    }


def _bill_rows(item: Item, plan: _Plan, i: int, today: date, day: Callable[[date | None], Any]) -> list[dict[str, Any]]:
    """A payment's bills, pending until the departments answer (their payment's id added by the caller)."""
    txn_id = plan.txn_ids[i]
    return [
        {
            "position": pos,
            "service_code": p.service.code,
            "department": p.service.department,
            "biller": p.service.biller,
            "consumer_no": p.consumer_no,
            "consumer_name": p.bill.consumer_name,
            "bill_no": plan.terminal if item.claim else p.bill.bill_no,  # a claim: the kiosk's terminal
            "bill_date": day(p.bill.bill_date) if p.bill.bill_date else None,
            "due_date": day(p.bill.due_date) if p.bill.due_date else None,
            "amount_due_paise": p.bill.payable_now(today),
            "amount_paise": p.amount_paise,
            "fields_json": json.dumps(p.fields, sort_keys=True),
            "reference": f"{txn_id}-{pos + 1}",
            "status": PaymentStatus.PENDING.value,
            "biller_ref": None,
            "live_key": plan.keys[i][pos],
        }
        for pos, p in enumerate(item.bills)
    ]


def _write(
    tx: LedgerTx, kiosk_id: int, items: Sequence[Item], plan: _Plan, debited: list[tuple[int, Debited]]
) -> dict[int, int]:
    """The payments and their bills, pending until the departments answer; item index → payment id."""
    now = utcnow()
    today = business_day(now)
    rows = [
        {
            **_payment_row(kiosk_id, items[i], plan.txn_ids[i], tx.sql_date),
            "operation_pk": d.operation_pk,
            "debit_entry_id": d.entry_id,
            "from_wallet_paise": d.from_wallet_paise,
            "from_credit_paise": d.from_credit_paise,
            "created_at": tx.sql_time(now),
            "updated_at": tx.sql_time(now),
        }
        for i, d in debited
    ]
    ids = _insert_payments(tx, rows, today)
    payment_of = {i: payment_id for (i, _), payment_id in zip(debited, ids, strict=True)}
    bills = [
        {**row, "payment_id": payment_of[i]}
        for i, _ in debited
        for row in _bill_rows(items[i], plan, i, today, tx.sql_date)
    ]
    with _bill_taken_meanwhile():
        _INSERT_BILLS.run(tx, bills)
    return payment_of


def _replayed(answer: OperationResult | ApiError) -> Posted | ApiError:
    """An operation the ledger did not post now: its payment (stored before) or the refusal."""
    return Posted(int(answer.response["payment_id"]), replayed=True) if isinstance(answer, OperationResult) else answer


@contextmanager
def _bill_taken_meanwhile() -> Iterator[None]:
    """A bill that a concurrent payment is writing meets the unique live key: the posting starts again
    (`Contended`), and then sees the holder."""
    try:
        yield
    except Exception as exc:
        if breaks_unique(exc, LIVE_KEY, "live_key"):
            raise Contended("a bill of this batch was taken by a concurrent payment") from exc
        raise


def _insert_payments(tx: LedgerTx, rows: list[dict[str, Any]], today: date) -> list[int]:
    """The payments' rows, then their receipt numbers (SQLite has no sequence to ask first); their ids in order."""
    payment_of = {int(r[1]): int(r[0]) for r in _INSERT_PAYMENTS.run(tx, rows)}
    ids = [payment_of[int(row["operation_pk"])] for row in rows]
    _SET_RECEIPT_NO.run(tx, [{"id": payment_id, "receipt_no": receipt_no(today, payment_id)} for payment_id in ids])
    return ids


def receipt_prefix(today: date) -> str:
    """A receipt number's first part: the state and the business day (`payment_post` adds the id as 9 digits)."""
    return f"RJ{today:%y%m%d}"


def receipt_no(today: date, payment_id: int) -> str:
    return f"{receipt_prefix(today)}{payment_id:09d}"


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
_PAYMENT_POST = (  # PostgreSQL: migration 0017
    "SELECT * FROM payment_post(%(kiosk_id)s, %(scope)s, %(wallet)s, %(credit)s, %(now)s, %(prefix)s, %(items)s::jsonb)"
)
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
