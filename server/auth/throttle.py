"""Throttles kept in the database, so every server process on it applies the same ones (docs/SECURITY.md, table).

A row per key: hits in a fixed window (a limit per hour or day), and wrong tries in a row with the time the next
try may be checked (a progressive delay).  Rows are locked for the transaction (SQLite: one writer at a time)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, delete, select, text, update

from server.auth.clock import aware
from server.models import AuthThrottle
from server.models.base import table_of

throttles_t = table_of(AuthThrottle)

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
FORGET_AFTER = 2 * DAY  # longer than every window and delay

_ENSURE = text(
    "INSERT INTO auth_throttles (key, subject, window_start, hits, streak, next_try_at, updated_at) "
    "VALUES (:key, :subject, :now, 0, 0, NULL, :now) ON CONFLICT (key) DO NOTHING"
)


def keyed(secret_key: str, *parts: str) -> str:
    """A keyed hash of what a caller typed (an SSO ID, maybe a password typed in the wrong box): never kept as typed."""
    return hmac.new(
        secret_key.encode(), "\x1f".join(parts).encode("utf-8", "surrogatepass"), hashlib.sha256
    ).hexdigest()


def _seconds(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds()) + 1)


def _row(conn: Connection, key: str, now: datetime, subject: str | None) -> Row[Any]:
    while True:
        if conn.execute(_ENSURE, {"key": key, "subject": subject, "now": now}).rowcount:
            # A new key: rows nobody touched for longer than any window are forgotten, so guesses at many
            # SSO IDs cannot grow the table without end.
            conn.execute(delete(throttles_t).where(throttles_t.c.updated_at < now - FORGET_AFTER))
        row = conn.execute(select(throttles_t).where(throttles_t.c.key == key).with_for_update()).first()
        if row is not None:
            return row
        # Forgotten by another transaction between the two statements: make it again.


def _window(row: Row[Any], now: datetime, period: timedelta) -> tuple[datetime, int]:
    start = aware(row.window_start)
    return (now, 0) if now - start >= period else (start, int(row.hits))


def check(
    conn: Connection, key: str, now: datetime, period: timedelta, limit: int, subject: str | None = None
) -> int | None:
    """Seconds until the window of `key` has room again, if `limit` hits are used up; None: room now."""
    start, hits = _window(_row(conn, key, now, subject), now, period)
    return _seconds(start + period - now) if hits >= limit else None


def hit(conn: Connection, key: str, now: datetime, period: timedelta, n: int = 1, subject: str | None = None) -> None:
    """Count `n` hits (−1 gives one back) in the current window of `key`."""
    start, hits = _window(_row(conn, key, now, subject), now, period)
    conn.execute(
        update(throttles_t)
        .where(throttles_t.c.key == key)
        .values(window_start=start, hits=max(0, hits + n), updated_at=now)
    )


def take(
    conn: Connection, key: str, now: datetime, period: timedelta, limit: int, subject: str | None = None
) -> int | None:
    """One hit if the window has room (None), else the seconds to wait (nothing counted)."""
    wait = check(conn, key, now, period, limit, subject)
    if wait is None:
        hit(conn, key, now, period, subject=subject)
    return wait


def wait(conn: Connection, key: str, now: datetime, subject: str | None = None) -> int | None:
    """Seconds before the next try of `key` may be checked (a progressive delay in force), or None."""
    row = _row(conn, key, now, subject)
    if row.next_try_at is None or aware(row.next_try_at) <= now:
        return None
    return _seconds(aware(row.next_try_at) - now)


def strike(
    conn: Connection, key: str, now: datetime, free: int, max_delay_seconds: int, subject: str | None = None
) -> None:
    """One more wrong try in a row: past `free` of them, the next try waits 1, 2, 4 … s, at most the maximum."""
    row = _row(conn, key, now, subject)
    streak = int(row.streak) + 1
    next_try_at = None
    if streak > free:
        next_try_at = now + timedelta(seconds=min(2 ** min(streak - free - 1, 30), max_delay_seconds))
    conn.execute(
        update(throttles_t)
        .where(throttles_t.c.key == key)
        .values(streak=streak, next_try_at=next_try_at, updated_at=now)
    )


def forgive(conn: Connection, key: str, now: datetime) -> None:
    """A right try: the wrong ones in a row are forgotten."""
    conn.execute(update(throttles_t).where(throttles_t.c.key == key).values(streak=0, next_try_at=None, updated_at=now))


def clear_subject(conn: Connection, subject: str) -> None:
    """Forget every throttle of one typed SSO ID (its password was just reset with an OTP)."""
    conn.execute(delete(throttles_t).where(throttles_t.c.subject == subject))
