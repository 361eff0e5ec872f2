"""The kiosk's money as every screen shows it: wallet balance, spendable, credit, offline limit and the queue.

One state, held here: the server's last word on the wallet (kept on this PC, so it is there offline too) and
what the outbox still owes against it. Every operation that moves money publishes it again
(`events.money_changed`, with `queue_changed`); a screen that shows money listens, and asks `refresh()` when it
is shown. No screen keeps its own copy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from kiosk_app.api import ApiClient
from kiosk_app.connectivity import Connectivity
from kiosk_app.contract import BalancePublic, PaymentWalletPublic
from kiosk_app.errors import ServerUnreachable
from kiosk_app.events import KioskEvents
from kiosk_app.worker import Worker
from offline_cache.state import WalletSnapshot
from offline_cache.store import LocalStore

log = logging.getLogger("emitra.money")


@dataclass(frozen=True)
class Money:
    """What the screens show of the kiosk's money; integer paise. The balance figures are None before the
    server has ever described the wallet to this PC."""

    wallet_balance_paise: int | None
    spendable_paise: int | None
    credit_limit_paise: int | None
    credit_used_paise: int | None
    offline_limit_paise: int  # the last known spendable − the wallet money of every unconfirmed operation
    queued: int  # operations not yet confirmed by the server (queued or in doubt)
    taken_at: str | None  # when the server said the balance (UTC, ISO 8601)
    source: str | None  # which answer said it: the balance, a payment, a day-end sync

    @property
    def known(self) -> bool:
        return self.spendable_paise is not None


def wallet_snapshot(balance: BalancePublic | PaymentWalletPublic, source: str) -> WalletSnapshot:
    """The wallet as an answer told it: the balance route's answer, or the wallet after a payment (no credit)."""
    credit = balance if isinstance(balance, BalancePublic) else None
    return WalletSnapshot(
        wallet_balance_paise=balance.wallet_balance_paise,
        spendable_paise=balance.spendable_paise,
        credit_limit_paise=credit.credit_limit_paise if credit else None,
        credit_used_paise=credit.credit_used_paise if credit else None,
        taken_at=datetime.now(UTC).isoformat(timespec="seconds"),
        source=source,
    )


def read_money(store: LocalStore) -> Money:
    """The money from this PC's own records (on the worker: it reads the database)."""
    snapshot = store.state.wallet()
    spendable = snapshot.spendable_paise if snapshot else 0
    credit_limit = snapshot.credit_limit_paise if snapshot else None
    credit_used = snapshot.credit_used_paise if snapshot else None
    if snapshot is not None and credit_limit is None:
        # A payment's answer carries no credit figures: the last ones the balance route gave still hold.
        credit_limit, credit_used = store.state.get("wallet_credit", [None, None])
    return Money(
        wallet_balance_paise=snapshot.wallet_balance_paise if snapshot else None,
        spendable_paise=snapshot.spendable_paise if snapshot else None,
        credit_limit_paise=credit_limit,
        credit_used_paise=credit_used,
        offline_limit_paise=max(0, spendable - store.outbox.unconfirmed_wallet_paise()),
        queued=store.outbox.queue_length(),
        taken_at=snapshot.taken_at if snapshot else None,
        source=snapshot.source if snapshot else None,
    )


def save_wallet(store: LocalStore, snapshot: WalletSnapshot) -> None:
    """Keep what an answer said of the wallet (on the worker)."""
    store.state.save_wallet(snapshot)
    if snapshot.credit_limit_paise is not None:
        store.state.set("wallet_credit", [snapshot.credit_limit_paise, snapshot.credit_used_paise])


class MoneyState:
    """The one observable money state of a kiosk PC."""

    def __init__(
        self, api: ApiClient, store: LocalStore, worker: Worker, connectivity: Connectivity, events: KioskEvents
    ) -> None:
        self.api = api
        self.store = store
        self.worker = worker
        self.connectivity = connectivity
        self.events = events

    def current(self) -> Money:
        """From this PC only (no request)."""
        return self.worker.call(read_money, self.store)

    def publish(self) -> Money:
        """Tell every screen the money as it stands now."""
        money = self.current()
        self.events.queue_changed.emit(money.queued)
        self.events.money_changed.emit(money)
        return money

    def refresh(self) -> Money:
        """Ask the server for the wallet, keep it and publish it. The server cannot be reached: the last known
        money is published (its `taken_at` says from when) and ServerUnreachable raised."""
        try:
            body = self.api.get("/wallet/balance")
        except ServerUnreachable:
            self.connectivity.report(False)
            self.publish()
            raise
        self.connectivity.report(True)
        self.worker.call(save_wallet, self.store, wallet_snapshot(BalancePublic.parse(body), "balance"))
        return self.publish()

    def offline_limit(self) -> int:
        """What may still be paid from the wallet offline: last known spendable − what is already queued."""
        return self.current().offline_limit_paise
