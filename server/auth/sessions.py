"""Server-side sessions: opaque bearer tokens, stored as SHA-256, with idle and absolute expiry.

Two scopes share the table: an operator's session ("operator"), and a kiosk PC's day-end sync key
("sync"): issued to a signed-in operator, it may only push the outbox and read those operations' status,
has no idle expiry (the scheduled sync runs after the operator has gone home) and ends with every other
session of the kiosk when its password changes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, select, update

from server.auth.clock import aware
from server.auth.errors import NotAuthenticated, SessionExpired
from server.core.config import Settings
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
        .values(kiosk_id=kiosk_id, token_hash=token_hash(token), created_at=now, last_seen_at=now,
                expires_at=expires_at, machine_id=machine_id, scope=OPERATOR)
        .returning(sessions_t.c.id)
    ).scalar_one()
    idle = min(now + timedelta(minutes=settings.session_idle_minutes), expires_at)
    return NewSession(token, int(session_id), expires_at, idle)


def create_sync_key(
    conn: Connection, kiosk_id: int, machine_id: str | None, now: datetime, settings: Settings
) -> NewSession:
    """A day-end sync key for this PC; the PC's earlier keys end (one live key per kiosk and machine)."""
    conn.execute(
        update(sessions_t)
        .where(sessions_t.c.kiosk_id == kiosk_id, sessions_t.c.scope == SYNC, sessions_t.c.revoked_at.is_(None),
               sessions_t.c.machine_id.is_(None) if machine_id is None else sessions_t.c.machine_id == machine_id)
        .values(revoked_at=now, revoked_reason="sync_key_replaced")
    )
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(hours=settings.sync_key_hours)
    session_id = conn.execute(
        insert(sessions_t)
        .values(kiosk_id=kiosk_id, token_hash=token_hash(token), created_at=now, last_seen_at=now,
                expires_at=expires_at, machine_id=machine_id, scope=SYNC)
        .returning(sessions_t.c.id)
    ).scalar_one()
    return NewSession(token, int(session_id), expires_at, expires_at)


def resolve(conn: Connection, token: str | None, now: datetime, settings: Settings) -> SessionInfo:
    """The session for a bearer token, refreshed; NotAuthenticated / SessionExpired otherwise."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise NotAuthenticated("sign in first: no valid session token was sent")
    row = conn.execute(
        select(
            sessions_t.c.id, sessions_t.c.kiosk_id, sessions_t.c.last_seen_at, sessions_t.c.expires_at,
            sessions_t.c.revoked_at, sessions_t.c.revoked_reason, sessions_t.c.scope, kiosks_t.c.code,
            kiosks_t.c.sso_id, kiosks_t.c.status, credentials_t.c.must_change, profiles_t.c.completed_at,
        )
        .join(kiosks_t, kiosks_t.c.id == sessions_t.c.kiosk_id)
        .join(credentials_t, credentials_t.c.kiosk_id == sessions_t.c.kiosk_id)
        .outerjoin(profiles_t, profiles_t.c.kiosk_id == sessions_t.c.kiosk_id)
        .where(sessions_t.c.token_hash == token_hash(token))
    ).first()
    if row is None:
        raise NotAuthenticated("sign in first: the session token is not known")
    if row.revoked_at is not None:
        raise SessionExpired("the session has ended; sign in again", reason=row.revoked_reason or "revoked")
    expires_at = aware(row.expires_at)
    last_seen = aware(row.last_seen_at)
    idle = timedelta(minutes=settings.session_idle_minutes)
    if now >= expires_at:
        raise SessionExpired("the session has expired; sign in again", reason="absolute")
    if row.scope == SYNC:
        idle = expires_at - last_seen  # a sync key has no idle expiry
    elif now >= last_seen + idle:
        raise SessionExpired("the session expired after inactivity; sign in again", reason="idle")
    if now - last_seen >= TOUCH_EVERY:
        conn.execute(update(sessions_t).where(sessions_t.c.id == row.id).values(last_seen_at=now))
        last_seen = now
    return SessionInfo(
        session_id=int(row.id), kiosk_id=int(row.kiosk_id), kiosk_code=row.code, sso_id=row.sso_id,
        kiosk_status=row.status, must_change_password=bool(row.must_change),
        profile_completed=row.completed_at is not None, expires_at=expires_at,
        idle_expires_at=min(last_seen + idle, expires_at), scope=row.scope,
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
