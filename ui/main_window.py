"""The main window: the portal's menus, the home page (ui/home.py), and the status bar.

Menu entries whose kiosk_app use-case does not exist yet open a page that says so plainly; a screen for one of
them is plugged in through `FEATURE_PAGES` (see `Feature`), without touching this window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QLabel, QMainWindow, QMenu, QPushButton, QStackedWidget, QVBoxLayout, QWidget

import words
from kiosk_app import __version__
from kiosk_app.auth import Profile, SignedIn
from kiosk_app.errors import EnvironmentFault, NotSignedIn, SessionExpired
from printing.money import format_rupees
from ui.core import Core, KioskObservers, server_reachable
from ui.dialogs import messages
from ui.forms import Translated, explain, shortcut
from ui.ops import Op
from ui.strings import t

if TYPE_CHECKING:
    from kiosk_app.core import KioskCore  # loaded on first use (ui.core.Core.kiosk), not before the login window
    from kiosk_app.health import HealthOutcome
    from kiosk_app.money import Money  # loaded on first use (ui.core.Core.kiosk), not before the login window

log = logging.getLogger("emitra.ui")

HEALTH_INTERVAL_MS = 30_000
REPORT_INTERVAL_MS = 3_600_000  # the kiosk's health to the centre (kiosk_app/health.py)


class Feature(StrEnum):
    """The portal's menu entries that open a page in the main window."""

    AVAIL_SERVICE = "avail_service"
    REFILL = "refill"
    FUND_PAYOUT = "fund_payout"
    STATEMENT = "statement"
    RECONCILE = "reconcile"
    DAY_END = "day_end"
    REPRINT = "reprint"

    @property
    def label_key(self) -> str:
        return f"menu.{self.value}"


# Seam: a screen for a feature registers a factory here (e.g. FEATURE_PAGES[Feature.AVAIL_SERVICE] =
# AvailServicePage); until then the menu entry opens the "coming in a later update" page.
FEATURE_PAGES: dict[Feature, Callable[[Core], QWidget]] = {}


class FeaturePage(QWidget):
    """A feature's page; `wallet_changed` asks the window to load the balance again (after a payment).

    The window hands every page the kiosk's money (kiosk_app.money) through `show_money` whenever it changes;
    a page never keeps a figure of its own.
    """

    wallet_changed = Signal()

    def show_money(self, money: Money) -> None:
        """The kiosk's money changed (or is first known); a page that shows money redraws it."""

    def on_opened(self) -> None:
        """The operator asked for this page (its menu key, again too): put the focus where work starts."""

    def on_refresh(self) -> None:
        """F5 on this page: load what it shows anew (the window has already asked for the money)."""


def menu_text(key: str) -> str:
    """A menu label without its mnemonic marker, for titles."""
    return t(key).replace("&", "").rstrip("…")


class PrinterState(StrEnum):
    NOT_SET = "not_set"
    SET = "set"
    READY = "ready"
    PROBLEM = "problem"


class StatusBarView:
    """The status bar: online/offline, spendable balance, queued operations, printer state."""

    def __init__(self, window: QMainWindow, tr_: Translated) -> None:
        bar = window.statusBar()
        self.online_label = QLabel()
        self.online_label.setObjectName("status_online")
        self.balance_label = QLabel()
        self.balance_label.setObjectName("status_balance")
        self.queue_label = QLabel()
        self.queue_label.setObjectName("status_queue")
        self.printer_label = QLabel()
        self.printer_label.setObjectName("status_printer")
        self.update_label = QLabel()  # the updater's line (ui/updates.py), already in the screen's language
        self.update_label.setObjectName("status_update")
        self.update_label.hide()
        bar.addWidget(self.update_label)
        for label in (self.online_label, self.balance_label, self.queue_label, self.printer_label):
            bar.addPermanentWidget(label)
        self.online: bool | None = None
        self.spendable_paise: int | None = None
        self.queued: int | None = None
        self.printer: tuple[PrinterState, str] = (PrinterState.NOT_SET, "")
        tr_.dynamic(self.refresh)

    def set_online(self, online: bool | None) -> None:
        self.online = online
        self.refresh()

    def set_balance(self, spendable_paise: int | None) -> None:
        self.spendable_paise = spendable_paise
        self.refresh()

    def set_queue(self, count: int | None) -> None:
        self.queued = count
        self.refresh()

    def set_printer(self, state: PrinterState, description: str = "") -> None:
        self.printer = (state, description)
        self.refresh()

    def set_update(self, text: str) -> None:
        self.update_label.setText(text)
        self.update_label.setVisible(bool(text))

    def refresh(self) -> None:
        if self.online is None:
            self.online_label.setText(t("status.checking"))
            self.online_label.setStyleSheet("color: #666;")
        else:
            self.online_label.setText(t("status.online" if self.online else "status.offline"))
            self.online_label.setStyleSheet("color: #1e7b34;" if self.online else "color: #b00020;")
        self.balance_label.setText(
            t("status.balance_unknown")
            if self.spendable_paise is None
            else t("status.balance", amount=format_rupees(self.spendable_paise))
        )
        self.queue_label.setText(
            t("status.queue_unknown") if self.queued is None else t("status.queue", count=self.queued)
        )
        state, description = self.printer
        key = {
            PrinterState.NOT_SET: "status.printer_none",
            PrinterState.SET: "status.printer_set",
            PrinterState.READY: "status.printer_ok",
            PrinterState.PROBLEM: "status.printer_problem",
        }[state]
        self.printer_label.setText(t(key, printer=description) if description else t(key))


class ComingSoonPage(QWidget):
    """A menu entry whose use-case does not exist yet: says so, shows no data."""

    home_requested = Signal()

    def __init__(self, tr_: Translated) -> None:
        super().__init__()
        self.setObjectName("coming_soon")
        self.title = QLabel()
        self.title.setObjectName("coming_title")
        self.title.setStyleSheet("font-size: 18pt; font-weight: bold;")
        self.text = QLabel()
        self.text.setObjectName("coming_text")
        self.text.setWordWrap(True)
        self.home = QPushButton()
        self.home.setObjectName("coming_home")
        tr_.text(self.home.setText, "coming.home")
        self.home.clicked.connect(self.home_requested.emit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addWidget(self.home, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addStretch()
        shortcut(self, "Esc", self.home_requested.emit)
        self.feature: Feature | None = None
        tr_.dynamic(self.refresh)

    def show_feature(self, feature: Feature) -> None:
        self.feature = feature
        self.refresh()
        self.home.setFocus()

    def refresh(self) -> None:
        if self.feature is None:
            return
        name = menu_text(self.feature.label_key)
        self.title.setText(t("coming.title", feature=name))
        self.text.setText(t("coming.text", feature=name))


class StatusFeed(QObject):
    """Re-posts kiosk_app's event callbacks (any thread) to the GUI thread as Qt signals."""

    online_changed = Signal(bool)
    queue_changed = Signal(int)
    money_changed = Signal(object)  # kiosk_app.money.Money

    def __init__(self) -> None:
        super().__init__()
        self._disconnect: list[Callable[[], Any]] = []

    def attach(self, observers: KioskObservers) -> None:
        self._disconnect.append(observers.online_changed.connect(self.online_changed.emit))
        self._disconnect.append(observers.queue_changed.connect(self.queue_changed.emit))
        self._disconnect.append(observers.money_changed.connect(self.money_changed.emit))

    def detach(self) -> None:
        for disconnect in self._disconnect:
            if callable(disconnect):
                disconnect()
        self._disconnect.clear()


@dataclass(frozen=True)
class KioskOpened:
    kiosk: KioskCore
    online: bool
    money: Money  # as this PC last knew it; the server's answer follows


def open_kiosk(core: Core) -> KioskOpened:
    """On a worker: the client core (its database opened once), one health check, the money as last known."""
    kiosk = core.kiosk()
    online = kiosk.connectivity.check()
    return KioskOpened(kiosk, online, kiosk.money.current())


def report_health(core: Core) -> HealthOutcome:
    """On a worker: the kiosk's health to the centre (skipped offline); its answer says how far off the clock is."""
    prefs = core.preferences
    profile = "" if prefs.printer_address is None else f"{prefs.paper}, {prefs.printer_address.describe()}"
    return core.kiosk().health.report(profile)


def refresh_money(core: Core) -> Money:
    """On a worker: the server's word on the wallet, published to every screen (kiosk_app.money)."""
    return core.kiosk().money.refresh()


class MainWindow(QMainWindow):
    lock_requested = Signal()
    logout_requested = Signal()
    settings_requested = Signal(str)  # the tab: printer, language, server
    session_lost = Signal()

    def __init__(self, core: Core, signed: SignedIn) -> None:
        super().__init__()
        self.core = core
        self.signed = signed
        self.setObjectName("main_window")
        self.tr_ = Translated(self)
        self.tr_.dynamic(self.refresh_title)
        self.stack = QStackedWidget()
        from ui.home import HomeKeyFirst, HomePage  # it builds on FeaturePage, above

        self.home = HomePage(core)
        self.home_key = HomeKeyFirst(self)
        self.home.feature_requested.connect(self.open_feature)
        self.home.service_requested.connect(self.open_service)
        self.home.wallet_changed.connect(self.refresh_balance)
        self.coming = ComingSoonPage(self.tr_)
        self.coming.home_requested.connect(self.show_home)
        self.stack.addWidget(self.home)
        self.stack.addWidget(self.coming)
        # Both languages at once: an off clock is for whoever sits at the PC (kiosk_app/health.py measures it).
        self.clock_banner = QLabel()
        self.clock_banner.setObjectName("clock_banner")
        self.clock_banner.setWordWrap(True)
        self.clock_banner.setStyleSheet("background: #fff3cd; color: #6b4e00; padding: 6px; font-weight: bold;")
        self.clock_banner.hide()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.clock_banner)
        column.addWidget(self.stack)
        self.setCentralWidget(central)
        self.status = StatusBarView(self, self.tr_)
        self.feature_pages: dict[Feature, QWidget] = {}
        self.training: QWidget | None = None  # demo mode: the Training switches window, made when first asked for
        self.keys_dialog: QDialog | None = None  # F1, while open
        self.actions_: dict[str, QAction] = {}
        self._build_menus()
        self.feed = StatusFeed()
        self.feed.online_changed.connect(self.status.set_online)
        self.feed.queue_changed.connect(self.status.set_queue)
        self.feed.money_changed.connect(self.on_money_changed)
        self.money: Money | None = None
        self.health_timer = QTimer(self)
        self.health_timer.setInterval(HEALTH_INTERVAL_MS)
        self.health_timer.timeout.connect(self.on_health_timer_timeout)
        self.report_timer = QTimer(self)
        self.report_timer.setInterval(REPORT_INTERVAL_MS)
        self.report_timer.timeout.connect(self.on_report_timer_timeout)
        self.show_printer_setting()
        self.resize(1000, 680)

    # -- menus -----------------------------------------------------------------------------------------
    def _action(self, menu: QMenu, key: str, slot: Callable[[], None], keys: str | None = None) -> QAction:
        action = QAction(self)
        action.setObjectName(f"action_{key.split('.')[-1]}")
        self.tr_.text(action.setText, key)
        if keys:
            action.setShortcut(QKeySequence(keys))
        action.triggered.connect(slot)
        menu.addAction(action)
        self.actions_[key.split(".")[-1]] = action
        return action

    def _menu(self, parent: QMenu | None, key: str) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName(f"menu_{key.split('.')[-1]}")
        self.tr_.text(menu.setTitle, key)
        if parent is None:
            self.menuBar().addMenu(menu)
        else:
            parent.addMenu(menu)
        return menu

    def _feature_slot(self, feature: Feature) -> Callable[[], None]:
        return lambda: self.open_feature(feature)

    def _build_menus(self) -> None:
        kiosk = self._menu(None, "menu.kiosk")
        self._action(kiosk, "menu.home", self.show_home, "Ctrl+Home")
        self._action(kiosk, "menu.refresh", self.on_refresh_triggered, "F5")
        kiosk.addSeparator()
        self._action(kiosk, "menu.lock", self.lock_requested.emit, "Ctrl+L")
        self._action(kiosk, "menu.logout", self.logout_requested.emit, "Ctrl+Shift+Q")
        services = self._menu(None, "menu.services")
        self._action(services, "menu.avail_service", self._feature_slot(Feature.AVAIL_SERVICE), "F4")
        financial = self._menu(None, "menu.financial")
        wallet = self._menu(financial, "menu.wallet")
        self._action(wallet, "menu.refill", self._feature_slot(Feature.REFILL))
        self._action(wallet, "menu.fund_payout", self._feature_slot(Feature.FUND_PAYOUT))
        self._action(wallet, "menu.statement", self._feature_slot(Feature.STATEMENT))
        self._action(financial, "menu.reconcile", self._feature_slot(Feature.RECONCILE))
        reports = self._menu(None, "menu.reports")
        self._action(reports, "menu.day_end", self._feature_slot(Feature.DAY_END))
        self._action(reports, "menu.reprint", self._feature_slot(Feature.REPRINT), "F2")
        settings = self._menu(None, "menu.settings")
        self._action(settings, "menu.printer", lambda: self.settings_requested.emit("printer"), "F9")
        self._action(settings, "menu.language", lambda: self.settings_requested.emit("language"))
        self._action(settings, "menu.server", lambda: self.settings_requested.emit("server"))
        help_menu = self._menu(None, "menu.help")
        self._action(help_menu, "menu.keys", self.on_keys_triggered, "F1")
        self._action(help_menu, "menu.help_desk", self.on_help_desk_triggered)
        self._action(help_menu, "menu.about", self.on_about_triggered)
        if self.core.demo:
            help_menu.addSeparator()
            self._action(help_menu, "menu.training", self.on_training_triggered, "Ctrl+Shift+T")

    # -- pages -----------------------------------------------------------------------------------------
    def refresh_title(self) -> None:
        self.setWindowTitle(t("main.title", kiosk=self.signed.kiosk_code))

    def show_home(self) -> None:
        self.stack.setCurrentWidget(self.home)
        self.home.on_opened()

    def open_service(self, code: str) -> None:
        """A quick-service key on the home page: Avail Service with that service chosen."""
        self.open_feature(Feature.AVAIL_SERVICE)
        choose = getattr(self.feature_pages.get(Feature.AVAIL_SERVICE), "choose", None)
        if callable(choose):
            choose(code)

    def open_feature(self, feature: Feature) -> None:
        factory = FEATURE_PAGES.get(feature)
        if factory is None:
            self.coming.show_feature(feature)
            self.stack.setCurrentWidget(self.coming)
            return
        if feature not in self.feature_pages:
            page = factory(self.core)
            if isinstance(page, FeaturePage):
                page.wallet_changed.connect(self.refresh_balance)
                if self.money is not None:
                    page.show_money(self.money)
            self.feature_pages[feature] = page
            self.stack.addWidget(page)
        page = self.feature_pages[feature]
        self.stack.setCurrentWidget(page)
        if isinstance(page, FeaturePage):
            page.on_opened()
        self.refresh_balance()  # every page shown with the money as the server has it now

    # -- data ------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Load what the home page and the status bar show; start the health checks."""
        account = self.core.account
        Op(self, account.profile).success(self.on_profile_loaded).failure(self.on_load_failed).run()
        self.check_health()
        self.health_timer.start()
        core = self.core
        Op(self, lambda: open_kiosk(core)).success(self.on_kiosk_opened).failure(self.on_load_failed).run()

    def on_kiosk_opened(self, opened: KioskOpened) -> None:
        """kiosk_app's events take over from the polling health check: live online/offline and queue length."""
        self.attach_events(opened.kiosk.events)
        self.status.set_online(opened.online)
        self.on_money_changed(opened.money)
        opened.kiosk.connectivity.start()
        if self.stack.currentWidget() is self.home:
            self.home.on_opened()  # the focus where work starts, the dues and the balance, now the records are open
        else:
            self.refresh_balance()
        self.on_report_timer_timeout()
        self.report_timer.start()

    def on_report_timer_timeout(self) -> None:
        core = self.core
        Op(self, lambda: report_health(core)).success(self.on_health_reported).failure(self.on_report_failed).run()

    def on_health_reported(self, outcome: HealthOutcome) -> None:
        if outcome.clock_offset_s is None:
            return  # not heard from the server: the banner keeps what it last knew
        if outcome.clock_off:
            english, hindi = words.pair("main.clock_off", minutes=round(abs(outcome.clock_offset_s) / 60))
            self.clock_banner.setText(f"{english}\n{hindi}")
        self.clock_banner.setVisible(outcome.clock_off)

    def on_report_failed(self, exc: Exception) -> None:
        # The report is the centre's, not the operator's: a failure waits for the next one, and says nothing.
        log.info("health report failed: %s", exc)

    def on_refresh_triggered(self) -> None:
        """F5: the money again, and the screen in front of the operator loads what it shows anew."""
        self.refresh_balance()
        page = self.stack.currentWidget()
        if isinstance(page, FeaturePage):
            page.on_refresh()

    def refresh_balance(self) -> None:
        """F5, a page shown, a page's own change: the server's word on the wallet, to every screen."""
        core = self.core
        Op(self, lambda: refresh_money(core)).success(self.on_money_changed).failure(self.on_load_failed).run()

    def check_health(self) -> None:
        api = self.core.account.api
        Op(self, lambda: server_reachable(api)).success(self.status.set_online).run()

    def on_health_timer_timeout(self) -> None:
        self.check_health()

    def on_profile_loaded(self, profile: Profile) -> None:
        self.home.show_profile(profile)

    def on_money_changed(self, money: Money) -> None:
        """The one place the window takes the kiosk's money in; it hands it to the status bar and every page."""
        self.money = money
        self.home.show_money(money)
        self.status.set_balance(money.spendable_paise)
        self.status.set_queue(money.queued)
        for page in self.feature_pages.values():
            if isinstance(page, FeaturePage):
                page.show_money(money)

    def on_load_failed(self, exc: Exception) -> None:
        if isinstance(exc, SessionExpired | NotSignedIn):
            self.session_lost.emit()
            return
        if isinstance(exc, EnvironmentFault):
            self.status.set_online(False)
        self.statusBar().showMessage(explain(exc)(), 15_000)

    def show_printer_setting(self) -> None:
        address = self.core.preferences.printer_address
        if address is None:
            self.status.set_printer(PrinterState.NOT_SET)
        else:
            self.status.set_printer(PrinterState.SET, f"{self.core.preferences.paper}, {address.describe()}")

    def attach_events(self, observers: KioskObservers) -> None:
        """Seam for kiosk_app.events.KioskEvents: live online/queue updates instead of polling."""
        self.feed.attach(observers)
        self.health_timer.stop()

    # -- help ------------------------------------------------------------------------------------------
    def on_help_desk_triggered(self) -> None:
        desk = self.core.help_desk
        messages().inform(
            self, t("common.help_desk"), t("common.help_desk_lines", phones=", ".join(desk.phones), email=desk.email)
        )

    def on_keys_triggered(self) -> None:
        """F1: the keys of the screen in front of the operator and of the window, and the help desk."""
        from ui.keys_help import KeysDialog

        desk = self.core.help_desk
        page = self.stack.currentWidget()
        lines = t("common.help_desk_lines", phones=", ".join(desk.phones), email=desk.email)
        self.keys_dialog = KeysDialog(page, self, lines)
        self.keys_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.keys_dialog.open()

    def on_about_triggered(self) -> None:
        messages().inform(self, t("app.title"), t("about.text", version=__version__))

    def on_training_triggered(self) -> None:
        """Demo mode: the Training switches (department faults, the network), a window beside this one."""
        if self.training is None:
            from ui.training import TrainingWindow  # demo only: not loaded at a kiosk's start

            self.training = TrainingWindow(self.core, self)
        self.training.show()
        self.training.activateWindow()

    def closeEvent(self, event: Any) -> None:  # Qt override
        if self.training is not None:
            self.training.close()
        self.health_timer.stop()
        self.report_timer.stop()
        self.feed.detach()
        self.home_key.detach()
        super().closeEvent(event)
