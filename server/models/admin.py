"""The back office: named administrators, their sessions, four-eyes proposals, the append-only admin audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, BigId, UtcDateTime, utcnow


class Administrator(Base):
    """A person of the back office: argon2id password, TOTP second factor, roles (docs/BACKOFFICE.md)."""

    __tablename__ = "administrators"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Base32 TOTP secret (RFC 6238); NULL only for an account made on a demo server without a second factor.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The last TOTP time step accepted: a code of this step or an earlier one is a replay.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    roles: Mapped[str] = mapped_column(String(64))  # comma-separated, sorted
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("administrators.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AdminSession(Base):
    """A signed-in administrator; only the SHA-256 of the bearer token is stored (as for kiosks)."""

    __tablename__ = "admin_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("administrators.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(32))
    client_ip: Mapped[str | None] = mapped_column(String(64))


class AdminProposal(Base):
    """Money that moves only when a second administrator (role approver) approves it."""

    __tablename__ = "admin_proposals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # adjustment, suspense_assign, cheque_bounce
    payload: Mapped[str] = mapped_column(Text)  # JSON: what moves, as proposed
    amount_paise: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(String(200))
    # pending → approving (claimed by one approver) → approved | failed;  pending → rejected
    status: Mapped[str] = mapped_column(String(16), default="pending")
    proposed_by: Mapped[int] = mapped_column(ForeignKey("administrators.id"))
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("administrators.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[str | None] = mapped_column(Text)  # JSON: the posting, or the refusal that ended it

    __table_args__ = (Index("ix_admin_proposals_status_id", "status", "id"),)


class AdminAuditEvent(Base):
    """One administrator action: who, when, from where, what, before and after. The database refuses
    UPDATE and DELETE on this table (triggers of migration 0014, as on the journal)."""

    __tablename__ = "admin_audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    admin_id: Mapped[int | None] = mapped_column(BigInteger)  # no foreign key: the trail outlives accounts
    actor: Mapped[str] = mapped_column(String(64))  # the username, or "token:demo" / "token:automation"
    client_ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(120))  # "POST /api/v1/admin/proposals/{proposal_id}/approve"
    target: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[int] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(64))  # "ok", or the refusal's error code
    before: Mapped[str | None] = mapped_column(Text)  # JSON
    after: Mapped[str | None] = mapped_column(Text)  # JSON
