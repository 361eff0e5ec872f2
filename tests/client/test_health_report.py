"""The kiosk's health report: what it carries (from this PC's own records), the clock check, skipped offline."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk_app import __version__
from server.core.config import Settings
from server.migrate import migrate
from tests.support.kiosk_client import KioskPc, paper_bills
from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("health")
    url = f"sqlite:///{tmp / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    process = ServerProcess(url, log_path=tmp / "server.log", env={"EMITRA_ARGON2_PROFILE": "fast"}).start()
    yield process
    process.stop()


def test_the_report_carries_this_pcs_own_figures_and_the_server_lists_them(
    server: ServerProcess, tmp_path: Path
) -> None:
    pc = KioskPc(server, tmp_path, "RJ-HLT-0001")
    pc.core.catalog.refresh()
    assert pc.core.connectivity.check()
    pc.queue_offline(paper_bills(2, series=71))
    store = pc.core.store
    spool_id = store.spool.add("op-health-1", "{}")
    store.spool.mark_failed(spool_id, "paper out")

    body = pc.core.health.body("TM-T82III, 80 mm")
    assert body["version"] == __version__
    assert body["queue_length"] == 2
    assert body["oldest_queued_seconds"] is not None and body["oldest_queued_seconds"] < 600
    assert body["printer_status"] == "failing"
    assert body["print_failures"] == 1
    free = shutil.disk_usage(pc.db_path.parent).free
    assert abs(body["free_disk_bytes"] - free) < 200_000_000
    # No customer data: neither the bills' numbers nor the contact travel.
    text = repr(body)
    assert "9876543210" not in text and "op-health-1" not in text

    outcome = pc.core.health.report("TM-T82III, 80 mm")
    assert outcome.sent, outcome
    assert outcome.clock_offset_s is not None and abs(outcome.clock_offset_s) < 5
    assert not outcome.clock_off
    listed = server.admin("GET", "/fleet", params={"problem": "printer_failing"}).json()
    (kiosk,) = [k for k in listed["kiosks"] if k["kiosk_code"] == "RJ-HLT-0001"]
    assert kiosk["queue_length"] == 2 and kiosk["printer_profile"] == "TM-T82III, 80 mm"

    # A second report inside the window is refused (429), and the clock is still checked from its answer.
    again = pc.core.health.report("TM-T82III, 80 mm")
    assert not again.sent and again.reason == "health_report_too_soon"
    assert again.clock_offset_s is not None and abs(again.clock_offset_s) < 5


def test_an_offline_kiosk_skips_its_report(server: ServerProcess, tmp_path: Path) -> None:
    pc = KioskPc(server, tmp_path, "RJ-HLT-0002", url="http://127.0.0.1:9", funds=0, token="offline")
    assert not pc.core.connectivity.check()
    outcome = pc.core.health.report("")
    assert (outcome.sent, outcome.clock_offset_s, outcome.reason) == (False, None, "offline")
