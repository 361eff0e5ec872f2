"""The ledger: idempotent, atomic, double-entry postings in integer paise.

Every money-moving operation runs through `LedgerTx.run` (or, for a kiosk's debits, `LedgerTx.debit_many`:
the same steps for many operations at once) inside one database transaction:

1. the client's operation id is inserted first (unique per scope), so a replay is recognised before any
   balance is looked at — a retry of an applied operation returns its first answer even if the wallet is
   empty by now, and the same id with another body is refused (409);
2. the kiosk's balance rows are locked in ascending id order (PostgreSQL ``FOR UPDATE``; SQLite holds its
   single write lock from ``BEGIN IMMEDIATE``);
3. kiosk rows are updated with a conditional UPDATE whose floor is also a CHECK constraint, so the
   database — not Python — refuses to take spendable below zero;
4. shared accounts (billers, clearing, adjustments) have several balance rows ("shards"); their deltas are
   summed per transaction and written last, in ascending order, just before commit, so a hot biller row is
   held for microseconds and never ahead of a kiosk row (no lock-order deadlocks).

On PostgreSQL a kiosk's debits are one call of `ledger_debit` and the last writes one call of
`ledger_finish` (functions of migration 0013, the same steps inside the database); on SQLite, where a
statement costs no round trip, they are statements run from here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, func, insert, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from server.core.db import reader
from server.core.errors import ApiError, Conflict, NotFound, Unavailable
from server.core.sql import BulkInsert, BulkUpdate, Sql, SqlIn, sql_date, sql_time
from server.models import Account, AccountBalance, JournalEntry, JournalLine, Operation
from server.models.base import table_of, utcnow

log = logging.getLogger("emitra.ledger")

accounts_t = table_of(Account)
balances_t = table_of(AccountBalance)
operations_t = table_of(Operation)
entries_t = table_of(JournalEntry)
lines_t = table_of(JournalLine)


INSERT_OPERATION = Sql.of(
    "INSERT INTO operations (scope, operation_id, kind, request_hash, response, created_at) "
    "VALUES (:scope, :operation_id, :kind, :request_hash, '{}', :now) "
    "ON CONFLICT (scope, operation_id) DO NOTHING RETURNING id"
)
SELECT_OPERATION = Sql.of(
    "SELECT request_hash, response FROM operations WHERE scope = :scope AND operation_id = :operation_id"
)
_LOCK_ROWS = "SELECT account_id, balance, floor FROM account_balances WHERE account_id IN (:a, :b) ORDER BY account_id"
# SQLite needs no row lock: BEGIN IMMEDIATE already holds the database's only write lock.
LOCK_KIOSK = Sql(_LOCK_ROWS, Sql.of(_LOCK_ROWS + " FOR UPDATE").postgres)
UPDATE_FLOORED = Sql.of(
    "UPDATE account_balances SET balance = balance + :amount "
    "WHERE account_id = :account_id AND shard = 0 AND (floor IS NULL OR balance + :amount >= floor)"
)
UPDATE_SHARD = Sql.of(
    "UPDATE account_balances SET balance = balance + :amount WHERE account_id = :account_id AND shard = :shard"
)

SAVEPOINT = Sql.of("SAVEPOINT ledger_item")
ROLLBACK_TO_SAVEPOINT = Sql.of("ROLLBACK TO SAVEPOINT ledger_item")
RELEASE_SAVEPOINT = Sql.of("RELEASE SAVEPOINT ledger_item")

SYSTEM_ACCOUNTS: dict[str, str] = {
    "system:adjustments": "adjustment",
    "clearing:bank": "bank_clearing",
    "clearing:gateway": "gateway_clearing",
    "clearing:legacy": "legacy_clearing",
    "system:suspense": "suspense",
    "income:interest": "interest_income",
}


class InsufficientBalance(ApiError):
    status = 422
    code = "insufficient_balance"


class OperationIdReused(Conflict):
    code = "operation_id_reused"

    @classmethod
    def of(cls, operation_id: str) -> OperationIdReused:
        """The 409 for an id already applied with another body."""
        return cls("this operation id was already used for a different request", operation_id=operation_id)


class UnbalancedEntry(Exception):
    """Our bug: an entry whose lines do not sum to zero must never reach the database."""


def wallet_code(kiosk_code: str) -> str:
    return f"kiosk:{kiosk_code}:wallet"


def credit_code(kiosk_code: str) -> str:
    return f"kiosk:{kiosk_code}:credit"


@dataclass(frozen=True)
class OperationRequest:
    """What a client asked for, keyed by its operation id within a scope (a kiosk code or "admin")."""

    scope: str
    operation_id: str
    kind: str
    body: Mapping[str, Any]

    def request_hash(self) -> str:
        canonical = json.dumps(
            {"kind": self.kind, "body": self.body}, sort_keys=True, separators=(",", ":"), ensure_ascii=True
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class OperationResult:
    response: dict[str, Any]
    replayed: bool


@dataclass(frozen=True)
class AccountInfo:
    id: int
    code: str
    kind: str
    kiosk_id: int | None
    shards: int


@dataclass(frozen=True)
class KioskBalances:
    """A kiosk's two floored rows, read under lock."""

    wallet_id: int
    wallet: int
    credit_id: int
    credit: int
    credit_floor: int

    @property
    def unused_credit(self) -> int:
        return self.credit - self.credit_floor

    @property
    def spendable(self) -> int:
        return self.wallet + self.unused_credit

    @property
    def credit_used(self) -> int:
        return -self.credit


class Accounts:
    """Account lookups, cached per process: an account's id, kind and shard count never change."""

    def __init__(self) -> None:
        self._by_code: dict[str, AccountInfo] = {}
        self._by_id: dict[int, AccountInfo] = {}

    def get(self, conn: Connection, code: str) -> AccountInfo:
        info = self._by_code.get(code)
        if info is None:
            row = conn.execute(
                select(
                    accounts_t.c.id, accounts_t.c.code, accounts_t.c.kind, accounts_t.c.kiosk_id, accounts_t.c.shards
                ).where(accounts_t.c.code == code)
            ).first()
            if row is None:
                raise NotFound(f"unknown account {code}", code="unknown_account", account=code)
            info = AccountInfo(row.id, row.code, row.kind, row.kiosk_id, row.shards)
            self._by_code[code] = info
            self._by_id[info.id] = info
        return info

    def by_id(self, conn: Connection, account_id: int) -> AccountInfo:
        info = self._by_id.get(account_id)
        if info is None:
            code = conn.execute(select(accounts_t.c.code).where(accounts_t.c.id == account_id)).scalar_one()
            info = self.get(conn, code)
        return info

    def clear(self) -> None:
        self._by_code.clear()
        self._by_id.clear()


ACCOUNTS = Accounts()


def create_account(
    conn: Connection,
    code: str,
    kind: str,
    *,
    kiosk_id: int | None = None,
    shards: int = 1,
    floor: int | None = None,
) -> int:
    """Create an account with its balance row(s); a floor applies only to single-row accounts."""
    if floor is not None and shards != 1:
        raise ValueError("a floored account has exactly one balance row")
    account_id = conn.execute(
        insert(accounts_t).values(code=code, kind=kind, kiosk_id=kiosk_id, shards=shards).returning(accounts_t.c.id)
    ).scalar_one()
    conn.execute(
        insert(balances_t),
        [{"account_id": account_id, "shard": s, "balance": 0, "floor": floor} for s in range(shards)],
    )
    return int(account_id)


def ensure_system_accounts(conn: Connection, shards: int) -> None:
    existing = set(conn.execute(select(accounts_t.c.code)).scalars())
    for code, kind in SYSTEM_ACCOUNTS.items():
        if code not in existing:
            create_account(conn, code, kind, shards=shards)


def biller_code(biller: str) -> str:
    return f"biller:{biller}"


def ensure_biller_accounts(conn: Connection, billers: Iterable[str], shards: int) -> None:
    """One settlement account per department (biller); shared by every kiosk, so sharded."""
    existing = set(conn.execute(select(accounts_t.c.code)).scalars())
    for biller in sorted(set(billers)):
        if biller_code(biller) not in existing:
            create_account(conn, biller_code(biller), "biller_settlement", shards=shards)


def create_kiosk_accounts(conn: Connection, kiosk_id: int, kiosk_code: str, credit_limit: int) -> None:
    create_account(conn, wallet_code(kiosk_code), "kiosk_wallet", kiosk_id=kiosk_id, floor=0)
    create_account(conn, credit_code(kiosk_code), "kiosk_credit", kiosk_id=kiosk_id, floor=-credit_limit)


def set_credit_limit(conn: Connection, kiosk_code: str, credit_limit: int) -> None:
    """Change a kiosk's credit limit; the CHECK refuses a limit below what is already drawn."""
    credit = ACCOUNTS.get(conn, credit_code(kiosk_code))
    try:
        with conn.begin_nested():
            conn.execute(update(balances_t).where(balances_t.c.account_id == credit.id).values(floor=-credit_limit))
    except IntegrityError as exc:
        raise ApiError("the new credit limit is below the credit already used", code="credit_limit_below_used") from exc


@dataclass(frozen=True)
class Debit:
    """One debit of a kiosk: `counters` are (account code, paise) pairs summing to `amount`; `op` is the
    operation to store (None: stored already, by `LedgerTx.run`)."""

    op: OperationRequest | None
    amount: int
    counters: Sequence[tuple[str, int]]
    kind: str
    memo: str = ""


@dataclass(frozen=True)
class Charge:
    """A debit taken from the spendable (`Spending.take`) and about to be written for a stored operation."""

    operation_pk: int
    counters: Sequence[tuple[str, int]]
    kind: str
    memo: str
    from_wallet: int
    from_credit: int

    @classmethod
    def of(cls, operation_pk: int, debit: Debit, taken: tuple[int, int]) -> Charge:
        return cls(operation_pk, debit.counters, debit.kind, debit.memo, *taken)


@dataclass(frozen=True)
class Debited:
    operation_pk: int
    entry_id: int | None  # None: a debit of nothing
    from_wallet_paise: int
    from_credit_paise: int


@dataclass(frozen=True)
class Entry:
    """One balanced journal entry to write: `legs` are (account id, signed paise), checked by `_legs`."""

    operation_pk: int
    kind: str
    legs: list[tuple[int, int]]
    memo: str = ""
    reverses_entry_id: int | None = None


class Contended(Exception):
    """A concurrent transaction got in between: the whole transaction is tried again (see `in_transaction`)."""


@dataclass
class Spending:
    """A kiosk's spendable as debits take it, in order: the wallet first, then the unused credit line.

    The one place the rule lives: a debit that does not fit is refused and the next may still fit.
    """

    before: KioskBalances
    wallet: int = 0
    credit: int = 0

    def __post_init__(self) -> None:
        self.wallet, self.credit = self.before.wallet, self.before.credit

    @property
    def spendable(self) -> int:
        return self.wallet + self.credit - self.before.credit_floor

    def take(self, amount: int) -> tuple[int, int] | InsufficientBalance:
        """(from wallet, from credit) for `amount`, taken; or the refusal, nothing taken."""
        if amount > self.spendable:
            return _insufficient(self.spendable, amount)
        from_wallet = min(max(self.wallet, 0), amount)
        from_credit = amount - from_wallet
        self.wallet, self.credit = self.wallet - from_wallet, self.credit - from_credit
        return from_wallet, from_credit


@dataclass
class LedgerTx:
    """Posts operations inside one open transaction on `conn`; call `finish()` before commit."""

    conn: Connection
    is_postgres: bool
    savepoints: bool = False
    _hot: dict[tuple[int, int], int] = field(default_factory=lambda: defaultdict(int))
    _item_hot: list[tuple[int, int, int]] = field(default_factory=list)
    _locked: set[int] = field(default_factory=set)
    _shards: dict[int, int] = field(default_factory=dict)
    _responses: list[tuple[int, str]] = field(default_factory=list)  # written by `finish` (or before a read)
    _cursor: Any = None

    def cursor(self) -> Any:
        """The raw driver cursor of this transaction's connection (for the hot path's statements)."""
        if self._cursor is None:
            self._cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        return self._cursor

    def execute(self, statement: Sql, params: dict[str, Any] | None = None) -> Any:
        """Run a hot-path statement on the raw driver cursor, inside this transaction."""
        return statement.run(self, params)

    def sql_time(self, value: datetime) -> Any:
        """A datetime as the column stores it: SQLAlchemy's text on SQLite, the aware value on PostgreSQL."""
        return sql_time(value, self.is_postgres)

    def sql_date(self, value: date | None) -> Any:
        return sql_date(value, self.is_postgres)

    def _now(self) -> Any:
        return self.sql_time(utcnow())

    # -- operations -------------------------------------------------------------------------------------
    def run(self, op: OperationRequest, apply: Callable[[LedgerTx, int], dict[str, Any]]) -> OperationResult:
        """Apply `op` once. `apply(tx, operation_pk)` posts entries and returns the response to store.

        In a batch (`savepoints=True`) a refused item rolls back to its savepoint and the others stay;
        alone, a refusal rolls back the whole transaction, which is cheaper than a savepoint.
        """
        digest = op.request_hash()
        self._item_hot = []
        # A raw savepoint: SQLAlchemy's begin_nested() costs more Python time than the item's own statements.
        savepoint = self.savepoints
        if savepoint:
            self.execute(SAVEPOINT)
        try:
            found = self.execute(
                INSERT_OPERATION,
                {
                    "scope": op.scope,
                    "operation_id": op.operation_id,
                    "kind": op.kind,
                    "request_hash": digest,
                    "now": self._now(),
                },
            ).fetchone()
            op_pk = found[0] if found else None
            if op_pk is not None:
                response = apply(self, int(op_pk))
                self._responses.append((int(op_pk), json.dumps(response)))
        except BaseException:
            if savepoint:
                self.execute(ROLLBACK_TO_SAVEPOINT)
                self.execute(RELEASE_SAVEPOINT)
            self._item_hot = []
            raise
        if savepoint:
            self.execute(RELEASE_SAVEPOINT)
        if op_pk is None:  # already applied (by us earlier, or by a concurrent request just committed)
            return self._replay(op, digest)  # outside the savepoint: a 409 here must not roll back to it
        self._keep_hot()
        return OperationResult(response, replayed=False)

    def _replay(self, op: OperationRequest, digest: str) -> OperationResult:
        self._write_responses()  # an id applied earlier in this transaction answers what it stored
        request_hash, stored = self.execute(
            SELECT_OPERATION, {"scope": op.scope, "operation_id": op.operation_id}
        ).fetchone()
        if request_hash != digest:
            raise OperationIdReused.of(op.operation_id)
        return OperationResult(json.loads(stored), replayed=True)

    # -- balances ---------------------------------------------------------------------------------------
    def lock_kiosk(self, kiosk_code: str) -> KioskBalances:
        wallet = ACCOUNTS.get(self.conn, wallet_code(kiosk_code))
        credit = ACCOUNTS.get(self.conn, credit_code(kiosk_code))
        rows = {r[0]: r for r in self.execute(LOCK_KIOSK, {"a": wallet.id, "b": credit.id}).fetchall()}
        self._locked.update(rows)
        return KioskBalances(
            wallet_id=wallet.id,
            wallet=rows[wallet.id][1],
            credit_id=credit.id,
            credit=rows[credit.id][1],
            credit_floor=rows[credit.id][2] or 0,
        )

    def post_entry(
        self,
        operation_pk: int,
        kind: str,
        lines: Iterable[tuple[int, int]],
        *,
        memo: str = "",
        reverses_entry_id: int | None = None,
    ) -> int:
        """Write one balanced entry; `lines` are (account id, signed paise). Returns the entry id."""
        (entry_id,) = self.post_entries([Entry(operation_pk, kind, _legs(kind, lines), memo, reverses_entry_id)])
        return entry_id

    def post_entries(self, entries: Sequence[Entry]) -> list[int]:
        """Write entries of distinct operations with one statement for the entries and one for their lines;
        locked kiosk rows move by their summed delta (the floor refuses what would cross it), shared accounts'
        deltas wait for `finish`. Returns the entry ids, in order."""
        if not entries:
            return []
        if len({e.operation_pk for e in entries}) != len(entries):
            raise ValueError("post_entries writes one entry per operation")
        now = self._now()
        rows = [
            {
                "operation_pk": e.operation_pk,
                "kind": e.kind,
                "memo": e.memo[:500],
                "reverses_entry_id": e.reverses_entry_id,
                "created_at": now,
            }
            for e in entries
        ]
        entry_of = {int(r[1]): int(r[0]) for r in _INSERT_ENTRIES.run(self, rows)}
        ids = [entry_of[e.operation_pk] for e in entries]
        _INSERT_LINES.run(
            self,
            [
                {"entry_id": entry_id, "account_id": a, "amount": amount}
                for entry_id, e in zip(ids, entries, strict=True)
                for a, amount in e.legs
            ],
        )
        floored: dict[int, int] = defaultdict(int)
        for e in entries:
            for account_id, amount in e.legs:
                if account_id in self._locked:
                    floored[account_id] += amount
                    continue
                info = ACCOUNTS.by_id(self.conn, account_id)
                if info.kiosk_id is not None:
                    raise UnbalancedEntry(f"kiosk account {info.code} posted without lock_kiosk")
                self._item_hot.append((account_id, self._shard(info), amount))
        for account_id, delta in sorted(floored.items()):
            if delta:
                self._apply_floored(account_id, delta)
        return ids

    def _keep_hot(self) -> None:
        """The shared accounts' deltas of what was just posted, kept for `finish`."""
        for account_id, shard, amount in self._item_hot:
            self._hot[(account_id, shard)] += amount
        self._item_hot = []

    def _shard(self, info: AccountInfo) -> int:
        """One shard of a shared account per transaction: a batch of many postings locks one row, not all."""
        shard = self._shards.get(info.id)
        if shard is None:
            shard = self._shards[info.id] = random.randrange(info.shards)
        return shard

    def _apply_floored(self, account_id: int, amount: int) -> None:
        result = self.execute(UPDATE_FLOORED, {"amount": amount, "account_id": account_id})
        if result.rowcount != 1:
            raise InsufficientBalance("not enough balance in the kiosk wallet and credit line")

    # -- debits of a kiosk: one rule and one writer for one debit and many ------------------------------
    def debit_many(self, kiosk_code: str, debits: Sequence[Debit]) -> list[Debited | OperationResult | ApiError]:
        """Many debits of one kiosk, each with `run`'s guarantees, in a handful of statements.

        The kiosk's rows are locked once, the operation ids already stored are answered as replays (or 409
        with another body), the rest are taken in order from the running spendable (wallet first, then credit;
        one that does not fit is refused and the next may still fit), and their operation rows, entries and
        lines are written together, the kiosk's rows with one conditional UPDATE each. A debit of 0 paise with
        no counters stores its operation only. On PostgreSQL all of it is one call (`ledger_debit`, migration
        0013); on SQLite the same steps are statements here (`Spending`, `post_debits`). Answers, in order:
        `Debited` (the caller stores the response with `store_responses`), `OperationResult` (replayed) or
        the refusal. Operation ids must be distinct and share one scope.
        """
        if not debits:
            return []
        scope = debits[0].op.scope if debits[0].op else ""
        ids = [d.op.operation_id for d in debits if d.op]
        if len(set(ids)) != len(debits) or any(d.op is None or d.op.scope != scope for d in debits):
            raise ValueError("debit_many needs distinct operation ids of one scope")
        self._write_responses()  # the ids looked up below answer what they stored
        if self.is_postgres:
            answers: list[Debited | OperationResult | ApiError] = [
                answer for answer, _ in self._debit_postgres(kiosk_code, debits)
            ]
        else:
            answers = self._debit_sqlite(kiosk_code, debits)
        self._keep_hot()
        return answers

    def _debit_postgres(
        self, kiosk_code: str, debits: Sequence[Debit], pks: Sequence[int] | None = None
    ) -> list[tuple[Debited | OperationResult | ApiError, KioskBalances]]:
        """`debit_many` in one call of `ledger_debit`; `pks`: the operations' rows, when stored already. With
        each answer, the kiosk's balances after it."""
        wallet = ACCOUNTS.get(self.conn, wallet_code(kiosk_code))
        credit = ACCOUNTS.get(self.conn, credit_code(kiosk_code))
        legs = [
            (n, account_id, part)
            for n, debit in enumerate(debits, start=1)
            for account_id, part in counter_legs(self.conn, wallet.id, debit)
        ]
        rows = self.execute(
            _DEBIT,
            {
                "scope": debits[0].op.scope if debits[0].op else "",
                "wallet": wallet.id,
                "credit": credit.id,
                "now": self._now(),
                "pks": list(pks) if pks is not None else None,
                "ids": [d.op.operation_id if d.op else "" for d in debits],
                "kinds": [d.op.kind if d.op else "" for d in debits],
                "hashes": [d.op.request_hash() if d.op else "" for d in debits],
                "amounts": [d.amount for d in debits],
                "entry_kinds": [d.kind for d in debits],
                "memos": [d.memo[:500] for d in debits],
                "leg_item": [n for n, _, _ in legs],
                "leg_account": [a for _, a, _ in legs],
                "leg_amount": [amount for _, _, amount in legs],
            },
        ).fetchall()
        self._locked.update((wallet.id, credit.id))
        answers: list[tuple[Debited | OperationResult | ApiError, KioskBalances]] = []
        for row, debit in zip(rows, debits, strict=True):
            n, outcome, pk, entry_id, from_wallet, from_credit, digest, response, spendable, w, c, floor = row
            answer: Debited | OperationResult | ApiError | None = not_posted(
                debit, outcome, digest, response, spendable
            )
            if answer is None:
                answer = Debited(int(pk), entry_id, int(from_wallet), int(from_credit))
                for m, account_id, amount in legs:
                    if m == n:
                        self._item_hot.append((account_id, self._shard(ACCOUNTS.by_id(self.conn, account_id)), amount))
            answers.append((answer, KioskBalances(wallet.id, int(w), credit.id, int(c), int(floor))))
        return answers

    def _debit_sqlite(self, kiosk_code: str, debits: Sequence[Debit]) -> list[Debited | OperationResult | ApiError]:
        spending = Spending(self.lock_kiosk(kiosk_code))
        # After the lock: a transaction of this kiosk that took the lock first has committed, so its ids are
        # visible here (SQLite: BEGIN IMMEDIATE serialises the writers anyway).
        scope = debits[0].op.scope if debits[0].op else ""
        ids = [d.op.operation_id for d in debits if d.op]
        stored = {str(r[0]): (r[1], r[2]) for r in _SELECT_OPERATIONS.rows(self, ids, {"scope": scope})}
        answers: list[Debited | OperationResult | ApiError | None] = [None] * len(debits)
        fresh: list[tuple[int, OperationRequest, str, tuple[int, int]]] = []
        for i, debit in enumerate(debits):
            assert debit.op is not None
            digest = debit.op.request_hash()
            if debit.op.operation_id in stored:
                request_hash, response = stored[debit.op.operation_id]
                answers[i] = (
                    OperationResult(json.loads(response), replayed=True)
                    if request_hash == digest
                    else OperationIdReused.of(debit.op.operation_id)
                )
                continue
            taken = spending.take(debit.amount)
            if isinstance(taken, InsufficientBalance):
                answers[i] = taken
            else:
                fresh.append((i, debit.op, digest, taken))
        if fresh:
            now = self._now()
            operation_rows = [
                {
                    "scope": scope,
                    "operation_id": op.operation_id,
                    "kind": op.kind,
                    "request_hash": digest,
                    "response": "{}",
                    "created_at": now,
                }
                for _, op, digest, _ in fresh
            ]
            pk_of = {str(r[1]): int(r[0]) for r in _INSERT_OPERATIONS.run(self, operation_rows)}
            if len(pk_of) != len(fresh):
                # Another transaction stored one of these ids meanwhile: start again, and they are replays then.
                raise Contended("an operation id of this batch was stored concurrently")
            posted = self.post_debits(
                spending.before, [Charge.of(pk_of[op.operation_id], debits[i], taken) for i, op, _, taken in fresh]
            )
            for (i, _, _, _), debited in zip(fresh, posted, strict=True):
                answers[i] = debited
        return [a for a in answers if a is not None]

    def post_debits(self, before: KioskBalances, charges: Sequence[Charge]) -> list[Debited]:
        """The entries of debits already taken from `before` by `Spending`, one per stored operation; a debit
        of nothing (a cheque, a micro-ATM claim: an operation that moves no money now) writes no entry."""
        entries = []
        for c in charges:
            if sum(a for _, a in c.counters) != c.from_wallet + c.from_credit:
                raise UnbalancedEntry("counter amounts do not add up to the debit")
            if c.counters:
                lines = [(before.wallet_id, -c.from_wallet), (before.credit_id, -c.from_credit)]
                lines += [(ACCOUNTS.get(self.conn, code).id, part) for code, part in c.counters]
                entries.append(Entry(c.operation_pk, c.kind, _legs(c.kind, lines), c.memo))
        entry_of = dict(zip((e.operation_pk for e in entries), self.post_entries(entries), strict=True))
        return [Debited(c.operation_pk, entry_of.get(c.operation_pk), c.from_wallet, c.from_credit) for c in charges]

    def store_responses(self, responses: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """The answers of operations posted with `debit_many` (a replay returns them); written by `finish`."""
        self._responses.extend((pk, json.dumps(r)) for pk, r in responses)

    def _write_responses(self) -> None:
        _STORE_RESPONSES.run(self, [{"response": r, "id": pk} for pk, r in self._responses])
        self._responses.clear()

    def finish(self) -> None:
        """The last writes, just before commit: the operations' answers, then the summed deltas of shared
        accounts in a fixed order (on PostgreSQL one call, `ledger_finish` of migration 0013)."""
        hot = [(a, s, amount) for (a, s), amount in sorted(self._hot.items()) if amount]
        if self.is_postgres and (hot or self._responses):
            self.execute(
                _FINISH,
                {
                    "ops": [pk for pk, _ in self._responses],
                    "responses": [r for _, r in self._responses],
                    "accounts": [a for a, _, _ in hot],
                    "shards": [s for _, s, _ in hot],
                    "amounts": [amount for _, _, amount in hot],
                },
            )
            self._responses.clear()
        else:
            self._write_responses()
            for account_id, shard, amount in hot:
                self.execute(UPDATE_SHARD, {"amount": amount, "account_id": account_id, "shard": shard})
        self._hot.clear()
        self._locked.clear()
        self._shards.clear()


def counter_legs(conn: Connection, wallet_id: int, debit: Debit) -> list[tuple[int, int]]:
    """A debit's counter legs (account id, paise), checked: shared accounts only, balancing the debit."""
    counters = [(ACCOUNTS.get(conn, code), part) for code, part in debit.counters]
    if any(info.kiosk_id is not None for info, _ in counters):
        raise UnbalancedEntry("a kiosk account is not a debit's counter account")
    if debit.counters:
        _legs(debit.kind, [(wallet_id, -debit.amount), *((info.id, part) for info, part in counters)])
    elif debit.amount:
        raise UnbalancedEntry("counter amounts do not add up to the debit")
    return [(info.id, part) for info, part in counters]


def shard_of(conn: Connection, account_id: int) -> int:
    """A shard of a shared account for one transaction's postings to it."""
    return random.randrange(ACCOUNTS.by_id(conn, account_id).shards)


def not_posted(
    debit: Debit, outcome: str, stored_hash: str | None, stored_response: str | None, spendable: int | None
) -> OperationResult | ApiError | None:
    """What `ledger_debit` (migration 0013) answered for `debit` when it did not post it: the stored answer
    (same body), 409 (another body under the same id) or the refusal; None when it posted it."""
    if outcome == "stored":
        return (
            OperationResult(json.loads(stored_response or "{}"), replayed=True)
            if debit.op and stored_hash == debit.op.request_hash()
            else OperationIdReused.of(debit.op.operation_id if debit.op else "")
        )
    if outcome == "insufficient":
        return _insufficient(int(spendable or 0), debit.amount)
    return None


def _insufficient(spendable: int, requested: int) -> InsufficientBalance:
    return InsufficientBalance(
        "not enough balance in the kiosk wallet and credit line", spendable_paise=spendable, requested_paise=requested
    )


def _legs(kind: str, lines: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """An entry's lines merged per account, zero legs dropped, checked to balance in integer paise."""
    merged: dict[int, int] = defaultdict(int)
    for account_id, amount in lines:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise UnbalancedEntry(f"amount {amount!r} is not integer paise")
        merged[account_id] += amount
    legs = sorted((a, amt) for a, amt in merged.items() if amt != 0)
    if sum(amt for _, amt in legs) != 0 or len(legs) < 2:
        raise UnbalancedEntry(f"entry {kind} does not balance: {legs}")
    return legs


_INSERT_OPERATIONS = BulkInsert(
    operations_t,
    ("scope", "operation_id", "kind", "request_hash", "response", "created_at"),
    " ON CONFLICT (scope, operation_id) DO NOTHING RETURNING id, operation_id",
)
_INSERT_ENTRIES = BulkInsert(
    entries_t, ("operation_pk", "kind", "memo", "reverses_entry_id", "created_at"), " RETURNING id, operation_pk"
)
_INSERT_LINES = BulkInsert(lines_t, ("entry_id", "account_id", "amount"), sqlite_chunk=300)
_STORE_RESPONSES = BulkUpdate(operations_t, ("response",))
_FINISH = Sql(
    "",  # SQLite: the same writes one by one (see `LedgerTx.finish`)
    "SELECT ledger_finish(%(ops)s::bigint[], %(responses)s::text[], %(accounts)s::bigint[], %(shards)s::int[], "
    "%(amounts)s::bigint[])",
)
_DEBIT = Sql(
    "",  # SQLite: `LedgerTx._debit_sqlite`
    "SELECT * FROM ledger_debit(%(scope)s, %(wallet)s, %(credit)s, %(now)s, %(pks)s::bigint[], %(ids)s::text[], "
    "%(kinds)s::text[], %(hashes)s::text[], %(amounts)s::bigint[], %(entry_kinds)s::text[], %(memos)s::text[], "
    "%(leg_item)s::int[], %(leg_account)s::bigint[], %(leg_amount)s::bigint[])",
)
_SELECT_OPERATIONS = SqlIn(
    "SELECT operation_id, request_hash, response FROM operations WHERE scope = :scope AND operation_id {values}"
)


# -- kiosk money movements used by the routes ---------------------------------------------------------


def debit_kiosk(
    tx: LedgerTx,
    operation_pk: int,
    kiosk_code: str,
    amount: int,
    counter_code: str | Sequence[tuple[str, int]],
    kind: str,
    memo: str = "",
) -> dict[str, Any]:
    """Take `amount` from the kiosk's spendable inside `tx.run`: `LedgerTx.debit_many`'s rule and writer for
    one debit whose operation is stored already.

    `counter_code` is the account credited, or (account, amount) pairs summing to `amount` when one
    payment goes to several departments.
    """
    counters = [(counter_code, amount)] if isinstance(counter_code, str) else list(counter_code)
    if sum(a for _, a in counters) != amount:
        raise UnbalancedEntry("counter amounts do not add up to the debit")
    if tx.is_postgres:
        ((answer, after),) = tx._debit_postgres(kiosk_code, [Debit(None, amount, counters, kind, memo)], [operation_pk])
        if isinstance(answer, ApiError):
            raise answer
        assert isinstance(answer, Debited)
        debited = answer
    else:
        before = tx.lock_kiosk(kiosk_code)
        taken = Spending(before).take(amount)
        if isinstance(taken, InsufficientBalance):
            raise taken
        (debited,) = tx.post_debits(before, [Charge(operation_pk, counters, kind, memo, *taken)])
        after = KioskBalances(
            before.wallet_id,
            before.wallet - debited.from_wallet_paise,
            before.credit_id,
            before.credit - debited.from_credit_paise,
            before.credit_floor,
        )
    return {
        "entry_id": debited.entry_id,
        "from_wallet_paise": debited.from_wallet_paise,
        "from_credit_paise": debited.from_credit_paise,
        **_balances(after),
    }


def credit_kiosk(
    tx: LedgerTx, operation_pk: int, kiosk_code: str, amount: int, counter_code: str, kind: str, memo: str = ""
) -> dict[str, Any]:
    before = tx.lock_kiosk(kiosk_code)
    counter = ACCOUNTS.get(tx.conn, counter_code)
    entry_id = tx.post_entry(operation_pk, kind, [(before.wallet_id, amount), (counter.id, -amount)], memo=memo)
    wallet_after = before.wallet + amount
    after = KioskBalances(before.wallet_id, wallet_after, before.credit_id, before.credit, before.credit_floor)
    return {"entry_id": entry_id, **_balances(after)}


def _balances(b: KioskBalances) -> dict[str, int]:
    return {"wallet_balance_paise": b.wallet, "credit_used_paise": b.credit_used, "spendable_paise": b.spendable}


def read_kiosk_balances(conn: Connection, kiosk_code: str) -> KioskBalances:
    wallet = ACCOUNTS.get(conn, wallet_code(kiosk_code))
    credit = ACCOUNTS.get(conn, credit_code(kiosk_code))
    rows = {
        r.account_id: r
        for r in conn.execute(
            select(balances_t.c.account_id, balances_t.c.balance, balances_t.c.floor).where(
                balances_t.c.account_id.in_([wallet.id, credit.id])
            )
        )
    }
    return KioskBalances(
        wallet.id, rows[wallet.id].balance, credit.id, rows[credit.id].balance, rows[credit.id].floor or 0
    )


def account_balance(conn: Connection, code: str) -> int:
    info = ACCOUNTS.get(conn, code)
    total = conn.execute(
        select(func.coalesce(func.sum(balances_t.c.balance), 0)).where(balances_t.c.account_id == info.id)
    ).scalar_one()
    return int(total)


# -- transactions with retry --------------------------------------------------------------------------

T = TypeVar("T")

_RETRYABLE_PG = {"40001", "40P01"}  # serialization failure, deadlock detected


def _retryable(exc: BaseException) -> bool:
    """Lock conflicts that a fresh attempt of the whole transaction resolves."""
    if isinstance(exc, Contended):
        return True
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if getattr(orig, "sqlstate", None) in _RETRYABLE_PG:
        return True
    return isinstance(orig, sqlite3.OperationalError) and "database is locked" in str(orig)


def in_transaction(engine: Engine, work: Callable[[LedgerTx], T], *, savepoints: bool = False, attempts: int = 6) -> T:
    """Run `work` in one transaction, retrying whole on deadlock/serialization/lock timeouts."""
    is_postgres = engine.dialect.name == "postgresql"

    def once() -> T:
        with engine.begin() as conn:
            tx = LedgerTx(conn, is_postgres, savepoints)
            result = work(tx)
            tx.finish()
            return result

    return _with_retries(once, attempts)


def in_one_statement(engine: Engine, work: Callable[[Connection], T], *, attempts: int = 6) -> T:
    """Run `work`, whose one write is a whole posting in one statement (a SQL function), on an autocommit
    connection of PostgreSQL: the statement is its own transaction, one round trip and one commit. Retried
    whole as `in_transaction` is; `work` sends its write with `server.core.db.write_alone`."""

    def once() -> T:
        with reader(engine).connect() as conn:
            return work(conn)

    return _with_retries(once, attempts)


def _with_retries(once: Callable[[], T], attempts: int) -> T:
    for attempt in range(attempts):
        try:
            return once()
        except Exception as exc:
            if not _retryable(exc):
                raise
            if attempt == attempts - 1:
                raise Unavailable("the ledger is busy; send the same operation again") from exc
            log.info("retrying transaction after %s (attempt %d)", exc, attempt + 1)
            time.sleep(0.005 * (2**attempt) * random.random())
    raise AssertionError("unreachable")


# -- audit --------------------------------------------------------------------------------------------


def audit(conn: Connection) -> list[str]:
    """Every way the books could be wrong; an empty list means they are right."""
    problems: list[str] = []
    unbalanced = conn.execute(
        select(lines_t.c.entry_id, func.sum(lines_t.c.amount))
        .group_by(lines_t.c.entry_id)
        .having(or_(func.sum(lines_t.c.amount) != 0, func.count() < 2))
    ).all()
    problems += [f"entry {e} does not balance (sum {s})" for e, s in unbalanced]
    journal: dict[int, int] = {
        int(a): int(total)
        for a, total in conn.execute(
            select(lines_t.c.account_id, func.sum(lines_t.c.amount)).group_by(lines_t.c.account_id)
        )
    }
    stored: dict[int, int] = {
        int(a): int(total)
        for a, total in conn.execute(
            select(balances_t.c.account_id, func.sum(balances_t.c.balance)).group_by(balances_t.c.account_id)
        )
    }
    for account_id in sorted(set(journal) | set(stored)):
        if int(journal.get(account_id, 0) or 0) != int(stored.get(account_id, 0) or 0):
            problems.append(
                f"account {account_id}: balance {stored.get(account_id)} != journal {journal.get(account_id)}"
            )
    below = (
        conn.execute(
            select(balances_t.c.account_id).where(
                balances_t.c.floor.is_not(None), balances_t.c.balance < balances_t.c.floor
            )
        )
        .scalars()
        .all()
    )
    problems += [f"account {a} is below its floor" for a in below]
    orphan_ops = conn.execute(
        select(func.count()).select_from(entries_t).where(~entries_t.c.operation_pk.in_(select(operations_t.c.id)))
    ).scalar_one()
    if orphan_ops:
        problems.append(f"{orphan_ops} entries without an operation")
    return problems
