""" "Fund Receive Request from Existing Emitra": CUG codes, the delayed credit, restarts, two server instances."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
import requests

from server.core.config import Settings
from server.migrate import migrate
from tests.support.auth import ShiftedClock
from tests.support.server import ServerProcess
from tests.support.wallet import LONG_SESSIONS, WalletKiosk, around_today, error, nothing_due, op, wait_for

FAST = {"EMITRA_ARGON2_PROFILE": "fast", **LONG_SESSIONS}


def give_old_limit(server: ServerProcess, old_id: str, limit: int, code: str) -> None:
    r = server.admin("PUT", f"/wallet/legacy-portal/{old_id}", json={"limit_paise": limit, "cug_code": code})
    assert r.status_code == 200, r.text


def ask(kiosk: WalletKiosk, code: str, operation_id: str | None = None) -> requests.Response:
    return kiosk.call(
        "POST", "/wallet/refill/existing-emitra", json={"operation_id": operation_id or op(), "cug_code": code}
    )


@pytest.fixture
def clock(tmp_path: Path) -> ShiftedClock:
    return ShiftedClock(tmp_path / "offset")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    return url


def test_a_request_is_accepted_at_once_and_credited_after_the_delay(
    sqlite_url: str, start_server: Callable[..., ServerProcess], clock: ShiftedClock
) -> None:
    server = start_server(
        sqlite_url, EMITRA_CLOCK_OFFSET_FILE=str(clock.path), EMITRA_SCHEDULER_POLL_SECONDS="0.1", **FAST
    )
    give_old_limit(server, "JPR-OLD-0001", 12_500_50, "CUG-JPR-0001-7731")
    give_old_limit(server, "JPR-OLD-0002", 3_000_00, "CUG-JPR-0002-1111")
    kiosk = WalletKiosk(server, "RJ-LEG", old_emitra_id="JPR-OLD-0001")
    neighbour = WalletKiosk(server, "RJ-LEG", old_emitra_id="JPR-OLD-0002")
    no_old_id = WalletKiosk(server, "RJ-LEG")

    assert error(ask(kiosk, "CUG-JPR-9999-0000")) == (422, "wrong_cug_code")
    stolen = ask(kiosk, "CUG-JPR-0002-1111")  # the neighbour's code: refused exactly like an unknown one
    assert error(stolen) == (422, "wrong_cug_code") and stolen.json()["error"]["field"] == "cug_code"
    assert "JPR-OLD-0002" not in stolen.text
    assert error(ask(kiosk, "a b")) == (422, "invalid_cug_code")
    assert error(ask(no_old_id, "CUG-JPR-0001-7731")) == (422, "no_old_emitra_id")

    operation_id = op()
    accepted = ask(kiosk, " cug-jpr-0001-7731 ", operation_id)  # typed loosely: spaces, lower case
    assert accepted.status_code == 200, accepted.text
    transfer = accepted.json()
    assert transfer["status"] == "scheduled" and transfer["amount_paise"] == 12_500_50
    assert transfer["message"].startswith("Request accepted.") and "₹12,500.50" in transfer["message"]
    requested, due = (datetime.fromisoformat(transfer[k]) for k in ("requested_at", "due_at"))
    assert (due - requested).total_seconds() == 3600  # the default: about one hour later
    assert ask(kiosk, "CUG-JPR-0001-7731", operation_id).json()["transfer_id"] == transfer["transfer_id"]
    assert error(ask(kiosk, "CUG-JPR-0001-7731")) == (409, "cug_code_used")  # a code works once

    clock.advance(minutes=59)
    assert nothing_due(server)  # a pass a minute before the due time credits nothing
    assert kiosk.wallet == 0
    clock.advance(minutes=1, seconds=1)
    assert wait_for(lambda: kiosk.wallet == 12_500_50)
    done = kiosk.ok("GET", "/wallet/refill/existing-emitra")["transfers"][0]
    assert done["status"] == "credited" and datetime.fromisoformat(done["credited_at"]) >= due
    assert nothing_due(server)  # and a later pass credits nothing again
    assert kiosk.wallet == 12_500_50 and neighbour.wallet == 0
    assert kiosk.ok("GET", "/wallet/statement", params=around_today())["lines"][-1]["kind"] == "refill_legacy"
    assert server.audit() == []


def test_a_pending_credit_survives_a_crash_and_lands_once_on_time(
    sqlite_url: str, start_server: Callable[..., ServerProcess], clock: ShiftedClock
) -> None:
    env = {"EMITRA_CLOCK_OFFSET_FILE": str(clock.path), "EMITRA_SCHEDULER_POLL_SECONDS": "0.1", **FAST}
    first = start_server(sqlite_url, **env)
    give_old_limit(first, "AJM-OLD-0001", 7_350_50, "CUG-AJM-0001-4415")
    kiosk = WalletKiosk(first, "RJ-LEG", old_emitra_id="AJM-OLD-0001")
    assert ask(kiosk, "CUG-AJM-0001-4415").status_code == 200
    first.kill9()  # no shutdown: the due time lives in the database, not in the process

    clock.advance(minutes=61)
    second = start_server(sqlite_url, **env)
    kiosk.server = second
    assert wait_for(lambda: kiosk.wallet == 7_350_50)
    assert nothing_due(second)
    assert kiosk.wallet == 7_350_50
    transfer = kiosk.ok("GET", "/wallet/refill/existing-emitra")["transfers"][0]
    assert datetime.fromisoformat(transfer["credited_at"]) >= datetime.fromisoformat(transfer["due_at"])
    assert second.audit() == []


def test_two_server_instances_credit_each_due_transfer_once(
    database_url: str, start_server: Callable[..., ServerProcess]
) -> None:
    env = {"EMITRA_SCHEDULER_POLL_SECONDS": "0.1", "EMITRA_LEGACY_CREDIT_DELAY_MINUTES": "0.02", **FAST}
    one, two = start_server(database_url, **env), start_server(database_url, **env)
    kiosks = []
    for i in range(4):
        server = (one, two)[i % 2]
        give_old_limit(server, f"OLD-{i:04d}", 1_000_00 + i, f"CUG-TWO-{i:04d}")
        kiosk = WalletKiosk(server, "RJ-TWO", old_emitra_id=f"OLD-{i:04d}")
        assert ask(kiosk, f"CUG-TWO-{i:04d}").status_code == 200
        kiosks.append((kiosk, 1_000_00 + i))
    assert wait_for(lambda: [k.wallet for k, _ in kiosks] == [a for _, a in kiosks], timeout=20)
    assert nothing_due(one) and nothing_due(two)  # both instances find nothing left to credit
    assert [k.wallet for k, _ in kiosks] == [a for _, a in kiosks]
    assert one.audit() == []
