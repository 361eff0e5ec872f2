"""Device-file and network (port 9100) printers, with real python-escpos File and Network classes."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from offline_cache.receipt_spool import ReceiptSpool
from printing.connections import DeviceFileAddress, NetworkAddress, WindowsQueueAddress, connect
from printing.errors import PrinterNotFound, PrinterPermissionDenied, WindowsQueueUnavailable
from printing.escpos_decode import Cut, decode, qr_payloads, rasters, text_lines
from printing.samples import sample_receipt
from printing.spool_runner import PrintOutcome, ReceiptPrinting
from printing.thermal import PAPER_80MM


class TinyNetworkPrinter:
    """A TCP server on 127.0.0.1 that stores what it gets and optionally answers DLE EOT."""

    def __init__(self, answer_status: bool) -> None:
        self.answer_status = answer_status
        self.received = bytearray()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.server.settimeout(10)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.stopping = False
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                while True:
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        break
                    if not data:
                        break
                    self.received += data
                    if self.answer_status:
                        for _ in range(data.count(b"\x10\x04")):
                            conn.sendall(b"\x12")

    def close(self) -> None:
        self.stopping = True
        self.server.close()
        self.thread.join(timeout=5)


@pytest.fixture(params=[True, False], ids=["answers-status", "silent"])
def network_printer(request: pytest.FixtureRequest) -> Iterator[TinyNetworkPrinter]:
    printer = TinyNetworkPrinter(answer_status=request.param)
    yield printer
    printer.close()


def test_network_printer(network_printer: TinyNetworkPrinter, spool: ReceiptSpool) -> None:
    address = NetworkAddress("127.0.0.1", network_printer.port, timeout_s=5, status_timeout_s=0.3)
    printing = ReceiptPrinting(spool, lambda: connect(address, PAPER_80MM), PAPER_80MM)
    spool_id, result = printing.take(sample_receipt(), operation_id="net-1", auto_print=True)
    assert result is not None
    expected = PrintOutcome.PRINTED if network_printer.answer_status else PrintOutcome.SENT_STATUS_UNKNOWN
    assert result.outcome is expected
    network_printer.close()
    elements = decode(bytes(network_printer.received))
    assert qr_payloads(elements) == ["TXN2511250142000731"]
    assert all(r.width == 576 for r in rasters(elements))
    assert spool.get(spool_id).printed


def test_network_printer_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(PrinterNotFound):
        connect(NetworkAddress("127.0.0.1", port, timeout_s=2), PAPER_80MM)


def test_device_file(tmp_path: Path, spool: ReceiptSpool) -> None:
    device = tmp_path / "lp0"
    device.touch()
    printing = ReceiptPrinting(spool, lambda: connect(DeviceFileAddress(str(device)), PAPER_80MM), PAPER_80MM)
    _, result = printing.take(sample_receipt(), operation_id="file-1", auto_print=True)
    # A device file cannot be asked for status: never claim more than "sent".
    assert result is not None and result.outcome is PrintOutcome.SENT_STATUS_UNKNOWN
    elements = decode(device.read_bytes())
    assert "PAYMENT RECEIPT" in text_lines(elements)
    assert any(isinstance(e, Cut) for e in elements)


def test_device_file_missing_or_forbidden(tmp_path: Path) -> None:
    with pytest.raises(PrinterNotFound):
        connect(DeviceFileAddress(str(tmp_path / "no-dir" / "lp0")), PAPER_80MM)
    forbidden = tmp_path / "lp1"
    forbidden.mkdir()  # opening a directory for writing fails like an unwritable device
    with pytest.raises((PrinterPermissionDenied, PrinterNotFound)):
        connect(DeviceFileAddress(str(forbidden)), PAPER_80MM)


def test_windows_queue_is_refused_where_there_is_no_spooler() -> None:
    with pytest.raises(WindowsQueueUnavailable):
        connect(WindowsQueueAddress("POS-80"), PAPER_80MM)
