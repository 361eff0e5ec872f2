"""Printer problems the operator can fix, each with a message in English and Hindi and a next step."""

from __future__ import annotations

import errno
import socket
from typing import ClassVar

from escpos.exceptions import DeviceNotFoundError


def udev_rule(vendor_id: int | None = None, product_id: int | None = None) -> str:
    """The udev rule that lets the logged-in operator use a USB receipt printer without root."""
    if vendor_id is None:
        # Any device with a printer-class (7) interface.
        return 'SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_interface", ATTR{bInterfaceClass}=="07", MODE="0660", ' \
            'GROUP="lp", TAG+="uaccess"'
    product = f', ATTRS{{idProduct}}=="{product_id:04x}"' if product_id is not None else ""
    return f'SUBSYSTEM=="usb", ATTRS{{idVendor}}=="{vendor_id:04x}"{product}, MODE="0660", GROUP="lp", TAG+="uaccess"'


UDEV_INSTRUCTIONS = (
    "Save the rule as /etc/udev/rules.d/60-emitra-receipt-printer.rules, run "
    "'sudo udevadm control --reload-rules && sudo udevadm trigger', add the operator to the 'lp' group, "
    "then unplug and replug the printer."
)


class PrinterProblem(Exception):
    """The environment's fault (printer, cable, paper, driver): shown to the operator with a way forward."""

    code: ClassVar[str] = "printer_problem"
    message_en: ClassVar[str] = "The receipt printer has a problem."
    message_hi: ClassVar[str] = "रसीद प्रिंटर में समस्या है।"
    next_step_en: ClassVar[str] = "Check the printer and press Retry."
    next_step_hi: ClassVar[str] = "प्रिंटर जाँचें और फिर से प्रयास (Retry) दबाएँ।"

    def __init__(self, detail: str = "", *, extra_step: str = "") -> None:
        self.detail = detail
        self.extra_step = extra_step
        super().__init__(f"{self.message_en} {detail}".strip())

    @property
    def operator_message(self) -> str:
        """Both languages, as the kiosk shows them in its message box."""
        step = f"{self.next_step_en} {self.extra_step}".strip()
        return f"{self.message_hi}\n{self.message_en}\n\n{self.next_step_hi}\n{step}"


class PrinterNotFound(PrinterProblem):
    code = "not_found"
    message_en = "No receipt printer was found."
    message_hi = "कोई रसीद प्रिंटर नहीं मिला।"
    next_step_en = "Check that the printer is switched on and its USB cable is plugged in, then press Retry."
    next_step_hi = "जाँचें कि प्रिंटर चालू है और USB केबल लगी है, फिर Retry दबाएँ।"


class UsbBackendMissing(PrinterProblem):
    code = "no_usb_backend"
    message_en = "The USB driver library (libusb) is missing on this computer."
    message_hi = "इस कंप्यूटर पर USB ड्राइवर लाइब्रेरी (libusb) नहीं है।"
    next_step_en = (
        "Reinstall the kiosk software (it ships libusb), or on Linux run 'sudo apt-get install libusb-1.0-0'. "
        "Until then choose the printer's Windows queue or device file in Settings."
    )
    next_step_hi = "कियोस्क सॉफ़्टवेयर दोबारा इंस्टॉल करें या तकनीकी सहायता से संपर्क करें।"


class PrinterPermissionDenied(PrinterProblem):
    code = "permission_denied"
    message_en = "This computer user is not allowed to use the receipt printer."
    message_hi = "इस उपयोगकर्ता को रसीद प्रिंटर उपयोग करने की अनुमति नहीं है।"
    next_step_en = "Ask the technician to give the operator access to the printer."
    next_step_hi = "तकनीशियन से प्रिंटर की अनुमति दिलवाएँ।"


class PrinterBusy(PrinterProblem):
    code = "busy"
    message_en = "The receipt printer is in use by another program or driver."
    message_hi = "रसीद प्रिंटर किसी अन्य प्रोग्राम या ड्राइवर द्वारा उपयोग में है।"
    next_step_en = (
        "Close other printing programs and press Retry. On Windows, if the printer is installed with the "
        "vendor's driver, choose its Windows queue in Settings (or switch it to WinUSB with Zadig). "
        "On Linux, use the device file /dev/usb/lp0 in Settings."
    )
    next_step_hi = "अन्य प्रिंटिंग प्रोग्राम बंद करें और Retry दबाएँ।"


class PrinterOffline(PrinterProblem):
    code = "offline"
    message_en = "The receipt printer is offline (cover open, error, or not responding)."
    message_hi = "रसीद प्रिंटर ऑफ़लाइन है (ढक्कन खुला, त्रुटि या जवाब नहीं)।"
    next_step_en = "Close the printer cover, switch it off and on, then press Retry."
    next_step_hi = "प्रिंटर का ढक्कन बंद करें, बंद-चालू करें, फिर Retry दबाएँ।"


class PaperOut(PrinterProblem):
    code = "paper_out"
    message_en = "The receipt printer is out of paper."
    message_hi = "रसीद प्रिंटर में कागज़ ख़त्म हो गया है।"
    next_step_en = "Load a new paper roll and press Retry. The receipt is kept and will print."
    next_step_hi = "नया पेपर रोल लगाएँ और Retry दबाएँ। रसीद सुरक्षित है और छपेगी।"


class PrinterDisconnected(PrinterProblem):
    code = "disconnected"
    message_en = "The receipt printer was disconnected while printing."
    message_hi = "छपाई के दौरान रसीद प्रिंटर का कनेक्शन टूट गया।"
    next_step_en = "Check the cable and power, then press Retry. The receipt is kept and will print again."
    next_step_hi = "केबल और बिजली जाँचें, फिर Retry दबाएँ। रसीद सुरक्षित है और फिर से छपेगी।"


class PrinterNotResponding(PrinterProblem):
    code = "not_responding"
    message_en = "The receipt printer did not accept the receipt in time."
    message_hi = "रसीद प्रिंटर ने समय पर रसीद स्वीकार नहीं की।"
    next_step_en = "Check for paper and a closed cover, switch the printer off and on, then press Retry."
    next_step_hi = "कागज़ और ढक्कन जाँचें, प्रिंटर बंद-चालू करें, फिर Retry दबाएँ।"


class WindowsQueueUnavailable(PrinterProblem):
    code = "windows_queue_unavailable"
    message_en = "Windows printer queues are not available on this computer."
    message_hi = "इस कंप्यूटर पर विंडोज़ प्रिंटर क्यू उपलब्ध नहीं है।"
    next_step_en = "Choose the USB printer or its device file in Settings."
    next_step_hi = "सेटिंग्स में USB प्रिंटर चुनें।"


PAPER_NEAR_END_WARNING_EN = "Paper is running low: keep a new roll ready."
PAPER_NEAR_END_WARNING_HI = "कागज़ कम है: नया रोल तैयार रखें।"


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


def explain(exc: BaseException, *, during_print: bool = False, vendor_id: int | None = None,
            product_id: int | None = None) -> PrinterProblem | None:
    """Turn a low-level printer exception into the operator's problem, or None if it is our bug."""
    if isinstance(exc, PrinterProblem):
        return exc
    # Imported here: pyusb is optional on a kiosk that prints only through the Windows spooler.
    try:
        import usb.core
    except ImportError:  # pragma: no cover - pyusb is a dependency
        usb_core = None
    else:
        usb_core = usb.core
    if usb_core is not None and isinstance(exc, usb_core.NoBackendError):
        return UsbBackendMissing(str(exc))
    code = _errno_of(exc)
    if code in (errno.EACCES, errno.EPERM):
        rule = udev_rule(vendor_id, product_id)
        return PrinterPermissionDenied(
            str(exc), extra_step=f"On Linux add this udev rule: {rule}  ({UDEV_INSTRUCTIONS})"
        )
    if code == errno.EBUSY:
        return PrinterBusy(str(exc))
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
    if isinstance(exc, ConnectionError | OSError):
        return PrinterDisconnected(str(exc)) if during_print else PrinterNotFound(str(exc))
    return None
