"""kill -9 mid day-end sync of 1,000 operations (the client, then the server): none lost, none doubled."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring

from kiosk_app.session import TokenStore
from offline_cache.outbox import OutboxState
from offline_cache.store import LocalStore
from tests.support.kiosk_client import KioskPc, assert_exactly_once, paper_bills
from tests.support.server import ROOT, ServerProcess

OPERATIONS = 1_000

pytestmark = pytest.mark.slow


class HeadlessKiosk:
    """A prepared outbox database and the environment `python -m kiosk_app sync` runs in (file keyring)."""

    def __init__(self, server: ServerProcess, tmp: Path, code: str) -> None:
        bills = paper_bills(OPERATIONS, series=20)
        self.funds = sum(b.amount_paise for b in bills) + 1_000
        pc = KioskPc(server, tmp, code, funds=self.funds)
        self.code = code
        self.expected = dict(zip(pc.queue_offline(bills), (b.amount_paise for b in bills), strict=True))
        self.db_path = pc.db_path
        pc.close()
        xdg = tmp / "xdg"
        self.env = {
            **os.environ,
            "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
            "XDG_DATA_HOME": str(xdg / "data"),
            "XDG_CONFIG_HOME": str(xdg / "config"),
            "PYTHONUNBUFFERED": "1",
        }
        backend = PlaintextKeyring()
        backend.file_path = str(xdg / "data" / "python_keyring" / "keyring_pass.cfg")
        TokenStore(server.url, backend).save(pc.token)
        self.server_url = server.url

    def sync(self) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "kiosk_app", "--server", self.server_url, "--database", str(self.db_path), "sync"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def sync_until_answered(self, at_least: int) -> subprocess.Popen[str]:
        """Start a sync and return once it reported `at_least` operations answered."""
        proc = self.sync()
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("sync: ") and int(line.split()[1].split("/")[0]) >= at_least:
                return proc
        raise AssertionError(f"the sync ended early: rc={proc.wait()}")

    def next_batch_in_flight(self, proc: subprocess.Popen[str]) -> None:
        """Wait until the sync has marked its next batch as sent (its fate unknown until the server is asked)."""
        deadline = time.monotonic() + 30
        while self.counts()[OutboxState.SENDING] == 0:
            assert proc.poll() is None and time.monotonic() < deadline, "the sync ended before its next batch"
            time.sleep(0.001)

    def sync_to_the_end(self, tries: int = 3) -> str:
        out = ""
        for _ in range(tries):
            proc = self.sync()
            out, _ = proc.communicate(timeout=180)
            if proc.returncode == 0:
                return out
        raise AssertionError(out)

    def counts(self) -> dict[OutboxState, int]:
        store = LocalStore.open(self.db_path)
        try:
            return store.outbox.counts()
        finally:
            store.close()


def test_client_killed_mid_sync_then_synced_again_pays_each_operation_once(
    server: ServerProcess, tmp_path: Path
) -> None:
    kiosk = HeadlessKiosk(server, tmp_path, "RJ-KILL-0001")
    proc = kiosk.sync_until_answered(300)
    kiosk.next_batch_in_flight(proc)  # the process dies with a batch whose fate it does not know
    proc.kill()
    proc.wait()
    assert proc.stdout is not None
    proc.stdout.close()
    counts = kiosk.counts()
    assert 300 <= counts[OutboxState.DONE] < OPERATIONS and counts[OutboxState.REFUSED] == 0
    out = kiosk.sync_to_the_end()
    assert "Day-end sync complete" in out, out
    assert kiosk.counts()[OutboxState.DONE] == OPERATIONS
    assert_exactly_once(server, kiosk.code, kiosk.expected, kiosk.funds)
    status = subprocess.run(
        [sys.executable, "-m", "kiosk_app", "--server", kiosk.server_url, "--database", str(kiosk.db_path), "status"],
        cwd=ROOT,
        env=kiosk.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert status.returncode == 0, status.stderr
    assert "Server reachable:  yes" in status.stdout and "Queue length:      0 (in doubt: 0)" in status.stdout
    assert "complete (done" in status.stdout


def test_server_killed_mid_sync_then_restarted_pays_each_operation_once(
    server: ServerProcess, start_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    kiosk = HeadlessKiosk(server, tmp_path, "RJ-KILL-0002")
    proc = kiosk.sync_until_answered(300)
    kiosk.next_batch_in_flight(proc)  # the server dies with a batch in flight
    server.kill9()
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "interrupted" in out, out
    assert kiosk.counts()[OutboxState.DONE] < OPERATIONS
    restarted = ServerProcess(server.database_url, log_path=tmp_path / "restarted.log", env=server.env)
    restarted.port = server.port  # the same address: the kiosk's keyring entry is per server URL
    restarted.start()
    try:
        out = kiosk.sync_to_the_end()
        assert "Day-end sync complete" in out, out
        assert_exactly_once(restarted, kiosk.code, kiosk.expected, kiosk.funds)
    finally:
        restarted.stop()


@pytest.fixture
def server(tmp_path: Path, start_server: Callable[..., ServerProcess]) -> ServerProcess:
    from server.core.config import Settings
    from server.migrate import migrate

    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    return start_server(url, EMITRA_ARGON2_PROFILE="fast")
