"""`emitra-kiosk --self-check`: proves an installation works on this PC, without a screen and without a server.

It loads Qt, the shipped fonts and the translations, creates a kiosk database, renders a sample receipt to
ESC/POS and decodes it back, looks for USB printers and names the keyring backend. Facts about the PC (no
libusb, no OS keyring on a headless Linux) are reported as notes; only a broken installation fails the check.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TextIO

import platformdirs

from kiosk_app.session import APP_NAME
from kiosk_app.update import running_version

EXIT_OK, EXIT_FAILED = 0, 1

# Conjuncts, matras and the rupee sign: a font without them would print boxes on every receipt.
HINDI_SAMPLE = "क्षत्रिय श्री कुर्सी ज्ञान ₹"


class Outcome(StrEnum):
    OK = "ok"
    NOTE = "note"  # a fact about this PC the operator may need to act on; the installation itself is fine
    FAILED = "FAILED"


@dataclass(frozen=True)
class Finding:
    check: str
    outcome: Outcome
    detail: str


class CheckFailed(Exception):
    """The installation is broken in a way this check can name; the message says what to do."""


class Note(Exception):
    """Raised by a check to report a fact about the PC instead of success."""


def use_offscreen_without_display() -> bool:
    """Qt's offscreen platform when no screen exists (a Linux service, CI, an SSH session); True if chosen."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return False
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return True
    return False


def installation() -> str:
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return f"bundle {Path(sys.executable).resolve().parent}"
    return f"source tree {Path(__file__).resolve().parent.parent}"


def check_qt() -> str:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion
    from PySide6.QtWidgets import QApplication

    from printing.raster import ensure_qt_gui

    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv and sys.argv[0] else APP_NAME])
    if not isinstance(app, QApplication):
        raise CheckFailed("a Qt application without widgets is already running in this process")
    app.setApplicationName(APP_NAME)
    ensure_qt_gui()
    return f"PySide6 {pyside_version}, Qt {qVersion()}, platform '{app.platformName()}'"


def check_fonts() -> str:
    from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics
    from PySide6.QtWidgets import QApplication

    from printing.fonts import fonts_dir
    from printing.raster import TextStyle, render_line
    from ui.app import application_font

    font = application_font()  # raises FontMissing naming the file and folder
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.setFont(font)
    families = font.families()
    devanagari = next(
        (f for f in families if QFontDatabase.WritingSystem.Devanagari in QFontDatabase.writingSystems(f)), None
    )
    if devanagari is None:
        raise CheckFailed(f"no Devanagari font among {families} from {fonts_dir()}; Hindi would print as boxes")
    metrics = QFontMetrics(QFont(devanagari))
    missing = sorted({ch for ch in HINDI_SAMPLE if not ch.isspace() and not metrics.inFontUcs4(ord(ch))})
    if missing:
        raise CheckFailed(f"the font {devanagari} lacks {' '.join(missing)}; Hindi would print as boxes")
    line = render_line(HINDI_SAMPLE, 384, TextStyle(24))
    if line.convert("L").getextrema()[0] != 0:
        raise CheckFailed("Hindi text rendered without ink: the font did not draw")
    return f"{', '.join(families)} from {fonts_dir()}; Hindi shaped into a {line.width}x{line.height} raster"


def check_words() -> str:
    import words

    catalog = words.catalog()  # raises CatalogMissing naming the file
    missing = [key for key, entry in catalog.items() if not all(form.strip() for form in entry.hindi)]
    if missing:
        raise CheckFailed(f"{len(missing)} entries without Hindi in {words.mo_path()}, e.g. {missing[0]}")
    return f"{len(catalog)} entries in English and Hindi from {words.mo_path()}"


def check_database(folder: Path) -> str:
    from kiosk_app.config import KioskConfig
    from offline_cache.database import schema_version
    from offline_cache.store import LocalStore

    path = KioskConfig(data_dir=folder).database_path
    existed = path.exists()
    store = LocalStore.open(path)
    try:
        version = schema_version(store.db)
        journal = store.db.execute("PRAGMA journal_mode").fetchone()[0]
        queued = store.outbox.queue_length()
    finally:
        store.close()
    return (
        f"{'opened' if existed else 'created'} {path}: schema {version}, journal {journal}, "
        f"{queued} operation(s) queued"
    )


def check_receipt() -> str:
    from printing.escpos_decode import Cut, QrCode, Raster, TextLine, decode
    from printing.samples import sample_receipt
    from printing.thermal import PAPER_80MM, receipt_bytes

    receipt = sample_receipt()
    stream = receipt_bytes(receipt, PAPER_80MM)  # needs python-escpos' capabilities.json in the installation
    elements = decode(stream)
    rasters = [e for e in elements if isinstance(e, Raster)]
    inked = [r for r in rasters if any(r.data)]
    if not inked:
        raise CheckFailed("the sample receipt has no Hindi raster with ink")
    codes = [e.data for e in elements if isinstance(e, QrCode)]
    if codes != [receipt.txn_id]:
        raise CheckFailed(f"the sample receipt's QR codes are {codes}, expected [{receipt.txn_id!r}]")
    if not any(isinstance(e, TextLine) and receipt.receipt_no in e.text for e in elements):
        raise CheckFailed("the receipt number is missing from the decoded text")
    if not isinstance(elements[-1], Cut):
        raise CheckFailed("the sample receipt does not end with a cut")
    lines = sum(isinstance(e, TextLine) for e in elements)
    return (
        f"80mm sample: {len(stream):,} bytes of ESC/POS; decoded {lines} text lines, "
        f"{len(inked)} Hindi rasters, QR {codes[0]}, cut"
    )


def check_usb_printers() -> str:
    import usb.backend.libusb1

    from printing.connections import discover_usb_printers
    from printing.errors import UsbBackendMissing

    try:
        found = discover_usb_printers()
    except UsbBackendMissing:
        raise Note(
            "no libusb: pyusb found no USB backend, so direct USB printing is off (Linux: apt-get install "
            "libusb-1.0-0; Windows: libusb-1.0.dll beside the program). Windows queues, device files and "
            "network printers still work"
        ) from None
    backend = usb.backend.libusb1.get_backend()
    library = getattr(getattr(backend, "lib", None), "_name", None) or "libusb"
    if not found:
        return f"{library}; no USB printer connected"
    return f"{library}; " + "; ".join(
        f"{p.describe()} bus {p.bus} device {p.device_address}" + ("" if p.printer_class else " (vendor class)")
        for p in found
    )


def check_keyring() -> str:
    import keyring
    import keyring.backend
    from keyring.backends import chainer

    from kiosk_app.errors import KeyringUnavailable
    from kiosk_app.session import backend_name, resolve_backend

    backend = keyring.get_keyring()
    name = backend_name(backend)
    if isinstance(backend, chainer.ChainerBackend):
        name += " of " + ", ".join(backend_name(b) for b in backend.backends)
    try:
        resolve_backend()
    except KeyringUnavailable as exc:
        available = ", ".join(sorted(backend_name(b) for b in keyring.backend.get_all_keyring()))
        detail = f"{name}: {exc} (Backends in this installation: {available}.)"
        if sys.platform == "win32":
            raise CheckFailed(detail) from None  # Windows always has the Credential Manager: a packaging fault
        raise Note(detail) from None
    return f"{name} (priority {backend.priority})"


def check_updates() -> str:
    """The updater's parts load (python-tuf verifies with them) and the bundle says where its trust starts."""
    import tufup.client  # noqa: F401 - importing is the check: a bundle missing tuf cannot update itself
    from securesystemslib.signer import SSlibKey  # noqa: F401

    from kiosk_app.update import bundled_root, running_version

    root = bundled_root()
    if root is None:
        raise Note(f"release {running_version()}: no update repository root built in (updates off)")
    return f"release {running_version()}, update repository root {root.name} ({root.stat().st_size} bytes)"


@contextmanager
def database_folder(given: Path | None) -> Iterator[Path]:
    if given is not None:
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="emitra-self-check-", ignore_cleanup_errors=True) as temporary:
        yield Path(temporary)


def check_signing() -> str:
    """The crypto a PROVISIONAL receipt's QR is signed with (kiosk_app/receipt_key.py) is in this installation."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from rules import provisional_qr

    key = Ed25519PrivateKey.generate()  # in memory only: the kiosk's own key stays in the keyring
    message = provisional_qr.message("SELF-CHECK", "op", 100)
    key.public_key().verify(key.sign(message), message)  # raises InvalidSignature if it were broken
    return "Ed25519 sign and verify (the provisional receipt's QR)"


def run_checks(folder: Path) -> Iterator[Finding]:
    checks: list[tuple[str, Callable[[], str]]] = [
        ("qt", check_qt),
        ("fonts", check_fonts),
        ("words", check_words),
        ("database", lambda: check_database(folder)),
        ("receipt", check_receipt),
        ("signing", check_signing),
        ("usb", check_usb_printers),
        ("keyring", check_keyring),
        ("updates", check_updates),
    ]
    for name, check in checks:
        try:
            yield Finding(name, Outcome.OK, check())
        except Note as note:
            yield Finding(name, Outcome.NOTE, str(note))
        except Exception as exc:
            detail = str(exc) if isinstance(exc, CheckFailed) else f"{type(exc).__name__}: {exc}"
            yield Finding(name, Outcome.FAILED, detail)


def self_check(data_dir: Path | None = None, out: TextIO | None = None) -> int:
    """Run every check, print the report, return the exit code (0 when nothing failed)."""
    report_file: Path | None = None
    if out is None:
        if sys.stdout is not None:
            out = sys.stdout
        else:  # a windowed Windows program has no console: leave the report in the log folder
            report_file = platformdirs.user_log_path(APP_NAME, appauthor=False) / "self-check.txt"
            report_file.parent.mkdir(parents=True, exist_ok=True)
            out = report_file.open("w", encoding="utf-8")
    offscreen = use_offscreen_without_display()

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    say(f"eMitra kiosk {running_version()} self-check: {installation()}")
    say(
        f"  Python {platform.python_version()} on {platform.platform()}"
        + ("; no display, Qt runs offscreen" if offscreen else "")
    )
    say(
        f"  data folder {platformdirs.user_data_path(APP_NAME, appauthor=False)}, "
        f"logs {platformdirs.user_log_path(APP_NAME, appauthor=False)}"
    )
    failed: list[Finding] = []
    with database_folder(data_dir) as folder:
        for finding in run_checks(folder):
            say(f"  {finding.outcome.value:<6} {finding.check:<9} {finding.detail}")
            if finding.outcome is Outcome.FAILED:
                failed.append(finding)
    if failed:
        say(f"Self-check FAILED: {', '.join(f.check for f in failed)}.")
        if sys.stderr is not None and out is not sys.stderr:
            for finding in failed:
                print(f"{APP_NAME} self-check failed: {finding.check}: {finding.detail}", file=sys.stderr)
    else:
        say("Self-check passed.")
    if report_file is not None:
        out.close()
    return EXIT_FAILED if failed else EXIT_OK
