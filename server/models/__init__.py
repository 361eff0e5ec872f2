"""Database tables of the central server (SQLAlchemy 2 declarative); Alembic migrations mirror them."""

from server.models.auth import (
    AuthEvent,
    AuthSession,
    KioskCredential,
    KioskProfile,
    OtpChallenge,
    OutboundMessage,
)
from server.models.base import Base
from server.models.kiosk import Kiosk
from server.models.ledger import Account, AccountBalance, JournalEntry, JournalLine, Operation
from server.models.payments import BillerFault, MicroAtmEntry, Payment, PaymentBill, SimBillerPayment

__all__ = [
    "Account",
    "AccountBalance",
    "AuthEvent",
    "AuthSession",
    "Base",
    "BillerFault",
    "JournalEntry",
    "JournalLine",
    "Kiosk",
    "KioskCredential",
    "KioskProfile",
    "MicroAtmEntry",
    "Operation",
    "OtpChallenge",
    "OutboundMessage",
    "Payment",
    "PaymentBill",
    "SimBillerPayment",
]
