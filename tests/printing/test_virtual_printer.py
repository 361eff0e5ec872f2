"""The virtual printer: each job's ESC/POS bytes in a numbered .bin file, always online with paper."""

from __future__ import annotations

from pathlib import Path

import pytest

from offline_cache.receipt_spool import ReceiptSpool
from printing.connections import PaperState, PrinterStatus, VirtualPrinterAddress, connect, virtual_jobs
from printing.errors import PrinterNotFound
from printing.escpos_decode import Cut, decode, qr_payloads, text_lines
from printing.samples import sample_receipt
from printing.spool_runner import PrintOutcome, ReceiptPrinting
from printing.thermal import PAPER_58MM, PAPER_80MM
from tests.printing.escpos_usb_sim import KEYBOARD, PRINTER_58, SimBackend, SimPrinter
from ui.core import demo_printer
from ui.settings import Preferences


def test_each_job_goes_to_its_own_numbered_file(tmp_path: Path, spool: ReceiptSpool) -> None:
    folder = tmp_path / "virtual-printer"  # made on the first job
    address = VirtualPrinterAddress(str(folder))
    printing = ReceiptPrinting(spool, lambda: connect(address, PAPER_80MM), PAPER_80MM)

    spool_id, result = printing.take(sample_receipt(), operation_id="virtual-1", auto_print=True)
    assert result is not None and result.outcome is PrintOutcome.PRINTED  # it "answers" status: printed
    assert spool.get(spool_id).printed
    assert [p.name for p in virtual_jobs(folder)] == ["receipt-0001.bin"]
    elements = decode((folder / "receipt-0001.bin").read_bytes())
    assert "PAYMENT RECEIPT" in text_lines(elements)
    assert qr_payloads(elements) == ["TXN2511250142000731"]
    assert any(isinstance(e, Cut) for e in elements)

    reprint = printing.reprint(spool_id)
    assert reprint.outcome is PrintOutcome.PRINTED
    check = printing.test_print()
    assert check.outcome is PrintOutcome.PRINTED
    assert [p.name for p in virtual_jobs(folder)] == ["receipt-0001.bin", "receipt-0002.bin", "receipt-0003.bin"]
    assert "*** DUPLICATE - Copy 2 ***" in text_lines(decode((folder / "receipt-0002.bin").read_bytes()))
    assert "TEST PRINT" in text_lines(decode((folder / "receipt-0003.bin").read_bytes()))


def test_numbering_continues_after_the_files_already_there(tmp_path: Path) -> None:
    (tmp_path / "receipt-0009.bin").write_bytes(b"old")
    (tmp_path / "notes.txt").write_text("not a job")
    connection = connect(VirtualPrinterAddress(str(tmp_path)), PAPER_58MM)
    assert connection.status() == PrinterStatus(True, PaperState.OK)
    connection.send(b"\x1b@one ")
    connection.send(b"job\n")  # one connection is one job: the same file
    connection.close()
    assert [p.name for p in virtual_jobs(tmp_path)] == ["receipt-0009.bin", "receipt-0010.bin"]
    assert (tmp_path / "receipt-0010.bin").read_bytes() == b"\x1b@one job\n"
    assert (tmp_path / "receipt-0009.bin").read_bytes() == b"old"


def test_a_folder_that_cannot_be_made_is_a_printer_problem(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    connection = connect(VirtualPrinterAddress(str(blocker / "virtual")), PAPER_80MM)
    with pytest.raises(PrinterNotFound):
        connection.send(b"\x1b@")


def test_preferences_and_the_demo_choice(tmp_path: Path) -> None:
    assert Preferences(printer_kind="virtual").printer_address is None  # no folder yet: not set
    prefs = Preferences(printer_kind="virtual", printer_virtual_folder=str(tmp_path))
    assert prefs.printer_address == VirtualPrinterAddress(str(tmp_path))
    assert prefs.printer_address.describe() == f"Virtual printer ({tmp_path})"

    # The demo prints to a USB printer when one is attached, else to the virtual printer.
    only_keyboard = SimBackend(SimPrinter(), [KEYBOARD])
    assert demo_printer(Preferences(), tmp_path, only_keyboard).printer_address == VirtualPrinterAddress(str(tmp_path))
    with_printer = SimBackend(SimPrinter(), [KEYBOARD, PRINTER_58])
    chosen = demo_printer(Preferences(), tmp_path, with_printer)
    assert (chosen.printer_kind, chosen.printer_usb) == ("usb", "0416:5011")
