"""Bill payments, their bills, departmental cheques, and the simulated departments' own records."""

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
    status: Mapped[str] = mapped_column(String(16))  # initiated | pending | success | failed
    reversal_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    # "biller|consumer|bill no" of a department bill while this row is pending or paid, NULL once it failed
    # (and for recharges and fees): the database lets one bill be in one live payment at a time, across
    # kiosks and server processes (`server.payments.live_key`).
    live_key: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("uq_payment_bills_live_key", "live_key", unique=True),)


class MicroAtmEntry(Base):
    """A micro-ATM withdrawal can be entered (and credited) once: the RRN is the key."""

    __tablename__ = "micro_atm_entries"

    rrn: Mapped[str] = mapped_column(String(12), primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))


class SimBillerPayment(Base):
    """The simulated department's own ledger of what it was paid (it lives "outside" our books)."""

    __tablename__ = "sim_biller_payments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    biller: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(40))
    service_code: Mapped[str] = mapped_column(String(40))
    consumer_no: Mapped[str] = mapped_column(String(64))
    bill_no: Mapped[str | None] = mapped_column(String(64))
    amount_paise: Mapped[int] = mapped_column(BigInteger)
    biller_ref: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("biller", "reference", name="uq_sim_biller_payments_biller_reference"),
        Index("ix_sim_biller_payments_biller_bill_no", "biller", "bill_no"),  # "already paid?" at every bill check
    )


class BillerFault(Base):
    """A fault switched on for a simulated biller (demo and tests): timeout, decline, slow, lost_answer."""

    __tablename__ = "biller_faults"

    biller: Mapped[str] = mapped_column(String(40), primary_key=True)
    fault: Mapped[str] = mapped_column(String(16))
    applies_to: Mapped[str] = mapped_column(String(8), default="pay")  # pay | fetch | both
    remaining: Mapped[int] = mapped_column(Integer, default=-1)  # -1: until switched off
    delay_ms: Mapped[int] = mapped_column(Integer, default=0)
