"""The receipt spool: every receipt is kept in SQLite until a printer has confirmed it (or accepted it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

TABLE = "receipt_spool"
SEARCHABLE = frozenset({"receipt_no", "consumer_no", "contact_mobile"})  # a reprint finds receipts by these


@dataclass(frozen=True)
class SpooledReceipt:
    id: int
    operation_id: str
    receipt_json: str
    created_at: str
    printed: bool
    printed_at: str | None
    attempts: int
    last_error: str | None
    copies_printed: int


# One receipt per operation (the unique index): spooling the same operation again (a retry after a crash)
# must not print the customer a second original.  The kiosk database's migrations create the same table.
DDL = (
    f"""CREATE TABLE IF NOT EXISTS [{TABLE}] (
   [id] INTEGER PRIMARY KEY,
   [operation_id] TEXT NOT NULL,
   [receipt] TEXT NOT NULL,
   [created_at] TEXT NOT NULL,
   [printed] INTEGER NOT NULL DEFAULT 0,
   [printed_at] TEXT,
   [attempts] INTEGER NOT NULL DEFAULT 0,
   [last_error] TEXT,
   [copies_printed] INTEGER NOT NULL DEFAULT 0
)""",
    f"CREATE UNIQUE INDEX IF NOT EXISTS [idx_{TABLE}_operation_id] ON [{TABLE}] ([operation_id])",
    f"CREATE INDEX IF NOT EXISTS [idx_{TABLE}_printed] ON [{TABLE}] ([printed])",
)


def create_table(db: Database) -> None:
    """Create the spool table and its indexes inside the caller's transaction."""
    for statement in DDL:
        db.execute(statement)


def stamp(moment: datetime) -> str:
    """How the spool writes a time (UTC, to the second), so that stored times compare as text."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _now() -> str:
    return stamp(datetime.now(UTC))


class ReceiptSpool:
    """Receipts waiting to print, and the ones printed (for reprints). Knows nothing about printers."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._ensure_table()

    def _ensure_table(self) -> None:
        if TABLE not in self.db.table_names():
            with self.db.conn:
                create_table(self.db)

    def add(self, operation_id: str, receipt_json: str) -> int:
        """Spool a receipt before anything is sent to a printer; idempotent per operation id."""
        with self.db.conn:
            existing = self.db.execute(f"select id from {TABLE} where operation_id = ?", [operation_id]).fetchone()
            if existing is not None:
                return int(existing[0])
            cursor = self.db.execute(
                f"insert into {TABLE} (operation_id, receipt, created_at, printed, attempts, copies_printed) "
                "values (?, ?, ?, 0, 0, 0)",
                [operation_id, receipt_json, _now()],
            )
            return int(cursor.lastrowid or 0)

    def get(self, spool_id: int) -> SpooledReceipt:
        row = self.db.execute(f"select * from {TABLE} where id = ?", [spool_id]).fetchone()
        if row is None:
            raise KeyError(f"no spooled receipt {spool_id}")
        return self._from_row(row)

    def by_operation(self, operation_id: str) -> SpooledReceipt | None:
        row = self.db.execute(f"select * from {TABLE} where operation_id = ?", [operation_id]).fetchone()
        return None if row is None else self._from_row(row)

    def pending(self) -> list[SpooledReceipt]:
        """Receipts not yet printed, oldest first (the order the customers were served)."""
        rows = self.db.execute(f"select * from {TABLE} where printed = 0 order by id").fetchall()
        return [self._from_row(r) for r in rows]

    def matching(self, field: str, value: str, *, limit: int = 50) -> list[SpooledReceipt]:
        """Receipts whose `field` (receipt_no, consumer_no, contact_mobile) is `value`, newest first (a reprint)."""
        if field not in SEARCHABLE:
            raise ValueError(f"receipts are not searched by {field}")
        rows = self.db.execute(
            f"select * from {TABLE} where json_extract(receipt, '$.{field}') = ? order by id desc limit ?",
            [value, limit],
        ).fetchall()
        return [self._from_row(r) for r in rows]

    def spooled_between(self, start: datetime, end: datetime, *, limit: int = 200) -> list[SpooledReceipt]:
        """Receipts spooled from `start` up to `end` (aware times), newest first (a reprint by date)."""
        rows = self.db.execute(
            f"select * from {TABLE} where created_at >= ? and created_at < ? order by id desc limit ?",
            [stamp(start), stamp(end), limit],
        ).fetchall()
        return [self._from_row(r) for r in rows]

    def add_reprinted(self, key: str, receipt_json: str) -> int:
        """Keep a receipt fetched again from the server (its original was printed, on this PC or another, and
        is no longer in the spool): spooled as printed once, so the next print of it is a DUPLICATE."""
        with self.db.conn:
            existing = self.db.execute(f"select id from {TABLE} where operation_id = ?", [key]).fetchone()
            if existing is not None:
                return int(existing[0])
            cursor = self.db.execute(
                f"insert into {TABLE} (operation_id, receipt, created_at, printed, printed_at, attempts, "
                "copies_printed) values (?, ?, ?, 1, ?, 0, 1)",
                [key, receipt_json, _now(), _now()],
            )
            return int(cursor.lastrowid or 0)

    def recent(self, limit: int = 50) -> list[SpooledReceipt]:
        rows = self.db.execute(f"select * from {TABLE} order by id desc limit ?", [limit]).fetchall()
        return [self._from_row(r) for r in rows]

    def record_attempt(self, spool_id: int) -> None:
        """Counted before the bytes go out, so a crash mid-print still shows up as an attempt."""
        with self.db.conn:
            self.db.execute(f"update {TABLE} set attempts = attempts + 1 where id = ?", [spool_id])

    def mark_printed(self, spool_id: int, *, note: str | None = None) -> None:
        """The printer took the bytes (and, where it can tell, is fine). `note` keeps e.g. 'status unknown'."""
        with self.db.conn:
            self.db.execute(
                f"update {TABLE} set printed = 1, printed_at = ?, last_error = ?, "
                "copies_printed = copies_printed + 1 where id = ?",
                [_now(), note, spool_id],
            )

    def mark_failed(self, spool_id: int, reason: str) -> None:
        with self.db.conn:
            self.db.execute(f"update {TABLE} set last_error = ? where id = ?", [reason, spool_id])

    def mark_not_printed(self, spool_id: int, reason: str) -> None:
        """The operator saw no paper come out of a job the printer could not confirm: it is pending again."""
        with self.db.conn:
            self.db.execute(
                f"update {TABLE} set printed = 0, printed_at = null, last_error = ?, "
                "copies_printed = max(0, copies_printed - 1) where id = ?",
                [reason, spool_id],
            )

    def record_reprint(self, spool_id: int, *, note: str | None = None) -> None:
        with self.db.conn:
            self.db.execute(
                f"update {TABLE} set copies_printed = copies_printed + 1, last_error = ? where id = ?",
                [note, spool_id],
            )

    @staticmethod
    def _from_row(row: tuple[Any, ...]) -> SpooledReceipt:
        (id_, operation_id, receipt, created_at, printed, printed_at, attempts, last_error, copies) = row
        return SpooledReceipt(
            id=int(id_),
            operation_id=str(operation_id),
            receipt_json=str(receipt),
            created_at=str(created_at),
            printed=bool(printed),
            printed_at=printed_at,
            attempts=int(attempts),
            last_error=last_error,
            copies_printed=int(copies),
        )
