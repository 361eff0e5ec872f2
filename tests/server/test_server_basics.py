"""Settings, migrations and the database's own guards."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from anyio import to_thread
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from server.api.main import create_app
from server.core.config import Settings
from server.core.db import make_engine
from server.migrate import migrate
from server.models import Base
from tests.support.server import ServerProcess

NOWHERE = "http://127.0.0.1:9"  # departments nobody asks in these tests

ROOT = Path(__file__).resolve().parents[2]


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as conn, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes (lower(email)); Alembic skips them there, and they are
        # compared on PostgreSQL.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_the_database_refuses_to_edit_the_journal_or_overdraw(database_url: str) -> None:
    from server.kiosks import create_kiosk
    from server.ledger import OperationRequest, credit_kiosk, in_transaction
    from server.schemas import KioskIn

    engine = make_engine(database_url)
    with engine.begin() as conn:
        create_kiosk(
            conn,
            KioskIn(
                code="RJ-G-01",
                name="g",
                holder_name="h",
                district="d",
                sso_id="SSOG1",
                mobile="9876543210",
                email="g@example.in",
            ),
        )
    op = OperationRequest("admin", "guard-0001", "adjustment", {})
    in_transaction(
        engine, lambda tx: tx.run(op, lambda t, pk: credit_kiosk(t, pk, "RJ-G-01", 100, "system:adjustments", "test"))
    )
    for statement in ("UPDATE journal_lines SET amount = amount * 2", "DELETE FROM journal_entries"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    # Even a direct UPDATE that bypasses the ledger code cannot take a wallet below its floor.
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE account_balances SET balance = -1 WHERE floor IS NOT NULL"))
    engine.dispose()


def test_migrate_is_repeatable(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(settings)
    migrate(settings)
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM accounts WHERE code LIKE 'system:%'")).scalar_one() == 2
    engine.dispose()


def test_a_database_that_went_away_is_answered_503_with_what_to_do_then_the_server_recovers(
    tmp_path: Path, start_server: Callable[..., ServerProcess]
) -> None:
    from tests.support.pgcluster import PgCluster, find_pg_bin

    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    cluster = PgCluster(bin_dir).start()
    try:
        url = cluster.create_database()
        migrate(Settings(database_url=url))
        server = start_server(url)
        server.create_kiosk("RJ-DB-0001")
        cluster.halt()
        down = server.admin("GET", "/kiosks/RJ-DB-0001/balance")
        assert down.status_code == 503, down.text
        assert down.json()["error"]["code"] == "database_unavailable"
        assert "same operation id" in down.json()["error"]["message"]
        cluster.resume()
        for _ in range(50):  # the pool drops its dead connections on their first use
            if server.admin("GET", "/kiosks/RJ-DB-0001/balance").status_code == 200:
                break
        else:
            raise AssertionError("the server did not recover after PostgreSQL came back")
    finally:
        cluster.stop()


def test_the_worker_threads_setting_bounds_the_requests_doing_database_work_at_once(tmp_path: Path) -> None:
    """Past the limit a request waits in the event loop for a thread, not in the database holding locks."""
    url = f"sqlite:///{tmp_path / 'threads.sqlite3'}"
    migrate(Settings(database_url=url))
    app = create_app(Settings(database_url=url, worker_threads=3, scheduler_enabled=False, departments_url=NOWHERE))

    async def served() -> float:  # what the server's event loop holds after its startup
        async with app.router.lifespan_context(app):
            return to_thread.current_default_thread_limiter().total_tokens

    assert anyio.run(served) == 3
    with pytest.raises(ValueError, match="worker_threads"):
        Settings(database_url=url, worker_threads=0)
