"""Backups that restore: a base backup and the WAL archive (archive_command) taken by the harness, the cluster
restored to a point in time (recovery_target_time) — what was committed by then is there, what came after is
not — and `emitra-server check-ledger` clean on the restore (docs/OPERATIONS.md, "Database: backups, restore,
failover", says the same steps for an operator)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from server.core.config import Settings
from server.migrate import migrate
from tests.support.pgbouncer import database_of
from tests.support.pgcluster import PgCluster, find_pg_bin
from tests.support.server import ROOT, ServerProcess

pytestmark = pytest.mark.postgres

KIOSK = "RJ-JPR-0960"


def _check_ledger(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "check-ledger"],
        cwd=ROOT,
        env={**os.environ, "EMITRA_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_base_backup_and_the_wal_archive_restore_the_books_to_a_point_in_time(
    start_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries are missing; .ci/run must install them")
        pytest.skip("PostgreSQL server binaries not installed")
    cluster = PgCluster(bin_dir, archive=True).start()
    restored: PgCluster | None = None
    try:
        url = cluster.create_database("pitr")
        migrate(Settings(database_url=url))
        server = start_server(url)
        server.create_kiosk(KIOSK)
        assert server.adjust(KIOSK, "fund-pitr-0001", "credit", 1_000_000).status_code == 200
        backup = cluster.base_backup()  # the nightly base backup

        before = [f"pitr-before-{i:03d}" for i in range(12)]
        for op in before:
            assert server.adjust(KIOSK, op, "debit", 1_000).status_code == 200
        (target,) = cluster.sql("SELECT clock_timestamp()::text")[0]  # the moment to restore to
        time.sleep(0.3)
        after = [f"pitr-after-{i:03d}" for i in range(12)]
        for op in after:
            assert server.adjust(KIOSK, op, "debit", 5_000).status_code == 200
        assert server.balance(KIOSK)["wallet_balance_paise"] == 1_000_000 - 12 * 1_000 - 12 * 5_000
        cluster.switch_wal()  # the segment holding the target is in the archive

        restored = cluster.restore_to(backup, str(target))
        name = database_of(url)
        ops = {str(op) for (op,) in restored.sql("SELECT operation_id FROM operations", database=name)}
        assert set(before) <= ops and not set(after) & ops
        restored_url = restored.url(name)
        checked = _check_ledger(restored_url)
        assert checked.returncode == 0 and "ledger balanced" in checked.stdout, checked.stdout + checked.stderr
        # A server on the restored database serves the books as they were at the target.
        again = start_server(restored_url)
        assert again.balance(KIOSK)["wallet_balance_paise"] == 1_000_000 - 12 * 1_000
        assert again.audit() == []
        # The same operation ids sent again after the restore (the kiosks still hold them) are applied once.
        assert again.adjust(KIOSK, after[0], "debit", 5_000).json()["replayed"] is False
        assert again.adjust(KIOSK, after[0], "debit", 5_000).json()["replayed"] is True
        assert again.adjust(KIOSK, before[0], "debit", 1_000).json()["replayed"] is True
    finally:
        if restored is not None:
            restored.stop()
        cluster.stop()
