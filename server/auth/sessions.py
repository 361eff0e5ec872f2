"""Server-side sessions: opaque bearer tokens, stored as SHA-256, with idle and absolute expiry.

Two scopes share the table: an operator's session ("operator"), and a kiosk PC's day-end sync key
("sync"): issued to a signed-in operator, it may only push the outbox and read those operations' status,
has no idle expiry (the scheduled sync runs after the operator has gone home), is one per PC (the PC the
operator signed in from) and at most a few per kiosk, can be listed and ended, and ends with every other
session of the kiosk when its password changes."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Dialect, and_, bindparam, func, insert, select, update

from server.auth.clock import aware
from server.auth.errors import NotAuthenticated, Refusal, SessionExpired
from server.core.config import Settings
from server.core.errors import Conflict
from server.models import AuthSession, Kiosk, KioskCredential, KioskProfile
from server.models.base import table_of

sessions_t = table_of(AuthSession)
kiosks_t = table_of(Kiosk)
credentials_t = table_of(KioskCredential)
profiles_t = table_of(KioskProfile)

# last_seen_at is written at most this often: an idle expiry of minutes does not need a write per request.
TOUCH_EVERY = timedelta(seconds=60)
MAX_TOKEN_LENGTH = 128
OPERATOR, SYNC = "operator", "sync"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class NewSession:
    token: str
    session_id: int
    expires_at: datetime
    idle_expires_at: datetime


@dataclass(frozen=True)
class SessionInfo:
    """A valid session and the state of its kiosk account, as every authenticated route sees it."""

    session_id: int
    kiosk_id: int
    kiosk_code: str
    sso_id: str
    kiosk_status: str
    must_change_password: bool
    profile_completed: bool
    expires_at: datetime
    idle_expires_at: datetime
    scope: str = OPERATOR


def create(conn: Connection, kiosk_id: int, machine_id: str | None, now: datetime, settings: Settings) -> NewSession:
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(hours=settings.session_absolute_hours)
    session_id = conn.execute(
        insert(sessions_t)
        .values(
            kiosk_id=kiosk_id,
            token_hash=token_hash(token),
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
            machine_id=machine_id,
            scope=OPERATOR,
        )
        .returning(sessions_t.c.id)
    ).scalar_one()
    idle = min(now + timedelta(minutes=settings.session_idle_minutes), expires_at)
    return NewSession(token, int(session_id), expires_at, idle)


def create_sync_key(
    conn: Connection, kiosk_id: int, machine_id: str | None, now: datetime, settings: Settings
) -> NewSession:
    """A day-end sync key for this PC; the PC's earlier key ends (one live key per kiosk and machine), and a
    kiosk has at most `sync_keys_per_kiosk` of them."""
    same_pc = sessions_t.c.machine_id.is_(None) if machine_id is None else sessions_t.c.machine_id == machine_id
    others = conn.execute(
        select(func.count()).select_from(sessions_t).where(_live_sync_keys(kiosk_id, now), ~same_pc)
    ).scalar_one()
    if others >= settings.sync_keys_per_kiosk:
        raise Refusal(
            Conflict(
                f"this kiosk already has {others} day-end sync keys for other PCs; end one first "
                "(GET and DELETE /auth/sync-keys)",
                code="sync_key_limit",
                limit=settings.sync_keys_per_kiosk,
            )
        )
    conn.execute(
        update(sessions_t)
        .where(_live_sync_keys(kiosk_id, now), same_pc)
        .values(revoked_at=now, revoked_reason="sync_key_replaced")
    )
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(hours=settings.sync_key_hours)
    session_id = conn.execute(
        insert(sessions_t)
        .values(
            kiosk_id=kiosk_id,
            token_hash=token_hash(token),
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
            machine_id=machine_id,
            scope=SYNC,
        )
        .returning(sessions_t.c.id)
    ).scalar_one()
    return NewSession(token, int(session_id), expires_at, expires_at)


def _live_sync_keys(kiosk_id: int, now: datetime) -> ColumnElement[bool]:
    return and_(
        sessions_t.c.kiosk_id == kiosk_id,
        sessions_t.c.scope == SYNC,
        sessions_t.c.revoked_at.is_(None),
        sessions_t.c.expires_at > now,
    )


def sync_keys(conn: Connection, kiosk_id: int, now: datetime) -> list[dict[str, Any]]:
    """The kiosk's live day-end sync keys, newest first (never the keys themselves: only their ids)."""
    rows = conn.execute(
        select(
            sessions_t.c.id,
            sessions_t.c.machine_id,
            sessions_t.c.created_at,
            sessions_t.c.expires_at,
            sessions_t.c.last_seen_at,
        )
        .where(_live_sync_keys(kiosk_id, now))
        .order_by(sessions_t.c.id.desc())
    ).all()
    return [
        {
            "id": int(r.id),
            "machine_id": r.machine_id,
            "issued_at": aware(r.created_at),
            "expires_at": aware(r.expires_at),
            "last_used_at": aware(r.last_seen_at),
        }
        for r in rows
    ]


def revoke_sync_keys(conn: Connection, kiosk_id: int, now: datetime, reason: str, key_id: int | None = None) -> int:
    """End the kiosk's live sync keys (or the one with `key_id`); how many ended."""
    where = _live_sync_keys(kiosk_id, now)
    if key_id is not None:
        where = and_(where, sessions_t.c.id == key_id)
    return int(conn.execute(update(sessions_t).where(where).values(revoked_at=now, revoked_reason=reason)).rowcount)


def machine_of(conn: Connection, session_id: int) -> str | None:
    """The PC a session signed in from (its X-Machine-Id at sign-in)."""
    machine: str | None = conn.execute(
        select(sessions_t.c.machine_id).where(sessions_t.c.id == session_id)
    ).scalar_one()
    return machine


# Every authenticated request runs this lookup, so it is built once: compiled per dialect, run on the raw
# driver cursor inside the caller's transaction (as the ledger's hot path does).  Through SQLAlchemy's
# execution layer, building the select and its cache key cost more than the database's work.  A driver
# error still ends the transaction through SQLAlchemy, whose rollback then invalidates a dead pool.
_LOOKUP = (
    select(
        sessions_t.c.id,
        sessions_t.c.kiosk_id,
        sessions_t.c.last_seen_at,
        sessions_t.c.expires_at,
        sessions_t.c.revoked_at,
        sessions_t.c.revoked_reason,
        sessions_t.c.scope,
        kiosks_t.c.code,
        kiosks_t.c.sso_id,
        kiosks_t.c.status,
        credentials_t.c.must_change,
        profiles_t.c.completed_at,
    )
    .join(kiosks_t, kiosks_t.c.id == sessions_t.c.kiosk_id)
    .join(credentials_t, credentials_t.c.kiosk_id == sessions_t.c.kiosk_id)
    .outerjoin(profiles_t, profiles_t.c.kiosk_id == sessions_t.c.kiosk_id)
    .where(sessions_t.c.token_hash == bindparam("token_hash"))
)
# At most once a minute per session: SQLAlchemy's statement cache serves this one.
_TOUCH = update(sessions_t).where(sessions_t.c.id == bindparam("session_id")).values(last_seen_at=bindparam("now"))

Convert = Callable[[Any], Any]


@dataclass(frozen=True)
class _Lookup:
    """The lookup in one dialect's SQL, and how its raw row values become what SQLAlchemy would return."""

    sql: str
    positional: bool
    stored_time: Convert  # the dialect's DateTime result processor (SQLite keeps text)

    @classmethod
    def compile(cls, dialect: Dialect) -> _Lookup:
        compiled = _LOOKUP.compile(dialect=dialect)
        processor = sessions_t.c.expires_at.type.dialect_impl(dialect).result_processor(dialect, None)
        return cls(str(compiled), bool(compiled.positional), processor or _same)

    def params(self, digest: str) -> Any:
        return (digest,) if self.positional else {"token_hash": digest}


def _same(value: Any) -> Any:
    return value


_lookups: dict[str, _Lookup] = {}


def _lookup_for(dialect: Dialect) -> _Lookup:
    found = _lookups.get(dialect.name)
    if found is None:
        found = _lookups[dialect.name] = _Lookup.compile(dialect)
    return found


def resolve(conn: Connection, token: str | None, now: datetime, settings: Settings) -> SessionInfo:
    """The session for a bearer token, refreshed; NotAuthenticated / SessionExpired otherwise."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise NotAuthenticated("sign in first: no valid session token was sent")
    lookup = _lookup_for(conn.dialect)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(lookup.sql, lookup.params(token_hash(token)))
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        raise NotAuthenticated("sign in first: the session token is not known")
    (
        session_id,
        kiosk_id,
        last_seen_at,
        expires_at,
        revoked_at,
        revoked_reason,
        scope,
        code,
        sso_id,
        status,
        must_change,
        completed_at,
    ) = row
    if revoked_at is not None:
        raise SessionExpired("the session has ended; sign in again", reason=revoked_reason or "revoked")
    expires_at = aware(lookup.stored_time(expires_at))
    last_seen = aware(lookup.stored_time(last_seen_at))
    idle = timedelta(minutes=settings.session_idle_minutes)
    if now >= expires_at:
        raise SessionExpired("the session has expired; sign in again", reason="absolute")
    if scope == SYNC:
        idle = expires_at - last_seen  # a sync key has no idle expiry
    elif now >= last_seen + idle:
        raise SessionExpired("the session expired after inactivity; sign in again", reason="idle")
    if now - last_seen >= TOUCH_EVERY:
        conn.execute(_TOUCH, {"session_id": session_id, "now": now})
        last_seen = now
    return SessionInfo(
        session_id=int(session_id),
        kiosk_id=int(kiosk_id),
        kiosk_code=code,
        sso_id=sso_id,
        kiosk_status=status,
        must_change_password=bool(must_change),
        profile_completed=completed_at is not None,
        expires_at=expires_at,
        idle_expires_at=min(last_seen + idle, expires_at),
        scope=scope,
    )


def revoke(conn: Connection, session_id: int, now: datetime, reason: str) -> None:
    conn.execute(
        update(sessions_t)
        .where(sessions_t.c.id == session_id, sessions_t.c.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


def revoke_all(conn: Connection, kiosk_id: int, now: datetime, reason: str) -> int:
    result = conn.execute(
        update(sessions_t)
        .where(sessions_t.c.kiosk_id == kiosk_id, sessions_t.c.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    return int(result.rowcount)
