"""The client core put together for one kiosk profile: store, worker, API, connectivity, use-cases, events."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kiosk_app.api import ApiClient
from kiosk_app.background import Background
from kiosk_app.config import DEFAULT_HELP_DESK, KioskConfig
from kiosk_app.connectivity import Connectivity
from kiosk_app.events import KioskEvents
from kiosk_app.health import KioskHealth
from kiosk_app.money import MoneyState, read_money
from kiosk_app.receipt_key import ReceiptKey
from kiosk_app.receipt_message import ReceiptMessages
from kiosk_app.services import BillPayment, InFlight, ServiceCatalog
from kiosk_app.session import LocalSettings, SignedInOperator, TokenStore
from kiosk_app.sync import DayEndSync
from kiosk_app.wallet import Wallet
from kiosk_app.worker import DbWorker, Worker
from offline_cache.outbox import OutboxState
from offline_cache.store import LocalStore
from printing.receipt import HelpDesk

log = logging.getLogger("emitra.sync")


@dataclass(frozen=True)
class KioskStatus:
    """What `python -m kiosk_app status` prints and the status bar shows."""

    database: str
    queue_length: int
    in_doubt: int
    done: int
    refused: int
    for_reconcile: int
    offline_limit_paise: int
    last_sync: dict[str, Any] | None
    server_reachable: bool


class KioskCore:
    """Owns the parts; the UI gets `catalog`, `payments`, `sync`, `wallet`, `receipt_messages`, `connectivity` and
    `events` from it."""

    def __init__(
        self,
        config: KioskConfig,
        *,
        worker: Worker | None = None,
        api: ApiClient | None = None,
        help_desk: HelpDesk = DEFAULT_HELP_DESK,
        settings: LocalSettings | None = None,
        auto_flush: bool = False,
        operator: SignedInOperator | None = None,
        receipt_key: ReceiptKey | None = None,
    ) -> None:
        self.config = config
        self.worker: Worker = worker if worker is not None else DbWorker()
        self.store = self.worker.call(LocalStore.open, config.database_path)
        # What the operator's settings no longer allow to be remembered is dropped at every start.
        forget = datetime.now(UTC) - timedelta(days=round(config.customer_memory_months * 30.44))
        self.worker.call(self.store.customers.forget_before, forget.isoformat())
        self.events = KioskEvents()
        if api is None:
            machine_id = (settings or LocalSettings()).machine_id
            api = ApiClient(config.server_url, machine_id=machine_id)
        self.api = api
        self.connectivity = Connectivity(api, self.events)
        self.catalog = ServiceCatalog(api, self.store, self.worker, self.connectivity)
        in_flight = InFlight()
        self.money = MoneyState(api, self.store, self.worker, self.connectivity, self.events)
        self.payments = BillPayment(
            api,
            self.store,
            self.worker,
            self.connectivity,
            self.events,
            self.catalog,
            self.money,
            help_desk=help_desk,
            in_flight=in_flight,
            wait_s=config.pay_wait_seconds,
            operator=operator,
            receipt_key=receipt_key,
        )
        self.sync = DayEndSync(
            api,
            self.store,
            self.worker,
            self.events,
            self.money,
            connectivity=self.connectivity,
            batch_size=config.batch_size,
            in_flight=in_flight,
        )
        self.wallet = Wallet(api, self.connectivity, self.money)
        self.receipt_messages = ReceiptMessages(api, self.store, self.worker, self.connectivity, self.events)
        self.health = KioskHealth(api, self.store, self.worker, self.connectivity, config.database_path.parent)
        self._flusher = Background(self._flush, "kiosk-flush")
        if auto_flush:
            self.events.online_changed.connect(self._on_online_changed)

    def resume_session(self, tokens: TokenStore) -> bool:
        """Use the token kept in the keyring (the headless commands have no login screen)."""
        token = tokens.load()
        self.api.token = token
        return token is not None

    def _on_online_changed(self, online: bool) -> None:
        # The outbox flushes when the server is back, on its own thread (never the GUI's, never the worker).
        if online:
            self._flusher.start()

    def flush_finished(self, timeout: float) -> bool:
        """Wait for a running outbox flush to end; True when none is running (tests, and a clean shutdown)."""
        return self._flusher.finished(timeout)

    def _flush(self) -> None:
        try:
            self.catalog.refresh()  # a 304 when nothing changed
            self.sync.run()
        except RuntimeError:
            pass  # a sync is already running
        except Exception:
            log.exception("flushing the outbox failed")

    def status(self, *, probe: bool = True) -> KioskStatus:
        def read() -> tuple[dict[OutboxState, int], int, int, Any]:
            last = self.store.state.last_sync()
            return (
                self.store.outbox.counts(),
                len(self.store.outbox.for_reconcile()),
                read_money(self.store).offline_limit_paise,
                None
                if last is None
                else {
                    "started_at": last.started_at,
                    "finished_at": last.finished_at,
                    "outcome": last.outcome,
                    "done": last.summary.get("done"),
                    "refused": last.summary.get("refused"),
                    "remaining": last.summary.get("remaining"),
                },
            )

        counts, reconcile, limit, last = self.worker.call(read)
        reachable = self.connectivity.check() if probe else bool(self.connectivity.online)
        return KioskStatus(
            str(self.config.database_path),
            counts[OutboxState.QUEUED] + counts[OutboxState.SENDING],
            counts[OutboxState.SENDING],
            counts[OutboxState.DONE],
            counts[OutboxState.REFUSED],
            reconcile,
            limit,
            last,
            reachable,
        )

    def close(self) -> None:
        self.connectivity.stop()
        self.api.close()
        self.worker.call(self.store.close)
        self.worker.close()
