"""Times receipt → ESC/POS bytes (Hindi rasters + QR) per printer profile against python-escpos printing the same
receipt as plain text, and a run of receipts on one USB connection against a connection per receipt (simulated
printer of tests/printing/escpos_usb_sim.py, through real python-escpos and pyusb)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from escpos.printer import Dummy
from sqlite_utils import Database

from offline_cache.receipt_spool import ReceiptSpool
from printing.connections import UsbPrinterAddress, connect
from printing.money import format_rupees_plain
from printing.profiles import profile
from printing.raster import _render_line_cached, ensure_qt_gui
from printing.receipt import Receipt
from printing.samples import sample_receipt
from printing.spool_runner import ReceiptPrinting
from printing.thermal import PAPER_58MM, PAPER_80MM, Paper, receipt_bytes
from tests.printing.escpos_usb_sim import KEYBOARD, PRINTER_58, SimBackend, SimPrinter

TARGET_MS = 20.0
# The four widths a roll can have, and a model whose python-escpos profile has no QR (its QR is a raster).
PROFILES = ("58mm-360", "58mm", "80mm-512", "80mm", "POS-5890")
RUN = 20


@dataclass(frozen=True)
class Figure:
    name: str
    median_ms: float
    p95_ms: float
    size_bytes: int


def plain_text_receipt(receipt: Receipt, paper: Paper) -> bytes:
    """The baseline: python-escpos with English text only, native QR and a cut; no rasters."""
    printer = Dummy()
    printer.hw("INIT")
    printer.set(align="center", bold=True)
    printer.textln("eMitra")
    printer.textln("PAYMENT RECEIPT")
    printer.set(align="left", bold=False)
    rows = [
        ("Receipt No.", receipt.receipt_no),
        ("Transaction ID", receipt.txn_id),
        ("Biller Ref.", receipt.biller_reference),
        ("Date/Time", receipt.paid_at_ist.strftime("%d-%m-%Y %H:%M")),
        ("Service", receipt.service.en),
        ("Department", receipt.department.en),
        ("Consumer", receipt.consumer_name),
        (receipt.consumer_no_label.en, receipt.consumer_no),
        *((f"Bill {b.bill_no}", format_rupees_plain(b.amount_paise)) for b in receipt.bills),
        ("Total", format_rupees_plain(receipt.total_paise)),
        ("Status", receipt.status.label.en),
    ]
    for label, value in rows:
        printer.textln(f"{label}: {value}"[: paper.columns])
    printer.set(align="center")
    printer.qr(receipt.txn_id, size=paper.qr_module, native=True)
    printer.cut()
    return bytes(printer.output)


def _time(
    fn: Callable[[], bytes], iterations: int, before_each: Callable[[], None] | None = None
) -> tuple[list[float], int]:
    samples: list[float] = []
    size = 0
    for _ in range(iterations):
        if before_each is not None:
            before_each()
        start = time.perf_counter()
        size = len(fn())
        samples.append((time.perf_counter() - start) * 1000)
    return samples, size


def _figure(name: str, samples: list[float], size: int) -> Figure:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return Figure(name, statistics.median(samples), p95, size)


def run(iterations: int = 200) -> list[Figure]:
    """Measure and return the figures (the test suite calls this with a few iterations)."""
    ensure_qt_gui()
    receipt = sample_receipt()
    receipt_bytes(receipt, PAPER_58MM)  # load fonts once, as the kiosk does at start-up
    figures: list[Figure] = []
    for name in PROFILES:
        paper = profile(name)
        label = f"{name} ({paper.dots} dots)"
        samples, size = _time(lambda p=paper: receipt_bytes(receipt, p), iterations)
        figures.append(_figure(f"ours {label}, rasters cached", samples, size))
        samples, size = _time(
            lambda p=paper: receipt_bytes(receipt, p),
            max(3, iterations // 4),
            before_each=_render_line_cached.cache_clear,
        )
        figures.append(_figure(f"ours {label}, first print", samples, size))
    for paper in (PAPER_58MM, PAPER_80MM):
        samples, size = _time(lambda p=paper: plain_text_receipt(receipt, p), iterations)
        figures.append(_figure(f"python-escpos plain text {paper.name}", samples, size))
    return figures


@dataclass(frozen=True)
class RunFigure:
    name: str
    total_ms: float
    per_receipt_ms: float
    opens: int
    resets: int


def run_of_receipts(count: int = RUN) -> list[RunFigure]:
    """`count` receipts spooled and printed on the simulated USB printer: one connection, then one per receipt."""
    ensure_qt_gui()
    figures: list[RunFigure] = []
    address = UsbPrinterAddress(PRINTER_58.vendor_id, PRINTER_58.product_id)
    for keep_open, name in ((True, "one connection"), (False, "a connection per receipt")):
        printer = SimPrinter()
        backend = SimBackend(printer, [KEYBOARD, PRINTER_58])
        with tempfile.TemporaryDirectory() as folder:
            db = Database(Path(folder) / "kiosk.sqlite3")
            spool = ReceiptSpool(db)
            desk = ReceiptPrinting(
                spool, lambda b=backend: connect(address, PAPER_58MM, usb_backend=b), PAPER_58MM, keep_open=keep_open
            )
            receipt = sample_receipt()
            start = time.perf_counter()
            for n in range(count):
                desk.take(receipt, operation_id=f"bench-{n}", auto_print=True)
            desk.close()
            total = (time.perf_counter() - start) * 1000
            db.close()
        figures.append(RunFigure(f"{count} receipts, {name}", total, total / count, printer.opened, printer.resets))
    return figures


def format_runs(figures: list[RunFigure]) -> str:
    head = f"{'run (simulated USB 0416:5011)':<38} {'total ms':>10} {'ms each':>8} {'opens':>6} {'resets':>7}"
    lines = [head, "-" * len(head)]
    lines += [f"{f.name:<38} {f.total_ms:>10.1f} {f.per_receipt_ms:>8.2f} {f.opens:>6} {f.resets:>7}" for f in figures]
    lines.append("a real USB reset takes the printer off the bus for a moment: the resets column is the cost to watch")
    return "\n".join(lines)


def format_table(figures: list[Figure]) -> str:
    head = f"{'case':<46} {'median ms':>10} {'p95 ms':>8} {'bytes':>7}"
    lines = [head, "-" * len(head)]
    lines += [f"{f.name:<46} {f.median_ms:>10.2f} {f.p95_ms:>8.2f} {f.size_bytes:>7}" for f in figures]
    lines.append(f"target: receipt with Hindi and QR <= {TARGET_MS:.0f} ms")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a few iterations, for the test suite")
    parser.add_argument("--iterations", type=int, default=200)
    args = parser.parse_args(argv)
    print(format_table(run(5 if args.quick else args.iterations)))
    print()
    print(format_runs(run_of_receipts(3 if args.quick else RUN)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
