"""Database tables of the central server (SQLAlchemy 2 declarative); Alembic migrations mirror them."""

from server.models.admin import AdminAuditEvent, Administrator, AdminProposal, AdminSession
from server.models.auth import (
    AuthEvent,
    AuthSession,
    AuthThrottle,
    KioskCredential,
    KioskProfile,
    OtpChallenge,
    OutboundMessage,
)
from server.models.base import Base
from server.models.fleet import KioskHealth, KioskHealthReport
from server.models.kiosk import DatabaseMark, Kiosk
from server.models.ledger import Account, AccountBalance, JournalEntry, JournalLine, Operation
from server.models.payments import DepartmentSettlement, KioskReceiptKey, Payment, PaymentBill, SettlementFinding
from server.models.wallet import (
    BankCredit,
    CreditPayout,
    LegacyTransfer,
    RefillOrder,
    SimLegacyCode,
    SimLegacyLimit,
)

__all__ = [
    "Account",
    "AccountBalance",
    "AdminAuditEvent",
    "AdminProposal",
    "AdminSession",
    "Administrator",
    "AuthEvent",
    "AuthSession",
    "AuthThrottle",
    "BankCredit",
    "Base",
    "CreditPayout",
    "DatabaseMark",
    "DepartmentSettlement",
    "JournalEntry",
    "JournalLine",
    "Kiosk",
    "KioskCredential",
    "KioskHealth",
    "KioskHealthReport",
    "KioskProfile",
    "KioskReceiptKey",
    "LegacyTransfer",
    "Operation",
    "OtpChallenge",
    "OutboundMessage",
    "Payment",
    "PaymentBill",
    "RefillOrder",
    "SettlementFinding",
    "SimLegacyCode",
    "SimLegacyLimit",
]
