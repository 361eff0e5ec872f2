"""Wallet channels: refill orders, legacy transfers, bank credits, credit-line payouts, and the simulated outside.

Each row that moves money records the journal entry that moved it; the entry carries a deterministic
operation id, so whatever marks a row done twice can never post twice.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, BigId, UtcDateTime, utcnow


class RefillOrder(Base):
    """An order sent to the payment gateway: a wallet refill, or a Fund Payout by net banking.

    created → success (credited once, the amount the gateway confirmed) | failed | expired; a valid
    success notification for a failed or expired order still credits it (the money was captured).
    """

    __tablename__ = "refill_orders"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[str] = mapped_column(String(32), unique=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    operation_pk: Mapped[int] = mapped_column(ForeignKey("operations.id"), unique=True)
    operation_id: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16))  # refill | payout
    channel: Mapped[str] = mapped_column(String(16))  # net_banking | aggregator
    amount_paise: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    gateway_ref: Mapped[str | None] = mapped_column(String(64))
    confirmed_paise: Mapped[int | None] = mapped_column(BigInteger)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_refill_orders_kiosk_id_created_at", "kiosk_id", "created_at"),
        Index("ix_refill_orders_status_expires_at", "status", "expires_at"),
    )


class LegacyTransfer(Base):
    """A "Fund Receive Request from Existing Emitra": accepted now, credited at due_at by the scheduler."""

    __tablename__ = "legacy_transfers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), index=True)
    operation_pk: Mapped[int] = mapped_column(ForeignKey("operations.id"), unique=True)
    operation_id: Mapped[str] = mapped_column(String(64))
    cug_code: Mapped[str] = mapped_column(String(32), unique=True)
    old_emitra_id: Mapped[str] = mapped_column(String(64))
    legacy_ref: Mapped[str] = mapped_column(String(40))
    amount_paise: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))  # scheduled | credited
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    credited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))

    __table_args__ = (Index("ix_legacy_transfers_status_due_at", "status", "due_at"),)


class BankCredit(Base):
    """A NEFT/RTGS credit to a virtual account; the UTR is the key that makes it land once."""

    __tablename__ = "bank_credits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    utr: Mapped[str] = mapped_column(String(32), unique=True)
    account_no: Mapped[str] = mapped_column(String(34))
    ifsc: Mapped[str | None] = mapped_column(String(11))
    amount_paise: Mapped[int] = mapped_column(BigInteger)
    mode: Mapped[str] = mapped_column(String(8))  # NEFT | RTGS | IMPS
    remitter_name: Mapped[str | None] = mapped_column(String(140))
    value_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))  # notification | statement
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # credited | suspense | assigned
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    assigned_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_bank_credits_status", "status"),)


class CreditPayout(Base):
    """A Fund Payout: interest first, then the oldest outstanding, any excess to the wallet."""

    __tablename__ = "credit_payouts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))  # wallet | net_banking
    amount_paise: Mapped[int] = mapped_column(BigInteger)
    interest_paise: Mapped[int] = mapped_column(BigInteger)
    principal_paise: Mapped[int] = mapped_column(BigInteger)
    to_wallet_paise: Mapped[int] = mapped_column(BigInteger, default=0)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    paid_at: Mapped[datetime] = mapped_column(UtcDateTime)
    business_date: Mapped[date] = mapped_column(Date)


class SimLegacyLimit(Base):
    """The simulated old eMitra portal: the limit left per old eMitra ID."""

    __tablename__ = "sim_legacy_limits"

    old_emitra_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    limit_paise: Mapped[int] = mapped_column(BigInteger)
    admin_name: Mapped[str] = mapped_column(String(100))


class SimLegacyCode(Base):
    """A CUG code an old-portal administrator gave for one old eMitra ID; it works once."""

    __tablename__ = "sim_legacy_codes"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    old_emitra_id: Mapped[str] = mapped_column(String(64), index=True)
    used_reference: Mapped[str | None] = mapped_column(String(40))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
