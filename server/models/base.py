"""Declarative base and column helpers shared by every table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Integer, MetaData, Table
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# SQLite only auto-increments INTEGER PRIMARY KEY, so ids are BIGINT on PostgreSQL and INTEGER on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    return datetime.now(UTC)


class _UtcDateTime(TypeDecorator[datetime]):
    """A moment, kept in UTC. A value bound with another zone (the start of a business day in IST) is turned
    to UTC first: SQLite keeps datetimes as text without their zone, so an IST bound compared with stored UTC
    text would be 5 h 30 min off (PostgreSQL's timestamptz would compare them right either way)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value


UtcDateTime = _UtcDateTime()


def table_of(model: type[Base]) -> Table:
    """A mapped class's Table, typed as one (mypy sees `__table__` as a bare FromClause)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table
