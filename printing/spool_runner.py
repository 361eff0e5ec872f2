"""Prints spooled receipts: spool first, mark printed only when the printer took them, keep them otherwise."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

import words
from offline_cache.receipt_spool import ReceiptSpool
from printing.connections import PaperState, PrinterConnection, PrinterStatus
from printing.errors import PAPER_NEAR_END_KEY, CoverOpen, PaperOut, PrinterFault, PrinterOffline, PrinterProblem
from printing.receipt import Receipt
from printing.thermal import Paper, check_page_bytes, receipt_bytes

log = logging.getLogger("printer")

STATUS_UNKNOWN_NOTE = "sent, printer status unknown"
OPERATOR_SAW_IT_NOTE = "sent, status unknown; the operator saw it printed"
OPERATOR_DID_NOT_SEE_IT_NOTE = "operator: it did not print"

Connector = Callable[[], PrinterConnection]


class PrintOutcome(StrEnum):
    PRINTED = "printed"  # the printer took the bytes and reported itself fine afterwards
    SENT_STATUS_UNKNOWN = "sent_status_unknown"  # bytes accepted; the printer cannot tell us more
    FAILED = "failed"

    @property
    def ask_operator(self) -> bool:
        """Whether the receipt window should ask "Did it print?" (answer with ReceiptPrinting.answer)."""
        return self is PrintOutcome.SENT_STATUS_UNKNOWN


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
    if status.cover_open:
        raise CoverOpen("cover opened while printing" if after_sending else "")
    if status.error:
        raise PrinterFault("error while printing" if after_sending else "")
    if status.online is False:
        raise PrinterOffline("went offline while printing" if after_sending else "")


class ReceiptPrinting:
    """The kiosk's receipt desk: spool, print, retry, reprint and test print, on any worker thread.

    `connect` opens the configured printer (e.g. ``lambda: connect(address, paper)``). A run of jobs
    (`retry_pending`, or every job with ``keep_open=True`` until `close()`) goes over one connection, so a
    USB printer is not configured and reset for each receipt; a printer problem drops the connection, so
    an unplugged-and-replugged printer works on the next try.
    """

    def __init__(self, spool: ReceiptSpool, connect: Connector, paper: Paper, *, keep_open: bool = False) -> None:
        self.spool = spool
        self.connect = connect
        self.paper = paper
        self.keep_open = keep_open
        self._connection: PrinterConnection | None = None
        self._runs = 0

    @contextmanager
    def run(self) -> Iterator[None]:
        """Jobs inside share one connection, closed at the end (unless `keep_open`)."""
        self._runs += 1
        try:
            yield
        finally:
            self._runs -= 1
            if not self._runs and not self.keep_open:
                self.close()

    @property
    def printer_set(self) -> bool:
        """A desk made with a connection always has a printer to send to."""
        return True

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

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
        with self.run():
            for entry in self.spool.pending():
                result = self.print_spooled(entry.id)
                results.append(result)
                if result.outcome is PrintOutcome.FAILED:
                    break
        return results

    def answer(self, spool_id: int, *, printed: bool) -> None:
        """The operator's answer to "Did it print?" after a job whose printer could not tell.

        Yes: the receipt stays printed, with the answer as its note. No: it goes back to the pending
        receipts (a retry prints it as the original).
        """
        if printed:
            self.spool.mark_failed(spool_id, OPERATOR_SAW_IT_NOTE)
        else:
            self.spool.mark_not_printed(spool_id, OPERATOR_DID_NOT_SEE_IT_NOTE)

    def awaiting_answer(self) -> list[int]:
        """Spool ids of the recent receipts sent with unknown status that no one has answered for yet."""
        return [e.id for e in self.spool.recent() if e.printed and e.last_error == STATUS_UNKNOWN_NOTE]

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
        with self.run():
            if self._connection is None:
                self._connection = self.connect()
            connection = self._connection
            try:
                before = connection.status()
                _refuse_if_unfit(before, after_sending=False)
                connection.send(data)
                # Asked after the job, so paper out / cover open / an error during it is told apart.
                after = connection.status()
                _refuse_if_unfit(after, after_sending=True)
            except BaseException:
                self.close()
                raise
        near_end = PaperState.NEAR_END in (before.paper, after.paper)
        if not after.readable:
            log.info("receipt sent; printer status unknown")
            return PrintOutcome.SENT_STATUS_UNKNOWN, near_end
        return PrintOutcome.PRINTED, near_end
