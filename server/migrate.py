"""Bring a database to the current schema with Alembic (used by the CLI, the demo and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from server.catalog import load_catalog
from server.core.config import Settings
from server.core.db import make_engine
from server.ledger import ensure_biller_accounts, ensure_system_accounts

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(settings: Settings) -> None:
    """Upgrade to head, then make sure the system accounts exist."""
    command.upgrade(alembic_config(settings.database_url), "head")
    engine = make_engine(settings.database_url)
    try:
        with engine.begin() as conn:
            ensure_system_accounts(conn, settings.hot_account_shards)
            billers = {s.biller for s in load_catalog().services.values()}
            ensure_biller_accounts(conn, billers, settings.hot_account_shards)
    finally:
        engine.dispose()
