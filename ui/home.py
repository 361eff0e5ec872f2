"""The home page: the operator's day at a glance (kiosk_app/dashboard.py computes it) — the spendable balance,
today's collections by service and method with the commission, what waits and the key that opens its screen,
the Fund Payout dues, the last day-end sync, and the five most used services, one key each (Alt+1 … Alt+5).

It reads this PC's records again after every change of the kiosk's money (the window hands it `show_money`
after each payment and sync), and asks the server for the dues when it is shown (and on F5)."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.auth import Profile
from kiosk_app.dashboard import QUICK_OPERATIONS, HomeDashboard, is_low
from printing.money import format_rupees
from rules.day import IST
from ui.core import Core
from ui.forms import Translated, error_text, shortcut
from ui.main_window import Feature, FeaturePage
from ui.ops import Op
from ui.strings import Language, current_language, ist_time, rupees_or_dash, t

if TYPE_CHECKING:
    from kiosk_app.dashboard import Dashboard, QuickService
    from kiosk_app.money import Money

QUICK_KEYS = tuple(f"Alt+{n}" for n in range(1, 6))
# What waits, the key that opens the screen that shows it, and that screen: Day End sends the queued, asks the
# server about the payments in doubt, and lists the refused for Reconcile.
WAITING_KEYS = (("queued", "F6"), ("in_doubt", "F7"), ("refused", "F8"))
PAYOUT_KEY = "F3"
CAPTION_STYLE = "font-weight: bold; color: #333;"
WARNING_STYLE = "background: #fdecea; color: #8a1c1c; border: 1px solid #f5c2c0; padding: 6px; font-weight: bold;"
COLUMNS = ("service", "count", "amount", "commission")
HOME_KEY = QKeySequence("Ctrl+Home")


def load_home(core: Core, *, ask_server: bool) -> Dashboard:
    """On a worker: the home page's figures from this PC (the dues asked from the server first when told)."""
    kiosk = core.kiosk()
    home = HomeDashboard(kiosk.store, kiosk.worker, kiosk.connectivity, kiosk.wallet)
    return home.load(core.preferences.low_balance_paise, ask_server=ask_server)


def clock(iso: str) -> str:
    """A UTC ISO time as the counter's clock reads it (14:05, IST)."""
    try:
        return datetime.fromisoformat(iso).astimezone(IST).strftime("%H:%M")
    except ValueError:
        return iso


def _day(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def _caption(key: str, tr_: Translated) -> QLabel:
    label = QLabel()
    label.setStyleSheet(CAPTION_STYLE)
    tr_.text(label.setText, key)
    return label


class HomePage(FeaturePage):
    """After sign-in and on Ctrl+Home. `feature_requested` / `service_requested` ask the window to open a screen."""

    feature_requested = Signal(object)  # ui.main_window.Feature
    service_requested = Signal(str)  # a service code: Avail Service with it chosen

    def __init__(self, core: Core) -> None:
        super().__init__()
        self.core = core
        self.setObjectName("home")
        self.tr_ = Translated(self)
        self.profile: Profile | None = None
        self.balance: Money | None = None
        self.figures: Dashboard | None = None
        self._generation = 0

        self.welcome = QLabel()
        self.welcome.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.kiosk = QLabel()
        self.as_of = QLabel()
        self.as_of.setObjectName("home_as_of")
        self.as_of.setStyleSheet("color: #555;")
        self.low_balance = QLabel()
        self.low_balance.setObjectName("home_low_balance")
        self.low_balance.setWordWrap(True)
        self.low_balance.setStyleSheet(WARNING_STYLE)
        self.low_balance.hide()

        # The money
        self.spendable = QLabel()
        self.spendable.setObjectName("home_spendable")
        self.spendable.setStyleSheet("font-size: 24pt; font-weight: bold; color: #0b5394;")
        self.detail = QLabel()
        self.detail.setObjectName("home_balance_detail")
        self.detail.setWordWrap(True)
        money = QVBoxLayout()
        money.addWidget(_caption("home.spendable", self.tr_))
        money.addWidget(self.spendable)
        money.addWidget(self.detail)

        # What waits, and the dues
        self.waiting: dict[str, QPushButton] = {}
        waiting = QVBoxLayout()
        waiting.addWidget(_caption("home.waiting_caption", self.tr_))
        for kind, key in WAITING_KEYS:
            button = QPushButton()
            button.setObjectName(f"home_{kind}")
            button.setStyleSheet("text-align: left; padding: 3px 8px;")  # once: a style sheet set again is slow
            button.clicked.connect(partial(self.feature_requested.emit, Feature.DAY_END))
            shortcut(self, key, button.click)
            self.waiting[kind] = button
            waiting.addWidget(button)
        self.last_sync = QLabel()
        self.last_sync.setObjectName("home_last_sync")
        self.last_sync.setWordWrap(True)
        waiting.addWidget(self.last_sync)
        waiting.addStretch()
        self.dues = QLabel()
        self.dues.setObjectName("home_dues")
        self.dues.setWordWrap(True)
        self.payout = QPushButton()
        self.payout.setObjectName("home_payout")
        self.tr_.text(self.payout.setText, "home.payout", keys=PAYOUT_KEY)
        self.payout.clicked.connect(partial(self.feature_requested.emit, Feature.FUND_PAYOUT))
        shortcut(self, PAYOUT_KEY, self.payout.click)
        dues = QVBoxLayout()
        dues.addWidget(_caption("home.dues_caption", self.tr_))
        dues.addWidget(self.dues)
        dues.addWidget(self.payout, alignment=Qt.AlignmentFlag.AlignLeft)
        dues.addStretch()

        top = QHBoxLayout()
        for part in (money, waiting, dues):
            frame = QFrame()
            frame.setFrameShape(QFrame.Shape.StyledPanel)
            frame.setLayout(part)
            top.addWidget(frame, 1)

        # Today
        self.today_caption = QLabel()
        self.today_caption.setStyleSheet(CAPTION_STYLE)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("home_services")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setMaximumHeight(170)  # about five services; more scroll (Tab to the table, then the arrows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.totals = QLabel()
        self.totals.setObjectName("home_totals")
        self.totals.setWordWrap(True)
        today = QGridLayout()
        today.addWidget(self.today_caption, 0, 0, 1, 2)
        today.addWidget(self.table, 1, 0)
        today.addWidget(self.totals, 1, 1, Qt.AlignmentFlag.AlignTop)
        today.setColumnStretch(0, 3)
        today.setColumnStretch(1, 2)

        # The quick-service row
        self.quick: list[QPushButton] = []
        self.quick_keys: list[QShortcut] = []  # each enabled only while its button shows a service
        self.quick_services: list[QuickService | None] = [None] * len(QUICK_KEYS)
        self.quick_caption = QLabel()
        self.quick_caption.setStyleSheet(CAPTION_STYLE)
        self.tr_.text(self.quick_caption.setText, "home.quick_caption", payments=f"{QUICK_OPERATIONS:,}")
        row = QGridLayout()  # three a row: five long Hindi names side by side would not fit 1024 pixels
        for n, key in enumerate(QUICK_KEYS):
            button = QPushButton()
            button.setObjectName(f"home_quick_{n + 1}")
            button.clicked.connect(partial(self.on_quick_clicked, n))
            button.hide()
            self.quick.append(button)
            row.addWidget(button, n // 3, n % 3)
            sc = shortcut(self, key, button.click)
            sc.setEnabled(False)
            self.quick_keys.append(sc)
        self.quick_none = QLabel()
        self.quick_none.setObjectName("home_quick_none")
        self.tr_.text(self.quick_none.setText, "home.quick_none")
        row.addWidget(self.quick_none, 2, 0, 1, 3)

        heading = QHBoxLayout()
        heading.addWidget(self.welcome)
        heading.addStretch()
        heading.addWidget(self.kiosk)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addWidget(self.tr_.banner)
        layout.addWidget(self.low_balance)
        layout.addLayout(top)
        layout.addLayout(today)
        layout.addWidget(self.quick_caption)
        layout.addLayout(row)
        layout.addStretch()
        layout.addWidget(self.as_of)
        self.tr_.dynamic(self.refresh)

    # -- the window's calls ----------------------------------------------------------------------------
    def show_profile(self, profile: Profile) -> None:
        self.profile = profile
        self.refresh()

    def show_money(self, money: Money) -> None:
        """After every payment, sync and balance answer: this PC's records again (the server is not asked)."""
        self.balance = money
        self._refresh_money()
        self.reload(ask_server=False)

    def on_opened(self) -> None:
        """Sign-in, Ctrl+Home, Esc on a page: the figures anew with the server's dues, and the balance asked."""
        first = self.quick[0] if self.quick[0].isVisibleTo(self) else self.waiting["queued"]
        first.setFocus()
        self.reload(ask_server=True)
        self.wallet_changed.emit()

    def on_refresh(self) -> None:
        self.reload(ask_server=True)

    # -- loading -----------------------------------------------------------------------------------------
    def reload(self, *, ask_server: bool) -> None:
        self._generation += 1
        generation = self._generation
        core = self.core
        (
            Op(self, lambda: load_home(core, ask_server=ask_server))
            .success(lambda figures: self.on_figures_loaded(generation, figures, asked=ask_server))
            .failure(self.on_load_failed)
            .run()
        )

    def on_figures_loaded(self, generation: int, figures: Dashboard, *, asked: bool = False) -> None:
        if generation == self._generation:
            self.show_figures(figures)
        elif asked:
            # A later read is on its way, but it may have read the dues before this one kept the server's
            # answer: one more read of this PC's records, which has them.
            self.reload(ask_server=False)

    def show_figures(self, figures: Dashboard) -> None:
        self.figures = figures
        if self.tr_.banner.isVisible():  # a read that failed before: it worked now
            self.tr_.banner.show_message(None)
        self.refresh()

    def on_load_failed(self, exc: Exception) -> None:
        self.tr_.banner.show_message(lambda: error_text(exc), "error")

    def on_quick_clicked(self, n: int) -> None:
        service = self.quick_services[n]
        if service is not None:
            self.service_requested.emit(service.service_code)

    # -- drawing -------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        p = self.profile
        self.welcome.setText(t("home.welcome", holder=p.holder_name) if p else "")
        self.kiosk.setText(t("home.kiosk", code=p.kiosk_code, name=p.kiosk_name, district=p.district) if p else "")
        self._refresh_money()
        f = self.figures
        hindi = current_language() is Language.HINDI
        self.today_caption.setText(t("home.today_caption", day=_day(f.day) if f else "…"))
        self.table.setHorizontalHeaderLabels([t(f"home.col_{c}") for c in COLUMNS])
        services = f.services if f else ()
        self.table.setRowCount(len(services))
        for r, s in enumerate(services):
            values = (s.name_hi if hindi else s.name_en, str(s.count), format_rupees(s.amount_paise))
            for c, value in enumerate((*values, format_rupees(s.commission_paise))):
                item = QTableWidgetItem(value)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self._refresh_totals()
        self._refresh_waiting()
        self._refresh_dues()
        self._refresh_quick()
        if f is not None:
            state = {True: "home.as_of_online", False: "home.as_of_offline", None: "home.as_of_checking"}[f.online]
            self.as_of.setText(t(state, time=clock(f.read_at)))
        else:
            self.as_of.setText(t("home.as_of_loading"))

    def _refresh_money(self) -> None:
        b = self.balance if self.balance is not None and self.balance.known else None
        self.spendable.setText(format_rupees(b.spendable_paise or 0) if b else t("home.not_loaded"))
        self.detail.setText(
            t(
                "home.balance_detail",
                wallet=rupees_or_dash(b.wallet_balance_paise),
                limit=rupees_or_dash(b.credit_limit_paise),
                used=rupees_or_dash(b.credit_used_paise),
            )
            + "\n"
            + t("home.as_of", time=ist_time(b.taken_at or ""))
            if b
            else ""
        )
        threshold = self.core.preferences.low_balance_paise
        low = b is not None and is_low(b, threshold)
        self.low_balance.setVisible(low)
        if b is not None and low:
            amount = format_rupees(b.offline_limit_paise)
            self.low_balance.setText(t("home.low_balance", amount=amount, threshold=format_rupees(threshold)))

    def _refresh_totals(self) -> None:
        f = self.figures
        if f is None:
            self.totals.setText("")
            return
        wallet, cheque = f.method("wallet"), f.method("cheque")
        lines = [
            t("home.total", count=f.count, amount=format_rupees(f.amount_paise)),
            t("home.by_wallet", count=wallet.count, amount=format_rupees(wallet.amount_paise)),
            t("home.by_cheque", count=cheque.count, amount=format_rupees(cheque.amount_paise)),
            t("home.commission", amount=format_rupees(f.commission_paise)),
        ]
        if f.waiting.awaiting_count:
            lines.append(
                t("home.awaiting", count=f.waiting.awaiting_count, amount=format_rupees(f.waiting.awaiting_paise))
            )
        self.totals.setText("\n".join(lines))

    def _refresh_waiting(self) -> None:
        f = self.figures
        for kind, key in WAITING_KEYS:
            count = "…" if f is None else getattr(f.waiting, kind)
            button = self.waiting[kind]
            button.setText(t(f"home.{kind}", count=count, keys=key))
            font = button.font()
            font.setBold(f is not None and getattr(f.waiting, kind) > 0)  # something waits: it stands out
            button.setFont(font)
        last = f.last_sync if f else None
        if f is None:
            self.last_sync.setText("")
        elif last is None:
            self.last_sync.setText(t("home.last_sync_never"))
        elif last.finished_at is None:
            self.last_sync.setText(t("home.last_sync_unfinished", time=ist_time(last.started_at)))
        else:
            outcome = t(f"home.sync_{last.outcome}") if last.outcome in ("complete", "stopped", "interrupted") else ""
            self.last_sync.setText(
                t(
                    "home.last_sync",
                    time=ist_time(last.finished_at),
                    outcome=outcome,
                    done=last.done,
                    refused=last.refused,
                    remaining=last.remaining,
                )
            )

    def _refresh_dues(self) -> None:
        f = self.figures
        dues = f.dues if f else None
        if f is None:
            self.dues.setText("")
        elif dues is None:
            self.dues.setText(t("home.dues_unknown"))
        elif dues.nothing_due:
            self.dues.setText(t("home.dues_none", time=clock(dues.taken_at)))
        else:
            due = _day(dues.next_due_on) if dues.next_due_on else t("payout.no_due_date")
            text = t(
                "home.dues",
                total=format_rupees(dues.total_payable_paise),
                due=due,
                rate=dues.interest_rate_percent,
                time=clock(dues.taken_at),
            )
            if dues.overdue_paise or dues.interest_due_paise:
                text += "\n" + t(
                    "home.dues_overdue",
                    overdue=format_rupees(dues.overdue_paise),
                    interest=format_rupees(dues.interest_due_paise),
                )
            self.dues.setText(text)

    def _refresh_quick(self) -> None:
        found = list(self.figures.quick) if self.figures else []
        hindi = current_language() is Language.HINDI
        for n, (button, sc, key) in enumerate(zip(self.quick, self.quick_keys, QUICK_KEYS, strict=True)):
            service = found[n] if n < len(found) else None
            self.quick_services[n] = service
            if service is not None:
                button.setText(t("home.quick", name=service.name_hi if hindi else service.name_en, keys=key))
            button.setVisible(service is not None)
            sc.setEnabled(service is not None)
        self.quick_none.setVisible(not found)


class HomeKeyFirst(QObject):
    """Ctrl+Home is the window's on every screen, also in a text field: a QLineEdit claims the key for itself (to
    its first character, QKeySequence.MoveToStartOfDocument) through ShortcutOverride before the window's shortcut
    is looked at. This holds that claim back for each widget of one window that takes the focus (a filter on
    those widgets only, not on every event of the application)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window_ = window
        self.attached = False
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self.on_app_focus_changed)
            self.attached = True

    def on_app_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and new.window() is self.window_:
            new.installEventFilter(self)  # once: installing the same filter again changes nothing

    def detach(self) -> None:
        """The window closes (perhaps more than once): the application's focus is no longer followed."""
        app = QApplication.instance()
        if self.attached and isinstance(app, QApplication):
            app.focusChanged.disconnect(self.on_app_focus_changed)
        self.attached = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        return (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and QKeySequence(event.keyCombination()) == HOME_KEY
        )
