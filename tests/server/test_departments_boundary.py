"""The departments at a real boundary: lost answers on the line, a slow or killed department process.

The server reaches the departments process through the fault proxy.  Whatever is lost, every payment ends
exactly once on both sides after a status query, and no kiosk request waits on a department longer than the
configured timeouts (connect 1 s + read 2 s here, plus the server's own work).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from server.core.config import Settings
from server.migrate import migrate
from tests.support.departments import ADMIN_TOKEN, DepartmentsProcess
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.server import ServerProcess
from tests.support.wallet import LONG_SESSIONS, WalletKiosk

TIMEOUTS = {"EMITRA_DEPARTMENT_CONNECT_TIMEOUT_S": "1", "EMITRA_DEPARTMENT_READ_TIMEOUT_S": "2"}
LONGEST_WAIT_S = 1 + 2 + 4  # connect + read, and room for the server's own work on a loaded machine
PAYMENTS = b"POST /discom/v1/payments"


class Boundary:
    def __init__(self, tmp: Path) -> None:
        (tmp / "departments").mkdir()
        self.departments = DepartmentsProcess(tmp / "departments").start()
        self.proxy = FaultProxy(self.departments.port).start()
        url = f"sqlite:///{tmp / 'server.sqlite3'}"
        migrate(Settings(database_url=url))
        env = {
            "EMITRA_DEPARTMENTS_URL": self.proxy.url,
            "EMITRA_DEPARTMENTS_ADMIN_TOKEN": ADMIN_TOKEN,
            "EMITRA_ARGON2_PROFILE": "fast",
            **TIMEOUTS,
            **LONG_SESSIONS,
        }
        self.server = ServerProcess(url, log_path=tmp / "server.log", env=env).start()
        self.kiosk = WalletKiosk(self.server, "RJ-EDGE")
        self.kiosk.fund(1_00_000_00)
        self.paid: list[dict[str, Any]] = []

    def pay(self, k_no: str) -> tuple[dict[str, Any], float]:
        bill = self.kiosk.ok("POST", "/bills/fetch", json={"service_code": "ELEC-JVVNL", "fields": {"k_no": k_no}})
        body = {
            "operation_id": uuid.uuid4().hex,
            "contact": {"mobile": "9876543210"},
            "method": {"type": "wallet"},
            "bills": [
                {"service_code": "ELEC-JVVNL", "fields": {"k_no": k_no}, "amount_paise": bill["payable_now_paise"]}
            ],
        }
        started = time.monotonic()
        answer = self.kiosk.ok("POST", "/payments", json=body)
        waited = time.monotonic() - started
        self.paid.append(answer)
        return answer, waited

    def stop(self) -> None:
        self.server.stop()
        self.proxy.stop()
        self.departments.stop()


@pytest.fixture
def boundary(tmp_path: Path) -> Iterator[Boundary]:
    rig = Boundary(tmp_path)
    yield rig
    rig.stop()


LOST_ON_THE_LINE: dict[str, Callable[[], Fault]] = {
    "reset before the department": lambda: Fault("reset", match=PAYMENTS),
    "black hole (the department acts, nobody hears)": lambda: Fault("blackhole", match=PAYMENTS, forward=True),
    "answer cut after 20 bytes": lambda: Fault("cut", match=PAYMENTS, after_bytes=20),
    "answer reset as it starts": lambda: Fault("lost_answer", match=PAYMENTS),
}


def test_every_payment_ends_exactly_once_on_both_sides_whatever_the_line_or_the_department_does(
    boundary: Boundary,
) -> None:
    b = boundary
    for n, (name, fault) in enumerate(LOST_ON_THE_LINE.items()):
        b.proxy.plan(fault())
        answer, waited = b.pay(f"21047700{n:02d}35")
        assert answer["status"] == "pending", (name, answer)
        assert waited < LONGEST_WAIT_S, (name, waited)

    # Slower than the read timeout: the kiosk hears "pending" in time; the department records it later.
    b.departments.set_fault("discom", "slow", times=1, delay_ms=3_000)
    answer, waited = b.pay("210477011035")
    assert answer["status"] == "pending" and waited < LONGEST_WAIT_S, (answer, waited)
    time.sleep(1.5)

    # The department process killed mid-payment, then started again on the same port and database.
    b.departments.set_fault("discom", "slow", times=1, delay_ms=1_500)
    result: dict[str, Any] = {}
    paying = threading.Thread(target=lambda: result.update(answer=b.pay("210477021035")))
    paying.start()
    time.sleep(0.7)
    b.departments.kill9()
    paying.join(30)
    answer, waited = result["answer"]
    assert answer["status"] == "pending" and waited < LONGEST_WAIT_S, (answer, waited)
    b.departments.start()

    # Asked again: every payment ends, once, and the department holds each exactly once.
    final = {p["operation_id"]: b.kiosk.ok("GET", f"/payments/{p['operation_id']}") for p in b.paid}
    assert {f["status"] for f in final.values()} == {"success"}, final
    held = b.departments.payments("discom")
    for f in final.values():
        reference = f["bills"][0]["reference"]
        assert [p["result"] for p in held if p["reference"] == reference] == ["success"], reference
    assert b.kiosk.wallet == 1_00_000_00 - sum(f["total_paise"] for f in final.values())
    # What the server last heard from each department, for its operators (never a key).
    seen = {d["biller"]: d for d in b.server.admin("GET", "/departments").json()["departments"]}
    assert seen["discom"]["last_answer_at"] and seen["discom"]["last_latency_ms"] is not None
    assert "secret" not in str(seen)
    assert b.server.audit() == []
