"""An update of the program meets the kiosk database the old version left: from every earlier schema version the
file is migrated forward at the first start, and the operations the old version queued sync afterwards, once."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlite_utils import Database

from kiosk_app.config import KioskConfig
from kiosk_app.core import KioskCore
from kiosk_app.worker import InlineWorker
from offline_cache.database import SCHEMA_VERSION, NewerSchema, migrate, open_database, schema_version
from offline_cache.outbox import OutboxState
from rules.ids import new_operation_id
from tests.support.kiosk_client import KioskPc, assert_exactly_once, paper_bills
from tests.support.server import ServerProcess


@pytest.fixture
def server(tmp_path: Path, start_server: Callable[..., ServerProcess]) -> ServerProcess:
    from server.core.config import Settings
    from server.migrate import migrate as migrate_server

    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    migrate_server(Settings(database_url=url))
    return start_server(url, EMITRA_ARGON2_PROFILE="fast")


def old_client_file(path: Path, version: int, bills: list[tuple[str, str, int]]) -> list[str]:
    """The database as a client of schema `version` left it: its queued payments written with the columns that
    schema had (the first schema's; a migration may add columns, never take one away)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(sqlite3.connect(path, isolation_level=None))
    assert migrate(db, up_to=version) == version
    ids = []
    for service_code, k_no, amount in bills:
        op_id = new_operation_id()
        payload = {
            "operation_id": op_id,
            "offline": True,
            "method": {"type": "wallet"},
            "contact": {"mobile": "9876543210", "email": None},
            "bills": [{"service_code": service_code, "fields": {"k_no": k_no}, "amount_paise": amount}],
        }
        db.execute(
            "INSERT INTO outbox (operation_id, kind, payload, state, amount_paise, wallet_paise, offline, created_at,"
            " updated_at) VALUES (?, 'payment', ?, 'queued', ?, ?, 1, '2026-12-01T10:00:00.000+00:00',"
            " '2026-12-01T10:00:00.000+00:00')",
            [op_id, json.dumps(payload), amount, amount],
        )
        ids.append(op_id)
    db.conn.close()
    return ids


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION + 1))
def test_the_outbox_of_every_earlier_schema_syncs_after_the_update(
    server: ServerProcess, tmp_path: Path, version: int
) -> None:
    code = f"RJ-UPG-{version:04d}"
    bills = paper_bills(5, series=60 + version)
    funds = sum(b.amount_paise for b in bills)
    pc = KioskPc(server, tmp_path, code, funds=funds)
    pc.close()
    pc.db_path.unlink(missing_ok=True)
    ids = old_client_file(pc.db_path, version, [(b.service_code, b.k_no, b.amount_paise) for b in bills])

    core = KioskCore(KioskConfig(server_url=server.url, database=pc.db_path), worker=InlineWorker(), api=pc.core.api)
    try:
        assert schema_version(core.store.db) == SCHEMA_VERSION  # migrated forward at the first start
        assert core.store.outbox.counts()[OutboxState.QUEUED] == len(bills)
        summary = core.sync.run()
        assert summary.complete and summary.done == len(bills), summary
    finally:
        core.close()
    assert_exactly_once(server, code, dict(zip(ids, (b.amount_paise for b in bills), strict=True)), funds)


def test_a_file_from_a_newer_client_is_refused_not_damaged(tmp_path: Path) -> None:
    """An older program never writes to what a newer one migrated (the updater's self-check of a new version
    uses a folder of its own, so a version that is rolled back never touched the kiosk's file)."""
    path = tmp_path / "kiosk.sqlite3"
    open_database(path).conn.close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(NewerSchema):
        open_database(path)
    assert path.read_bytes() == before
