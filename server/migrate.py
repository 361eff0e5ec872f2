"""Bring a database to the current schema with Alembic (used by the CLI, the demo and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, select

from server.catalog import load_catalog
from server.core.config import Settings
from server.core.db import make_engine
from server.ledger import ensure_biller_accounts, ensure_system_accounts
from server.models import DatabaseMark
from server.models.base import table_of, utcnow

marks_t = table_of(DatabaseMark)

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(settings: Settings) -> None:
    """Upgrade to head, then make sure the system accounts exist; a production server marks the database."""
    command.upgrade(alembic_config(settings.database_url), "head")
    engine = make_engine(settings.database_url)
    try:
        with engine.begin() as conn:
            ensure_system_accounts(conn, settings.hot_account_shards)
            billers = {s.biller for s in load_catalog().services.values()}
            ensure_biller_accounts(conn, billers, settings.hot_account_shards)
            if settings.mode == "production" and not is_production_database(conn):
                conn.execute(marks_t.delete().where(marks_t.c.name == "mode"))
                conn.execute(marks_t.insert().values(name="mode", value="production", set_at=utcnow()))
    finally:
        engine.dispose()


def is_production_database(conn: Connection) -> bool:
    """True once a production server has migrated this database (demo data must never reach it)."""
    mode = conn.execute(select(marks_t.c.value).where(marks_t.c.name == "mode")).scalar_one_or_none()
    return mode == "production"
