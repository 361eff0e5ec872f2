"""A simulated USB bus for pyusb: a thermal printer that records bulk writes and answers DLE EOT."""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import usb.backend
import usb.core

STATUS_OK = 0x12
STATUS_OFFLINE = 0x1A  # bit 3: offline
PAPER_NEAR_END = 0x1E  # bits 2-3: near-end sensor
PAPER_OUT = 0x72  # bits 5-6: paper end
COVER_OPEN = 0x16  # DLE EOT 2 bit 2: the cover is open
CAUSE_ERROR = 0x52  # DLE EOT 2 bit 6: an error occurred
CUTTER_ERROR = 0x1A  # DLE EOT 3 bit 3: autocutter error


@dataclass
class SimDevice:
    vendor_id: int
    product_id: int
    interface_class: int = 7
    device_class: int = 0
    out_ep: int = 0x01
    in_ep: int = 0x82
    bus: int = 1
    address: int = 4


@dataclass
class SimPrinter:
    """What the simulated printer does; tests change these fields between jobs."""

    online_status: int = STATUS_OK
    paper_status: int = STATUS_OK
    offline_cause: int = STATUS_OK  # DLE EOT 2
    error_status: int = STATUS_OK  # DLE EOT 3
    # What pyusb's libusb1 backend raises on Windows for a device bound to the vendor's driver, not WinUSB.
    vendor_driver: bool = False
    # After this many bytes of the job the printer changes: e.g. {"paper_status": PAPER_OUT} at the end.
    change_after: int | None = None
    change_to: dict[str, int] = field(default_factory=dict)
    answers_status: bool = True
    open_errno: int | None = None  # 13 = permission denied (no udev rule)
    claim_errno: int | None = None  # 16 = busy (kernel usblp driver or another program)
    disconnect_after: int | None = None  # bytes accepted before the cable is "pulled"
    write_times_out: bool = False
    received: bytearray = field(default_factory=bytearray)
    pending_answers: list[int] = field(default_factory=list)
    opened: int = 0
    resets: int = 0


class SimBackend(usb.backend.IBackend):  # type: ignore[misc]
    def __init__(self, printer: SimPrinter, devices: list[SimDevice]) -> None:
        self.printer = printer
        self.devices = devices

    # --- descriptors ---------------------------------------------------------------------------
    def enumerate_devices(self) -> Any:
        return iter(self.devices)

    def get_device_descriptor(self, dev: SimDevice) -> Any:
        return SimpleNamespace(
            bLength=18,
            bDescriptorType=1,
            bcdUSB=0x0200,
            bDeviceClass=dev.device_class,
            bDeviceSubClass=0,
            bDeviceProtocol=0,
            bMaxPacketSize0=64,
            idVendor=dev.vendor_id,
            idProduct=dev.product_id,
            bcdDevice=0x0100,
            iManufacturer=0,
            iProduct=0,
            iSerialNumber=0,
            bNumConfigurations=1,
            address=dev.address,
            bus=dev.bus,
            port_number=1,
            port_numbers=(1,),
            speed=2,
        )

    def get_configuration_descriptor(self, dev: SimDevice, config: int) -> Any:
        if config != 0:
            raise IndexError(config)
        return SimpleNamespace(
            bLength=9,
            bDescriptorType=2,
            wTotalLength=32,
            bNumInterfaces=1,
            bConfigurationValue=1,
            iConfiguration=0,
            bmAttributes=0xC0,
            bMaxPower=50,
            extra_descriptors=[],
        )

    def get_interface_descriptor(self, dev: SimDevice, intf: int, alt: int, config: int) -> Any:
        # pyusb walks alternate settings until the backend raises IndexError.
        if intf != 0 or alt != 0 or config != 0:
            raise IndexError((intf, alt, config))
        return SimpleNamespace(
            bLength=9,
            bDescriptorType=4,
            bInterfaceNumber=0,
            bAlternateSetting=0,
            bNumEndpoints=2,
            bInterfaceClass=dev.interface_class,
            bInterfaceSubClass=1,
            bInterfaceProtocol=2,
            iInterface=0,
            extra_descriptors=[],
        )

    def get_endpoint_descriptor(self, dev: SimDevice, ep: int, intf: int, alt: int, config: int) -> Any:
        if ep > 1:
            raise IndexError(ep)
        address = dev.out_ep if ep == 0 else dev.in_ep
        return SimpleNamespace(
            bLength=7,
            bDescriptorType=5,
            bEndpointAddress=address,
            bmAttributes=0x02,
            wMaxPacketSize=64,
            bInterval=0,
            bRefresh=0,
            bSynchAddress=0,
            extra_descriptors=[],
        )

    # --- device handle ----------------------------------------------------------------------------
    def open_device(self, dev: SimDevice) -> Any:
        if self.printer.open_errno is not None:
            raise usb.core.USBError(
                "Access denied (insufficient permissions)", error_code=-3, errno=self.printer.open_errno
            )
        self.printer.opened += 1
        return dev

    def close_device(self, dev_handle: Any) -> None:
        pass

    def set_configuration(self, dev_handle: Any, config_value: int) -> None:
        pass

    def get_configuration(self, dev_handle: Any) -> int:
        return 1

    def set_interface_altsetting(self, dev_handle: Any, intf: int, altsetting: int) -> None:
        pass

    def claim_interface(self, dev_handle: Any, intf: int) -> None:
        if self.printer.vendor_driver:
            raise NotImplementedError("Operation not supported or unimplemented on this platform")
        if self.printer.claim_errno is not None:
            raise usb.core.USBError("Resource busy", error_code=-6, errno=self.printer.claim_errno)

    def release_interface(self, dev_handle: Any, intf: int) -> None:
        pass

    def reset_device(self, dev_handle: Any) -> None:
        self.printer.resets += 1

    def clear_halt(self, dev_handle: Any, ep: int) -> None:
        pass

    # --- transfers ----------------------------------------------------------------------------------
    def bulk_write(self, dev_handle: Any, ep: int, intf: int, data: Any, timeout: int) -> int:
        p = self.printer
        if p.write_times_out:
            raise usb.core.USBTimeoutError("Operation timed out", error_code=-7, errno=errno.ETIMEDOUT)
        chunk = bytes(data)
        if p.disconnect_after is not None and len(p.received) + len(chunk) > p.disconnect_after:
            p.received += chunk[: max(0, p.disconnect_after - len(p.received))]
            raise usb.core.USBError("No such device (it may have been disconnected)", error_code=-4, errno=errno.ENODEV)
        p.received += chunk
        if p.change_after is not None and len(p.received) >= p.change_after:
            for name, value in p.change_to.items():
                setattr(p, name, value)
            p.change_after = None
        # Real-time status requests are answered at once, even mid-job.
        at = chunk.find(b"\x10\x04")
        while at != -1 and at + 2 < len(chunk):
            kind = chunk[at + 2]
            answers = {1: p.online_status, 2: p.offline_cause, 3: p.error_status, 4: p.paper_status}
            p.pending_answers.append(answers[kind])
            at = chunk.find(b"\x10\x04", at + 3)
        return len(chunk)

    def bulk_read(self, dev_handle: Any, ep: int, intf: int, buff: Any, timeout: int) -> int:
        p = self.printer
        if not p.answers_status or not p.pending_answers:
            raise usb.core.USBTimeoutError("Operation timed out", error_code=-7, errno=errno.ETIMEDOUT)
        buff[0] = p.pending_answers.pop(0)
        return 1


PRINTER_58 = SimDevice(0x0416, 0x5011, interface_class=7, out_ep=0x03, in_ep=0x81)
KEYBOARD = SimDevice(0x046D, 0xC31C, interface_class=3, bus=1, address=2)
VENDOR_SPECIFIC_EPSON = SimDevice(0x04B8, 0x0E28, interface_class=0xFF, bus=2, address=7)
