"""Database tables of the central server (SQLAlchemy 2 declarative); Alembic migrations mirror them."""

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
from server.models.kiosk import DatabaseMark, Kiosk
from server.models.ledger import Account, AccountBalance, JournalEntry, JournalLine, Operation
from server.models.payments import BillerFault, MicroAtmEntry, Payment, PaymentBill, SimBillerPayment
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
    "AuthEvent",
    "AuthSession",
    "AuthThrottle",
    "BankCredit",
    "Base",
    "BillerFault",
    "CreditPayout",
    "DatabaseMark",
    "JournalEntry",
    "JournalLine",
    "Kiosk",
    "KioskCredential",
    "KioskProfile",
    "LegacyTransfer",
    "MicroAtmEntry",
    "Operation",
    "OtpChallenge",
    "OutboundMessage",
    "Payment",
    "PaymentBill",
    "RefillOrder",
    "SimBillerPayment",
    "SimLegacyCode",
    "SimLegacyLimit",
]
