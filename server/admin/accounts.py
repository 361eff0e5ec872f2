"""Administrator accounts: creation (the CLI for the first, then an administrator), sign-in with password and
TOTP, and server-side sessions of the kiosks' shape (a random bearer token, only its SHA-256 stored, idle and
absolute expiry)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from server.admin import totp
from server.admin.errors import AdminSignInFailed, AdminUnauthorized
from server.admin.roles import PEOPLE, AdminPrincipal, parse_roles, role_text
from server.auth import throttle
from server.auth.clock import aware
from server.auth.errors import LoginThrottled, PasswordRejected, SessionExpired, TooManyAttempts
from server.auth.passwords import Passwords, rule_problems
from server.auth.sessions import MAX_TOKEN_LENGTH, TOUCH_EVERY, NewSession, token_hash
from server.auth.throttle import HOUR
from server.core.config import Settings
from server.core.errors import ApiError, Conflict, NotFound, Unprocessable
from server.models import Administrator, AdminSession
from server.models.base import table_of

admins_t = table_of(Administrator)
admin_sessions_t = table_of(AdminSession)

USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,63}$")


@dataclass(frozen=True)
class NewAdministrator:
    admin_id: int
    username: str
    roles: frozenset[str]
    totp_secret: str | None

    @property
    def totp_uri(self) -> str | None:
        return totp.provisioning_uri(self.totp_secret, self.username) if self.totp_secret else None


def checked_roles(roles: Collection[str]) -> frozenset[str]:
    """Roles as given, refused when unknown, empty, or finance with approver (one person would be both eyes)."""
    chosen = frozenset(roles)
    unknown = sorted(chosen - set(PEOPLE))
    if not chosen or unknown:
        raise Unprocessable(
            f"roles must be some of {', '.join(PEOPLE)}", code="invalid_roles", unknown=unknown, field="roles"
        )
    if {"finance", "approver"} <= chosen:
        raise Unprocessable(
            "one administrator cannot both propose and approve money (finance and approver)",
            code="invalid_roles",
            field="roles",
        )
    return chosen


def create_administrator(
    conn: Connection,
    passwords: Passwords,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: Collection[str],
    now: datetime,
    created_by: int | None,
    with_totp: bool = True,
) -> NewAdministrator:
    """A new administrator; the password follows the kiosk holders' rule (the username stands for the SSO ID)."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise Unprocessable(
            "a username is 3 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter",
            code="invalid_username",
            field="username",
        )
    chosen = checked_roles(roles)
    problems = rule_problems(password, username)
    if problems:
        raise PasswordRejected(
            " ".join(p.message for p in problems), problems=[{"rule": p.rule, "message": p.message} for p in problems]
        )
    if conn.execute(select(admins_t.c.id).where(admins_t.c.username == username)).first() is not None:
        raise Conflict("an administrator with this username exists", code="admin_exists", field="username")
    secret = totp.new_secret() if with_totp else None
    admin_id = conn.execute(
        insert(admins_t)
        .values(
            username=username,
            display_name=display_name.strip() or username,
            password_hash=passwords.hash(password),
            totp_secret=secret,
            roles=role_text(chosen),
            status="active",
            created_at=now,
            created_by=created_by,
            updated_at=now,
        )
        .returning(admins_t.c.id)
    ).scalar_one()
    return NewAdministrator(int(admin_id), username, chosen, secret)


@dataclass(frozen=True)
class SignInRefusal:
    """Why a sign-in failed, for the trail only: the caller gets AdminSignInFailed, or a throttle's 429."""

    reason: str
    admin_id: int | None
    retry_after_seconds: int | None = None

    def error(self) -> ApiError:
        if self.reason == "throttled":
            return LoginThrottled(
                f"too many wrong tries: wait {self.retry_after_seconds} s before the next one",
                retry_after_seconds=self.retry_after_seconds,
            )
        if self.reason in ("source_limit", "hourly_limit"):
            return TooManyAttempts(
                "too many failed sign-ins this hour; try again later", retry_after_seconds=self.retry_after_seconds
            )
        return AdminSignInFailed("the username, password or authenticator code is wrong, or the account is suspended")


@dataclass(frozen=True)
class _Tries:
    """The throttle keys of one administrator sign-in (the kiosks' rules and settings, keys of their own)."""

    in_a_row: str
    per_hour: str
    source: str

    @classmethod
    def of(cls, settings: Settings, typed: str, client_ip: str | None) -> _Tries:
        subject = throttle.keyed(settings.secret_key, "admin", typed)
        source = client_ip or "unknown"
        return cls(
            "admin-login:" + throttle.keyed(settings.secret_key, subject, source),
            "admin-hour:" + subject,
            "admin-source-login:" + source,
        )


def sign_in(
    conn: Connection,
    passwords: Passwords,
    settings: Settings,
    *,
    username: str,
    password: str,
    code: str | None,
    now: datetime,
    client_ip: str | None,
) -> tuple[NewSession, AdminPrincipal] | SignInRefusal:
    """A session for a right username, password and TOTP code; else why not (which the answer never tells).

    Failed tries are throttled as the kiosks' are (docs/SECURITY.md): a delay that doubles after a few wrong
    tries of one name from one source, and limits per name and per source an hour."""
    typed = username.strip().lower()
    tries = _Tries.of(settings, typed, client_ip)
    source_wait = throttle.check(conn, tries.source, now, HOUR, settings.source_login_failures_per_hour)
    if source_wait is not None:
        return SignInRefusal("source_limit", None, source_wait)
    hourly_wait = throttle.check(conn, tries.per_hour, now, HOUR, settings.login_failures_per_hour)
    if hourly_wait is not None:
        return SignInRefusal("hourly_limit", None, hourly_wait)
    delay = throttle.wait(conn, tries.in_a_row, now)
    if delay is not None:
        return SignInRefusal("throttled", None, delay)
    outcome = _check(conn, passwords, settings, typed, password, code, now, client_ip)
    if isinstance(outcome, SignInRefusal):
        throttle.hit(conn, tries.source, now, HOUR)
        throttle.hit(conn, tries.per_hour, now, HOUR)
        throttle.strike(conn, tries.in_a_row, now, settings.login_free_failures, settings.login_max_delay_seconds)
    else:
        throttle.hit(conn, tries.source, now, HOUR, -1)
        throttle.hit(conn, tries.per_hour, now, HOUR, -1)
        throttle.forgive(conn, tries.in_a_row, now)
    return outcome


def _check(
    conn: Connection,
    passwords: Passwords,
    settings: Settings,
    typed: str,
    password: str,
    code: str | None,
    now: datetime,
    client_ip: str | None,
) -> tuple[NewSession, AdminPrincipal] | SignInRefusal:
    row = conn.execute(select(admins_t).where(admins_t.c.username == typed)).first()
    if not passwords.verify(row.password_hash if row is not None else None, password) or row is None:
        if row is None:
            return SignInRefusal("unknown_username", None)
        return SignInRefusal("wrong_password", int(row.id))
    if row.status != "active":
        return SignInRefusal("suspended", row.id)
    if row.totp_secret is None:
        if settings.mode == "production":
            return SignInRefusal("totp_not_enrolled", row.id)
    else:
        step = totp.matching_step(row.totp_secret, code or "", now, settings.admin_totp_window_steps)
        if step is None:
            return SignInRefusal("totp_wrong", row.id)
        # One code signs in once: the step moves forward only, and two sign-ins racing with one code
        # cannot both move it (the second's WHERE no longer matches).
        moved = conn.execute(
            update(admins_t)
            .where(admins_t.c.id == row.id)
            .where((admins_t.c.totp_last_step.is_(None)) | (admins_t.c.totp_last_step < step))
            .values(totp_last_step=step)
        ).rowcount
        if moved != 1:
            return SignInRefusal("totp_replayed", row.id)
    if passwords.needs_rehash(row.password_hash):
        conn.execute(update(admins_t).where(admins_t.c.id == row.id).values(password_hash=passwords.hash(password)))
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(hours=settings.admin_session_absolute_hours)
    session_id = conn.execute(
        insert(admin_sessions_t)
        .values(
            admin_id=row.id,
            token_hash=token_hash(token),
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
            client_ip=client_ip,
        )
        .returning(admin_sessions_t.c.id)
    ).scalar_one()
    idle = min(now + timedelta(minutes=settings.admin_session_idle_minutes), expires_at)
    principal = AdminPrincipal(int(row.id), row.username, parse_roles(row.roles), int(session_id))
    return NewSession(token, int(session_id), expires_at, idle), principal


def typed_name_label(settings: Settings, typed: str) -> str:
    """A typed username that is no administrator's, as the trail keeps it: a keyed hash, never the text."""
    return "hash:" + throttle.keyed(settings.secret_key, "admin", typed)[:32]


def resolve(conn: Connection, token: str | None, now: datetime, settings: Settings) -> AdminPrincipal:
    """The administrator of a session token, refreshed; NotAuthenticated / SessionExpired otherwise."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise AdminUnauthorized("sign in as an administrator first: no valid session token was sent")
    row = conn.execute(
        select(
            admin_sessions_t.c.id,
            admin_sessions_t.c.last_seen_at,
            admin_sessions_t.c.expires_at,
            admin_sessions_t.c.revoked_at,
            admin_sessions_t.c.revoked_reason,
            admins_t.c.id.label("admin_id"),
            admins_t.c.username,
            admins_t.c.roles,
            admins_t.c.status,
        )
        .join(admins_t, admins_t.c.id == admin_sessions_t.c.admin_id)
        .where(admin_sessions_t.c.token_hash == token_hash(token))
    ).first()
    if row is None:
        # A kiosk's token, a made-up one: no administrator's.
        raise AdminUnauthorized("sign in as an administrator first: the session token is not known")
    if row.revoked_at is not None:
        raise SessionExpired("the session has ended; sign in again", reason=row.revoked_reason or "revoked")
    if row.status != "active":
        raise SessionExpired("this administrator is suspended", reason="suspended")
    expires_at, last_seen = aware(row.expires_at), aware(row.last_seen_at)
    if now >= expires_at:
        raise SessionExpired("the session has expired; sign in again", reason="absolute")
    if now >= last_seen + timedelta(minutes=settings.admin_session_idle_minutes):
        raise SessionExpired("the session expired after inactivity; sign in again", reason="idle")
    if now - last_seen >= TOUCH_EVERY:
        conn.execute(update(admin_sessions_t).where(admin_sessions_t.c.id == row.id).values(last_seen_at=now))
    return AdminPrincipal(int(row.admin_id), row.username, parse_roles(row.roles), int(row.id))


def sign_out(conn: Connection, session_id: int, now: datetime, reason: str = "signed_out") -> None:
    conn.execute(
        update(admin_sessions_t)
        .where(admin_sessions_t.c.id == session_id, admin_sessions_t.c.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


def public(row: Any) -> dict[str, Any]:
    return {
        "username": row.username,
        "display_name": row.display_name,
        "roles": sorted(parse_roles(row.roles)),
        "status": row.status,
        "totp_enrolled": row.totp_secret is not None,
        "created_at": aware(row.created_at).isoformat(),
    }


def list_administrators(conn: Connection) -> list[dict[str, Any]]:
    return [public(r) for r in conn.execute(select(admins_t).order_by(admins_t.c.username)).all()]


def set_status(conn: Connection, username: str, status: str, now: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    """Suspend or reactivate an administrator (a suspension ends their sessions); (before, after)."""
    row = conn.execute(select(admins_t).where(admins_t.c.username == username)).first()
    if row is None:
        raise NotFound("no administrator with this username", code="unknown_administrator")
    conn.execute(update(admins_t).where(admins_t.c.id == row.id).values(status=status, updated_at=now))
    if status != "active":
        conn.execute(
            update(admin_sessions_t)
            .where(admin_sessions_t.c.admin_id == row.id, admin_sessions_t.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason="suspended")
        )
    return {"username": username, "status": row.status}, {"username": username, "status": status}


def person_required(principal: AdminPrincipal) -> int:
    """The administrator's id; the static token is no person and cannot propose or approve."""
    if principal.admin_id is None:
        raise ApiError(
            "four eyes need two named administrators: sign in as one (the admin token is no person)",
            code="admin_person_required",
            status=403,
        )
    return principal.admin_id
