"""One-time passwords for recovery: 6 random digits, single use, 5 minutes, 5 wrong tries, limited resends."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from server.auth import throttle
from server.auth.audit import RequestContext
from server.auth.clock import aware
from server.auth.errors import (
    OtpAttemptsExhausted,
    OtpExpired,
    OtpInvalid,
    OtpRateLimited,
    OtpUsed,
    Refusal,
)
from server.core.config import Settings
from server.models import OtpChallenge
from server.models.base import table_of

challenges_t = table_of(OtpChallenge)

MAX_CHALLENGE_ID_LENGTH = 64


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def code_hash(secret_key: str, public_id: str, code: str) -> str:
    return hmac.new(secret_key.encode(), f"{public_id}:{code}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Challenge:
    id: int
    public_id: str
    purpose: str
    identifier: str
    kiosk_id: int | None
    expires_at: datetime
    sent_at: datetime
    resends: int
    attempts: int


@dataclass(frozen=True)
class Issued:
    """A challenge and the code to send (the code itself is never stored)."""

    challenge: Challenge
    code: str


def _challenge(row: Row[Any]) -> Challenge:
    return Challenge(
        id=int(row.id),
        public_id=row.public_id,
        purpose=row.purpose,
        identifier=row.identifier,
        kiosk_id=row.kiosk_id,
        expires_at=aware(row.expires_at),
        sent_at=aware(row.sent_at),
        resends=int(row.resends),
        attempts=int(row.attempts),
    )


def _recent(conn: Connection, identifier: str, now: datetime, period: timedelta, limit: int) -> int | None:
    """Seconds until `identifier` may have another challenge, if `limit` were made for it within `period`."""
    count, oldest = conn.execute(
        select(func.count(), func.min(challenges_t.c.created_at)).where(
            challenges_t.c.identifier == identifier, challenges_t.c.created_at > now - period
        )
    ).one()
    if count < limit:
        return None
    return max(1, int((aware(oldest) + period - now).total_seconds()) + 1)


def start(
    conn: Connection, settings: Settings, ctx: RequestContext, purpose: str, identifier: str, kiosk_id: int | None
) -> Issued:
    """A new challenge for `identifier`, made the same way whether or not an account matched."""
    now = ctx.now
    source = ctx.client_ip or "unknown"
    wait = (
        _recent(conn, identifier, now, throttle.HOUR, settings.otp_challenges_per_hour)
        or _recent(conn, identifier, now, throttle.DAY, settings.otp_challenges_per_day)
        or throttle.check(conn, "otp-source:" + source, now, throttle.HOUR, settings.source_otp_challenges_per_hour)
        or throttle.check(conn, "otp-all", now, throttle.HOUR, settings.otp_challenges_per_hour_total)
    )
    if wait is not None:
        raise Refusal(OtpRateLimited("too many OTP requests; try again later", retry_after_seconds=wait))
    throttle.hit(conn, "otp-source:" + source, now, throttle.HOUR)
    throttle.hit(conn, "otp-all", now, throttle.HOUR)
    public_id = secrets.token_urlsafe(24)
    code = new_code()
    expires_at = now + timedelta(seconds=settings.otp_ttl_seconds)
    challenge_id = conn.execute(
        insert(challenges_t)
        .values(
            public_id=public_id,
            purpose=purpose,
            identifier=identifier,
            kiosk_id=kiosk_id,
            code_hash=code_hash(settings.secret_key, public_id, code),
            created_at=now,
            sent_at=now,
            expires_at=expires_at,
            resends=0,
            attempts=0,
        )
        .returning(challenges_t.c.id)
    ).scalar_one()
    challenge = Challenge(int(challenge_id), public_id, purpose, identifier, kiosk_id, expires_at, now, 0, 0)
    return Issued(challenge, code)


def _load(conn: Connection, public_id: str, purpose: str) -> Challenge:
    if not public_id or len(public_id) > MAX_CHALLENGE_ID_LENGTH:
        raise Refusal(OtpInvalid("this OTP request is not known; ask for a new OTP", attempts_left=0))
    row = conn.execute(select(challenges_t).where(challenges_t.c.public_id == public_id).with_for_update()).first()
    if row is None or row.purpose != purpose:
        raise Refusal(OtpInvalid("this OTP request is not known; ask for a new OTP", attempts_left=0))
    if row.used_at is not None:
        raise Refusal(OtpUsed("this OTP has already been used; ask for a new one"))
    return _challenge(row)


def check(
    conn: Connection, settings: Settings, ctx: RequestContext, public_id: str, purpose: str, code: str
) -> Challenge:
    """The challenge if `code` is right (not yet marked used); every wrong try is counted and committed."""
    now = ctx.now
    challenge = _load(conn, public_id, purpose)
    if challenge.attempts >= settings.otp_max_attempts:
        raise Refusal(OtpAttemptsExhausted("too many wrong OTPs; ask for a new OTP"))
    if now >= challenge.expires_at:
        raise Refusal(OtpExpired("the OTP has expired; ask for a new one"))
    # Guessing spread over many challenges or accounts: bounded per source and for the whole server.
    source_key = "otp-wrong-source:" + (ctx.client_ip or "unknown")
    wait = throttle.check(
        conn, source_key, now, throttle.HOUR, settings.source_otp_failures_per_hour
    ) or throttle.check(conn, "otp-wrong-all", now, throttle.HOUR, settings.otp_failures_per_hour_total)
    if wait is not None:
        raise Refusal(OtpRateLimited("too many wrong OTPs; try again later", retry_after_seconds=wait))
    expected = code_hash(settings.secret_key, challenge.public_id, code.strip())
    stored = conn.execute(select(challenges_t.c.code_hash).where(challenges_t.c.id == challenge.id)).scalar_one()
    # A challenge made for no account has no right code: the answer looks the same as a wrong one.
    if challenge.kiosk_id is None or not hmac.compare_digest(expected, stored):
        throttle.hit(conn, source_key, now, throttle.HOUR)
        throttle.hit(conn, "otp-wrong-all", now, throttle.HOUR)
        attempts = challenge.attempts + 1
        conn.execute(update(challenges_t).where(challenges_t.c.id == challenge.id).values(attempts=attempts))
        left = max(settings.otp_max_attempts - attempts, 0)
        if left == 0:
            raise Refusal(OtpAttemptsExhausted("too many wrong OTPs; ask for a new OTP"))
        raise Refusal(OtpInvalid("the OTP is wrong", attempts_left=left))
    return challenge


def mark_used(conn: Connection, challenge: Challenge, now: datetime) -> None:
    conn.execute(update(challenges_t).where(challenges_t.c.id == challenge.id).values(used_at=now))


def resend(conn: Connection, settings: Settings, now: datetime, public_id: str) -> Issued:
    """A fresh code for the same challenge (the old code stops working), within the resend limits."""
    if not public_id or len(public_id) > MAX_CHALLENGE_ID_LENGTH:
        raise Refusal(OtpInvalid("this OTP request is not known; ask for a new OTP", attempts_left=0))
    row = conn.execute(select(challenges_t.c.purpose).where(challenges_t.c.public_id == public_id)).first()
    if row is None:
        raise Refusal(OtpInvalid("this OTP request is not known; ask for a new OTP", attempts_left=0))
    challenge = _load(conn, public_id, row.purpose)
    if challenge.attempts >= settings.otp_max_attempts:
        raise Refusal(OtpAttemptsExhausted("too many wrong OTPs; ask for a new OTP"))
    if challenge.resends >= settings.otp_resend_limit:
        raise Refusal(
            OtpRateLimited("the OTP cannot be sent again; start over later", retry_after_seconds=0, resends_left=0)
        )
    wait = challenge.sent_at + timedelta(seconds=settings.otp_resend_interval_seconds) - now
    if wait.total_seconds() > 0:
        raise Refusal(
            OtpRateLimited(
                "wait a little before asking for the OTP again",
                retry_after_seconds=int(wait.total_seconds()) + 1,
                resends_left=settings.otp_resend_limit - challenge.resends,
            )
        )
    code = new_code()
    expires_at = now + timedelta(seconds=settings.otp_ttl_seconds)
    conn.execute(
        update(challenges_t)
        .where(challenges_t.c.id == challenge.id)
        .values(
            code_hash=code_hash(settings.secret_key, challenge.public_id, code),
            sent_at=now,
            expires_at=expires_at,
            resends=challenge.resends + 1,
        )
    )
    renewed = Challenge(
        challenge.id,
        challenge.public_id,
        challenge.purpose,
        challenge.identifier,
        challenge.kiosk_id,
        expires_at,
        now,
        challenge.resends + 1,
        challenge.attempts,
    )
    return Issued(renewed, code)
