"""The FastAPI application: routers, error handlers, request size limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import __version__, receipt_page
from server.admin import console
from server.admin.proposals import Proposals
from server.admin.trail import TrailMiddleware
from server.api.http import SecurityHeaders
from server.api.routes import (
    accounts,
    admin,
    administrators,
    audit_trail,
    auth,
    billers_admin,
    fleet,
    health,
    payments,
    profile,
    proposals,
    receipt_keys,
    receipts,
    services,
    wallet,
    wallet_admin,
)
from server.auth.accounts import KioskAccounts
from server.auth.clock import AuthClock
from server.auth.messages import SimulatedGateway
from server.auth.passwords import Passwords
from server.billers.departments import build_departments
from server.catalog import load_catalog
from server.core.config import Settings, get_settings
from server.core.db import make_engine
from server.core.errors import error_response, install_error_handlers
from server.payments import Payments
from server.payments.settlement import Settlements
from server.payments.verification import ReceiptKeys
from server.schemas import ErrorPublic
from server.wallet import Wallet


class BodyLimit:
    """Refuse bodies over `limit` bytes with 413, by Content-Length or while streaming.

    A request with a Content-Length within the limit and no Transfer-Encoding goes straight through: the
    HTTP server delivers exactly the declared bytes, so it cannot grow past the limit.  Only a chunked
    body, whose size is known at its end, is read whole before any route sees it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        # A response holds only its status, headers and rendered body, so one object serves every refusal.
        self.too_large = error_response(413, "body_too_large", f"The request body exceeds {limit} bytes.")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared: bytes | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                chunked = True
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self.too_large(scope, receive, send)
            return
        if not chunked:
            await self.app(scope, receive, send)
            return
        # Read the whole body first (it is small by construction) so that a streamed body over the
        # limit gets the same 413 as a declared one, before any route sees it.
        chunks: list[bytes] = []
        seen = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await self.too_large(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Requests past this many wait in the event loop for a thread, not in the database holding locks.
        to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        if settings.scheduler_enabled:
            app.state.wallet.scheduler.start()
        try:
            yield
        finally:
            app.state.wallet.scheduler.stop()
            app.state.engine.dispose()
            for department in app.state.payments.billers.values():
                department.close()

    public = settings.shows_details
    app = FastAPI(
        lifespan=lifespan,
        title="eMitra kiosk central server",
        version=__version__,
        description="Wallets, payments and the ledger for eMitra kiosks. Amounts are integer paise.",
        openapi_url="/api/v1/openapi.json" if public else None,
        docs_url="/api/v1/docs" if public else None,
        redoc_url=None,
        # Every refusal has one shape (server/core/errors.py), a validation error too: the document says so
        # instead of FastAPI's own 422 body, which this server never sends.
        responses={
            "4XX": {"model": ErrorPublic, "description": "Refused: nothing was done; `error.code` says why."},
            "5XX": {"model": ErrorPublic, "description": "Not answered now (busy, database down): `error.code`."},
        },
    )
    app.state.settings = settings
    app.state.engine = make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        prepared_statements=settings.db_prepared_statements,
        transaction_timeout_s=settings.db_transaction_timeout_s,
    )
    app.state.clock = AuthClock.for_settings(settings)
    app.state.passwords = Passwords(settings.argon2_profile if settings.mode == "demo" else "default")
    app.state.gateway = SimulatedGateway(demo=settings.mode == "demo")
    app.state.accounts = KioskAccounts(app.state.engine, settings, app.state.passwords, app.state.gateway)
    app.state.catalog = load_catalog()
    app.state.payments = Payments(
        app.state.engine,
        app.state.catalog,
        app.state.clock.now,
        build_departments(settings, app.state.catalog),
        ReceiptKeys.from_secret(settings.secret_key),
    )
    app.state.settlements = Settlements(app.state.payments)
    app.state.wallet = Wallet(app.state.engine, settings, app.state.clock.now, app.state.payments, app.state.catalog)
    app.state.proposals = Proposals(
        app.state.engine, app.state.clock.now, app.state.payments, app.state.wallet.bank.assign
    )
    install_error_handlers(app)
    # A request is matched against every route in this order until one fits, at a few microseconds a
    # route (twice within its own router), so the routers the day-end storm uses come first: the
    # payments batch, the wallet's refill orders and the gateway's notifications.  No two routers share
    # a path, so the order changes which route answers nothing (tests/server/test_request_cost_routes.py).
    app.include_router(health.router, prefix="/api/v1")
    app.include_router(receipt_page.router)  # the receipts' public verification page, /v/{receipt_no}
    if settings.update_repository is not None:
        # Signed metadata and archives: their signatures, not this server, make them trustworthy (docs/UPDATES.md).
        app.mount("/updates", StaticFiles(directory=settings.update_repository, check_dir=False), name="updates")
    app.include_router(payments.router, prefix="/api/v1/payments")
    app.include_router(wallet.router, prefix="/api/v1/wallet")
    app.include_router(receipts.router, prefix="/api/v1/receipts")
    app.include_router(wallet.callbacks, prefix="/api/v1/callbacks")
    app.include_router(services.router, prefix="/api/v1")
    app.include_router(auth.router, prefix="/api/v1/auth")
    app.include_router(profile.router, prefix="/api/v1/profile")
    app.include_router(admin.router, prefix="/api/v1/admin")
    app.include_router(accounts.router, prefix="/api/v1/admin")
    app.include_router(billers_admin.router, prefix="/api/v1/admin")
    app.include_router(wallet_admin.router, prefix="/api/v1/admin")
    app.include_router(administrators.router, prefix="/api/v1/admin")
    app.include_router(proposals.router, prefix="/api/v1/admin")
    app.include_router(audit_trail.router, prefix="/api/v1/admin")
    app.include_router(fleet.router, prefix="/api/v1/kiosk")
    app.include_router(receipt_keys.router, prefix="/api/v1/kiosk")
    app.include_router(fleet.admin_router, prefix="/api/v1/admin")
    app.include_router(console.router, prefix="/admin")
    app.include_router(wallet.simulator, prefix="/sim/gateway")
    # Inside the body limit: the trail keeps what the routes were given.
    app.add_middleware(TrailMiddleware, engine=app.state.engine, clock=app.state.clock)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)  # outermost: a 413 gets the headers too

    return app


def app_factory() -> Any:
    """Entry point for `uvicorn --factory server.api.main:app_factory`."""
    return create_app()
