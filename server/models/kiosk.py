"""A kiosk (one eMitra centre) and its holder's identity."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, BigId, UtcDateTime, utcnow


class Kiosk(Base):
    __tablename__ = "kiosks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    holder_name: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(100))
    old_emitra_id: Mapped[str | None] = mapped_column(String(64))
    # The micro-ATM device the acquiring bank gave this kiosk: its withdrawals are confirmed by terminal.
    micro_atm_terminal_id: Mapped[str | None] = mapped_column(String(16))
    sso_id: Mapped[str] = mapped_column(String(64), unique=True)
    mobile: Mapped[str] = mapped_column(String(10))
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16), default="active")
    security_deposit_paise: Mapped[int] = mapped_column(BigInteger, default=0)
    credit_limit_paise: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("uq_kiosks_micro_atm_terminal_id", "micro_atm_terminal_id", unique=True),)


class DatabaseMark(Base):
    """Facts about the database itself; `mode` = production once a production server migrated it (never undone)."""

    __tablename__ = "database_marks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
