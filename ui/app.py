"""Start-up of the kiosk application: Qt, fonts, one instance per PC, logging, the global error hook, the shell."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

import platformdirs
from PySide6.QtCore import QEvent, QLockFile, QObject, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QApplication

from kiosk_app.errors import EnvironmentFault, KioskError
from kiosk_app.session import APP_NAME
from printing.errors import PrinterProblem
from printing.fonts import DEVANAGARI_BOLD, DEVANAGARI_REGULAR, SCREEN_LATIN_BOLD, SCREEN_LATIN_REGULAR, font_path
from printing.raster import ensure_qt_gui
from ui import ops
from ui.dialogs import messages
from ui.forms import error_text
from ui.strings import t

log = logging.getLogger("emitra.ui")

UI_POINT_SIZE = 11

# The control with the keyboard focus is always plain to see: a 2-pixel blue frame (and a tint on buttons and
# ticks), whatever the platform's style draws.
FOCUS_BLUE = "#1565c0"
APP_STYLE = f"""
QLineEdit, QComboBox, QDateEdit, QListWidget, QTableWidget, QPlainTextEdit, QTextEdit {{
    border: 1px solid #8a8f98; border-radius: 2px; padding: 2px; background: white;
}}
QLineEdit:focus, QComboBox:focus, QDateEdit:focus, QListWidget:focus, QTableWidget:focus, QPlainTextEdit:focus,
QTextEdit:focus {{
    border: 2px solid {FOCUS_BLUE}; padding: 1px;
}}
QLineEdit:read-only {{ background: #f1f3f4; }}
QPushButton {{
    border: 1px solid #8a8f98; border-radius: 3px; padding: 4px 12px; background: #f6f7f9;
}}
QPushButton:hover {{ background: #eef3fb; }}
QPushButton:pressed, QPushButton:checked {{ background: #dde7f6; }}
QPushButton:disabled {{ color: #9aa0a6; background: #f0f0f0; border-color: #c8ccd2; }}
QPushButton:focus {{ border: 2px solid {FOCUS_BLUE}; padding: 3px 11px; background: #e8f0fe; }}
QCheckBox:focus, QRadioButton:focus {{ background: #e8f0fe; border: 1px solid {FOCUS_BLUE}; }}
"""


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (or the running one), with the shipped fonts as the application font."""
    app = QApplication.instance()
    if app is None:
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            print(
                "No display found: running offscreen (set DISPLAY, or use xvfb-run, to see the windows).",
                file=sys.stderr,
            )
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication(argv if argv is not None else [sys.argv[0] if sys.argv else "emitra-kiosk"])
    assert isinstance(app, QApplication), "a QCoreApplication without widgets is already running"
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("eMitra")
    # printing.raster draws Hindi receipt lines with Qt; it must find this application, not make its own.
    ensure_qt_gui()
    app.setFont(application_font())
    app.setStyleSheet(APP_STYLE)
    if not app.findChildren(EnterPresses):  # once, however often the application is asked for
        app.installEventFilter(EnterPresses(app))
    return app


class EnterPresses(QObject):
    """Enter on a focused button, tick box or radio button presses it, as Space does: outside a dialog Qt does
    nothing with Enter there, so an operator who moved to a control with Tab could not go on with Enter."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
            and isinstance(watched, QAbstractButton)
            and watched.hasFocus()
            and watched.isEnabled()
        ):
            watched.animateClick()
            return True
        return False


def application_font() -> QFont:
    """Noto Sans first: Latin letters, digits and ₹ all come from one family (a 0 beside an O, as in an IFSC,
    is told apart); Devanagari falls through to Noto Sans Devanagari (shaped by HarfBuzz), the same design."""
    families: list[str] = []
    for file_name in (SCREEN_LATIN_REGULAR, SCREEN_LATIN_BOLD, DEVANAGARI_REGULAR, DEVANAGARI_BOLD):
        font_id = QFontDatabase.addApplicationFont(str(font_path(file_name)))
        if font_id < 0:
            raise RuntimeError(f"Qt could not load the shipped font {file_name}")
        family = QFontDatabase.applicationFontFamilies(font_id)[0]
        if family not in families:
            families.append(family)
    font = QFont()
    font.setFamilies(families)
    font.setPointSize(UI_POINT_SIZE)
    return font


def acquire_instance_lock(directory: Path | None = None) -> QLockFile | None:
    """The lock that keeps a second kiosk program off this PC; None when another instance holds it.

    A lock left by a crashed program is stale (its process is gone) and is taken over.
    """
    folder = directory or platformdirs.user_data_path(APP_NAME, appauthor=False)
    folder.mkdir(parents=True, exist_ok=True)
    lock = QLockFile(str(folder / "kiosk.lock"))
    lock.setStaleLockTime(0)  # judge staleness by the owner's process only, never by age
    if not lock.tryLock(100):
        return None
    return lock


def configure_logging(directory: Path | None = None) -> Path:
    """Log to a rotating file in the user log folder (and stderr); returns the file's path."""
    folder = directory or platformdirs.user_log_path(APP_NAME, appauthor=False)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "kiosk.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


class ErrorReporter(QObject):
    """The one place failures nobody handled end up: an operator message for the environment's fault
    (server, network, printer, PC configuration), the crash dialog and the log for our bug."""

    _from_thread = Signal(object)

    def __init__(self, log_path: Path | None) -> None:
        super().__init__()
        self.log_path = log_path
        self._from_thread.connect(self.report)

    def install(self) -> None:
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook
        ops.set_error_handler(self.report)

    def excepthook(self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if exc.__traceback__ is None and tb is not None:
            exc = exc.with_traceback(tb)
        if threading.current_thread() is threading.main_thread():
            self.report(exc)
        else:
            self._from_thread.emit(exc)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self._from_thread.emit(args.exc_value)

    @staticmethod
    def is_environment(exc: BaseException) -> bool:
        return isinstance(exc, EnvironmentFault | PrinterProblem)

    def report(self, exc: BaseException) -> None:
        parent = QApplication.activeWindow()
        if self.is_environment(exc) or isinstance(exc, KioskError):
            log.warning("operator told: %s", exc)
            messages().problem(parent, t("app.problem.title"), error_text(exc))
            return
        details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        log.error("bug: %s", details)
        messages().crash(parent, t("app.crash.title"), t("app.crash.text", log=self.log_path or "—"), details)


def run(
    *,
    server_url: str | None = None,
    config_dir: Path | None = None,
    log_dir: Path | None = None,
    lock_dir: Path | None = None,
    argv: list[str] | None = None,
) -> int:
    """The kiosk program: returns the process exit code."""
    from ui.core import Core
    from ui.shell import Shell

    app = make_application(argv)
    log_path = configure_logging(log_dir)
    reporter = ErrorReporter(log_path)
    reporter.install()
    lock = acquire_instance_lock(lock_dir)
    if lock is None:
        messages().problem(None, t("app.title"), t("app.already_running"))
        return 1
    try:
        try:
            core = Core.open(config_dir=config_dir, server_url=server_url)
        except (EnvironmentFault, PrinterProblem) as exc:  # a bad server address, no keyring: say so and stop
            messages().problem(None, t("app.problem.title"), error_text(exc))
            return 1
        shell = Shell(core)
        shell.start()
        code = app.exec()
        shell.close()
        core.close()
        return code
    finally:
        lock.unlock()
