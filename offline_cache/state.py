"""Small facts the kiosk remembers: the last wallet snapshot, settings, and the day-end sync runs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from offline_cache.outbox import now_utc, transaction


@dataclass(frozen=True)
class WalletSnapshot:
    """The wallet as the server last described it; the offline limit starts from `spendable_paise`."""

    wallet_balance_paise: int
    spendable_paise: int
    credit_limit_paise: int | None
    credit_used_paise: int | None
    taken_at: str
    source: str


@dataclass(frozen=True)
class SyncRun:
    id: int
    started_at: str
    finished_at: str | None
    outcome: str | None
    summary: dict[str, Any]


class KioskState:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- wallet ---------------------------------------------------------------------------------------
    def save_wallet(self, snapshot: WalletSnapshot) -> None:
        with transaction(self.db):
            self.db.execute(
                "INSERT OR REPLACE INTO wallet_snapshot (id, wallet_balance_paise, spendable_paise, "
                "credit_limit_paise, credit_used_paise, taken_at, source) VALUES (1, ?, ?, ?, ?, ?, ?)",
                [
                    snapshot.wallet_balance_paise,
                    snapshot.spendable_paise,
                    snapshot.credit_limit_paise,
                    snapshot.credit_used_paise,
                    snapshot.taken_at,
                    snapshot.source,
                ],
            )

    def wallet(self) -> WalletSnapshot | None:
        row = self.db.execute(
            "SELECT wallet_balance_paise, spendable_paise, credit_limit_paise, credit_used_paise, taken_at, source "
            "FROM wallet_snapshot WHERE id = 1"
        ).fetchone()
        return (
            None if row is None else WalletSnapshot(int(row[0]), int(row[1]), row[2], row[3], str(row[4]), str(row[5]))
        )

    # -- settings -------------------------------------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return default if row is None else json.loads(row[0])

    def set(self, key: str, value: Any) -> None:
        with transaction(self.db):
            self.db.execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                [key, json.dumps(value, ensure_ascii=False)],
            )

    # -- day-end sync runs ----------------------------------------------------------------------------
    def sync_started(self) -> int:
        with transaction(self.db):
            cursor = self.db.execute("INSERT INTO sync_runs (started_at) VALUES (?)", [now_utc()])
        return int(cursor.lastrowid or 0)

    def sync_finished(self, run_id: int, outcome: str, summary: dict[str, Any]) -> None:
        with transaction(self.db):
            self.db.execute(
                "UPDATE sync_runs SET finished_at = ?, outcome = ?, summary = ? WHERE id = ?",
                [now_utc(), outcome, json.dumps(summary, ensure_ascii=False), run_id],
            )

    def last_sync(self) -> SyncRun | None:
        row = self.db.execute(
            "SELECT id, started_at, finished_at, outcome, summary FROM sync_runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return SyncRun(int(row[0]), str(row[1]), row[2], row[3], json.loads(row[4]) if row[4] else {})
