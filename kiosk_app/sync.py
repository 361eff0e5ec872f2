"""Day-end sync: push the whole outbox in batches, each operation exactly once, and list refusals for Reconcile."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass
from dataclasses import field as field_of
from typing import Any

from kiosk_app.api import ApiClient
from kiosk_app.connectivity import Connectivity
from kiosk_app.contract import BatchDone, PayBatchPublic, PaymentPublic
from kiosk_app.errors import KioskError, Refused, ServerFault, ServerUnreachable, UnknownPayment, operator_words
from kiosk_app.events import KioskEvents, SyncProgress
from kiosk_app.money import MoneyState, save_wallet, wallet_snapshot
from kiosk_app.receipts import is_final
from kiosk_app.services import SESSION_REFUSALS, InFlight, error_body
from kiosk_app.worker import Worker
from offline_cache.outbox import OutboxEntry, OutboxState, Outcome
from offline_cache.store import LocalStore

log = logging.getLogger("emitra.sync")

# Per-item answers that mean "not now" rather than "no": the department did not answer the bill check.
TRANSIENT = frozenset({502, 503, 504})


@dataclass(frozen=True)
class ReconcileItem:
    """An operation the operator must look at: refused by the server, or failed at the department."""

    operation_id: str
    created_at: str
    amount_paise: int
    service_code: str
    consumer_no: str
    offline: bool
    code: str
    reason: str  # the server's own English, kept for the log; the operator reads `words`
    field: str | None = None
    details: dict[str, Any] = field_of(default_factory=dict)  # the error's parameters (amounts, limits)
    mobile: str | None = None  # the customer's, from the payment: the operator calls them about it

    @property
    def words(self) -> tuple[str, str]:
        """(English, Hindi) of why: the catalog's words for the code with its parameters, else the server's."""
        return operator_words(self.code, self.details) or (self.reason, self.reason)

    @classmethod
    def from_entry(cls, entry: OutboxEntry) -> ReconcileItem:
        payload = entry.payload
        bill = payload["bills"][0]
        consumer = next(iter(bill["fields"].values()), "")
        if entry.state is OutboxState.REFUSED:
            error = entry.error or {}
            code, reason, field = str(error.get("code", "refused")), str(error.get("message", "")), error.get("field")
            details = {k: v for k, v in error.items() if k not in ("code", "message", "message_hi")}
        else:
            result = entry.result or {}
            code = f"department_{result.get('status', 'failed')}"
            reason = str(result.get("failure_reason") or "the department did not accept the payment")
            field, details = None, {}
        return cls(
            entry.operation_id,
            entry.created_at,
            entry.amount_paise,
            str(bill["service_code"]),
            str(consumer),
            entry.offline,
            code,
            reason,
            None if field is None else str(field),
            details,
            (payload.get("contact") or {}).get("mobile"),
        )


@dataclass(frozen=True)
class SyncSummary:
    total: int  # operations waiting when the sync started
    done: int  # confirmed by the server in this run
    refused: int  # refused by the server in this run (see `reconcile`)
    remaining: int  # still waiting (stopped, or the server went away)
    pending_at_department: int
    stopped: bool
    interrupted: str | None  # why the run ended early, when it did
    seconds: float
    reconcile: tuple[ReconcileItem, ...]
    needs_sign_in: bool = False  # the server refused the session or sync key: sign in at the kiosk once
    # payments taken offline (or left pending) that now have their final word: each customer holds a
    # PROVISIONAL or PENDING receipt, and a corrected one can be printed for them
    settled: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.remaining == 0 and self.interrupted is None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["reconcile"] = [asdict(r) for r in self.reconcile]
        return data


class DayEndSync:
    """Push the outbox; stop() makes the run end after the batch in flight, and run() again resumes."""

    def __init__(
        self,
        api: ApiClient,
        store: LocalStore,
        worker: Worker,
        events: KioskEvents,
        money: MoneyState,
        *,
        connectivity: Connectivity | None = None,
        batch_size: int = 100,
        settle_pending: bool = True,
        in_flight: InFlight | None = None,
    ) -> None:
        self.api = api
        self.in_flight = in_flight if in_flight is not None else InFlight()
        self.store = store
        self.worker = worker
        self.events = events
        self.money = money
        self.connectivity = connectivity
        self.batch_size = batch_size
        self.settle_pending = settle_pending
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def reconcile(self) -> list[ReconcileItem]:
        """Reconcile: what the server refused (that nobody saw at the counter) and what the department failed."""
        return [ReconcileItem.from_entry(e) for e in self.worker.call(self.store.outbox.for_reconcile)]

    def run(self) -> SyncSummary:
        if not self._lock.acquire(blocking=False):
            raise RuntimeError("a day-end sync is already running")
        try:
            return self._run()
        finally:
            self._stop.clear()
            self._lock.release()

    def _run(self) -> SyncSummary:
        started = time.monotonic()
        run_id = self.worker.call(self.store.state.sync_started)
        total = self.worker.call(self.store.outbox.queue_length)
        self._total, self._sent, self._done, self._refused = total, 0, 0, 0
        self._deferred: dict[str, str] = {}
        self._settled: list[str] = []
        interrupted: str | None = None
        needs_sign_in = False
        self._progress()
        try:
            self._resolve_in_doubt()
            while not self._stop.is_set():
                batch = self.worker.call(self.store.outbox.claim, self.batch_size)
                if not batch:
                    break
                self._send(batch)
            if self.settle_pending and not self._stop.is_set():
                self._settle_pending()
            if not self._stop.is_set():
                self._refresh_money()
        except (ServerUnreachable, ServerFault) as exc:
            interrupted = str(exc)
            if self.connectivity is not None and isinstance(exc, ServerUnreachable):
                self.connectivity.report(False)
        except SESSION_REFUSALS as exc:
            interrupted = exc.message_en
            needs_sign_in = True
        else:
            if self.connectivity is not None:
                self.connectivity.report(True)
        if self._deferred:
            for op_id, reason in self._deferred.items():
                self.worker.call(self.store.outbox.requeue, [op_id], note=reason)
            if interrupted is None:
                interrupted = (
                    f"{len(self._deferred)} payment(s) wait for their department, which did not answer; "
                    "they are sent again at the next sync"
                )
        remaining = self.worker.call(self.store.outbox.queue_length)
        pending = len(self.worker.call(self.store.outbox.awaiting_department))
        summary = SyncSummary(
            total,
            self._done,
            self._refused,
            remaining,
            pending,
            self._stop.is_set(),
            interrupted,
            round(time.monotonic() - started, 3),
            tuple(self.reconcile()),
            needs_sign_in,
            tuple(self._settled),
        )
        outcome = "complete" if summary.complete else ("stopped" if summary.stopped else "interrupted")
        self.worker.call(self.store.state.sync_finished, run_id, outcome, summary.to_dict())
        self._progress(finished=True)
        self.money.publish()
        log.info(
            "day-end sync %s: %d done, %d refused, %d remaining in %.1f s",
            outcome,
            summary.done,
            summary.refused,
            remaining,
            summary.seconds,
        )
        return summary

    def _progress(self, *, finished: bool = False) -> None:
        self.events.sync_progress.emit(SyncProgress(self._total, self._sent, self._done, self._refused, finished))

    def _refresh_money(self) -> None:
        """The day ends with the server's word on the wallet (and proof that it answered). A sync key may only
        send payments: its refusal to read the wallet leaves the last known figures, and ends nothing."""
        try:
            self.money.refresh()
        except (ServerUnreachable, ServerFault):
            raise
        except KioskError as exc:
            log.info("the wallet was not read at the end of the sync: %s", exc)

    def _resolve_in_doubt(self) -> None:
        """Operations whose request went out without an answer: ask the server before anything is re-sent."""
        for entry in self.worker.call(self.store.outbox.in_state, OutboxState.SENDING):
            if self._stop.is_set():
                return
            if entry.operation_id in self.in_flight:
                continue  # a payment at the counter is sending it now and will record its answer
            try:
                view = self.api.get(f"/payments/{entry.operation_id}")
            except UnknownPayment:
                self.worker.call(self.store.outbox.requeue, [entry.operation_id])  # never arrived: send it
                continue
            self._record([Outcome(entry.operation_id, True, result=view)])

    def _send(self, batch: list[OutboxEntry]) -> None:
        ids = [e.operation_id for e in batch]
        try:
            body = self.api.post("/payments/batch", {"items": [e.payload for e in batch]})
        except (ServerUnreachable, ServerFault) as exc:
            # In doubt: they stay 'sending' and the next run asks about each before sending again.
            self.worker.call(self.store.outbox.note_failure, ids, str(exc))
            raise
        except SESSION_REFUSALS:
            self.worker.call(self.store.outbox.requeue, ids)  # refused before any item was looked at
            raise
        except Refused as exc:
            # The whole request was refused (a malformed item): nothing was applied. Find the culprit by halves.
            if len(batch) == 1:
                self._record([Outcome(ids[0], False, error=error_body(exc))])
                return
            middle = len(batch) // 2
            self._send(batch[:middle])
            self._send(batch[middle:])
            return
        retried = {e.operation_id for e in batch if e.attempts > 1}
        outcomes = []
        answer = PayBatchPublic.parse(body)
        for item, raw in zip(answer.results, body["results"], strict=True):
            if isinstance(item, BatchDone):
                outcomes.append(Outcome(item.operation_id, True, result=raw["payment"]))
                continue
            error = {
                "code": item.error.code,
                "message": item.error.message,
                **item.error.details,
                "status_code": item.status_code,
            }
            if item.operation_id in retried:
                # Sent before without an answer: a copy still being worked on at the server may have paid the
                # bill ("bill_already_paid"). The operation's own status is the truth.
                try:
                    view = self.api.get(f"/payments/{item.operation_id}")
                except UnknownPayment:
                    pass
                else:
                    outcomes.append(Outcome(item.operation_id, True, result=view))
                    continue
            if item.status_code in TRANSIENT:
                # The department did not answer the bill check: nothing was done, and nothing is wrong with
                # the payment. It waits for the next sync instead of going to Reconcile.
                self._deferred[item.operation_id] = item.error.message or "the department did not answer"
                continue
            outcomes.append(Outcome(item.operation_id, False, error=error))
        self._record(outcomes)

    def _record(self, outcomes: list[Outcome]) -> None:
        # Each payment the server described has the contract's shape before the outbox keeps it as it came.
        payments = [PaymentPublic.parse(o.result) for o in outcomes if o.done and o.result]

        def write() -> None:
            self.store.outbox.record(outcomes)
            if payments:
                save_wallet(self.store, wallet_snapshot(payments[-1].wallet, "day-end sync"))
                self.store.customers.settle([(p.operation_id, p.status.value, p.receipt_no) for p in payments])

        self.worker.call(write)
        self._settled += [p.operation_id for p in payments if is_final(p.status)]
        self._sent += len(outcomes)
        self._done += sum(1 for o in outcomes if o.done)
        self._refused += sum(1 for o in outcomes if not o.done)
        self._progress()

    def _settle_pending(self) -> None:
        """Payments the server took whose department answer is still out: ask once more each."""
        for entry in self.worker.call(self.store.outbox.awaiting_department):
            if self._stop.is_set():
                return
            try:
                view = self.api.get(f"/payments/{entry.operation_id}")
            except (ServerUnreachable, ServerFault):
                raise
            except KioskError as exc:
                log.info("status of %s not available: %s", entry.operation_id, exc)
                continue
            payment = PaymentPublic.parse(view)  # the contract's shape, before the outbox keeps it as it came
            self.worker.call(self.store.outbox.record, [Outcome(entry.operation_id, True, result=view)])
            if is_final(payment.status):
                self._settled.append(entry.operation_id)
