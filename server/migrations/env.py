"""Alembic environment: the URL comes from the caller (server.cli) or EMITRA_DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from server.core.config import get_settings
from server.core.db import make_engine
from server.models import Base

config = context.config
target_metadata = Base.metadata


def run_with(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        run_with(conn)
    engine.dispose()


run_online()
