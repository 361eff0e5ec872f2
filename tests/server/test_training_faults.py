"""The training switches over HTTP: list the simulated departments with their faults, switch and clear (demo only)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kiosk_app.errors import Refused
from kiosk_app.training import UNTIL_SWITCHED_OFF, DepartmentFault, FaultSwitch, TrainingDesk
from server.core.config import DEFAULT_ADMIN_TOKEN
from tests.support.server import ServerProcess, production_env


def _by_biller(rows: list[DepartmentFault]) -> dict[str, DepartmentFault]:
    return {row.biller: row for row in rows}


def test_the_departments_their_faults_and_the_switches(server: ServerProcess) -> None:
    desk = TrainingDesk(server.url, DEFAULT_ADMIN_TOKEN)
    try:
        rows = _by_biller(desk.departments())
        assert set(rows) == {"bhamashah", "discom", "microatm", "phed", "telecom"}
        assert {d.code for d in rows["discom"].departments} == {"JVVNL", "AVVNL", "JDVVNL"}
        jvvnl = next(d for d in rows["discom"].departments if d.code == "JVVNL")
        assert (jvvnl.name_en, jvvnl.name_hi) == ("Jaipur Vidyut Vitran Nigam Ltd", "जयपुर विद्युत वितरण निगम लि.")
        assert all(row.fault == "none" and not row.active for row in rows.values())

        rows = _by_biller(desk.switch("discom", FaultSwitch("slow", "both", UNTIL_SWITCHED_OFF, 2_500)))
        discom = rows["discom"]
        assert (discom.fault, discom.applies_to, discom.remaining, discom.delay_ms, discom.active) == (
            "slow",
            "both",
            -1,
            2_500,
            True,
        )
        assert rows["phed"].fault == "none"
        rows = _by_biller(desk.switch("phed", FaultSwitch("decline", times=2)))
        assert (rows["phed"].fault, rows["phed"].applies_to, rows["phed"].remaining) == ("decline", "pay", 2)
        assert rows["discom"].active  # one department's switch leaves the others alone

        rows = _by_biller(desk.clear("discom"))
        assert rows["discom"].fault == "none" and not rows["discom"].active and rows["phed"].active

        with pytest.raises(Refused) as refused:
            desk.switch("no-such-biller", FaultSwitch("timeout"))
        assert refused.value.status == 404 and refused.value.error_code == "unknown_biller"
        with pytest.raises(Refused) as refused:
            desk.switch("phed", FaultSwitch("slow", delay_ms=600_000))
        assert refused.value.status == 422
    finally:
        desk.close()


def test_an_administrator_token_is_needed(server: ServerProcess) -> None:
    desk = TrainingDesk(server.url, "not-the-token")
    try:
        with pytest.raises(Refused) as refused:
            desk.departments()
        assert refused.value.status in (401, 403)
    finally:
        desk.close()


def test_only_a_demo_server_lists_or_switches_faults(
    database_url: str, start_server: Callable[..., ServerProcess]
) -> None:
    env = production_env()
    token = env["EMITRA_ADMIN_TOKEN"]
    server = start_server(database_url, **env)
    desk = TrainingDesk(server.url, token)
    try:
        for call in (desk.departments, lambda: desk.switch("discom", FaultSwitch("timeout"))):
            with pytest.raises(Refused) as refused:
                call()
            assert (refused.value.status, refused.value.error_code) == (403, "demo_only")
            assert "only on a demo server" in refused.value.message_en
    finally:
        desk.close()
