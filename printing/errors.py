"""Printer problems the operator can fix, each with a message in English and Hindi and a next step."""

from __future__ import annotations

import errno
import socket
import sys
from typing import ClassVar

from escpos.exceptions import DeviceNotFoundError

import words
from words import Language


def udev_rule(vendor_id: int | None = None, product_id: int | None = None) -> str:
    """The udev rule that lets the logged-in operator use a USB receipt printer without root."""
    if vendor_id is None:
        # Any device with a printer-class (7) interface.
        return (
            'SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_interface", ATTR{bInterfaceClass}=="07", MODE="0660", '
            'GROUP="lp", TAG+="uaccess"'
        )
    product = f', ATTRS{{idProduct}}=="{product_id:04x}"' if product_id is not None else ""
    return f'SUBSYSTEM=="usb", ATTRS{{idVendor}}=="{vendor_id:04x}"{product}, MODE="0660", GROUP="lp", TAG+="uaccess"'


class _ProblemWords:
    """A problem's catalog text (`printer.<key>`, its next step `printer.<key>.step`) in one language.

    The key is the class's `words_key`, or its code when two problems of one code need no different words.
    """

    def __init__(self, suffix: str, language: Language) -> None:
        self.suffix = suffix
        self.language = language

    def __get__(self, instance: object, owner: type[PrinterProblem]) -> str:
        key = getattr(owner, "words_key", None) or owner.code
        return words.text(f"printer.{key}{self.suffix}", self.language)


class PrinterProblem(Exception):
    """The environment's fault (printer, cable, paper, driver): shown to the operator with a way forward."""

    code: ClassVar[str] = "printer_problem"
    message_en: ClassVar[str] = _ProblemWords("", Language.ENGLISH)  # type: ignore[assignment]
    message_hi: ClassVar[str] = _ProblemWords("", Language.HINDI)  # type: ignore[assignment]
    next_step_en: ClassVar[str] = _ProblemWords(".step", Language.ENGLISH)  # type: ignore[assignment]
    next_step_hi: ClassVar[str] = _ProblemWords(".step", Language.HINDI)  # type: ignore[assignment]

    def __init__(self, detail: str = "", *, extra_step: str = "", extra_step_hi: str = "") -> None:
        self.detail = detail
        self.extra_step = extra_step
        self.extra_step_hi = extra_step_hi
        super().__init__(f"{self.message_en} {detail}".strip())

    @property
    def operator_message(self) -> str:
        """Both languages, as the kiosk shows them in its message box."""
        step = f"{self.next_step_en} {self.extra_step}".strip()
        step_hi = f"{self.next_step_hi} {self.extra_step_hi}".strip()
        return f"{self.message_hi}\n{self.message_en}\n\n{step_hi}\n{step}"


class PrinterNotFound(PrinterProblem):
    code = "not_found"


class UsbBackendMissing(PrinterProblem):
    code = "no_usb_backend"


class PrinterPermissionDenied(PrinterProblem):
    code = "permission_denied"


class PrinterBusy(PrinterProblem):
    code = "busy"


class PrinterOffline(PrinterProblem):
    code = "offline"


class PaperOut(PrinterProblem):
    code = "paper_out"


class PrinterDisconnected(PrinterProblem):
    code = "disconnected"


class PrinterNotResponding(PrinterProblem):
    code = "not_responding"


class WindowsQueueUnavailable(PrinterProblem):
    code = "windows_queue_unavailable"


class UsbVendorDriver(PrinterProblem):
    """pyusb under Windows reaches only a device bound to WinUSB: with the vendor's driver it raises
    NotImplementedError (libusb's LIBUSB_ERROR_NOT_SUPPORTED)."""

    code = "usb_vendor_driver"


class CoverOpen(PrinterProblem):
    code = "cover_open"


class PrinterFault(PrinterProblem):
    """DLE EOT 3 told of a cutter jam or another error the printer cannot print through."""

    code = "printer_error"


# Windows error numbers of the spooler's calls (pywintypes.error.winerror).
WINERROR_ACCESS_DENIED = 5
WINERROR_INVALID_PRINTER_NAME = 1801
WINERROR_SPOOLER_DOWN = 1722  # RPC server unavailable: the Print Spooler service is stopped


PAPER_NEAR_END_KEY = "printer.paper_near_end"


def _errno_of(exc: BaseException) -> int | None:
    """pyusb's USBError and OSError both carry errno; python-escpos hides the cause in __context__."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        code = getattr(current, "errno", None)
        if isinstance(code, int):
            return code
        current = current.__cause__ or current.__context__
    return None


def explain(
    exc: BaseException,
    *,
    during_print: bool = False,
    vendor_id: int | None = None,
    product_id: int | None = None,
    platform: str = sys.platform,
) -> PrinterProblem | None:
    """Turn a low-level printer exception into the operator's problem, or None if it is our bug.

    `platform` decides the way forward: on Windows a printer the kiosk cannot open over USB is printed
    through its Windows queue; on Linux the udev rule gives the operator access.
    """
    if isinstance(exc, PrinterProblem):
        return exc
    # Imported here: pyusb is optional on a kiosk that prints only through the Windows spooler.
    try:
        import usb.core
    except ImportError:  # pragma: no cover - pyusb is a dependency
        usb_core = None
    else:
        usb_core = usb.core
    windows = platform == "win32"
    on_windows = words.pair("printer.use_windows_queue") if windows else ("", "")
    if usb_core is not None and isinstance(exc, usb_core.NoBackendError):
        return UsbBackendMissing(str(exc))
    if isinstance(exc, NotImplementedError):
        return UsbVendorDriver(str(exc))
    winerror = getattr(exc, "winerror", None)
    if winerror == WINERROR_ACCESS_DENIED:
        return PrinterPermissionDenied(str(exc))
    if winerror == WINERROR_INVALID_PRINTER_NAME:
        return PrinterNotFound(str(exc))
    if winerror == WINERROR_SPOOLER_DOWN:
        return WindowsQueueUnavailable(str(exc))
    code = _errno_of(exc)
    if code in (errno.EACCES, errno.EPERM):
        if windows:
            return PrinterPermissionDenied(str(exc), extra_step=on_windows[0], extra_step_hi=on_windows[1])
        english, hindi = words.pair("printer.udev_rule", rule=udev_rule(vendor_id, product_id))
        return PrinterPermissionDenied(str(exc), extra_step=english, extra_step_hi=hindi)
    if code == errno.EBUSY:
        return PrinterBusy(str(exc), extra_step=on_windows[0], extra_step_hi=on_windows[1])
    if usb_core is not None and isinstance(exc, usb_core.USBTimeoutError):
        return PrinterNotResponding(str(exc))
    if code in (errno.ENODEV, errno.ENXIO, errno.EPIPE, errno.ECONNRESET, errno.ECONNABORTED, errno.EIO):
        return PrinterDisconnected(str(exc)) if during_print else PrinterNotFound(str(exc))
    if isinstance(exc, socket.timeout | TimeoutError):
        return PrinterNotResponding(str(exc))
    if isinstance(exc, DeviceNotFoundError | ConnectionRefusedError | FileNotFoundError):
        return PrinterNotFound(str(exc))
    if usb_core is not None and isinstance(exc, usb_core.USBError):
        return PrinterDisconnected(str(exc)) if during_print else PrinterNotFound(str(exc))
    if isinstance(exc, ConnectionError | OSError) or winerror is not None:
        # pywintypes.error (any other spooler failure) is no OSError but the environment's all the same.
        return PrinterDisconnected(str(exc)) if during_print else PrinterNotFound(str(exc))
    return None
