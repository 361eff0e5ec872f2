"""What the printer tells after a job reaches the spool; every USB and Windows failure is the operator's next step."""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import usb.core

from offline_cache.receipt_spool import ReceiptSpool
from printing.connections import (
    DeviceFileAddress,
    UsbPrinterAddress,
    WindowsQueueAddress,
    connect,
    offered_printers,
)
from printing.errors import (
    CoverOpen,
    PaperOut,
    PrinterBusy,
    PrinterDisconnected,
    PrinterFault,
    PrinterNotFound,
    PrinterNotResponding,
    PrinterPermissionDenied,
    UsbBackendMissing,
    UsbVendorDriver,
    WindowsQueueUnavailable,
    explain,
)
from printing.escpos_decode import StatusRequest, decode, qr_payloads
from printing.samples import sample_receipt
from printing.spool_runner import OPERATOR_SAW_IT_NOTE, PrintOutcome, ReceiptPrinting
from printing.thermal import PAPER_58MM, PAPER_80MM, receipt_bytes
from tests.printing.escpos_usb_sim import (
    COVER_OPEN,
    CUTTER_ERROR,
    KEYBOARD,
    PAPER_OUT,
    PRINTER_58,
    STATUS_OFFLINE,
    SimBackend,
    SimPrinter,
)

ADDRESS = UsbPrinterAddress(PRINTER_58.vendor_id, PRINTER_58.product_id)


def desk(spool: ReceiptSpool, backend: SimBackend, *, keep_open: bool = False) -> ReceiptPrinting:
    return ReceiptPrinting(
        spool, lambda: connect(ADDRESS, PAPER_58MM, usb_backend=backend), PAPER_58MM, keep_open=keep_open
    )


def _raw_problem(backend: SimBackend) -> BaseException:
    """The low-level exception python-escpos/pyusb raise for the simulated fault (explained afresh below)."""
    try:
        desk_connection = connect(ADDRESS, PAPER_58MM, usb_backend=backend)
        desk_connection.send(b"\x1b@")
    except Exception as problem:
        assert problem.__cause__ is not None
        return problem.__cause__
    raise AssertionError("the simulated fault did not happen")


# --- the Windows vendor driver, access denied, busy, no backend ------------------------------------------


def test_vendor_driver_is_a_next_step_not_a_crash(
    spool: ReceiptSpool, usb_backend: SimBackend, sim_printer: SimPrinter
) -> None:
    sim_printer.vendor_driver = True
    spool_id, result = desk(spool, usb_backend).take(sample_receipt(), operation_id="w-1", auto_print=True)
    assert result is not None and result.outcome is PrintOutcome.FAILED
    assert isinstance(result.problem, UsbVendorDriver)
    assert "Windows queue" in result.operator_message and "WinUSB" in result.operator_message
    assert "विंडोज़ क्यू" in result.operator_message
    assert not spool.get(spool_id).printed
    assert isinstance(_raw_problem(usb_backend), NotImplementedError)


@pytest.mark.parametrize(
    ("fault", "problem_type"),
    [("open_errno", PrinterPermissionDenied), ("claim_errno", PrinterBusy), ("vendor_driver", UsbVendorDriver)],
)
def test_windows_faults_point_to_the_windows_queue(
    usb_backend: SimBackend, sim_printer: SimPrinter, fault: str, problem_type: type
) -> None:
    setattr(sim_printer, fault, {"open_errno": 13, "claim_errno": 16, "vendor_driver": True}[fault])
    problem = explain(_raw_problem(usb_backend), platform="win32", vendor_id=0x0416, product_id=0x5011)
    assert isinstance(problem, problem_type)
    message = problem.operator_message
    assert "udev" not in message, "a Linux step on Windows"
    assert "Windows queue" in message and "विंडोज़" in message


def test_access_denied_on_linux_gives_the_udev_rule(usb_backend: SimBackend, sim_printer: SimPrinter) -> None:
    sim_printer.open_errno = 13
    problem = explain(_raw_problem(usb_backend), platform="linux", vendor_id=0x0416, product_id=0x5011)
    assert isinstance(problem, PrinterPermissionDenied) and "udev" in problem.operator_message


def test_every_spooler_error_is_the_environments() -> None:
    assert isinstance(explain(FakeWinError(5, "OpenPrinter", "Access is denied.")), PrinterPermissionDenied)
    assert isinstance(explain(FakeWinError(1722, "OpenPrinter", "RPC server unavailable")), WindowsQueueUnavailable)
    assert isinstance(explain(FakeWinError(1804, "WritePrinter", "?"), during_print=True), PrinterDisconnected)


def test_no_usb_backend_is_explained_in_both_languages() -> None:
    problem = explain(usb.core.NoBackendError("No backend available"), platform="win32")
    assert isinstance(problem, UsbBackendMissing)
    assert "libusb" in problem.message_en and problem.message_hi != problem.message_en


# --- a fake win32print: the Windows queue path ---------------------------------------------------------


class FakeSpooler:
    """Records RAW documents as win32print would hand them to the Windows spooler."""

    PRINTER_ENUM_LOCAL = 2
    PRINTER_ENUM_CONNECTIONS = 4

    def __init__(self, queues: list[str]) -> None:
        self.queues = queues
        self.status_flags = 0
        self.opened: list[str] = []
        self.closed = 0
        self.documents: list[bytes] = []
        self._doc: bytearray | None = None

    def module(self) -> ModuleType:
        module = ModuleType("win32print")
        for name in dir(self):
            if name[0].isupper() or name in ("EnumPrinters",):
                setattr(module, name, getattr(self, name))
        return module

    def EnumPrinters(self, flags: int) -> list[tuple[int, str, str, str]]:
        return [(0, f"{q},,", q, "") for q in self.queues]

    def OpenPrinter(self, name: str) -> str:
        if name not in self.queues:
            raise FakeWinError(1801, "OpenPrinter", "The printer name is invalid.")
        self.opened.append(name)
        return name

    def StartDocPrinter(self, handle: str, level: int, info: tuple[str, Any, str]) -> int:
        assert level == 1 and info[2] == "RAW"
        self._doc = bytearray()
        return len(self.documents) + 1

    def StartPagePrinter(self, handle: str) -> None:
        pass

    def WritePrinter(self, handle: str, data: bytes) -> int:
        assert self._doc is not None
        self._doc += data
        return len(data)

    def EndPagePrinter(self, handle: str) -> None:
        pass

    def EndDocPrinter(self, handle: str) -> None:
        assert self._doc is not None
        self.documents.append(bytes(self._doc))
        self._doc = None

    def GetPrinter(self, handle: str, level: int) -> dict[str, Any]:
        return {"pPrinterName": handle, "Status": self.status_flags}

    def ClosePrinter(self, handle: str) -> None:
        self.closed += 1


class FakeWinError(Exception):
    """pywintypes.error: (winerror, funcname, strerror)."""

    def __init__(self, winerror: int, funcname: str, strerror: str) -> None:
        super().__init__(winerror, funcname, strerror)
        self.winerror = winerror


@pytest.fixture
def spooler(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSpooler]:
    fake = FakeSpooler(["POS-80 Printer"])
    monkeypatch.setitem(sys.modules, "win32print", fake.module())
    yield fake


def test_windows_queue_prints_raw_jobs_on_one_handle(spooler: FakeSpooler, spool: ReceiptSpool) -> None:
    address = WindowsQueueAddress("POS-80 Printer")
    printing = ReceiptPrinting(spool, lambda: connect(address, PAPER_80MM), PAPER_80MM, keep_open=True)
    first, result = printing.take(sample_receipt(), operation_id="q-1", auto_print=True)
    second, _ = printing.take(sample_receipt(), operation_id="q-2", auto_print=True)
    printing.close()
    assert spooler.opened == ["POS-80 Printer"] and spooler.closed == 1
    assert spooler.documents == [receipt_bytes(sample_receipt(), PAPER_80MM)] * 2
    assert not any(isinstance(e, StatusRequest) for e in decode(spooler.documents[0])), "DLE EOT in a spooled job"
    # The spooler saying nothing is no proof of paper: the operator is asked.
    assert result is not None and result.outcome is PrintOutcome.SENT_STATUS_UNKNOWN and result.outcome.ask_operator
    assert printing.awaiting_answer() == [second, first]


def test_windows_queue_reports_what_the_spooler_knows(spooler: FakeSpooler, spool: ReceiptSpool) -> None:
    spooler.status_flags = 0x10  # PRINTER_STATUS_PAPER_OUT
    address = WindowsQueueAddress("POS-80 Printer")
    printing = ReceiptPrinting(spool, lambda: connect(address, PAPER_80MM), PAPER_80MM)
    _, result = printing.take(sample_receipt(), operation_id="q-3", auto_print=True)
    assert result is not None and isinstance(result.problem, PaperOut) and spooler.documents == []
    # A queue that is gone (renamed, removed): the spooler's "invalid printer name" is "not found".
    gone = ReceiptPrinting(spool, lambda: connect(WindowsQueueAddress("Gone"), PAPER_80MM), PAPER_80MM)
    assert isinstance(gone.retry_pending()[0].problem, PrinterNotFound)


def test_windows_offers_the_queue_and_usb_only_with_winusb(
    spooler: FakeSpooler, sim_printer: SimPrinter, usb_backend: SimBackend
) -> None:
    sim_printer.vendor_driver = True  # the vendor's driver: the printer is installed in Windows
    choices = offered_printers(backend=usb_backend, platform="win32")
    assert [c.address for c in choices] == [WindowsQueueAddress("POS-80 Printer")]
    sim_printer.vendor_driver = False  # WinUSB bound (Zadig)
    choices = offered_printers(backend=usb_backend, platform="win32")
    assert [type(c.address).__name__ for c in choices] == ["WindowsQueueAddress", "UsbPrinterAddress"]
    assert choices[1].profile is not None and choices[1].profile.name == "POS-5890"


# --- status after the job --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "problem_type"),
    [
        ({"paper_status": PAPER_OUT}, PaperOut),
        ({"online_status": STATUS_OFFLINE, "offline_cause": COVER_OPEN}, CoverOpen),
        ({"online_status": STATUS_OFFLINE, "error_status": CUTTER_ERROR}, PrinterFault),
    ],
    ids=["paper-out", "cover-open", "cutter-error"],
)
def test_trouble_at_the_end_of_the_job_keeps_the_receipt_pending(
    spool: ReceiptSpool, usb_backend: SimBackend, sim_printer: SimPrinter, change: dict[str, int], problem_type: type
) -> None:
    job = len(receipt_bytes(sample_receipt(), PAPER_58MM))
    sim_printer.change_after, sim_printer.change_to = job, change
    printing = desk(spool, usb_backend)
    spool_id, result = printing.take(sample_receipt(), operation_id="s-1", auto_print=True)
    assert result is not None and isinstance(result.problem, problem_type), result
    entry = spool.get(spool_id)
    assert not entry.printed and entry.last_error is not None and entry.last_error.startswith(problem_type.code)
    assert [e.id for e in spool.pending()] == [spool_id]
    assert qr_payloads(decode(bytes(sim_printer.received))) == [sample_receipt().txn_id]  # the job did go out


def test_unknown_status_asks_the_operator_and_records_the_answer(
    spool: ReceiptSpool, usb_backend: SimBackend, sim_printer: SimPrinter
) -> None:
    sim_printer.answers_status = False
    printing = desk(spool, usb_backend)
    spool_id, result = printing.take(sample_receipt(), operation_id="u-1", auto_print=True)
    assert result is not None and result.outcome.ask_operator
    assert printing.awaiting_answer() == [spool_id]
    printing.answer(spool_id, printed=True)
    entry = spool.get(spool_id)
    assert entry.printed and entry.last_error == OPERATOR_SAW_IT_NOTE and printing.awaiting_answer() == []

    other, _ = printing.take(sample_receipt(), operation_id="u-2", auto_print=True)
    printing.answer(other, printed=False)
    entry = spool.get(other)
    assert not entry.printed and entry.copies_printed == 0 and [e.id for e in spool.pending()] == [other]
    assert printing.retry_pending()[0].outcome is PrintOutcome.SENT_STATUS_UNKNOWN
    assert spool.get(other).printed and spool.get(other).copies_printed == 1


# --- one connection for a run of jobs ----------------------------------------------------------------------


def test_a_run_of_receipts_opens_and_resets_the_printer_once(
    spool: ReceiptSpool, usb_backend: SimBackend, sim_printer: SimPrinter
) -> None:
    printing = desk(spool, usb_backend, keep_open=True)
    for n in range(5):
        printing.take(sample_receipt(), operation_id=f"r-{n}", auto_print=True)
    printing.close()
    # python-escpos' Usb.open() configures and resets the device (pyusb then opens its handle anew): once.
    assert sim_printer.resets == 1 and sim_printer.opened <= 2
    assert len(qr_payloads(decode(bytes(sim_printer.received)))) == 5

    for n in range(3):
        spool.add(f"p-{n}", sample_receipt().to_json())
    desk(spool, usb_backend).retry_pending()
    assert sim_printer.resets == 2


def test_a_problem_drops_the_connection_and_the_next_job_reconnects(
    spool: ReceiptSpool, usb_backend: SimBackend, sim_printer: SimPrinter
) -> None:
    printing = desk(spool, usb_backend, keep_open=True)
    sim_printer.disconnect_after = 3000
    _, result = printing.take(sample_receipt(), operation_id="d-1", auto_print=True)
    assert result is not None and result.outcome is PrintOutcome.FAILED
    sim_printer.disconnect_after = None
    assert printing.retry_pending()[0].outcome is PrintOutcome.PRINTED
    printing.close()
    assert sim_printer.resets == 2


def test_device_file_write_times_out(tmp_path: Path, spool: ReceiptSpool) -> None:
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a printer that never takes a byte
    try:
        fcntl.fcntl(reader, 1031, 4096)  # F_SETPIPE_SZ: fill the pipe with a few KiB
        address = DeviceFileAddress(str(fifo), write_timeout_s=0.2)
        _, result = ReceiptPrinting(spool, lambda: connect(address, PAPER_58MM), PAPER_58MM).take(
            sample_receipt(), operation_id="f-1", auto_print=True
        )
    finally:
        os.close(reader)
    assert result is not None and isinstance(result.problem, PrinterNotResponding)


def test_the_simulated_bus_keeps_the_keyboard_out(sim_printer: SimPrinter) -> None:
    choices = offered_printers(backend=SimBackend(sim_printer, [KEYBOARD, PRINTER_58]), platform="linux")
    assert [c.description for c in choices] == ["Xprinter / POS-58 (Winbond) (0416:5011)"]
