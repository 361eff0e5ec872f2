"""Bill payments, their bills, departmental cheques and micro-ATM entries."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, BigId, UtcDateTime, utcnow


class Payment(Base):
    """One "Pay" press: one or more bills, one payment method, one state machine.

    initiated → pending (biller answer unknown) → success | failed (wallet reversed exactly once) | partial.
    """

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    operation_pk: Mapped[int] = mapped_column(ForeignKey("operations.id"), unique=True)
    operation_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))  # wallet | cheque
    total_paise: Mapped[int] = mapped_column(BigInteger)
    contact_mobile: Mapped[str | None] = mapped_column(String(10))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    receipt_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    txn_id: Mapped[str] = mapped_column(String(40), unique=True)
    debit_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    from_wallet_paise: Mapped[int] = mapped_column(BigInteger, default=0)
    from_credit_paise: Mapped[int] = mapped_column(BigInteger, default=0)
    reversed_paise: Mapped[int] = mapped_column(BigInteger, default=0)
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    cheque_no: Mapped[str | None] = mapped_column(String(12))
    cheque_bank: Mapped[str | None] = mapped_column(String(100))
    cheque_date: Mapped[date | None] = mapped_column(Date)
    cheque_status: Mapped[str | None] = mapped_column(String(16))  # received | cleared | bounced
    offline: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_payments_kiosk_id_created_at", "kiosk_id", "created_at"),
        Index("ix_payments_kiosk_id_operation_id", "kiosk_id", "operation_id"),  # status and replays by id
    )


class PaymentBill(Base):
    __tablename__ = "payment_bills"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    service_code: Mapped[str] = mapped_column(String(40))
    department: Mapped[str] = mapped_column(String(40))
    biller: Mapped[str] = mapped_column(String(40))
    consumer_no: Mapped[str] = mapped_column(String(64))
    consumer_name: Mapped[str] = mapped_column(String(200))
    bill_no: Mapped[str | None] = mapped_column(String(64))
    bill_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    amount_due_paise: Mapped[int | None] = mapped_column(BigInteger)
    amount_paise: Mapped[int] = mapped_column(BigInteger)
    fields_json: Mapped[str] = mapped_column(Text, default="{}")
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # ours, sent to the biller
    biller_ref: Mapped[str | None] = mapped_column(String(64))
    approval_no: Mapped[str | None] = mapped_column(String(64))  # the department's, with its success (if given)
    status: Mapped[str] = mapped_column(String(16))  # initiated | pending | success | failed
    reversal_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    # "biller|consumer|bill no" of a department bill while this row is pending or paid, NULL once it failed
    # (and for recharges and fees): the database lets one bill be in one live payment at a time, across
    # kiosks and server processes (`server.payments.live_key`).
    live_key: Mapped[str | None] = mapped_column(String(200))
    # The last time this bill was sent again (None: only when it was written); with the protocol's replay
    # window it bounds the days on which the department can have recorded it (server.payments.settlement).
    last_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("uq_payment_bills_live_key", "live_key", unique=True),)


class DepartmentSettlement(Base):
    """A department's settlement file of one business date, imported once (the same file again is a no-op)."""

    __tablename__ = "department_settlements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    biller: Mapped[str] = mapped_column(String(40))
    business_date: Mapped[date] = mapped_column(Date)
    sha256: Mapped[str] = mapped_column(String(64))
    line_count: Mapped[int] = mapped_column(Integer)
    total_paise: Mapped[int] = mapped_column(BigInteger)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("biller", "business_date", name="uq_department_settlements_biller_date"),)


class SettlementFinding(Base):
    """What one line of a settlement file (line_no) or one of our bills missing from it (no line) came to."""

    __tablename__ = "settlement_findings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("department_settlements.id"), index=True)
    line_no: Mapped[int | None] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(64), index=True)
    department_ref: Mapped[str | None] = mapped_column(String(64))
    amount_paise: Mapped[int] = mapped_column(BigInteger)
    # matched | confirmed | unknown_to_us | paid_after_reversal | amount_differs | missing_reversed |
    # missing_but_paid_here (server.payments.settlement.FINDINGS)
    finding: Mapped[str] = mapped_column(String(32))


class KioskReceiptKey(Base):
    """A kiosk's Ed25519 public key (32 bytes, URL-safe base64), which checks the QR of its PROVISIONAL receipts
    (server.payments.receipt_keys); the private key never leaves the kiosk PC. One per kiosk: a new one registered
    with an operator's session replaces it."""

    __tablename__ = "kiosk_receipt_keys"

    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
