"""The outbox: every money-moving operation, written before it is sent, with its fate once the server tells it.

Two kinds share it: payments (the day-end sync pushes them; every count and list below is of payments unless
told otherwise) and receipt messages to customers (kiosk_app.receipt_message sends them once back online)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlite_utils import Database

PAYMENT = "payment"
RECEIPT_MESSAGE = "receipt_message"  # a receipt's SMS or e-mail to the customer: moves no money


class OutboxState(StrEnum):
    QUEUED = "queued"  # written here; the server has not been asked yet (or said it never got it)
    SENDING = "sending"  # a request carrying it went out; its fate is unknown until the server is asked
    DONE = "done"  # the server has it: `result` is the payment as the server last described it
    REFUSED = "refused"  # the server refused it and changed nothing; `last_error` says why (Reconcile)


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@contextmanager
def transaction(db: Database) -> Iterator[None]:
    """One write transaction (the database is opened in autocommit mode; this is where atomicity comes from)."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


@dataclass(frozen=True)
class NewOperation:
    """What the outbox needs to know of an operation before it is sent."""

    operation_id: str
    kind: str  # PAYMENT or RECEIPT_MESSAGE
    payload: dict[str, Any]  # the request body, exactly as it will be sent (every time)
    amount_paise: int  # money the operation moves
    wallet_paise: int  # of which out of the wallet (counts against the offline limit while queued)
    offline: bool


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    operation_id: str
    kind: str
    payload_json: str
    state: OutboxState
    amount_paise: int
    wallet_paise: int
    offline: bool
    attempts: int
    last_error: str | None
    result_json: str | None
    payment_status: str | None
    operator_informed: bool
    created_at: str
    updated_at: str
    finished_at: str | None

    @property
    def payload(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.payload_json)
        return value

    @property
    def result(self) -> dict[str, Any] | None:
        return None if self.result_json is None else dict(json.loads(self.result_json))

    @property
    def error(self) -> dict[str, Any] | None:
        if self.last_error is None:
            return None
        try:
            value = json.loads(self.last_error)
        except ValueError:
            return {"code": "error", "message": self.last_error}
        return value if isinstance(value, dict) else {"code": "error", "message": str(value)}


@dataclass(frozen=True)
class Outcome:
    """The server's word on one operation, to record."""

    operation_id: str
    done: bool
    result: dict[str, Any] | None = None  # the payment view when done
    error: dict[str, Any] | None = None  # {code, message, field?, status_code} when refused


_COLUMNS = (
    "id, operation_id, kind, payload, state, amount_paise, wallet_paise, offline, attempts, last_error, "
    "result, payment_status, operator_informed, created_at, updated_at, finished_at"
)


class Outbox:
    """Operations in the order they were taken; the single worker is the only caller."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- writing --------------------------------------------------------------------------------------
    def add(self, op: NewOperation, *, state: OutboxState = OutboxState.QUEUED) -> OutboxEntry:
        """Write an operation before anything is sent; adding the same operation id again changes nothing."""
        now = now_utc()
        payload = json.dumps(op.payload, ensure_ascii=False, sort_keys=True)
        with transaction(self.db):
            existing = self.get(op.operation_id)
            if existing is not None:
                if existing.payload_json != payload:
                    raise ValueError(f"operation {op.operation_id} is already in the outbox with another body")
                return existing
            self.db.execute(
                "INSERT INTO outbox (operation_id, kind, payload, state, amount_paise, wallet_paise, offline, "
                "attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    op.operation_id,
                    op.kind,
                    payload,
                    state.value,
                    op.amount_paise,
                    op.wallet_paise,
                    int(op.offline),
                    1 if state is OutboxState.SENDING else 0,
                    now,
                    now,
                ],
            )
        entry = self.get(op.operation_id)
        assert entry is not None
        return entry

    def add_many(self, ops: Iterable[NewOperation]) -> int:
        """Queue many operations in one transaction (tests and benchmarks prepare a day this way)."""
        now = now_utc()
        rows = [
            (
                op.operation_id,
                op.kind,
                json.dumps(op.payload, ensure_ascii=False, sort_keys=True),
                OutboxState.QUEUED.value,
                op.amount_paise,
                op.wallet_paise,
                int(op.offline),
                0,
                now,
                now,
            )
            for op in ops
        ]
        with transaction(self.db):
            self.db.conn.executemany(
                "INSERT INTO outbox (operation_id, kind, payload, state, amount_paise, wallet_paise, offline, "
                "attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def withdraw_unsent(self, operation_id: str) -> bool:
        """Forget an operation whose request is known never to have left this PC (no connection was made).

        Only a `sending` row is withdrawn; anything the server may have seen stays.
        """
        with transaction(self.db):
            cur = self.db.execute(
                "DELETE FROM outbox WHERE operation_id = ? AND state = 'sending' AND offline = 0", [operation_id]
            )
        return int(cur.rowcount) == 1

    def mark_sending(self, operation_ids: Sequence[str]) -> None:
        """Recorded before the request goes out: after a crash these are asked about, never assumed."""
        now = now_utc()
        with transaction(self.db):
            self.db.conn.executemany(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ? "
                "WHERE operation_id = ? AND state IN ('queued', 'sending')",
                [(now, op_id) for op_id in operation_ids],
            )

    def claim(self, limit: int, kind: str = PAYMENT) -> list[OutboxEntry]:
        """The oldest queued operations of `kind`, marked as being sent, in one transaction."""
        with transaction(self.db):
            rows = self.db.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE state = 'queued' AND kind = ? ORDER BY id LIMIT ?", [kind, limit]
            ).fetchall()
            now = now_utc()
            self.db.conn.executemany(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ?",
                [(now, r[0]) for r in rows],
            )
        return [_entry(r, state=OutboxState.SENDING, attempts_delta=1) for r in rows]

    def requeue(self, operation_ids: Sequence[str], *, note: str | None = None) -> None:
        """The server said it never got these (or refused the whole request before looking at them)."""
        now = now_utc()
        with transaction(self.db):
            self.db.conn.executemany(
                "UPDATE outbox SET state = 'queued', last_error = coalesce(?, last_error), updated_at = ? "
                "WHERE operation_id = ? AND state IN ('queued', 'sending')",
                [(note, now, op_id) for op_id in operation_ids],
            )

    def note_failure(self, operation_ids: Sequence[str], reason: str) -> None:
        """A send failed without an answer: the state stays as it is (in doubt), the reason is kept."""
        now = now_utc()
        error = json.dumps({"code": "no_answer", "message": reason}, ensure_ascii=False)
        with transaction(self.db):
            self.db.conn.executemany(
                "UPDATE outbox SET last_error = ?, updated_at = ? WHERE operation_id = ? AND state = 'sending'",
                [(error, now, op_id) for op_id in operation_ids],
            )

    def record(self, outcomes: Sequence[Outcome], *, operator_informed: bool = False) -> None:
        """What the server answered, for several operations in one transaction."""
        now = now_utc()
        done = [
            (
                json.dumps(o.result, ensure_ascii=False, sort_keys=True),
                str((o.result or {}).get("status") or "") or None,
                now,
                now,
                o.operation_id,
            )
            for o in outcomes
            if o.done
        ]
        refused = [
            (
                json.dumps(o.error or {}, ensure_ascii=False, sort_keys=True),
                int(operator_informed),
                now,
                now,
                o.operation_id,
            )
            for o in outcomes
            if not o.done
        ]
        with transaction(self.db):
            # A done operation may be recorded again later with a fresher view (pending → success).
            self.db.conn.executemany(
                "UPDATE outbox SET state = 'done', result = ?, payment_status = ?, last_error = NULL, "
                "updated_at = ?, finished_at = coalesce(finished_at, ?) WHERE operation_id = ? "
                "AND state IN ('queued', 'sending', 'done')",
                done,
            )
            self.db.conn.executemany(
                "UPDATE outbox SET state = 'refused', last_error = ?, operator_informed = ?, updated_at = ?, "
                "finished_at = ? WHERE operation_id = ? AND state IN ('queued', 'sending')",
                refused,
            )

    def mark_informed(self, operation_id: str) -> None:
        with transaction(self.db):
            self.db.execute("UPDATE outbox SET operator_informed = 1 WHERE operation_id = ?", [operation_id])

    # -- reading --------------------------------------------------------------------------------------
    def get(self, operation_id: str) -> OutboxEntry | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM outbox WHERE operation_id = ?", [operation_id]).fetchone()
        return None if row is None else _entry(row)

    def in_state(self, state: OutboxState, *, limit: int = 1_000_000, kind: str = PAYMENT) -> list[OutboxEntry]:
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE state = ? AND kind = ? ORDER BY id LIMIT ?",
            [state.value, kind, limit],
        ).fetchall()
        return [_entry(r) for r in rows]

    def unsent(self, kind: str) -> list[OutboxEntry]:
        """Operations of `kind` the server has not confirmed (queued, or sent without an answer), oldest first."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE state IN ('queued', 'sending') AND kind = ? ORDER BY id", [kind]
        ).fetchall()
        return [_entry(r) for r in rows]

    def counts(self) -> dict[OutboxState, int]:
        found = dict(
            self.db.execute("SELECT state, count(*) FROM outbox WHERE kind = ? GROUP BY state", [PAYMENT]).fetchall()
        )
        return {s: int(found.get(s.value, 0)) for s in OutboxState}

    def queue_length(self) -> int:
        """Payments the server has not confirmed yet (queued or in doubt)."""
        return int(
            self.db.execute(
                "SELECT count(*) FROM outbox WHERE state IN ('queued', 'sending') AND kind = ?", [PAYMENT]
            ).fetchone()[0]
        )

    def oldest_unconfirmed_at(self) -> str | None:
        """When the oldest payment the server has not confirmed was written (UTC ISO), or None."""
        row = self.db.execute(
            "SELECT min(created_at) FROM outbox WHERE state IN ('queued', 'sending') AND kind = ?", [PAYMENT]
        ).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def unconfirmed_wallet_paise(self) -> int:
        """Wallet money promised by operations the server has not confirmed (the offline limit subtracts it)."""
        row = self.db.execute(
            "SELECT coalesce(sum(wallet_paise), 0) FROM outbox WHERE state IN ('queued', 'sending')"
        ).fetchone()
        return int(row[0])

    def for_reconcile(self) -> list[OutboxEntry]:
        """What needs the operator: refusals nobody saw at the counter, and payments the department failed."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE kind = ? AND ((state = 'refused' AND operator_informed = 0) "
            "OR (state = 'done' AND payment_status IN ('failed', 'partial'))) ORDER BY id",
            [PAYMENT],
        ).fetchall()
        return [_entry(r) for r in rows]

    def touched_since(self, since: str) -> list[OutboxEntry]:
        """Operations written or answered at or after `since` (UTC ISO): a day's work, and what the day's syncs
        settled of earlier ones."""
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM outbox WHERE updated_at >= ? ORDER BY id", [since]).fetchall()
        return [_entry(r) for r in rows]

    def service_uses(self, last: int, limit: int) -> list[tuple[str, int]]:
        """The services most paid for in the last `last` operations, refusals left out: (service code, bills), most
        first, the most recently used first among equals. (By id, the primary key: no scan of older days.)"""
        rows = self.db.execute(
            "SELECT json_extract(b.value, '$.service_code') AS code, count(*), max(o.id) FROM outbox o, "
            "json_each(o.payload, '$.bills') b WHERE o.id > (SELECT coalesce(max(id), 0) FROM outbox) - ? "
            "AND o.state != 'refused' GROUP BY code ORDER BY count(*) DESC, max(o.id) DESC LIMIT ?",
            [last, limit],
        ).fetchall()
        return [(str(code), int(n)) for code, n, _last in rows if code]

    def awaiting_department(self) -> list[OutboxEntry]:
        """Done at the server, still pending at the department."""
        return [e for e in self.in_state(OutboxState.DONE) if e.payment_status == "pending"]


def _entry(row: Sequence[Any], *, state: OutboxState | None = None, attempts_delta: int = 0) -> OutboxEntry:
    (
        id_,
        op_id,
        kind,
        payload,
        st,
        amount,
        wallet,
        offline,
        attempts,
        last_error,
        result,
        payment_status,
        informed,
        created,
        updated,
        finished,
    ) = row
    return OutboxEntry(
        id=int(id_),
        operation_id=str(op_id),
        kind=str(kind),
        payload_json=str(payload),
        state=state or OutboxState(st),
        amount_paise=int(amount),
        wallet_paise=int(wallet),
        offline=bool(offline),
        attempts=int(attempts) + attempts_delta,
        last_error=last_error,
        result_json=result,
        payment_status=payment_status,
        operator_informed=bool(informed),
        created_at=str(created),
        updated_at=str(updated),
        finished_at=finished,
    )
