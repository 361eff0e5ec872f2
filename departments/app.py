"""The HTTP face of the simulated departments: the department protocol per biller, and an admin API of its own.

    /{department}/v1/…   the protocol of server/billers/protocol.py (docs/DEPARTMENTS.md), signed both ways
    /admin/…             faults (list, set, clear) and recorded payments, behind X-Admin-Token
    /health              the process and its database answer (no token)

Faults act as a department's would: slow answers after delay_ms; timeout holds the request and never looks at
it; lost_answer does the work, then holds the answer back; decline refuses.  A held request is answered
(unsigned, 504) only after `hold_s` or delay_ms, long after any sensible client gave up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from departments.config import Settings
from departments.store import IST, Fault, StaleRequest, Store
from server.billers.protocol import (
    FETCH_PATH,
    HEALTH_PATH,
    KEY_ID_HEADER,
    PAY_PATH,
    REQUEST_ID_HEADER,
    SETTLEMENT_MEDIA_TYPE,
    SETTLEMENT_PATH,
    STATUS_PATH,
    DepartmentKey,
    ErrorAnswer,
    ErrorDetail,
    FetchAnswer,
    FetchRequest,
    HealthAnswer,
    PayAnswer,
    PayRequest,
    ReplayGuard,
    SignatureRefused,
    SignedRequest,
    StatusAnswer,
    StatusRequest,
    sign_answer,
    verify_request,
    write_settlement_file,
)

log = logging.getLogger("emitra.departments")
MAX_BODY_BYTES = 2 * 1024 * 1024
Body = TypeVar("Body", bound=BaseModel)


class FaultIn(BaseModel):
    fault: Literal["none", "slow", "timeout", "decline", "lost_answer"]
    times: int = Field(-1, ge=-1, description="requests (declined payments) it acts on; -1 until switched off")
    delay_ms: int = Field(0, ge=0, le=600_000, description="slow: the wait; timeout, lost_answer: the hold")
    applies_to: Literal["fetch", "pay", "both"] = "pay"


class WithdrawalIn(BaseModel):
    terminal_id: str = Field(pattern=r"^[A-Z0-9]{8,16}$")
    amount_paise: int = Field(ge=100_00, le=10_000_00)
    aadhaar_last4: str = Field("0000", pattern=r"^[0-9]{4}$")


class Refused(Exception):
    """A request refused as a whole; signed with `key` when the department can (it knows the key id)."""

    def __init__(
        self, status: int, code: str, message: str, *, key: DepartmentKey | None = None, request_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.key, self.request_id = status, code, message, key, request_id


def ist_today() -> date:
    return datetime.now(IST).date()


def create_app(settings: Settings) -> FastAPI:
    catalog = settings.catalog()
    keys = settings.department_keys()
    store = Store(settings.database_url, catalog)
    guard = ReplayGuard()

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        store.dispose()

    app = FastAPI(title="eMitra simulated departments", version="1", lifespan=lifespan)
    app.state.store = store

    def keys_of(department: str) -> dict[str, DepartmentKey]:
        found = keys.get(department)
        if found is None:
            raise Refused(404, "unknown_department", f"no department {department} here")
        return {k.key_id: k for k in found}

    async def accept(request: Request, department: str, model: type[Body] | None) -> tuple[SignedRequest, Body | None]:
        """The request's signature, timestamp and id checked, then its body parsed; else Refused (logged)."""
        known = keys_of(department)
        if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
            raise Refused(413, "too_large", f"a request body is at most {MAX_BODY_BYTES} bytes")
        body = await request.body()
        path = request.scope.get("raw_path", b"").decode("ascii", "replace") or request.url.path
        try:
            signed = verify_request(known.get, request.method, path, request.headers, body, guard=guard)
        except SignatureRefused as exc:
            log.warning("%s %s refused: %s", department, path, exc)
            # Only a request whose signature held gets a signed refusal: no signing for whoever asks.
            verified = exc.code in ("stale_timestamp", "replayed_request")
            raise Refused(
                409 if exc.code == "replayed_request" else 401,
                exc.code,
                exc.message,
                key=known.get(request.headers.get(KEY_ID_HEADER, "")) if verified else None,
                request_id=request.headers.get(REQUEST_ID_HEADER),
            ) from exc
        if model is None:
            return signed, None
        try:
            return signed, model.model_validate_json(body)
        except ValidationError as exc:
            log.warning("%s %s refused: malformed body (%d problems)", department, path, exc.error_count())
            raise Refused(
                422,
                "invalid_request",
                exc.errors(include_url=False)[0]["msg"],
                key=signed.key,
                request_id=signed.request_id,
            ) from exc

    def answer(signed: SignedRequest, body: bytes, media_type: str = "application/json") -> Response:
        headers = sign_answer(signed.key, 200, signed.request_id, body)
        return Response(body, 200, media_type=media_type, headers=headers)

    async def hold(request: Request, fault: Fault) -> Response:
        """Keep the request without an answer (until the client gives up, or the hold ends)."""
        deadline = time.monotonic() + (fault.delay_ms / 1000 if fault.delay_ms else settings.hold_s)
        while time.monotonic() < deadline and not await request.is_disconnected():
            await asyncio.sleep(0.05)
        return Response(status_code=504)

    @app.exception_handler(Refused)
    async def on_refused(_request: Request, exc: Refused) -> Response:
        body = ErrorAnswer(error=ErrorDetail(code=exc.code, message=exc.message)).model_dump_json().encode()
        headers: dict[str, str] = {}
        if exc.key is not None and exc.request_id is not None:
            try:
                headers = sign_answer(exc.key, exc.status, exc.request_id, body)
            except ValueError:
                headers = {}
        return Response(body, exc.status, media_type="application/json", headers=headers)

    # -- the protocol -------------------------------------------------------------------------------------
    @app.post("/{department}" + FETCH_PATH)
    async def fetch(department: str, request: Request) -> Response:
        signed, body = await accept(request, department, FetchRequest)
        assert body is not None
        fault = await run_in_threadpool(store.take_fault, department, "fetch")
        if fault.fault in ("timeout", "lost_answer"):  # a fetch records nothing: both are no answer
            return await hold(request, fault)
        if fault.fault == "slow":
            await asyncio.sleep(fault.delay_ms / 1000)
        results = await run_in_threadpool(
            store.fetch, department, body.items, ist_today(), declined=fault.fault == "decline"
        )
        return answer(signed, FetchAnswer(items=results).model_dump_json().encode())

    @app.post("/{department}" + PAY_PATH)
    async def pay(department: str, request: Request) -> Response:
        signed, body = await accept(request, department, PayRequest)
        assert body is not None
        fault = await run_in_threadpool(store.take_fault, department, "pay")
        if fault.fault == "timeout":
            return await hold(request, fault)
        if fault.fault == "slow":
            await asyncio.sleep(fault.delay_ms / 1000)
        try:
            results = await run_in_threadpool(store.pay, department, signed.request_id, signed.timestamp, body.items)
        except StaleRequest as exc:
            log.warning("%s payments of request %s refused: its window closed", department, signed.request_id)
            raise Refused(
                401, "stale_timestamp", "the request's window closed", key=signed.key, request_id=signed.request_id
            ) from exc
        except SignatureRefused as exc:
            log.warning("%s payments refused: %s", department, exc)
            raise Refused(409, exc.code, exc.message, key=signed.key, request_id=signed.request_id) from exc
        if fault.fault == "lost_answer":
            log.info("%s recorded %d payments; the answer is lost (simulated)", department, len(results))
            return await hold(request, fault)
        return answer(signed, PayAnswer(items=results).model_dump_json().encode())

    @app.post("/{department}" + STATUS_PATH)
    async def status(department: str, request: Request) -> Response:
        signed, body = await accept(request, department, StatusRequest)
        assert body is not None
        results = await run_in_threadpool(store.status, department, body.references)
        return answer(signed, StatusAnswer(items=results).model_dump_json().encode())

    @app.get("/{department}" + SETTLEMENT_PATH)
    async def settlement(department: str, business_date: str, request: Request) -> Response:
        signed, _ = await accept(request, department, None)
        try:
            day = date.fromisoformat(business_date)
        except ValueError as exc:
            raise Refused(
                422, "invalid_request", "the business date is YYYY-MM-DD", key=signed.key, request_id=signed.request_id
            ) from exc
        lines = await run_in_threadpool(store.settlement, department, day)
        data = write_settlement_file(signed.key, department, day, lines)
        return answer(signed, data, SETTLEMENT_MEDIA_TYPE)

    @app.get("/{department}" + HEALTH_PATH)
    async def department_health(department: str, request: Request) -> Response:
        signed, _ = await accept(request, department, None)
        return answer(signed, HealthAnswer(department=department, status="ok").model_dump_json().encode())

    # -- the process and its admin API ----------------------------------------------------------------------
    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok" if store.healthy() else "database_unavailable", "departments": sorted(keys)}

    def admin(x_admin_token: Annotated[str | None, Header()] = None) -> None:
        if x_admin_token is None or not secrets.compare_digest(x_admin_token, settings.admin_token):
            raise HTTPException(401, "the departments' admin token is missing or wrong")

    AdminDep = Depends(admin)

    def known(department: str) -> str:
        if department not in keys:
            raise HTTPException(404, f"no department {department}")
        return department

    @app.get("/admin/faults", dependencies=[AdminDep])
    def list_faults() -> dict[str, Any]:
        faults = store.faults()
        return {"faults": {d: faults.get(d, Fault("none", 0, 0, "pay")).public() for d in sorted(keys)}}

    @app.put("/admin/faults/{department}", dependencies=[AdminDep])
    def set_fault(department: str, body: FaultIn) -> dict[str, Any]:
        fault = Fault(body.fault, body.times, body.delay_ms, body.applies_to)
        store.set_fault(known(department), fault)
        log.info("%s fault set: %s", department, fault)
        return {"department": department, **fault.public()}

    @app.delete("/admin/faults/{department}", dependencies=[AdminDep])
    def clear_fault(department: str) -> dict[str, Any]:
        store.set_fault(known(department), Fault("none", 0, 0, "pay"))
        return {"department": department, "fault": "none"}

    @app.delete("/admin/faults", dependencies=[AdminDep])
    def clear_faults() -> dict[str, Any]:
        store.clear_faults()
        return {"faults": "cleared"}

    @app.post("/admin/withdrawals", dependencies=[AdminDep])
    def record_withdrawal(body: WithdrawalIn) -> dict[str, Any]:
        """Demo and tests: a customer took cash at a micro-ATM terminal (the device's part); its RRN."""
        return store.record_withdrawal(body.terminal_id, body.amount_paise, body.aadhaar_last4)

    @app.get("/admin/payments", dependencies=[AdminDep])
    def list_payments(
        department: str | None = None,
        reference: str | None = None,
        limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    ) -> dict[str, Any]:
        return {"payments": store.payments(department, reference, limit)}

    return app
