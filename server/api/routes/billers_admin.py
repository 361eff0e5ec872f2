"""Administrator endpoints for departments: settlement files, simulated faults (demo mode), cheques."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from server.admin.errors import ProposalRequired
from server.admin.roles import AUDITOR, AUTOMATION, DEMO_TOKEN, FINANCE, READERS, SUPPORT, AdminPrincipal
from server.api.answers import checked
from server.api.deps import SettingsDep, allow
from server.api.routes.health import reachability
from server.billers import BillerTimeout
from server.billers.departments import SimulatedDepartmentsAdmin
from server.core.config import Settings
from server.core.errors import ApiError, NotFound
from server.core.fields import Day, PathName
from server.payments import Payments
from server.payments.schemas import (
    BillersPublic,
    ChequeStatusIn,
    DepartmentsPublic,
    FaultIn,
    FaultSwitchedPublic,
    PaymentPublic,
    SettlementPublic,
)
from server.payments.settlement import Settlements

router = APIRouter(tags=["admin"])

BOOKS = (FINANCE, DEMO_TOKEN)


def _simulated(settings: Settings, what: str) -> SimulatedDepartmentsAdmin:
    """The simulated departments' admin API: only a demo server reaches them (production has none)."""
    if settings.mode != "demo" or settings.departments_url is None:
        raise ApiError(f"{what} only on a demo server", code="demo_only", status=403)
    return SimulatedDepartmentsAdmin(settings)


@router.get("/billers", response_model=BillersPublic, dependencies=[allow(SUPPORT, AUDITOR, AUTOMATION, DEMO_TOKEN)])
def list_billers(request: Request, settings: SettingsDep) -> Response:
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
    return checked(BillersPublic, {"billers": billers})


@router.put(
    "/billers/{biller}/fault", response_model=FaultSwitchedPublic, dependencies=[allow(SUPPORT, AUTOMATION, DEMO_TOKEN)]
)
def switch_fault(biller: PathName, body: FaultIn, request: Request, settings: SettingsDep) -> Response:
    """Demo and training only: make a simulated department time out, decline, answer slowly or lose answers."""
    departments = _simulated(settings, "faults can be switched")
    payments: Payments = request.app.state.payments
    if biller not in payments.billers:
        raise NotFound(f"no biller {biller}", code="unknown_biller")
    departments.call("PUT", f"/faults/{biller}", json=body.model_dump())
    return checked(FaultSwitchedPublic, {"biller": biller, **body.model_dump()})


@router.get("/departments", response_model=DepartmentsPublic, dependencies=[allow(*READERS)])
def departments(request: Request) -> Response:
    """What this server process last heard from each department: when, how fast, the last problem (no key)."""
    return checked(DepartmentsPublic, {"departments": reachability(request)})


@router.post("/billers/{biller}/settlements", response_model=SettlementPublic, dependencies=[allow(*BOOKS)])
async def import_settlement(biller: PathName, request: Request) -> Response:
    """A department's signed settlement file (the bytes as it sent them): verified whole, then imported once."""
    data = await request.body()
    settlements: Settlements = request.app.state.settlements
    return await run_in_threadpool(lambda: checked(SettlementPublic, settlements.import_file(biller, data)))


@router.post(
    "/billers/{biller}/settlements/{business_date}/fetch",
    response_model=SettlementPublic,
    dependencies=[allow(*BOOKS)],
)
def fetch_settlement(biller: PathName, business_date: Day, request: Request) -> Response:
    """Ask the department for its settlement file of a business date (IST) and import it."""
    settlements: Settlements = request.app.state.settlements
    try:
        return checked(SettlementPublic, settlements.fetch(biller, business_date))
    except BillerTimeout as exc:
        raise ApiError(
            "the department did not send its settlement file; try again later", code="biller_timeout", status=504
        ) from exc


@router.get(
    "/billers/{biller}/settlements/{business_date}", response_model=SettlementPublic, dependencies=[allow(*READERS)]
)
def settlement_report(biller: PathName, business_date: Day, request: Request) -> Response:
    """What an imported settlement file came to: counts per finding, and the lines for an administrator."""
    settlements: Settlements = request.app.state.settlements
    return checked(SettlementPublic, settlements.report(biller, business_date))


@router.post("/cheques/{txn_id}", response_model=PaymentPublic)
def settle_cheque(
    txn_id: PathName, body: ChequeStatusIn, request: Request, principal: Annotated[AdminPrincipal, allow(*BOOKS)]
) -> Response:
    """Clear a cheque (finance); a bounce takes money back from the kiosk, so a person proposes it instead."""
    if body.status == "bounced" and principal.is_person:
        raise ProposalRequired(
            "a cheque bounce is proposed (POST /api/v1/admin/proposals, kind cheque_bounce) and approved by another"
        )
    payments: Payments = request.app.state.payments
    return checked(PaymentPublic, payments.set_cheque_status(txn_id, body.status))
