"""Database engines: SQLite (WAL, BEGIN IMMEDIATE) or PostgreSQL, chosen by URL."""

from __future__ import annotations

import sqlite3
import threading
import weakref
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, pool_size: int = 10, autocommit: bool = False) -> Engine:
    """Create the engine with the settings money needs on each backend (`autocommit`: see `reader`)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # A pool of connections handed to one thread at a time (check_same_thread=False is safe for
        # that).  Opening and closing per request would checkpoint the WAL on every close.
        engine = create_engine(
            url,
            poolclass=QueuePool,
            pool_size=pool_size,
            max_overflow=4 * pool_size,
            connect_args={"timeout": 30, "check_same_thread": False},
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        isolation_level="AUTOCOMMIT" if autocommit else "READ COMMITTED",
    )


_readers: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_readers_lock = threading.Lock()


def reader(engine: Engine) -> Engine:
    """The engine for reads that need no transaction of their own, beside `engine`.

    On PostgreSQL its connections are in autocommit: each statement sees what is committed (as it would in
    a READ COMMITTED transaction), without the BEGIN and ROLLBACK round trips around it.  Use it only for
    reads — a write through it would commit at once.  On SQLite it is `engine` itself: every transaction
    there takes the single writer's lock, in order.
    """
    if is_sqlite(engine):
        return engine
    with _readers_lock:
        found = _readers.get(engine)
        if found is None:
            pool_size = getattr(engine.pool, "size", lambda: 10)()
            found = make_engine(engine.url.render_as_string(hide_password=False), pool_size=pool_size, autocommit=True)
            _readers[engine] = found
            # Disposing of `engine` (tests, shutdown) closes the reader's pooled connections too.
            event.listen(engine, "engine_disposed", lambda _engine, r=found: r.dispose())
        return found


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE: a deferred BEGIN would take the write
        # lock only at the first write and fail with "database is locked" on upgrade under load.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # money: a commit survives power loss
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    # SQLite has one writer. Threads of this process queue for it on a lock, in order, instead of
    # meeting "database is locked" inside SQLite, whose busy handler sleeps in steps of up to 100 ms.
    writer = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if not writer.acquire(timeout=30):
            raise sqlite3.OperationalError("database is locked (waited 30 s for the writer lock)")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            writer.release()
            raise
        conn.info["holds_writer"] = True

    def _release(conn: Any) -> None:
        if conn.info.pop("holds_writer", False):
            writer.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)


def breaks_unique(exc: BaseException, constraint: str, column: str) -> bool:
    """Whether `exc` (SQLAlchemy's or the driver's own, from a raw cursor) is this unique constraint refusing
    a row: PostgreSQL names the constraint, SQLite the table.column."""
    orig = getattr(exc, "orig", exc)
    if isinstance(orig, sqlite3.IntegrityError):
        return f".{column}" in str(orig)
    return getattr(getattr(orig, "diag", None), "constraint_name", None) == constraint
