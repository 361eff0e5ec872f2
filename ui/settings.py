"""The screens' settings, each declared once with type, default and description, kept in a small JSON file.

Stored next to kiosk_app's session.json (the same per-user config folder), never a secret. The file carries a
version; `MIGRATIONS` turns an older file into the current shape before it is read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from kiosk_app.session import APP_NAME
from printing.connections import (
    DeviceFileAddress,
    NetworkAddress,
    PrinterAddress,
    UsbPrinterAddress,
    VirtualPrinterAddress,
)
from printing.profiles import Paper, profile, profiles

log = logging.getLogger("emitra.ui")

VERSION = 1
DEFAULT_SERVER_URL = "http://127.0.0.1:8765"
PRINTER_KINDS = ("none", "usb", "file", "network", "virtual")


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclass(frozen=True)
class Preferences:
    """Every setting of the kiosk screens (see `describe()` for the list with descriptions)."""

    server_url: str = field(
        default=DEFAULT_SERVER_URL, metadata=_doc("the central server; https:// except for a server on this PC")
    )
    language: str = field(default="hi", metadata=_doc("language of the screens: 'hi' (Hindi) or 'en' (English)"))
    idle_lock_minutes: int = field(
        default=10, metadata=_doc("lock back to the login after this many minutes without a key press or click (1–120)")
    )
    printer_kind: str = field(
        default="none",
        metadata=_doc("receipt printer connection: none, usb, file, network, virtual (demo: .bin files, no paper)"),
    )
    printer_usb: str = field(default="", metadata=_doc("USB printer as vendor:product in hex, e.g. 0416:5011"))
    printer_device: str = field(default="/dev/usb/lp0", metadata=_doc("device file of a printer (Linux usblp)"))
    printer_host: str = field(default="", metadata=_doc("network printer host name or IP address"))
    printer_port: int = field(default=9100, metadata=_doc("network printer TCP port (raw printing, 9100)"))
    printer_virtual_folder: str = field(
        default="", metadata=_doc("folder where the virtual printer keeps each receipt's ESC/POS bytes (.bin files)")
    )
    paper: str = field(
        default="80mm",
        metadata=_doc(
            "receipt printer model or roll (a printing.profiles name: 58mm, 58mm-360, 80mm, 80mm-512, TM-T88V, …)"
        ),
    )
    auto_print: bool = field(default=True, metadata=_doc("print each receipt as soon as the payment is done"))
    low_balance_paise: int = field(
        default=2_000_00,
        metadata=_doc("the home page warns when what may still be spent is below this, in paise (₹2,000)"),
    )

    def __post_init__(self) -> None:
        if self.language not in ("hi", "en"):
            raise ValueError(f"unknown language {self.language!r}")
        if not 1 <= self.idle_lock_minutes <= 120:
            raise ValueError("idle lock must be 1 to 120 minutes")
        if self.printer_kind not in PRINTER_KINDS:
            raise ValueError(f"unknown printer kind {self.printer_kind!r}")
        if self.paper not in profiles():
            raise ValueError(f"unknown printer model or paper {self.paper!r}")
        if not 1 <= self.printer_port <= 65535:
            raise ValueError("the printer port must be 1 to 65535")
        if not 0 <= self.low_balance_paise <= 10_000_000_00:
            raise ValueError("the low-balance warning must be 0 to ₹1,00,00,000 in paise")

    @property
    def paper_roll(self) -> Paper:
        return profile(self.paper)

    @property
    def printer_address(self) -> PrinterAddress | None:
        """The configured printer, or None when none is set (or the setting is incomplete)."""
        if self.printer_kind == "usb":
            return parse_usb(self.printer_usb)
        if self.printer_kind == "file" and self.printer_device.strip():
            return DeviceFileAddress(self.printer_device.strip())
        if self.printer_kind == "network" and self.printer_host.strip():
            return NetworkAddress(self.printer_host.strip(), self.printer_port)
        if self.printer_kind == "virtual" and self.printer_virtual_folder.strip():
            return VirtualPrinterAddress(self.printer_virtual_folder.strip())
        return None


def parse_usb(text: str) -> UsbPrinterAddress | None:
    vendor, _, product = text.partition(":")
    try:
        return UsbPrinterAddress(int(vendor, 16), int(product, 16))
    except ValueError:
        return None


def usb_text(address: UsbPrinterAddress) -> str:
    return f"{address.vendor_id:04x}:{address.product_id:04x}"


def describe() -> list[tuple[str, str, Any, str]]:
    """(name, type, default, description) of every setting."""
    return [(f.name, str(f.type), f.default, f.metadata["doc"]) for f in fields(Preferences)]


# Each entry turns a file of version N (the key) into version N+1. Version 0 = a file without "version".
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    0: lambda data: data,
}


class PreferencesFile:
    """Loads and saves Preferences; an unreadable or invalid value falls back to its default (and is logged)."""

    FILE_NAME = "screens.json"

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or platformdirs.user_config_path(APP_NAME, appauthor=False)
        self.path = self.directory / self.FILE_NAME

    def load(self) -> Preferences:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return Preferences()
        except ValueError:
            log.warning("settings file %s is not valid JSON; using defaults", self.path)
            return Preferences()
        if not isinstance(data, dict):
            return Preferences()
        version = data.pop("version", 0)
        while isinstance(version, int) and version < VERSION:
            data = MIGRATIONS[version](data)
            version += 1
        return self._from_dict(data)

    def _from_dict(self, data: dict[str, Any]) -> Preferences:
        prefs = Preferences()
        for f in fields(Preferences):
            if f.name not in data:
                continue
            value = data[f.name]
            expected = type(f.default) if f.default is not MISSING else object
            if type(value) is not expected:
                log.warning("setting %s=%r is not a %s; using the default", f.name, value, expected.__name__)
                continue
            try:
                change: dict[str, Any] = {f.name: value}
                prefs = replace(prefs, **change)
            except ValueError as exc:
                log.warning("setting %s=%r refused (%s); using the default", f.name, value, exc)
        return prefs

    def save(self, prefs: Preferences) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps({"version": VERSION, **asdict(prefs)}, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        tmp.replace(self.path)
