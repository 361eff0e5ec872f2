"""Accounts and sign-in: credentials, profiles, sessions, OTP challenges, the auth audit log, messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, BigId, UtcDateTime, table_of, utcnow
from server.models.kiosk import Kiosk


class KioskCredential(Base):
    """A kiosk holder's password (argon2id); the sign-in throttles are in `auth_throttles`."""

    __tablename__ = "kiosk_credentials"

    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    previous_hash: Mapped[str | None] = mapped_column(String(255))
    # An issued (first or reset) password only allows setting a new one.
    must_change: Mapped[bool] = mapped_column(Boolean, default=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class KioskProfile(Base):
    """What the operator completes and confirms after the first password change."""

    __tablename__ = "kiosk_profiles"

    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    address: Mapped[str] = mapped_column(String(300))
    pincode: Mapped[str] = mapped_column(String(6))
    alternate_mobile: Mapped[str | None] = mapped_column(String(10))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AuthSession(Base):
    """A signed-in operator; only the SHA-256 of the bearer token is stored."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(32))
    machine_id: Mapped[str | None] = mapped_column(String(64))
    # "operator": a signed-in operator (idle and absolute expiry); "sync": a PC's day-end sync key, which
    # may only push the outbox and read its operations (no idle expiry; see docs/SECURITY.md).
    scope: Mapped[str] = mapped_column(String(8), default="operator", server_default="operator")


class OtpChallenge(Base):
    """One OTP sent for a recovery flow; made whether or not an account matched (kiosk_id is then NULL)."""

    __tablename__ = "otp_challenges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(43), unique=True)
    purpose: Mapped[str] = mapped_column(String(24))
    identifier: Mapped[str] = mapped_column(String(254))
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resends: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_otp_challenges_identifier_created_at", "identifier", "created_at"),)


class AuthThrottle(Base):
    """One throttle's state (server.auth.throttle): hits in the current window, wrong tries in a row, next try.

    The key names what is limited and by what (a keyed hash where it holds a typed SSO ID); `subject` groups the
    rows of one typed SSO ID, so a password reset by OTP can clear them all."""

    __tablename__ = "auth_throttles"

    key: Mapped[str] = mapped_column(String(96), primary_key=True)
    subject: Mapped[str | None] = mapped_column(String(64), index=True)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    streak: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class AuthEvent(Base):
    """The audit log of every sign-in event: who, when, from which kiosk machine, with what outcome."""

    __tablename__ = "auth_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(48))
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id"), index=True)
    sso_id: Mapped[str | None] = mapped_column(String(64))
    machine_id: Mapped[str | None] = mapped_column(String(64))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    session_id: Mapped[int | None] = mapped_column(BigId)
    detail: Mapped[str] = mapped_column(String(300), default="")


class OutboundMessage(Base):
    """An SMS or e-mail handed to the gateway (the simulated gateway only stores and logs it)."""

    __tablename__ = "outbound_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    channel: Mapped[str] = mapped_column(String(8))
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id"), index=True)


# Sign-in and recovery look kiosks up by SSO ID (case-insensitive), mobile and e-mail.
_kiosks = table_of(Kiosk)
Index("ix_kiosks_sso_id_lower", func.lower(_kiosks.c.sso_id))
Index("ix_kiosks_mobile", _kiosks.c.mobile)
Index("ix_kiosks_email_lower", func.lower(_kiosks.c.email))
