"""Real python-escpos Usb and real pyusb down to a simulated printer; the bytes are decoded and checked."""

from __future__ import annotations

import usb.core

from offline_cache.receipt_spool import ReceiptSpool
from printing.connections import UsbPrinterAddress, connect, discover_usb_printers
from printing.errors import (
    PaperOut,
    PrinterBusy,
    PrinterDisconnected,
    PrinterNotFound,
    PrinterNotResponding,
    PrinterOffline,
    PrinterPermissionDenied,
    UsbBackendMissing,
    explain,
)
from printing.escpos_decode import Cut, QrCode, Raster, StatusRequest, decode, qr_payloads, rasters, text_lines
from printing.raster import Align, TextStyle, render_line
from printing.samples import sample_receipt
from printing.spool_runner import PrintOutcome, ReceiptPrinting
from printing.thermal import PAPER_58MM
from tests.printing.escpos_usb_sim import (
    KEYBOARD,
    PAPER_NEAR_END,
    PAPER_OUT,
    PRINTER_58,
    STATUS_OFFLINE,
    VENDOR_SPECIFIC_EPSON,
    SimBackend,
    SimPrinter,
)
from tests.printing.ink_pixels import ink_match, pillow_render

ADDRESS = UsbPrinterAddress(PRINTER_58.vendor_id, PRINTER_58.product_id)

# The Hindi lines of the sample receipt, in print order (each must arrive as one raster).
HINDI_LINES = [
    ("ई-मित्र, राजस्थान सरकार", TextStyle(24, True, Align.CENTER)),
    ("ऑपरेटर एसएसओ आईडी: SSO.RJJPR0142", TextStyle(24)),
    ("भुगतान रसीद", TextStyle(30, True, Align.CENTER)),
    ("सेवा: विद्युत बिल भुगतान", TextStyle(24)),
    ("विभाग: जयपुर विद्युत वितरण निगम लिमिटेड", TextStyle(24)),
]


def desk(spool: ReceiptSpool, backend: SimBackend) -> ReceiptPrinting:
    return ReceiptPrinting(spool, lambda: connect(ADDRESS, PAPER_58MM, usb_backend=backend), PAPER_58MM)


def job_bytes(printer: SimPrinter) -> bytes:
    """What was sent, without the DLE EOT status questions around the job."""
    return bytes(printer.received).replace(b"\x10\x04\x01", b"").replace(b"\x10\x04\x04", b"")


def test_discovery_finds_printer_class_and_known_vendors_only(sim_printer: SimPrinter) -> None:
    backend = SimBackend(sim_printer, [KEYBOARD, PRINTER_58, VENDOR_SPECIFIC_EPSON])
    found = {(p.vendor_id, p.product_id): p for p in discover_usb_printers(backend=backend)}
    assert set(found) == {(0x0416, 0x5011), (0x04B8, 0x0E28)}
    pos58 = found[(0x0416, 0x5011)]
    assert pos58.printer_class and (pos58.out_endpoint, pos58.in_endpoint) == (0x03, 0x81)
    assert not found[(0x04B8, 0x0E28)].printer_class and found[(0x04B8, 0x0E28)].model == "Epson TM series"


def test_receipt_prints_over_usb_and_decodes(
    spool: ReceiptSpool, usb_backend: SimBackend, sim_printer: SimPrinter
) -> None:
    receipt = sample_receipt()
    spool_id, result = desk(spool, usb_backend).take(receipt, operation_id="op-1", auto_print=True)
    assert result is not None and result.outcome is PrintOutcome.PRINTED, result
    elements = decode(bytes(sim_printer.received))
    # Status asked before and after the job, through the real pyusb read path.
    assert sum(isinstance(e, StatusRequest) for e in elements) == 4
    lines = text_lines(elements)
    for expected in (
        "PAYMENT RECEIPT",
        "K No.               210412345678",
        "Paid by                   Wallet",
        receipt.txn_id,
    ):
        assert expected in lines
    assert not any(ord(ch) > 0x7E for line in lines for ch in line), "Hindi or ₹ leaked into printer text"
    images = rasters(elements)
    assert (
        len(images) == 13
    )  # 4 headings/names, the operator, 2 bill amounts, total + its words, status, desk, thanks, no-sign line
    for (text, style), raster in zip(HINDI_LINES, images, strict=False):
        assert raster.width == PAPER_58MM.dots
        assert raster.to_image().tobytes() == render_line(text, PAPER_58MM.dots, style).tobytes(), text
    # The first heading, as the printer would print it, matches an independent shaping of the text.
    assert ink_match(images[0].to_image(), pillow_render(HINDI_LINES[0][0], 24, bold=True)) >= 0.95
    assert qr_payloads(elements) == [receipt.txn_id]
    assert isinstance(elements[-1], Cut) or any(isinstance(e, Cut) for e in elements[-6:])
    qr = next(e for e in elements if isinstance(e, QrCode))
    assert qr.align == "center"
    entry = spool.get(spool_id)
    assert entry.printed and entry.copies_printed == 1 and entry.attempts == 1 and entry.last_error is None


def test_paper_out_keeps_receipt_then_retry_prints(
    spool: ReceiptSpool, usb_backend: SimBackend, sim_printer: SimPrinter
) -> None:
    sim_printer.paper_status = PAPER_OUT
    printing = desk(spool, usb_backend)
    spool_id, result = printing.take(sample_receipt(), operation_id="op-2", auto_print=True)
    assert result is not None and result.outcome is PrintOutcome.FAILED
    assert isinstance(result.problem, PaperOut)
    assert "कागज़" in result.operator_message and "Load a new paper roll" in result.operator_message
    assert job_bytes(sim_printer) == b"", "nothing but status questions goes to a printer without paper"
    entry = spool.get(spool_id)
    assert not entry.printed and entry.last_error is not None and entry.last_error.startswith("paper_out")
    assert [e.id for e in spool.pending()] == [spool_id]

    sim_printer.paper_status = 0x12
    results = printing.retry_pending()
    assert [r.outcome for r in results] == [PrintOutcome.PRINTED]
    assert spool.pending() == []
    assert qr_payloads(decode(bytes(sim_printer.received))) == ["TXN2511250142000731"]


def test_reprint_is_marked_duplicate_with_copy_number(
    spool: ReceiptSpool, usb_backend: SimBackend, sim_printer: SimPrinter
) -> None:
    printing = desk(spool, usb_backend)
    spool_id, _ = printing.take(sample_receipt(), operation_id="op-3", auto_print=True)
    assert "*** DUPLICATE - Copy 2 ***" not in text_lines(decode(job_bytes(sim_printer)))
    sim_printer.received.clear()
    result = printing.reprint(spool_id)
    assert result.outcome is PrintOutcome.PRINTED
    lines = text_lines(decode(job_bytes(sim_printer)))
    assert "*** DUPLICATE - Copy 2 ***" in lines
    assert spool.get(spool_id).copies_printed == 2
    sim_printer.received.clear()
    printing.reprint(spool_id)
    assert "*** DUPLICATE - Copy 3 ***" in text_lines(decode(job_bytes(sim_printer)))
    assert spool.get(spool_id).copies_printed == 3


def test_cable_pulled_mid_print_keeps_receipt(
    spool: ReceiptSpool, usb_backend: SimBackend, sim_printer: SimPrinter
) -> None:
    sim_printer.disconnect_after = 5000
    printing = desk(spool, usb_backend)
    spool_id, result = printing.take(sample_receipt(), operation_id="op-4", auto_print=True)
    assert result is not None and isinstance(result.problem, PrinterDisconnected)
    assert not spool.get(spool_id).printed
    sim_printer.disconnect_after = None
    sim_printer.received.clear()
    assert printing.print_spooled(spool_id).outcome is PrintOutcome.PRINTED
    assert spool.get(spool_id).attempts == 2


def test_offline_printer(spool: ReceiptSpool, usb_backend: SimBackend, sim_printer: SimPrinter) -> None:
    sim_printer.online_status = STATUS_OFFLINE
    _, result = desk(spool, usb_backend).take(sample_receipt(), operation_id="op-5", auto_print=True)
    assert result is not None and isinstance(result.problem, PrinterOffline)


def test_write_timeout_is_not_responding(spool: ReceiptSpool, usb_backend: SimBackend, sim_printer: SimPrinter) -> None:
    sim_printer.write_times_out = True
    _, result = desk(spool, usb_backend).take(sample_receipt(), operation_id="op-6", auto_print=True)
    assert result is not None and isinstance(result.problem, PrinterNotResponding)


def test_permission_denied_tells_the_udev_rule(
    spool: ReceiptSpool, usb_backend: SimBackend, sim_printer: SimPrinter
) -> None:
    sim_printer.open_errno = 13
    _, result = desk(spool, usb_backend).take(sample_receipt(), operation_id="op-7", auto_print=True)
    assert result is not None and isinstance(result.problem, PrinterPermissionDenied)
    assert 'ATTRS{idVendor}=="0416", ATTRS{idProduct}=="5011"' in result.operator_message


def test_busy_interface(spool: ReceiptSpool, usb_backend: SimBackend, sim_printer: SimPrinter) -> None:
    sim_printer.claim_errno = 16
    _, result = desk(spool, usb_backend).take(sample_receipt(), operation_id="op-8", auto_print=True)
    assert result is not None and isinstance(result.problem, PrinterBusy)


def test_silent_printer_is_sent_status_unknown(
    spool: ReceiptSpool, usb_backend: SimBackend, sim_printer: SimPrinter
) -> None:
    sim_printer.answers_status = False
    spool_id, result = desk(spool, usb_backend).take(sample_receipt(), operation_id="op-9", auto_print=True)
    assert result is not None and result.outcome is PrintOutcome.SENT_STATUS_UNKNOWN
    assert "cannot report its status" in result.operator_message
    assert spool.get(spool_id).last_error == "sent, printer status unknown"
    assert qr_payloads(decode(job_bytes(sim_printer))) == ["TXN2511250142000731"]


def test_paper_near_end_prints_with_a_warning(
    spool: ReceiptSpool, usb_backend: SimBackend, sim_printer: SimPrinter
) -> None:
    sim_printer.paper_status = PAPER_NEAR_END
    _, result = desk(spool, usb_backend).take(sample_receipt(), operation_id="op-10", auto_print=True)
    assert result is not None and result.outcome is PrintOutcome.PRINTED and result.paper_near_end
    assert "Paper is running low" in result.operator_message


def test_unplugged_printer_not_found(sim_printer: SimPrinter) -> None:
    backend = SimBackend(sim_printer, [KEYBOARD])
    try:
        connect(ADDRESS, PAPER_58MM, usb_backend=backend)
    except PrinterNotFound as problem:
        assert "No receipt printer was found" in problem.operator_message
    else:
        raise AssertionError("connect() found a printer on a bus without one")
    # With endpoints given, discovery is skipped and python-escpos' own lookup fails.
    try:
        connect(UsbPrinterAddress(0x0416, 0x5011, 0x01, 0x82), PAPER_58MM, usb_backend=backend)
    except PrinterNotFound:
        pass
    else:
        raise AssertionError("python-escpos found a printer on a bus without one")


def test_missing_libusb_is_explained() -> None:
    problem = explain(usb.core.NoBackendError("No backend available"))
    assert isinstance(problem, UsbBackendMissing)
    assert "libusb" in problem.operator_message


def test_crash_mid_write_never_loses_the_receipt(
    spool: ReceiptSpool, usb_backend: SimBackend, sim_printer: SimPrinter
) -> None:
    class PowerCut(BaseException):
        """Stands for the process dying in the middle of a bulk write."""

    real_write = usb_backend.bulk_write

    def dying_write(*args: object) -> int:
        if len(sim_printer.received) > 3000:
            raise PowerCut()
        return real_write(*args)  # type: ignore[arg-type]

    usb_backend.bulk_write = dying_write  # type: ignore[method-assign]
    printing = desk(spool, usb_backend)
    try:
        printing.take(sample_receipt(), operation_id="op-11", auto_print=True)
    except PowerCut:
        pass
    else:
        raise AssertionError("the simulated crash did not happen")
    # A new process opens the same database and finds the receipt still waiting.
    reopened = ReceiptSpool(spool.db)
    pending = reopened.pending()
    assert [p.operation_id for p in pending] == ["op-11"] and pending[0].attempts == 1
    usb_backend.bulk_write = real_write  # type: ignore[method-assign]
    assert desk(reopened, usb_backend).retry_pending()[0].outcome is PrintOutcome.PRINTED


def test_spooling_same_operation_twice_keeps_one_receipt(spool: ReceiptSpool, usb_backend: SimBackend) -> None:
    printing = desk(spool, usb_backend)
    first, _ = printing.take(sample_receipt(), operation_id="op-12", auto_print=False)
    second, _ = printing.take(sample_receipt(), operation_id="op-12", auto_print=False)
    assert first == second and len(spool.pending()) == 1


def test_check_page(usb_backend: SimBackend, sim_printer: SimPrinter, spool: ReceiptSpool) -> None:
    result = desk(spool, usb_backend).test_print()
    assert result.outcome is PrintOutcome.PRINTED
    elements = decode(job_bytes(sim_printer))
    assert "TEST PRINT" in text_lines(elements)
    # The Hindi line and the width ruler.
    assert [e.height == 48 for e in elements if isinstance(e, Raster)] == [False, True]
    assert qr_payloads(elements) == ["EMITRA-TEST-PRINT"]
