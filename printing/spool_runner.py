"""Prints spooled receipts: spool first, mark printed only when the printer took them, keep them otherwise."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import words
from offline_cache.receipt_spool import ReceiptSpool
from printing.connections import PaperState, PrinterConnection, PrinterStatus
from printing.errors import PAPER_NEAR_END_KEY, PaperOut, PrinterOffline, PrinterProblem
from printing.receipt import Receipt
from printing.thermal import Paper, check_page_bytes, receipt_bytes

log = logging.getLogger("printer")

STATUS_UNKNOWN_NOTE = "sent, printer status unknown"

Connector = Callable[[], PrinterConnection]


class PrintOutcome(StrEnum):
    PRINTED = "printed"  # the printer took the bytes and reported itself fine afterwards
    SENT_STATUS_UNKNOWN = "sent_status_unknown"  # bytes accepted; the printer cannot tell us more
    FAILED = "failed"


@dataclass(frozen=True)
class PrintResult:
    outcome: PrintOutcome
    spool_id: int | None = None
    problem: PrinterProblem | None = None
    paper_near_end: bool = False

    @property
    def operator_message(self) -> str:
        if self.problem is not None:
            return self.problem.operator_message
        keys = [
            "printer.sent_status_unknown" if self.outcome is PrintOutcome.SENT_STATUS_UNKNOWN else "printer.printed"
        ]
        if self.paper_near_end:
            keys.append(PAPER_NEAR_END_KEY)
        return "\n\n".join("{1}\n{0}".format(*words.pair(key)) for key in keys)


def _refuse_if_unfit(status: PrinterStatus, *, after_sending: bool) -> None:
    if status.paper is PaperState.OUT:
        raise PaperOut("paper ran out while printing" if after_sending else "")
    if status.online is False:
        raise PrinterOffline("went offline while printing" if after_sending else "")


class ReceiptPrinting:
    """The kiosk's receipt desk: spool, print, retry, reprint and test print, on any worker thread.

    `connect` opens the configured printer (e.g. ``lambda: connect(address, paper)``); a new connection
    per job means an unplugged-and-replugged printer just works on the next try.
    """

    def __init__(self, spool: ReceiptSpool, connect: Connector, paper: Paper) -> None:
        self.spool = spool
        self.connect = connect
        self.paper = paper

    def take(self, receipt: Receipt, *, operation_id: str, auto_print: bool) -> tuple[int, PrintResult | None]:
        """Spool the receipt of a finished operation; print it at once when auto-print is on."""
        spool_id = self.spool.add(operation_id, receipt.to_json())
        if not auto_print:
            return spool_id, None
        return spool_id, self.print_spooled(spool_id)

    def print_spooled(self, spool_id: int) -> PrintResult:
        entry = self.spool.get(spool_id)
        if entry.printed:
            return PrintResult(PrintOutcome.PRINTED, spool_id)
        data = receipt_bytes(Receipt.from_json(entry.receipt_json), self.paper)
        self.spool.record_attempt(spool_id)
        try:
            outcome, near_end = self._deliver(data)
        except PrinterProblem as problem:
            self.spool.mark_failed(spool_id, f"{problem.code}: {problem}")
            return PrintResult(PrintOutcome.FAILED, spool_id, problem)
        except BaseException as exc:
            # Our bug or an interrupted process: the receipt stays unprinted for the next retry.
            self.spool.mark_failed(spool_id, f"error: {exc!r}")
            raise
        self.spool.mark_printed(
            spool_id, note=STATUS_UNKNOWN_NOTE if outcome is PrintOutcome.SENT_STATUS_UNKNOWN else None
        )
        return PrintResult(outcome, spool_id, paper_near_end=near_end)

    def retry_pending(self) -> list[PrintResult]:
        """Print what is waiting, oldest first; stop at the first printer problem (the rest would fail too)."""
        results: list[PrintResult] = []
        for entry in self.spool.pending():
            result = self.print_spooled(entry.id)
            results.append(result)
            if result.outcome is PrintOutcome.FAILED:
                break
        return results

    def reprint(self, spool_id: int) -> PrintResult:
        """Print another copy marked DUPLICATE with its copy number (an unprinted original prints as original)."""
        entry = self.spool.get(spool_id)
        if not entry.printed:
            return self.print_spooled(spool_id)
        copy_number = entry.copies_printed + 1
        data = receipt_bytes(Receipt.from_json(entry.receipt_json).as_duplicate(copy_number), self.paper)
        try:
            outcome, near_end = self._deliver(data)
        except PrinterProblem as problem:
            return PrintResult(PrintOutcome.FAILED, spool_id, problem)
        self.spool.record_reprint(
            spool_id, note=STATUS_UNKNOWN_NOTE if outcome is PrintOutcome.SENT_STATUS_UNKNOWN else None
        )
        return PrintResult(outcome, spool_id, paper_near_end=near_end)

    def test_print(self) -> PrintResult:
        """Print the check page (text, Hindi, QR, cut); nothing is spooled."""
        try:
            outcome, near_end = self._deliver(check_page_bytes(self.paper))
        except PrinterProblem as problem:
            return PrintResult(PrintOutcome.FAILED, None, problem)
        return PrintResult(outcome, None, paper_near_end=near_end)

    def _deliver(self, data: bytes) -> tuple[PrintOutcome, bool]:
        connection = self.connect()
        try:
            before = connection.status()
            _refuse_if_unfit(before, after_sending=False)
            connection.send(data)
            after = connection.status()
            _refuse_if_unfit(after, after_sending=True)
        finally:
            connection.close()
        near_end = PaperState.NEAR_END in (before.paper, after.paper)
        if not after.readable:
            log.info("receipt sent; printer status unknown")
            return PrintOutcome.SENT_STATUS_UNKNOWN, near_end
        return PrintOutcome.PRINTED, near_end
