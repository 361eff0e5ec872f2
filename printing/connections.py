"""Finds receipt printers and talks to them: USB (pyusb), device file, network port 9100, Windows queue."""

from __future__ import annotations

import errno
import importlib
import logging
import os
import select
import socket
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from printing.errors import (
    PrinterNotFound,
    PrinterNotResponding,
    PrinterProblem,
    UsbBackendMissing,
    WindowsQueueUnavailable,
    explain,
)
from printing.profiles import profile_for_usb
from printing.thermal import Paper, use_paper

if TYPE_CHECKING:
    from escpos.escpos import Escpos

# python-escpos loads its printer capabilities database when escpos.escpos is first imported (about half a
# second): the escpos imports below sit inside the functions that talk to a printer, so starting the kiosk
# program does not pay for them.

log = logging.getLogger("printer")

USB_PRINTER_CLASS = 7

# Thermal receipt printers sold to Indian kiosks, by USB vendor (and product, where the vendor id is a
# chip maker's that other devices share). Many enumerate as vendor-specific (class 255), so class 7
# alone would miss them.
KNOWN_THERMAL_PRINTERS: dict[tuple[int, int | None], str] = {
    (0x04B8, None): "Epson TM series",
    (0x0416, 0x5011): "Xprinter / POS-58 (Winbond)",
    (0x0483, 0x5743): "POS-58 / POS-80 (STM32)",
    (0x0483, 0x5720): "POS-58 (STM32)",
    (0x28E9, None): "POS-58 / POS-80 (GD32)",
    (0x1FC9, None): "POS-80 (NXP)",
    (0x0FE6, 0x811E): "POS-80 (ICS)",
    (0x0DD4, None): "Rongta / Custom",
    (0x0519, None): "Star Micronics",
    (0x1504, None): "Bixolon",
    (0x154F, None): "SNBC",
    (0x1D90, None): "Citizen",
}


def known_model(vendor_id: int, product_id: int) -> str | None:
    return KNOWN_THERMAL_PRINTERS.get((vendor_id, product_id)) or KNOWN_THERMAL_PRINTERS.get((vendor_id, None))


@dataclass(frozen=True)
class UsbPrinterAddress:
    vendor_id: int
    product_id: int
    # Bulk endpoints; None = take them from the device's printer interface.
    out_endpoint: int | None = None
    in_endpoint: int | None = None
    timeout_ms: int = 5000

    def describe(self) -> str:
        return f"USB {self.vendor_id:04x}:{self.product_id:04x}"


@dataclass(frozen=True)
class DeviceFileAddress:
    path: str  # /dev/usb/lp0 on Linux (the kernel's usblp driver)
    # A printer that stops taking bytes (cover open, paper jam) must not hang the kiosk.
    write_timeout_s: float = 10.0

    def describe(self) -> str:
        return self.path


@dataclass(frozen=True)
class NetworkAddress:
    host: str
    port: int = 9100
    timeout_s: float = 10.0
    status_timeout_s: float = 2.0

    def describe(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class WindowsQueueAddress:
    name: str  # a queue with the "Generic / Text Only" driver or the vendor's, printed RAW

    def describe(self) -> str:
        return f"Windows printer '{self.name}'"


@dataclass(frozen=True)
class VirtualPrinterAddress:
    """No paper: each job's ESC/POS bytes go to a numbered .bin file in `folder` (demo and tests)."""

    folder: str

    def describe(self) -> str:
        return f"Virtual printer ({self.folder})"


PrinterAddress = UsbPrinterAddress | DeviceFileAddress | NetworkAddress | WindowsQueueAddress | VirtualPrinterAddress


@dataclass(frozen=True)
class FoundUsbPrinter:
    vendor_id: int
    product_id: int
    bus: int | None
    device_address: int | None
    model: str | None
    printer_class: bool
    out_endpoint: int | None
    in_endpoint: int | None

    @property
    def address(self) -> UsbPrinterAddress:
        return UsbPrinterAddress(self.vendor_id, self.product_id, self.out_endpoint, self.in_endpoint)

    @property
    def profile(self) -> Paper | None:
        """The model's printer profile where its USB id names one (else the operator picks)."""
        return profile_for_usb(self.vendor_id, self.product_id)

    def describe(self) -> str:
        name = self.model or "USB printer"
        return f"{name} ({self.vendor_id:04x}:{self.product_id:04x})"


def _bulk_endpoints(device: Any) -> tuple[bool, int | None, int | None]:
    """(has a printer-class interface, bulk OUT, bulk IN) from descriptors only: no open needed."""
    import usb.util

    printer_class = device.bDeviceClass == USB_PRINTER_CLASS
    out_ep = in_ep = None
    for configuration in device:
        for interface in configuration:
            is_printer = interface.bInterfaceClass == USB_PRINTER_CLASS
            printer_class = printer_class or is_printer
            for endpoint in interface:
                if usb.util.endpoint_type(endpoint.bmAttributes) != usb.util.ENDPOINT_TYPE_BULK:
                    continue
                if usb.util.endpoint_direction(endpoint.bEndpointAddress) == usb.util.ENDPOINT_OUT:
                    out_ep = out_ep if out_ep is not None and not is_printer else endpoint.bEndpointAddress
                else:
                    in_ep = in_ep if in_ep is not None and not is_printer else endpoint.bEndpointAddress
        break  # printers have one configuration; the first is the one set_configuration() picks
    return printer_class, out_ep, in_ep


def discover_usb_printers(*, backend: Any = None) -> list[FoundUsbPrinter]:
    """USB devices that are printers (class 7) or known thermal models; raises UsbBackendMissing."""
    import usb.core

    try:
        devices = list(usb.core.find(find_all=True, backend=backend) or [])
    except usb.core.NoBackendError as exc:
        raise UsbBackendMissing(str(exc)) from exc
    found: list[FoundUsbPrinter] = []
    for device in devices:
        printer_class, out_ep, in_ep = _bulk_endpoints(device)
        model = known_model(device.idVendor, device.idProduct)
        if printer_class or model:
            found.append(
                FoundUsbPrinter(
                    device.idVendor,
                    device.idProduct,
                    getattr(device, "bus", None),
                    getattr(device, "address", None),
                    model,
                    printer_class,
                    out_ep,
                    in_ep,
                )
            )
    return found


class PaperState(StrEnum):
    OK = "ok"
    NEAR_END = "near_end"
    OUT = "out"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said about itself; None / UNKNOWN where it did not answer."""

    online: bool | None
    paper: PaperState
    cover_open: bool | None = None
    error: bool | None = None

    @property
    def readable(self) -> bool:
        return self.online is not None or self.paper is not PaperState.UNKNOWN


UNKNOWN_STATUS = PrinterStatus(None, PaperState.UNKNOWN)


def _status_byte(answer: bytes | Any) -> int | None:
    """A valid DLE EOT answer has bits 1 and 4 set and bits 0 and 7 clear (ESC/POS spec)."""
    if answer is None or len(answer) == 0:
        return None
    value = int(answer[-1])
    return value if value & 0x93 == 0x12 else None


class PrinterConnection:
    """One open printer: sends bytes, reads real-time status, turns failures into PrinterProblems."""

    CHUNK = 4096

    def __init__(self, printer: Escpos, address: PrinterAddress) -> None:
        self.printer = printer
        self.address = address
        # Once a printer has ignored a status request, asking again only costs another timeout.
        self._answers_status = True

    def _explain(self, exc: BaseException, *, during_print: bool) -> PrinterProblem | None:
        if isinstance(self.address, UsbPrinterAddress):
            return explain(
                exc, during_print=during_print, vendor_id=self.address.vendor_id, product_id=self.address.product_id
            )
        return explain(exc, during_print=during_print)

    def send(self, data: bytes) -> None:
        """Write everything or raise a PrinterProblem; chunked so a pulled cable surfaces promptly."""
        sent = 0
        try:
            while sent < len(data):
                chunk = data[sent : sent + self.CHUNK]
                self.printer._raw(chunk)
                sent += len(chunk)
        except Exception as exc:
            problem = self._explain(exc, during_print=sent > 0)
            if problem is None:
                raise
            log.warning("printing to %s failed after %d of %d bytes: %s", self.address.describe(), sent, len(data), exc)
            raise problem from exc

    def status(self) -> PrinterStatus:
        """Ask with DLE EOT 1 and 4 (and, when offline, 2 and 3 for why); no answer gives UNKNOWN."""
        from escpos.constants import RT_STATUS_ONLINE, RT_STATUS_PAPER

        if not hasattr(self.printer, "_read"):
            return UNKNOWN_STATUS
        device = getattr(self.printer, "_device", None)
        old_timeout = None
        if isinstance(device, socket.socket):
            old_timeout = device.gettimeout()
            # A network printer that ignores DLE EOT must not stall the kiosk.
            device.settimeout(getattr(self.address, "status_timeout_s", 2.0))
        try:
            online_byte = self._query(RT_STATUS_ONLINE)
            paper_byte = self._query(RT_STATUS_PAPER)
            offline = online_byte is not None and bool(online_byte & 0x08)
            cause_byte = self._query(RT_STATUS_OFFLINE_CAUSE) if offline else None
            error_byte = self._query(RT_STATUS_ERROR) if offline else None
        finally:
            if isinstance(device, socket.socket):
                device.settimeout(old_timeout)
        online = None if online_byte is None else not offline
        if paper_byte is None:
            paper = PaperState.UNKNOWN
        elif paper_byte & 0x60:
            paper = PaperState.OUT
        elif paper_byte & 0x0C:
            paper = PaperState.NEAR_END
        else:
            paper = PaperState.OK
        cover_open = None if cause_byte is None else bool(cause_byte & 0x04)
        # DLE EOT 2 bit 6: an error; DLE EOT 3 bits 3, 5, 6: cutter, unrecoverable, auto-recoverable.
        error = None
        if cause_byte is not None or error_byte is not None:
            error = bool((cause_byte or 0) & 0x40) or bool((error_byte or 0) & 0x68)
        return PrinterStatus(online, paper, cover_open, error)

    def _query(self, request: bytes) -> int | None:
        if not self._answers_status:
            return None
        try:
            return _status_byte(self.printer.query_status(request))
        except NotImplementedError:
            return None
        except Exception as exc:
            problem = self._explain(exc, during_print=False)
            if problem is None:
                raise
            # Many cheap printers never answer DLE EOT: that is "unknown", not a fault.
            log.info("printer %s gave no status: %s", self.address.describe(), exc)
            self._answers_status = False
            return None

    def close(self) -> None:
        try:
            self.printer.close()
        except Exception as exc:  # closing a vanished device must not hide the real problem
            log.info("closing %s: %s", self.address.describe(), exc)


RT_STATUS_OFFLINE_CAUSE = b"\x10\x04\x02"
RT_STATUS_ERROR = b"\x10\x04\x03"


class DeviceFileConnection(PrinterConnection):
    """A device file (/dev/usb/lp0): written without blocking, so a stalled printer times out.

    The kernel's usblp driver answers no DLE EOT through the file: the status is always unknown.
    """

    def __init__(self, printer: Escpos, address: DeviceFileAddress) -> None:
        super().__init__(printer, address)
        self.timeout_s = address.write_timeout_s
        flags = os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        try:
            self.fd: int | None = os.open(address.path, flags)
        except OSError as exc:
            raise self._explain(exc, during_print=False) or exc from exc

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        sent = 0
        assert self.fd is not None
        try:
            while sent < len(view):
                if sys.platform != "win32":
                    _, writable, _ = select.select([], [self.fd], [], self.timeout_s)
                    if not writable:
                        raise PrinterNotResponding(f"no byte taken in {self.timeout_s:g} s after {sent} bytes")
                try:
                    sent += os.write(self.fd, view[sent : sent + self.CHUNK])
                except BlockingIOError:
                    continue
        except PrinterProblem:
            log.warning("device file %s stalled after %d of %d bytes", self.address.describe(), sent, len(data))
            raise
        except OSError as exc:
            raise self._explain(exc, during_print=sent > 0) or exc from exc

    def status(self) -> PrinterStatus:
        return UNKNOWN_STATUS

    def close(self) -> None:
        if self.fd is not None:
            fd, self.fd = self.fd, None
            try:
                os.close(fd)
            except OSError as exc:
                log.info("closing %s: %s", self.address.describe(), exc)


# win32print's GetPrinter(level 2) "Status" flags the spooler keeps from the driver.
PRINTER_STATUS_ERROR = 0x00000002
PRINTER_STATUS_PAPER_OUT = 0x00000010
PRINTER_STATUS_OFFLINE = 0x00000080
PRINTER_STATUS_DOOR_OPEN = 0x00400000


def _win32print() -> Any:
    """The pywin32 module, or WindowsQueueUnavailable where there is none (not Windows)."""
    try:
        return importlib.import_module("win32print")
    except ImportError as exc:
        raise WindowsQueueUnavailable("win32print is not installed") from exc


class WindowsQueueConnection(PrinterConnection):
    """A printer installed in Windows: each job is one RAW document in its queue.

    No status question goes into a spooled job (DLE EOT bytes would sit in the queue, and the answer
    would never come back): the status is what the spooler knows of the printer, else unknown.
    """

    JOB_NAME = "eMitra receipt"

    def __init__(self, printer: Escpos, address: WindowsQueueAddress) -> None:
        super().__init__(printer, address)
        self.win32print = _win32print()
        try:
            self.handle: Any = self.win32print.OpenPrinter(address.name)
        except Exception as exc:
            raise self._explain(exc, during_print=False) or exc from exc

    def send(self, data: bytes) -> None:
        w = self.win32print
        try:
            w.StartDocPrinter(self.handle, 1, (self.JOB_NAME, None, "RAW"))
            try:
                w.StartPagePrinter(self.handle)
                w.WritePrinter(self.handle, data)
                w.EndPagePrinter(self.handle)
            finally:
                w.EndDocPrinter(self.handle)
        except PrinterProblem:
            raise
        except Exception as exc:
            raise self._explain(exc, during_print=True) or exc from exc

    def status(self) -> PrinterStatus:
        try:
            flags = int(self.win32print.GetPrinter(self.handle, 2).get("Status", 0))
        except Exception as exc:
            log.info("Windows queue %s gave no status: %s", self.address.describe(), exc)
            return UNKNOWN_STATUS
        if not flags:
            return UNKNOWN_STATUS  # "ready" from the spooler says nothing of whether the paper came out
        return PrinterStatus(
            online=not flags & (PRINTER_STATUS_OFFLINE | PRINTER_STATUS_DOOR_OPEN | PRINTER_STATUS_ERROR),
            paper=PaperState.OUT if flags & PRINTER_STATUS_PAPER_OUT else PaperState.UNKNOWN,
            cover_open=bool(flags & PRINTER_STATUS_DOOR_OPEN),
            error=bool(flags & PRINTER_STATUS_ERROR),
        )

    def close(self) -> None:
        handle, self.handle = self.handle, None
        if handle is not None:
            try:
                self.win32print.ClosePrinter(handle)
            except Exception as exc:
                log.info("closing %s: %s", self.address.describe(), exc)


VIRTUAL_JOB_PREFIX = "receipt-"


def virtual_jobs(folder: str | Path) -> list[Path]:
    """The jobs a virtual printer has kept in `folder`, oldest first."""
    return sorted(Path(folder).glob(f"{VIRTUAL_JOB_PREFIX}*.bin"), key=_job_number)


def _job_number(path: Path) -> int:
    number = path.stem.removeprefix(VIRTUAL_JOB_PREFIX)
    return int(number) if number.isdigit() else 0


class VirtualPrinterConnection(PrinterConnection):
    """A printer that is always online with paper: every job is appended to its own numbered .bin file."""

    def __init__(self, printer: Escpos, address: VirtualPrinterAddress) -> None:
        super().__init__(printer, address)
        self.folder = Path(address.folder)
        self.job_path: Path | None = None

    def _new_job(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        number = max((_job_number(job) for job in virtual_jobs(self.folder)), default=0) + 1
        while True:
            path = self.folder / f"{VIRTUAL_JOB_PREFIX}{number:04d}.bin"
            try:
                with path.open("xb"):  # claims the number even when two programs print at once
                    return path
            except FileExistsError:
                number += 1

    def send(self, data: bytes) -> None:
        try:
            if self.job_path is None:
                self.job_path = self._new_job()
            with self.job_path.open("ab") as job:
                job.write(data)
        except OSError as exc:
            log.warning("virtual printer %s: %s", self.folder, exc)
            raise PrinterNotFound(self.address.describe()) from exc

    def status(self) -> PrinterStatus:
        return PrinterStatus(True, PaperState.OK)

    def close(self) -> None:
        return None


def connect(address: PrinterAddress, paper: Paper, *, usb_backend: Any = None) -> PrinterConnection:
    """Open a printer; raises a PrinterProblem the operator can act on."""
    from escpos.printer import Dummy, Network, Usb

    printer: Escpos
    if isinstance(address, VirtualPrinterAddress):
        return VirtualPrinterConnection(use_paper(Dummy(), paper), address)
    if isinstance(address, UsbPrinterAddress):
        out_ep, in_ep = address.out_endpoint, address.in_endpoint
        if out_ep is None or in_ep is None:
            matches = [
                p
                for p in discover_usb_printers(backend=usb_backend)
                if (p.vendor_id, p.product_id) == (address.vendor_id, address.product_id)
            ]
            if not matches:
                raise PrinterNotFound(address.describe())
            out_ep = out_ep if out_ep is not None else matches[0].out_endpoint or 0x01
            in_ep = in_ep if in_ep is not None else matches[0].in_endpoint or 0x82
        usb_args: dict[str, Any] = {"backend": usb_backend} if usb_backend is not None else {}
        printer = Usb(
            address.vendor_id,
            address.product_id,
            usb_args=usb_args,
            timeout=address.timeout_ms,
            in_ep=in_ep,
            out_ep=out_ep,
        )
    elif isinstance(address, DeviceFileAddress):
        return DeviceFileConnection(use_paper(Dummy(), paper), address)
    elif isinstance(address, NetworkAddress):
        printer = Network(address.host, address.port, timeout=address.timeout_s)
    else:
        return WindowsQueueConnection(use_paper(Dummy(), paper), address)
    use_paper(printer, paper)
    connection = PrinterConnection(printer, address)
    try:
        if isinstance(address, NetworkAddress):
            # python-escpos 3.1 Network.open() leaves the socket unclosed when connect() fails;
            # create_connection() closes it, and the printer object then uses ours.
            printer.device = socket.create_connection((address.host, address.port), address.timeout_s)
        else:
            printer.open()
    except Exception as exc:
        problem = connection._explain(exc, during_print=False)
        if problem is None:
            raise
        raise problem from exc
    return connection


def windows_queues() -> list[str]:
    """Names of the Windows printer queues, or [] where win32print does not exist."""
    try:
        win32print = _win32print()
    except WindowsQueueUnavailable:
        return []
    flags = win32print.PRINTER_ENUM_LOCAL | win32print.PRINTER_ENUM_CONNECTIONS
    return [entry[2] for entry in win32print.EnumPrinters(flags)]


def usb_direct_works(found: FoundUsbPrinter, *, backend: Any = None) -> bool:
    """Whether the kiosk can claim the printer's interface itself (on Windows: WinUSB is bound to it)."""
    import usb.core
    import usb.util

    device = usb.core.find(idVendor=found.vendor_id, idProduct=found.product_id, backend=backend)
    if device is None:
        return False
    try:
        usb.util.claim_interface(device, 0)
        usb.util.release_interface(device, 0)
    except NotImplementedError:
        return False  # the vendor's driver (usbprint.sys) holds it: only its Windows queue can print
    except usb.core.USBError as exc:
        return exc.errno not in (errno.EACCES, errno.EPERM, errno.EBUSY)
    finally:
        usb.util.dispose_resources(device)
    return True


@dataclass(frozen=True)
class PrinterChoice:
    """A printer the settings offer, with the profile its USB id names (if any)."""

    address: PrinterAddress
    description: str
    profile: Paper | None = None


def offered_printers(*, backend: Any = None, platform: str = sys.platform) -> list[PrinterChoice]:
    """The printers to offer: on Windows each installed queue first, then USB-direct printers that WinUSB
    lets the kiosk claim; elsewhere the USB printers. A missing libusb leaves the queues."""
    choices = [
        PrinterChoice(WindowsQueueAddress(name), WindowsQueueAddress(name).describe()) for name in windows_queues()
    ]
    try:
        found = discover_usb_printers(backend=backend)
    except UsbBackendMissing:
        if not choices:
            raise
        found = []
    for printer in found:
        if platform == "win32" and not usb_direct_works(printer, backend=backend):
            continue
        choices.append(PrinterChoice(printer.address, printer.describe(), printer.profile))
    return choices
