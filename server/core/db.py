"""Database engines: SQLite (WAL, BEGIN IMMEDIATE) or PostgreSQL, chosen by URL.

PostgreSQL may be reached through PgBouncer in transaction pooling, so the server keeps no session state on a
connection: no SET, no session advisory lock, no LISTEN, no temporary table (a transaction's own FOR UPDATE
locks end with it), and psycopg's prepared statements can be turned off (`prepared_statements`). The URL may
name several hosts (…?host=a:5432&host=b:5432&target_session_attrs=read-write): libpq then connects to
whichever takes writes, so a promoted standby is found without a change of settings; a connection the old
primary (or a pooler before it) lost is thrown away with its whole pool (`_on_error`).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.pool import QueuePool


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    autocommit: bool = False,
    prepared_statements: bool = True,
    transaction_timeout_s: float = 0.0,
) -> Engine:
    """Create the engine with the settings money needs on each backend (`autocommit`: see `reader`).

    PostgreSQL only: `prepared_statements` False sends every statement unprepared (PgBouncer before 1.21 in
    transaction pooling would hand a prepared statement to another client's server connection);
    `transaction_timeout_s` > 0 cancels a transaction still running after that long (see `NotReplicated`).
    """
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
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        isolation_level="AUTOCOMMIT" if autocommit else "READ COMMITTED",
        connect_args={"prepare_threshold": None} if not prepared_statements else {},
    )
    _configure_postgres(engine, transaction_timeout_s)
    _tuning[engine] = {"prepared_statements": prepared_statements, "transaction_timeout_s": transaction_timeout_s}
    return engine


_tuning: weakref.WeakKeyDictionary[Engine, dict[str, Any]] = weakref.WeakKeyDictionary()


class NotReplicated(psycopg.OperationalError):
    """A commit cancelled while it waited for the synchronous standby: committed here, perhaps not there.

    PostgreSQL cannot take such a commit back: the transaction stays committed on the primary and is seen by
    the next reads. The request is answered 503 database_unavailable (not known to be safe), and the kiosk's
    rule for that answer — send again with the same operation id, or ask its status — finds it applied once.
    """


_SYNC_WAIT_CANCELLED = "canceling wait for synchronous replication"
# Connection lost (class 08), the server shutting down or starting (57P01-57P03), and a server that takes no
# writes (25006: a standby or a fenced old primary reached through a pooler): reconnect, the URL finds the
# primary. Everything else — a constraint, a deadlock, a cancelled statement — leaves the pool as it is.
_RECONNECT_STATES = ("57P01", "57P02", "57P03", "25006")


def _configure_postgres(engine: Engine, transaction_timeout_s: float) -> None:
    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> psycopg.Connection[Any]:
        conn = _Connection.connect(*cargs, **cparams)
        conn.add_notice_handler(conn.on_notice)
        return conn

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        orig = context.original_exception
        if isinstance(orig, psycopg.Error) and not isinstance(orig, NotReplicated):
            state = orig.sqlstate
            if (state is None and isinstance(orig, psycopg.OperationalError)) or (
                state is not None and (state.startswith("08") or state in _RECONNECT_STATES)
            ):
                context.is_disconnect = True

    if transaction_timeout_s > 0:

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            dbapi = conn.connection.dbapi_connection
            if isinstance(dbapi, _Connection):
                dbapi.arm(transaction_timeout_s)


class _Connection(psycopg.Connection[Any]):
    """A psycopg connection whose transaction can be bounded in time (`arm`, at BEGIN): a watchdog cancels
    what still runs then — a statement waiting for a lock fails with QueryCanceled, a commit waiting for the
    synchronous standby returns with PostgreSQL's warning and raises NotReplicated here."""

    _watch: int | None = None
    _sync_cancelled = False

    def on_notice(self, diagnostic: psycopg.errors.Diagnostic) -> None:
        if (diagnostic.message_primary or "").startswith(_SYNC_WAIT_CANCELLED):
            self._sync_cancelled = True

    def arm(self, seconds: float) -> None:
        self._disarm()
        self._watch = _WATCHDOG.arm(seconds, lambda: self.cancel_safe(timeout=2))

    def _disarm(self) -> None:
        if self._watch is not None:
            _WATCHDOG.disarm(self._watch)  # returns once a cancel already under way has been delivered
            self._watch = None

    def commit(self) -> None:
        self._sync_cancelled = False
        try:
            super().commit()
        finally:
            self._disarm()
        if self._sync_cancelled:
            self._sync_cancelled = False
            raise NotReplicated(
                "the commit waited longer than the transaction timeout for the synchronous standby and was "
                "cancelled: it is committed on the primary, perhaps not on the standby"
            )

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._disarm()


def write_alone(conn: Any, statement: str, params: dict[str, Any]) -> list[Any]:
    """One write that is a transaction by itself, on a connection of `reader(engine)` (autocommit); its rows.

    It is bounded in time as a transaction of `engine` is (`transaction_timeout_s`), and the commit is the
    statement's own: a wait for the synchronous standby cancelled raises NotReplicated, as
    `_Connection.commit` does. Errors go through SQLAlchemy, so a lost primary is thrown away with its pool.
    """
    dbapi = conn.connection.dbapi_connection
    ours = isinstance(dbapi, _Connection)
    seconds = float(_tuning.get(conn.engine, {}).get("transaction_timeout_s", 0.0))
    if ours:
        dbapi._sync_cancelled = False
        if seconds > 0:
            dbapi.arm(seconds)
    try:
        rows = list(conn.exec_driver_sql(statement, params).fetchall())
    finally:
        if ours:
            dbapi._disarm()
    if ours and dbapi._sync_cancelled:
        dbapi._sync_cancelled = False
        raise NotReplicated(
            "the statement waited longer than the transaction timeout for the synchronous standby and was "
            "cancelled: it is committed on the primary, perhaps not on the standby"
        )
    return rows


class _Watchdog:
    """One thread per process that runs a callback when its deadline passes, unless disarmed first."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._callbacks: dict[int, Callable[[], None]] = {}
        self._ids = itertools.count(1)
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float, callback: Callable[[], None]) -> int:
        with self._cond:
            token = next(self._ids)
            self._callbacks[token] = callback
            heapq.heappush(self._heap, (time.monotonic() + seconds, token))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="db-watchdog", daemon=True)
                self._thread.start()
            elif self._heap[0][1] == token:
                self._cond.notify()
            return token

    def disarm(self, token: int) -> None:
        with self._cond:  # held while a callback runs: after this, no cancel of ours is still in flight
            self._callbacks.pop(token, None)

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][1] not in self._callbacks:
                    heapq.heappop(self._heap)  # disarmed
                if not self._heap:
                    self._cond.wait()
                    continue
                deadline, token = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                callback = self._callbacks.pop(token)
                with contextlib.suppress(psycopg.Error):  # the connection is gone: nothing is left to cancel
                    callback()


_WATCHDOG = _Watchdog()


_readers: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_readers_lock = threading.Lock()


def reader(engine: Engine) -> Engine:
    """The engine for reads that need no transaction of their own, beside `engine`.

    On PostgreSQL its connections are in autocommit: each statement sees what is committed (as it would in
    a READ COMMITTED transaction), without the BEGIN and ROLLBACK round trips around it.  Use it only for
    reads — a write through it commits at once, so the only writes here are postings that are one statement
    (a SQL function doing all of it, sent with `write_alone`).  On SQLite it is `engine` itself: every transaction
    there takes the single writer's lock, in order.
    """
    if is_sqlite(engine):
        return engine
    with _readers_lock:
        found = _readers.get(engine)
        if found is None:
            pool_size = getattr(engine.pool, "size", lambda: 10)()
            found = make_engine(
                engine.url.render_as_string(hide_password=False),
                pool_size=pool_size,
                autocommit=True,
                **_tuning.get(engine, {}),
            )
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
