"""Which window is up: sign-in until the account is ready, then the main window; idle lock, language, settings."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from kiosk_app.auth import SignedIn
from kiosk_app.errors import ConfigurationError
from kiosk_app.update import UpdatePlaces
from ui import features
from ui.core import Core
from ui.dialogs import messages
from ui.forms import Message, error_text, say, shortcut
from ui.lock import LockWindow
from ui.main_window import MainWindow, PrinterState
from ui.ops import Op
from ui.settings import Preferences
from ui.settings_dialog import SettingsDialog
from ui.sign_in import SignInWindow
from ui.strings import Language, current_language, language_switch, t
from ui.updates import FIRST_CHECK_MS, UpdateAgent

if TYPE_CHECKING:
    from printing.spool_runner import PrintResult

ACTIVITY_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class IdleWatch(QObject):
    """Emits `expired` after `interval_ms` without a key press, click or mouse move anywhere in the application."""

    expired = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.expired.emit)
        self._installed = False

    def arm(self, interval_ms: int) -> None:
        self.timer.setInterval(interval_ms)
        app = QApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self.timer.start()

    def disarm(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    @property
    def armed(self) -> bool:
        return self.timer.isActive()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if event.type() in ACTIVITY_EVENTS and self.timer.isActive():
            self.timer.start()  # restart the countdown
        return False


class Shell(QObject):
    """Owns the windows and moves between them; screens only emit what the operator asked for."""

    main_opened = Signal(object)  # MainWindow
    locked = Signal()

    def __init__(self, core: Core, *, idle_interval_ms: int | None = None) -> None:
        super().__init__()
        features.install()
        self.core = core
        self.idle = IdleWatch()
        self.idle.expired.connect(self.on_idle_expired)
        self._idle_override = idle_interval_ms
        self.sign_in = SignInWindow(core)
        self.sign_in.ready.connect(self.on_sign_in_ready)
        self.sign_in.settings_requested.connect(lambda: self.open_settings("server"))
        self.sign_in.language_toggled.connect(self.on_language_toggled)
        self._f12(self.sign_in)
        self.main: MainWindow | None = None
        self.lock_window: LockWindow | None = None
        self.settings: SettingsDialog | None = None
        self.printer_state: tuple[PrinterState, str] | None = None
        self.updates: UpdateAgent | None = None
        language_switch().set_language(Language(core.preferences.language))

    def _f12(self, window: QWidget) -> None:
        shortcut(window, "F12", self.on_language_toggled, Qt.ShortcutContext.WindowShortcut, what="keys.language")

    @property
    def idle_interval_ms(self) -> int:
        if self._idle_override is not None:
            return self._idle_override
        return self.core.preferences.idle_lock_minutes * 60_000

    # -- start, sign in, lock -----------------------------------------------------------------------------
    def start(self, *, resume: bool = True) -> None:
        """Show the login; with `resume`, go straight on when the keyring holds a session the server honours."""
        self.sign_in.show_login()
        self.sign_in.show()
        self.sign_in.activateWindow()
        if self.updates is None:
            QTimer.singleShot(FIRST_CHECK_MS, self.start_updates)  # the login window first, then the check
        if resume:
            account = self.core.account
            (
                Op(self.sign_in, account.resume)
                .busy(self.sign_in.login.submit)
                .success(self.on_session_resumed)
                .failure(lambda _exc: None)
                .run()
            )

    def on_session_resumed(self, signed: SignedIn | None) -> None:
        if signed is not None and signed.next_step == "ready" and self.main is None:
            self.open_main(signed)

    def on_sign_in_ready(self, signed: SignedIn) -> None:
        self.open_main(signed)

    def open_main(self, signed: SignedIn) -> None:
        main = MainWindow(self.core, signed)
        main.lock_requested.connect(self.lock_screen)
        main.logout_requested.connect(lambda: self.lock(None))
        main.settings_requested.connect(self.open_settings)
        main.session_lost.connect(lambda: self.lock(say("app.session_ended"), "error"))
        self._f12(main)
        if self.printer_state is not None:
            main.status.set_printer(*self.printer_state)
        if self.updates is not None:
            main.status.set_update(self.updates.text)
        self.main = main
        main.showMaximized()  # the whole screen: Pay and its result stay in view (1024×768 counters too)
        main.activateWindow()
        main.start()
        self.sign_in.hide()
        self.idle.arm(self.idle_interval_ms)
        self.main_opened.emit(main)
        QTimer.singleShot(0, features.preload)  # the pages' code, so the first menu entry opens at once

    def start_updates(self, first_check_ms: int = 0) -> None:
        """An installed bundle with an update repository checks now and daily (ui/updates.py)."""
        from kiosk_app.config import KioskConfig

        if self.updates is not None:  # a start after a sign-out: the agent of the first start goes on
            return
        self.updates = UpdateAgent.for_installation(
            UpdatePlaces.default(), lambda: KioskConfig.from_env(server_url=self.core.server_url).update_repository
        )
        if self.updates is not None:
            self.updates.notice.connect(self.on_update_notice)
            self.updates.start(first_check_ms)

    def on_update_notice(self, text: str) -> None:
        if self.main is not None:
            self.main.status.set_update(text)

    def lock_screen(self) -> None:
        """Ctrl+L: the main window goes behind the locked screen as it is (session, form, queue kept)."""
        main = self.main
        if main is None or self.lock_window is not None:
            return
        window = LockWindow(self.core, main.signed.sso_id, main.signed.kiosk_code)
        window.unlocked.connect(self.on_unlocked)
        window.sign_out_requested.connect(lambda: self.lock(None))
        self._f12(window)
        self.lock_window = window
        main.hide()
        window.show()
        window.activateWindow()

    def on_unlocked(self) -> None:
        self._close_lock_window()
        if self.main is not None:
            self.main.showMaximized()
            self.main.activateWindow()

    def _close_lock_window(self) -> None:
        window, self.lock_window = self.lock_window, None
        if window is not None:
            window.close()
            window.deleteLater()

    def lock(self, notice: Message | None, kind: str = "info") -> None:
        """Back to the login: the session is ended (on the server too when it answers) and the windows closed."""
        self._close_lock_window()
        self.idle.disarm()
        if self.settings is not None:
            self.settings.reject()
        main, self.main = self.main, None
        if main is not None:
            main.close()
            main.deleteLater()
        account = self.core.account
        self.sign_in.show_login(None, notice, kind)
        self.sign_in.show()
        self.sign_in.activateWindow()
        # Logging in again waits for the logout, so its token cannot be forgotten by a late logout.
        (
            Op(self.sign_in, account.logout).busy(self.sign_in.login.submit).failure(lambda _exc: None).run()
        )  # offline: the token is forgotten locally anyway
        self.locked.emit()

    def on_idle_expired(self) -> None:
        minutes = max(1, round(self.idle_interval_ms / 60_000))
        self.lock(say("app.locked", minutes=minutes))

    # -- language ---------------------------------------------------------------------------------------
    def on_language_toggled(self) -> None:
        self.set_language(current_language().other)

    def set_language(self, language: Language) -> None:
        language_switch().set_language(language)
        if self.core.preferences.language != language.value:
            self.core.save_preferences(replace(self.core.preferences, language=language.value))

    # -- settings ---------------------------------------------------------------------------------------
    def open_settings(self, tab: str = "printer") -> SettingsDialog:
        if self.settings is not None:
            self.settings.tabs.setCurrentIndex(("printer", "language", "server").index(tab))
            self.settings.raise_()
            return self.settings
        parent: QWidget = self.main if self.main is not None else self.sign_in
        dialog = SettingsDialog(self.core, parent, tab)
        dialog.saved.connect(self.on_settings_saved)
        dialog.printer_checked.connect(self.on_printer_checked)
        dialog.finished.connect(self.on_settings_finished)
        self.settings = dialog
        dialog.open()
        return dialog

    def on_settings_finished(self, _result: int) -> None:
        if self.settings is not None:
            self.settings.deleteLater()
        self.settings = None
        # The keys go back to the window the operator came from (not every window manager does it by itself).
        window: QWidget = self.main if self.main is not None else self.sign_in
        if window.isVisible():
            window.activateWindow()

    def on_settings_saved(self, prefs: Preferences) -> None:
        language_switch().set_language(Language(prefs.language))
        if self.main is None:
            try:
                self.core.use_server(prefs.server_url)
            except ConfigurationError as exc:  # checked in the dialog; a race with the file is still possible
                messages().problem(self.sign_in, t("app.problem.title"), error_text(exc))
            self.sign_in.show_footer()
        address = prefs.printer_address
        if self.printer_state is not None and (address is None or address.describe() != self.printer_state[1]):
            self.printer_state = None  # a different printer than the one tested
        if self.main is not None:
            self.main.show_printer_setting()
            if self.printer_state is not None:
                self.main.status.set_printer(*self.printer_state)
            self.idle.arm(self.idle_interval_ms)

    def on_printer_checked(self, result: PrintResult, description: str) -> None:
        from printing.spool_runner import PrintOutcome

        state = PrinterState.PROBLEM if result.outcome is PrintOutcome.FAILED else PrinterState.READY
        self.printer_state = (state, description)
        if self.main is not None:
            self.main.status.set_printer(state, description)

    def close(self) -> None:
        """Close the windows (the application quits when the last one closes)."""
        self.idle.disarm()
        if self.settings is not None:
            self.settings.reject()
        for window in (self.main, self.sign_in):
            if window is not None:
                window.close()
                window.deleteLater()
        self.main = None
