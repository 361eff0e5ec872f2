"""The kiosk wallet's channels and reports: refills (gateway, old portal, NEFT/RTGS), credit line, statement, reconcile.

Every money movement here goes through the ledger (`server.ledger`) with an operation id: the kiosk's own
for its requests, a derived one (``gateway-<order>``, ``legacy-<id>``, ``bank-<UTR>``, ``suspense-<UTR>``)
for events from outside, so a replay, a retry or a second server instance never moves money twice.
Time comes from one injectable clock (`AuthClock.now`); business dates are Asia/Kolkata dates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from server.catalog import Catalog
from server.core.config import Settings
from server.payments import Payments
from server.wallet.calendar import BankCalendar
from server.wallet.credit import CreditLine
from server.wallet.day_end import DayEnd
from server.wallet.gateway import Refills, SimulatedPaymentGateway
from server.wallet.legacy import LegacyTransfers, SimulatedLegacyPortal
from server.wallet.neft import BankCredits
from server.wallet.reconcile import Reconcile
from server.wallet.scheduler import WalletScheduler


class Wallet:
    """Everything behind the wallet routes, built once per server process (state lives in the database)."""

    def __init__(
        self, engine: Engine, settings: Settings, now: Callable[[], datetime], payments: Payments, catalog: Catalog
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.now = now
        self.calendar = BankCalendar.load(settings.holidays_file)
        self.credit = CreditLine(engine, now, self.calendar, settings.credit_interest_percent)
        self.refills = Refills(engine, settings, now, self.credit)
        self.gateway = SimulatedPaymentGateway(engine, settings.gateway_secret, now, self.refills.notify)
        self.legacy_portal = SimulatedLegacyPortal()
        self.legacy = LegacyTransfers(engine, settings, now, self.legacy_portal)
        self.bank = BankCredits(engine, settings, now)
        self.reconcile = Reconcile(engine, payments)
        self.day_end = DayEnd(engine, catalog, self.credit, now)
        self.scheduler = WalletScheduler(
            [self.legacy.credit_due, self.refills.expire_due], settings.scheduler_poll_seconds
        )


__all__ = ["Wallet"]
