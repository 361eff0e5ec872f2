"""The kiosk's own wallet: balance, Refill, Fund Payout, statement, Reconcile and day end — plus the signed
notifications of the gateway and the bank, and the demo payment gateway's page."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from rules.day import business_day
from server.api.answers import checked
from server.api.deps import CurrentKiosk, EngineDep, SettingsDep
from server.core.errors import ApiError
from server.core.fields import Day, PathName, RowId
from server.ledger import KioskBalances, read_kiosk_balances
from server.schemas import BalancePublic
from server.wallet import Wallet
from server.wallet.gateway import ensure_demo
from server.wallet.schemas import (
    BankNotifiedPublic,
    DayEndPublic,
    FundTransferPublic,
    FundTransfersPublic,
    GatewayNotifiedPublic,
    LegacyTransferIn,
    PayoutIn,
    PayoutPagePublic,
    PayoutPublic,
    ReconcilePublic,
    RefillOrderIn,
    RefillOrderPublic,
    RefillPagePublic,
    SimCompleteIn,
    SimulatedPaymentPublic,
    StatementPublic,
    VerifyPublic,
)
from server.wallet.signatures import BANK_HEADER, GATEWAY_HEADER
from server.wallet.statement import statement, statement_csv

router = APIRouter(tags=["wallet"])


def _wallet(request: Request) -> Wallet:
    wallet: Wallet = request.app.state.wallet
    return wallet


def _today(request: Request, day: date | None) -> date:
    return day or business_day(_wallet(request).now())


def _balances(engine: Engine, kiosk_code: str) -> KioskBalances:
    with engine.connect() as conn:
        return read_kiosk_balances(conn, kiosk_code)


# The kiosk's busiest routes are `async def` and hand their blocking work to a worker thread themselves:
# FastAPI runs a plain `def` route on one worker thread and then checks its answer on another.


@router.get("/balance")
async def wallet_balance(kiosk: CurrentKiosk, engine: EngineDep) -> BalancePublic:
    b = await run_in_threadpool(_balances, engine, kiosk.kiosk_code)
    return BalancePublic(
        kiosk_code=kiosk.kiosk_code,
        wallet_balance_paise=b.wallet,
        credit_limit_paise=-b.credit_floor,
        credit_used_paise=b.credit_used,
        spendable_paise=b.spendable,
    )


# -- Financial → Wallet → Refill ------------------------------------------------------------------------


@router.get("/refill", response_model=RefillPagePublic)
def refill_page(kiosk: CurrentKiosk, request: Request, settings: SettingsDep) -> Response:
    """Everything the Refill page shows: the kiosk's own NEFT/RTGS account, limits, recent refills."""
    wallet = _wallet(request)
    return checked(
        RefillPagePublic,
        {
            "virtual_account": wallet.bank.account_details(kiosk.kiosk_id),
            "channels": [
                {"code": "net_banking", "label_en": "Net banking"},
                {"code": "aggregator", "label_en": "Payment aggregator"},
                {"code": "existing_emitra", "label_en": "Fund Receive Request from Existing Emitra"},
                {"code": "neft_rtgs", "label_en": "Pay Via NEFT/RTGS"},
            ],
            "gateway": {
                "min_paise": settings.refill_min_paise,
                "max_paise": settings.refill_max_paise,
                "order_ttl_minutes": settings.refill_order_ttl_minutes,
            },
            "existing_emitra": {"credit_delay_minutes": settings.legacy_credit_delay_minutes},
            "orders": wallet.refills.orders(kiosk.kiosk_id, 10),
            "legacy_transfers": wallet.legacy.transfers(kiosk.kiosk_id, 10),
            "bank_credits": wallet.bank.for_kiosk(kiosk.kiosk_id, 10),
        },
    )


@router.post("/refill/orders", response_model=RefillOrderPublic)
async def create_refill_order(body: RefillOrderIn, kiosk: CurrentKiosk, request: Request) -> Response:
    """Net banking / aggregator: an order to pay at the gateway; the wallet is credited when the gateway confirms.

    Idempotent on operation_id (same body → the same order; another body → 409 operation_id_reused).
    """
    refills = _wallet(request).refills
    return await run_in_threadpool(
        lambda: checked(
            RefillOrderPublic,
            refills.create_order(kiosk.kiosk_id, kiosk.kiosk_code, body.operation_id, body.amount_paise, body.channel),
        )
    )


@router.get("/refill/orders/{order_id}", response_model=RefillOrderPublic)
async def refill_order(order_id: PathName, kiosk: CurrentKiosk, request: Request) -> Response:
    refills = _wallet(request).refills
    return await run_in_threadpool(lambda: checked(RefillOrderPublic, refills.order(kiosk.kiosk_id, order_id)))


@router.post("/refill/existing-emitra", response_model=FundTransferPublic)
def fund_receive_request(body: LegacyTransferIn, kiosk: CurrentKiosk, request: Request) -> Response:
    """ "Fund Receive Request from Existing Emitra": accepted now, credited after the configured delay."""
    legacy = _wallet(request).legacy
    return checked(
        FundTransferPublic, legacy.request(kiosk.kiosk_id, kiosk.kiosk_code, body.operation_id, body.cug_code)
    )


@router.get("/refill/existing-emitra", response_model=FundTransfersPublic)
def fund_receive_requests(kiosk: CurrentKiosk, request: Request) -> Response:
    return checked(FundTransfersPublic, {"transfers": _wallet(request).legacy.transfers(kiosk.kiosk_id, 50)})


# -- Financial → Wallet → Fund Payout -------------------------------------------------------------------


@router.get("/payout", response_model=PayoutPagePublic)
def payout_page(kiosk: CurrentKiosk, request: Request) -> Response:
    """Outstanding on the credit line, its due dates, the interest so far, and the kiosk's payout orders still
    waiting for the bank (`open_orders`, newest first), so a client that restarted can follow them."""
    wallet = _wallet(request)
    return checked(
        PayoutPagePublic,
        {
            **wallet.credit.view(kiosk.kiosk_id, kiosk.kiosk_code),
            "open_orders": wallet.refills.open_orders(kiosk.kiosk_id, "payout"),
        },
    )


@router.post("/payout", response_model=PayoutPublic)
def fund_payout(body: PayoutIn, kiosk: CurrentKiosk, request: Request) -> Response:
    """Pay interest then outstanding: from the wallet at once, or by net banking (an order at the gateway)."""
    wallet = _wallet(request)
    if body.method == "wallet":
        return checked(
            PayoutPublic,
            {
                "method": "wallet",
                "payout": wallet.credit.pay_from_wallet(
                    kiosk.kiosk_id, kiosk.kiosk_code, body.operation_id, body.amount_paise
                ),
            },
        )
    order = wallet.refills.create_order(
        kiosk.kiosk_id, kiosk.kiosk_code, body.operation_id, body.amount_paise, "net_banking", purpose="payout"
    )
    return checked(PayoutPublic, {"method": "net_banking", "order": order})


# -- statement, Reconcile Finance Transaction, day end ------------------------------------------------------


@router.get("/statement", response_model=StatementPublic)
def wallet_statement(
    kiosk: CurrentKiosk,
    request: Request,
    engine: EngineDep,
    from_date: Annotated[Day | None, Query(alias="from", description="first IST business date (default today)")] = None,
    to_date: Annotated[Day | None, Query(alias="to", description="last IST business date (default today)")] = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Response:
    """Every line on the wallet and the credit line with running balances; `format=csv` downloads it."""
    start, end = _today(request, from_date), _today(request, to_date)
    data = statement(engine, kiosk.kiosk_code, start, end)
    if format == "csv":
        return Response(
            statement_csv(data),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="wallet-statement-{start}-{end}.csv"'},
        )
    return checked(StatementPublic, data)


@router.get("/reconcile", response_model=ReconcilePublic)
def reconcile_report(
    kiosk: CurrentKiosk,
    request: Request,
    day: Annotated[Day | None, Query(alias="date", description="IST business date (default today)")] = None,
) -> Response:
    """The day's payments, failed and pending first; select one and Verify it."""
    return checked(ReconcilePublic, _wallet(request).reconcile.report(kiosk.kiosk_id, _today(request, day)))


@router.post("/reconcile/payments/{payment_id}/verify", response_model=VerifyPublic)
def reconcile_verify(payment_id: RowId, kiosk: CurrentKiosk, request: Request) -> Response:
    """Ask the department for the final status; a failed bill is reversed to the wallet once. Idempotent."""
    return checked(VerifyPublic, _wallet(request).reconcile.verify(kiosk.kiosk_id, payment_id))


@router.get("/day-end", response_model=DayEndPublic)
def day_end_report(
    kiosk: CurrentKiosk,
    request: Request,
    day: Annotated[Day | None, Query(alias="date", description="IST business date (default today)")] = None,
) -> Response:
    """Collections by service and method, reversals, refills, balances and outstanding, for printing."""
    report = _wallet(request).day_end.report(kiosk.kiosk_id, kiosk.kiosk_code, _today(request, day))
    return checked(DayEndPublic, report)


# -- notifications from outside (signed; not kiosk routes, so not in the kiosk API schema) ------------------

callbacks = APIRouter(tags=["callbacks"], include_in_schema=False)


@callbacks.post("/gateway", response_model=GatewayNotifiedPublic)
async def gateway_notification(request: Request) -> Response:
    """The payment gateway's result for an order; X-Gateway-Signature = hex HMAC-SHA256 of the body."""
    raw, refills = await request.body(), _wallet(request).refills
    signature = request.headers.get(GATEWAY_HEADER)
    return await run_in_threadpool(lambda: checked(GatewayNotifiedPublic, refills.notify(raw, signature)))


@callbacks.post("/bank", response_model=BankNotifiedPublic)
async def bank_notification(request: Request) -> Response:
    """A credit to a virtual account; X-Bank-Signature = hex HMAC-SHA256 of the body."""
    raw, bank = await request.body(), _wallet(request).bank
    signature = request.headers.get(BANK_HEADER)
    return await run_in_threadpool(lambda: checked(BankNotifiedPublic, bank.notify(raw, signature)))


# -- the simulated payment gateway (demo mode only) --------------------------------------------------------

simulator = APIRouter(tags=["simulator"], include_in_schema=False)


@simulator.get("/orders/{order_id}/{key}", response_class=HTMLResponse)
def gateway_page(order_id: PathName, key: PathName, request: Request, settings: SettingsDep) -> HTMLResponse:
    ensure_demo(settings)
    gateway = _wallet(request).gateway
    gateway.check_key(order_id, key)
    return HTMLResponse(gateway.page(order_id))


@simulator.post("/orders/{order_id}/{key}", response_class=HTMLResponse)
async def gateway_page_submit(order_id: PathName, key: PathName, request: Request) -> HTMLResponse:
    wallet = _wallet(request)
    ensure_demo(wallet.settings)
    wallet.gateway.check_key(order_id, key)
    outcome = parse_qs((await request.body()).decode("utf-8", "replace")).get("outcome", [""])[0]
    if outcome not in ("success", "failed"):
        raise ApiError("choose Pay or Cancel", code="invalid_outcome", status=422, field="outcome")
    await run_in_threadpool(wallet.gateway.complete, order_id, outcome)
    page = await run_in_threadpool(wallet.gateway.page, order_id, "successful" if outcome == "success" else "cancelled")
    return HTMLResponse(page)


@simulator.post("/orders/{order_id}/{key}/complete", response_model=SimulatedPaymentPublic)
def gateway_complete(order_id: PathName, key: PathName, body: SimCompleteIn, request: Request) -> Response:
    """For tests and demos: pay or fail an order (optionally confirming another amount); returns the signed
    notification and what delivering it did, so it can be replayed or tampered with. Under the order's page
    address, so it needs the same key."""
    wallet = _wallet(request)
    ensure_demo(wallet.settings)
    wallet.gateway.check_key(order_id, key)
    return checked(
        SimulatedPaymentPublic, wallet.gateway.complete(order_id, body.outcome, body.amount_paise, deliver=body.deliver)
    )
