"""Training on a demo server: read and switch the simulated departments' faults (administrator endpoints).

Only a demo server answers these (`403 demo_only` elsewhere). The calls go straight to the server, never through
the demo network relay, so the trainer can still switch faults while the kiosk's network is cut.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk_app.api import ApiClient
from kiosk_app.contract import BillerFaultPublic, BillersPublic

FAULTS = ("slow", "timeout", "decline", "lost_answer")
APPLIES_TO = ("pay", "fetch", "both")
PAY_ONLY_FAULTS = frozenset({"decline", "lost_answer"})  # a department cannot decline or lose a bill enquiry
UNTIL_SWITCHED_OFF = -1


@dataclass(frozen=True)
class Department:
    code: str
    name_en: str
    name_hi: str


@dataclass(frozen=True)
class DepartmentFault:
    """A simulated biller (one may serve several departments) and the fault switched on for it."""

    biller: str
    departments: tuple[Department, ...]
    fault: str  # none | slow | timeout | decline | lost_answer
    remaining: int  # payments it still affects: -1 until switched off, 0 used up
    delay_ms: int
    applies_to: str  # pay | fetch | both
    active: bool

    @classmethod
    def from_answer(cls, b: BillerFaultPublic) -> DepartmentFault:
        return cls(
            b.biller,
            tuple(Department(d.code, d.name_en, d.name_hi) for d in b.departments),
            b.fault,
            b.remaining,
            b.delay_ms,
            b.applies_to,
            b.active,
        )


@dataclass(frozen=True)
class FaultSwitch:
    """What the trainer switches on: `times` payments (-1 until switched off), `delay_ms` for a slow answer."""

    fault: str
    applies_to: str = "pay"
    times: int = UNTIL_SWITCHED_OFF
    delay_ms: int = 0


class TrainingDesk:
    """The demo server's training switches; blocking calls for a background op."""

    def __init__(self, server_url: str, admin_token: str, *, machine_id: str = "training") -> None:
        self.api = ApiClient(server_url, machine_id=machine_id, timeout=(5.0, 15.0), retries=1)
        self.api.http.headers["X-Admin-Token"] = admin_token

    def departments(self) -> list[DepartmentFault]:
        body = self.api.get("/admin/billers", auth=False)
        return [DepartmentFault.from_answer(b) for b in BillersPublic.parse(body).billers]

    def switch(self, biller: str, switch: FaultSwitch) -> list[DepartmentFault]:
        """Switch a fault on; returns the departments as they are now."""
        self.api.put(
            f"/admin/billers/{biller}/fault",
            {
                "fault": switch.fault,
                "applies_to": switch.applies_to,
                "times": switch.times,
                "delay_ms": switch.delay_ms,
            },
            auth=False,
        )
        return self.departments()

    def clear(self, biller: str) -> list[DepartmentFault]:
        self.api.put(f"/admin/billers/{biller}/fault", {"fault": "none"}, auth=False)
        return self.departments()

    def close(self) -> None:
        self.api.close()
