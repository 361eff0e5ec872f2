"""Database tables of the central server (SQLAlchemy 2 declarative); Alembic migrations mirror them."""

from server.models.base import Base
from server.models.kiosk import Kiosk
from server.models.ledger import Account, AccountBalance, JournalEntry, JournalLine, Operation

__all__ = ["Account", "AccountBalance", "Base", "JournalEntry", "JournalLine", "Kiosk", "Operation"]
