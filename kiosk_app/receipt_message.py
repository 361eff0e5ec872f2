"""A receipt sent to the customer as a short SMS or e-mail (POST /receipts/messages), through the outbox: written
before it is sent, sent at once when the server answers, else kept and sent once the kiosk is back online.

Each message has its operation id; the server sends a message once per id, so sending one again after a lost
answer (or a replayed flush) never reaches the customer twice. A PROVISIONAL receipt's message names its payment's
operation id and waits until that payment is in (the day-end sync): the server knows no receipt before."""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from kiosk_app.api import ApiClient
from kiosk_app.background import Background
from kiosk_app.connectivity import Connectivity
from kiosk_app.contract import ReceiptMessagePublic
from kiosk_app.errors import InvalidField, Refused, ServerFault, ServerUnreachable
from kiosk_app.events import KioskEvents, SyncProgress
from kiosk_app.services import error_body
from kiosk_app.worker import Worker
from offline_cache.outbox import RECEIPT_MESSAGE, NewOperation, OutboxEntry, OutboxState, Outcome
from offline_cache.store import LocalStore
from printing.receipt import Receipt
from rules.contact import parse_contact
from rules.ids import new_operation_id

log = logging.getLogger("emitra.messages")

Language = Literal["en", "hi", "both"]
WAITING = (OutboxState.QUEUED, OutboxState.SENDING)


class MessageStatus(StrEnum):
    SENT = "sent"  # the server sent it (or had sent it already for this operation id)
    QUEUED = "queued"  # kept on this PC; sent once the kiosk is back online (or its payment is in)


@dataclass(frozen=True)
class MessageOutcome:
    operation_id: str
    status: MessageStatus
    channel: Literal["sms", "email"]
    to: str  # as the server shows it (masked) once sent; the address as typed while queued


def message_payload(receipt: Receipt, to: str, language: Language) -> tuple[dict[str, Any], Literal["sms", "email"]]:
    """The request body for the customer's `to` (InvalidField beside the field "to" when it is neither a mobile
    number nor an e-mail address); the same body is sent every time."""
    contact = parse_contact(to)
    if contact is None:
        code = "invalid_email" if "@" in to else "invalid_mobile"
        raise InvalidField(code=code, details={"field": "to"})
    kind, address = contact
    payload: dict[str, Any] = {"operation_id": new_operation_id(), "to": address, "language": language}
    if receipt.provisional is not None:
        payload["payment_operation_id"] = receipt.provisional.operation_id
    else:
        payload["receipt_no"] = receipt.receipt_no
    return payload, "email" if kind == "email" else "sms"


class ReceiptMessages:
    """Sends receipt messages, and those kept in the outbox when the server is back (its own thread)."""

    def __init__(
        self, api: ApiClient, store: LocalStore, worker: Worker, connectivity: Connectivity, events: KioskEvents
    ) -> None:
        self.api = api
        self.store = store
        self.worker = worker
        self.connectivity = connectivity
        self._lock = threading.Lock()  # one sender at a time: the counter's message and the flush never race
        self._flusher = Background(self._flush_logged, "receipt-messages")
        events.online_changed.connect(self._on_online_changed)
        events.sync_progress.connect(self._on_sync_progress)

    # -- at the counter ----------------------------------------------------------------------------------
    def send(self, receipt: Receipt, to: str, language: Language) -> MessageOutcome:
        payload, channel = message_payload(receipt, to, language)
        op_id = str(payload["operation_id"])
        online = self.connectivity.online is not False
        operation = NewOperation(op_id, RECEIPT_MESSAGE, payload, 0, 0, not online)
        queued = MessageOutcome(op_id, MessageStatus.QUEUED, channel, payload["to"])
        if not online or self._waits_for_payment(payload):
            self.worker.call(self.store.outbox.add, operation)
            return queued
        with self._lock:
            self.worker.call(self.store.outbox.add, operation, state=OutboxState.SENDING)
            sent = self._post(self.worker.call(self.store.outbox.get, op_id), at_counter=True)
        return queued if sent is None else MessageOutcome(op_id, MessageStatus.SENT, sent.channel, sent.to)

    # -- once back online ----------------------------------------------------------------------------------
    def flush(self) -> int:
        """Send what waits (oldest first); stops at the first message the server cannot take now. Returns how
        many the server confirmed."""
        confirmed = 0
        with self._lock:
            for entry in self.worker.call(self.store.outbox.unsent, RECEIPT_MESSAGE):
                if self._waits_for_payment(entry.payload):
                    continue
                self.worker.call(self.store.outbox.mark_sending, [entry.operation_id])
                try:
                    if self._post(entry, at_counter=False) is None:
                        break
                except Refused as exc:
                    log.info("receipt message %s refused: %s", entry.operation_id, exc)
                    continue
                confirmed += 1
        return confirmed

    def _post(self, entry: OutboxEntry | None, *, at_counter: bool) -> ReceiptMessagePublic | None:
        """Send one; None when it must wait (no connection, the server's fault, or — a kept message — the hourly
        limit). At the counter every refusal, the limit too, is the operator's to read: nothing is kept."""
        assert entry is not None
        op_id = entry.operation_id
        try:
            body = self.api.post("/receipts/messages", entry.payload)
        except (ServerUnreachable, ServerFault) as exc:
            if isinstance(exc, ServerUnreachable):
                self.connectivity.report(False)
            if exc.details.get("sent") is False:
                self.worker.call(self.store.outbox.requeue, [op_id])  # never left this PC
            else:
                self.worker.call(self.store.outbox.note_failure, [op_id], str(exc))  # asked again: same id
            return None
        except Refused as exc:
            self.connectivity.report(True)
            if exc.status == 429 and not at_counter:  # not now: it waits for the next flush
                self.worker.call(self.store.outbox.requeue, [op_id], note=exc.error_code)
                return None
            self.worker.call(
                self.store.outbox.record, [Outcome(op_id, False, error=error_body(exc))], operator_informed=True
            )
            raise
        self.connectivity.report(True)
        answer = ReceiptMessagePublic.parse(body)
        self.worker.call(self.store.outbox.record, [Outcome(op_id, True, result=body)])
        return answer

    def _waits_for_payment(self, payload: dict[str, Any]) -> bool:
        """A PROVISIONAL receipt's message, while its payment is still on its way to the server."""
        payment = payload.get("payment_operation_id")
        if not payment:
            return False
        entry = self.worker.call(self.store.outbox.get, str(payment))
        return entry is not None and entry.state in WAITING

    def waiting(self) -> int:
        """Receipt messages kept on this PC, not yet confirmed by the server."""
        return len(self.worker.call(self.store.outbox.unsent, RECEIPT_MESSAGE))

    def _on_online_changed(self, online: bool) -> None:
        if online:
            self._flusher.start()

    def _on_sync_progress(self, progress: SyncProgress) -> None:
        if progress.finished:  # payments taken offline are in now: their receipts' messages can go
            self._flusher.start()

    def flush_finished(self, timeout: float) -> bool:
        """Wait for a running flush to end (tests, and a clean shutdown)."""
        return self._flusher.finished(timeout)

    def _flush_logged(self) -> None:
        try:
            sent = self.flush()
        except (sqlite3.ProgrammingError, RuntimeError) as exc:  # the kiosk closed (sign-out) meanwhile
            log.info("the kept receipt messages wait for the next start: %s", exc)
            return
        except Exception:
            log.exception("sending the kept receipt messages failed")
            return
        if sent:
            log.info("%d kept receipt message(s) sent", sent)
