"""The kiosk's SQLite file: one per profile, WAL with synchronous=FULL, schema brought up to date by migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import platformdirs
from sqlite_utils import Database

from offline_cache import customers, receipt_spool

APP_NAME = "emitra-kiosk"
FILE_NAME = "kiosk.sqlite3"


def default_path(profile: str = "default", data_dir: Path | None = None) -> Path:
    """Where a kiosk profile's database lives: the platform's user data directory unless told otherwise."""
    if not profile or any(c in profile for c in "/\\:") or profile in (".", ".."):
        raise ValueError(f"profile name {profile!r} cannot be a folder name")
    root = data_dir if data_dir is not None else platformdirs.user_data_path(APP_NAME, appauthor=False)
    return root / "profiles" / profile / FILE_NAME


def _script(db: Database, sql: str) -> None:
    # Not executescript: it commits first, and a migration must stay one transaction.
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


def _v1(db: Database) -> None:
    _script(
        db,
        """
        CREATE TABLE IF NOT EXISTS outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            operation_id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            state TEXT NOT NULL,
            amount_paise INTEGER NOT NULL DEFAULT 0,
            wallet_paise INTEGER NOT NULL DEFAULT 0,
            offline INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            result TEXT,
            payment_status TEXT,
            operator_informed INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state, id);
        CREATE TABLE IF NOT EXISTS catalog_services (
            position INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            department TEXT NOT NULL,
            category TEXT NOT NULL,
            names TEXT NOT NULL,
            data TEXT NOT NULL
        );
        CREATE VIRTUAL TABLE IF NOT EXISTS catalog_search USING fts5(code UNINDEXED, text, tokenize='trigram');
        CREATE VIRTUAL TABLE IF NOT EXISTS catalog_words USING fts5(
            names, rest, tokenize='unicode61 remove_diacritics 0', prefix='1 2 3');
        CREATE TABLE IF NOT EXISTS catalog_groups (
            kind TEXT NOT NULL,
            code TEXT NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (kind, code)
        );
        CREATE TABLE IF NOT EXISTS wallet_snapshot (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            wallet_balance_paise INTEGER NOT NULL,
            spendable_paise INTEGER NOT NULL,
            credit_limit_paise INTEGER,
            credit_used_paise INTEGER,
            taken_at TEXT NOT NULL,
            source TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS sync_runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            outcome TEXT,
            summary TEXT
        );
        """,
    )
    receipt_spool.create_table(db)


def _v2(db: Database) -> None:
    """Customer memory (offline_cache/customers.py), filled from the payments this kiosk already made."""
    customers.create_tables(db)
    customers.remember_past_payments(db)


# Each migration runs once, in order, in its own transaction; PRAGMA user_version records how far a file got.
MIGRATIONS: tuple[Callable[[Database], None], ...] = (_v1, _v2)
SCHEMA_VERSION = len(MIGRATIONS)


class NewerSchema(RuntimeError):
    """The file was written by a newer version of the client; refuse rather than damage it."""


def schema_version(db: Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: Database, up_to: int = SCHEMA_VERSION) -> int:
    """Bring the schema up to date (or to `up_to`: how the tests make the file an older client left); returns
    the version reached. An update of the program runs this at its first start: no step may lose a row."""
    current = schema_version(db)
    if current > SCHEMA_VERSION:
        raise NewerSchema(f"the kiosk database is at schema {current}; this client knows up to {SCHEMA_VERSION}")
    for version in range(current + 1, up_to + 1):
        conn = db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[version - 1](db)
            conn.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
    return max(current, up_to)


def open_database(path: Path | str) -> Database:
    """Open (creating) a kiosk database ready for use; the caller serialises all access on one worker.

    The connection may be used from the worker thread that is not the one that opened it
    (check_same_thread=False); the single worker is what keeps it safe.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, check_same_thread=False, timeout=10)
    # Autocommit mode: transactions are explicit (BEGIN … COMMIT) in the code that needs them.
    conn.isolation_level = None
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: a payment written to the outbox survives a power cut (NORMAL may lose the last commits in WAL).
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    db = Database(conn)
    migrate(db)
    return db
