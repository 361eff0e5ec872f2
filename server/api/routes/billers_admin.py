"""Administrator endpoints for departments: settlement files, simulated faults (demo mode), cheques."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from server.api.deps import AdminDep, SettingsDep
from server.api.routes.health import reachability
from server.billers import BillerTimeout
from server.billers.departments import SimulatedDepartmentsAdmin
from server.core.config import Settings
from server.core.errors import ApiError, NotFound
from server.core.fields import Day, PathName
from server.payments import Payments
from server.payments.schemas import ChequeStatusIn, FaultIn
from server.payments.settlement import Settlements

router = APIRouter(tags=["admin"], dependencies=[AdminDep])


def _simulated(settings: Settings, what: str) -> SimulatedDepartmentsAdmin:
    """The simulated departments' admin API: only a demo server reaches them (production has none)."""
    if settings.mode != "demo" or settings.departments_url is None:
        raise ApiError(f"{what} only on a demo server", code="demo_only", status=403)
    return SimulatedDepartmentsAdmin(settings)


@router.get("/billers")
def list_billers(request: Request, settings: SettingsDep) -> dict[str, Any]:
    """Demo and training only: the simulated departments (one biller may serve several) and the fault of each."""
    faults = _simulated(settings, "the simulated departments' faults are listed").call("GET", "/faults")["faults"]
    payments: Payments = request.app.state.payments
    catalog = payments.catalog
    billers = []
    for code in sorted(payments.billers):
        departments = sorted({s.department for s in catalog.services.values() if s.biller == code})
        fault = faults.get(code, {"fault": "none", "remaining": 0, "delay_ms": 0, "applies_to": "pay"})
        billers.append(
            {
                "biller": code,
                "departments": [
                    {"code": d, "name_en": catalog.departments[d].name_en, "name_hi": catalog.departments[d].name_hi}
                    for d in departments
                ],
                "fault": fault["fault"],
                "remaining": fault["remaining"],
                "delay_ms": fault["delay_ms"],
                "applies_to": fault["applies_to"],
                "active": fault["fault"] != "none" and fault["remaining"] != 0,
            }
        )
    return {"billers": billers}


@router.put("/billers/{biller}/fault")
def switch_fault(biller: PathName, body: FaultIn, request: Request, settings: SettingsDep) -> Any:
    """Demo and training only: make a simulated department time out, decline, answer slowly or lose answers."""
    departments = _simulated(settings, "faults can be switched")
    payments: Payments = request.app.state.payments
    if biller not in payments.billers:
        raise NotFound(f"no biller {biller}", code="unknown_biller")
    departments.call("PUT", f"/faults/{biller}", json=body.model_dump())
    return {"biller": biller, **body.model_dump()}


@router.get("/departments")
def departments(request: Request) -> dict[str, Any]:
    """What this server process last heard from each department: when, how fast, the last problem (no key)."""
    return {"departments": reachability(request)}


@router.post("/billers/{biller}/settlements")
async def import_settlement(biller: PathName, request: Request) -> dict[str, Any]:
    """A department's signed settlement file (the bytes as it sent them): verified whole, then imported once."""
    data = await request.body()
    settlements: Settlements = request.app.state.settlements
    return await run_in_threadpool(settlements.import_file, biller, data)


@router.post("/billers/{biller}/settlements/{business_date}/fetch")
def fetch_settlement(biller: PathName, business_date: Day, request: Request) -> dict[str, Any]:
    """Ask the department for its settlement file of a business date (IST) and import it."""
    settlements: Settlements = request.app.state.settlements
    try:
        return settlements.fetch(biller, business_date)
    except BillerTimeout as exc:
        raise ApiError(
            "the department did not send its settlement file; try again later", code="biller_timeout", status=504
        ) from exc


@router.get("/billers/{biller}/settlements/{business_date}")
def settlement_report(biller: PathName, business_date: Day, request: Request) -> dict[str, Any]:
    """What an imported settlement file came to: counts per finding, and the lines for an administrator."""
    settlements: Settlements = request.app.state.settlements
    return settlements.report(biller, business_date)


@router.post("/cheques/{txn_id}")
def settle_cheque(txn_id: PathName, body: ChequeStatusIn, request: Request) -> dict[str, Any]:
    payments: Payments = request.app.state.payments
    return payments.set_cheque_status(txn_id, body.status)
