"""Services → Avail Service: find a service, Get Bill Details, Add Bill For Payment, contact, method, Pay, receipt."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import assert_never

from PySide6.QtCore import QDate, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.contract import PlanPublic
from kiosk_app.core import KioskCore
from kiosk_app.errors import AnswerLost, InvalidField, KioskError, NeedsConnection, ServerUnreachable
from kiosk_app.money import Money
from kiosk_app.services import (
    BillDetails,
    BillLine,
    Contact,
    FieldSpec,
    OutcomeStatus,
    PaymentOrder,
    PaymentOutcome,
    PayMethod,
    ServiceInfo,
)
from offline_cache.customers import SHORTEST_QUERY, Customer, PastPayment
from printing.money import format_rupees
from rules.amount import AmountRefusal, PaperBill, paper_bill_payable
from rules.cheque import cheque_refusals
from rules.contact import contact_refusals, mobile_or_none
from rules.day import business_day
from rules.money import parse_rupees
from ui.core import Core
from ui.dialogs import messages
from ui.forms import Field, Message, Translated, error_text, explain, say, shortcut
from ui.main_window import FeaturePage, StatusFeed
from ui.ops import Op
from ui.receipt_window import open_receipt
from ui.strings import both, ist_time, rupees_or_dash, t
from words import Language
from words.amount import amount_in_words

SERVICE_CODE = Qt.ItemDataRole.UserRole
CUSTOMER = Qt.ItemDataRole.UserRole + 1  # a past customer of this kiosk: Enter pays again

# Each kind of service has its own words where a bill's would mislead: a recharge has no bill, a fee no bill
# to match, and a micro-ATM entry is cash paid *to* the customer, credited to the wallet by the bank.
KIND_WORDS: dict[str, frozenset[str]] = {
    "bill": frozenset(),
    "recharge": frozenset({"get_bill", "bill_details", "amount", "add_bill", "pay_wallet", "paid"}),
    "fee": frozenset({"get_bill", "bill_details", "amount", "add_bill", "pay_wallet", "paid"}),
    "micro_atm": frozenset(
        {
            "get_bill",
            "bill_details",
            "amount",
            "add_bill",
            "pay_wallet",
            "paid",
            "paid_no_balance",
            "pending",
            "failed",
            "confirm_title",
            "confirm_text_wallet",
            "confirm_pay",
        }
    ),
}


def kind_key(kind: str, word: str) -> str:
    """The catalogue key of `word` (e.g. "pay_wallet") for a service of this kind."""
    return f"avail.{kind}.{word}" if word in KIND_WORDS.get(kind, frozenset()) else f"avail.{word}"


@dataclass(frozen=True)
class CatalogOpened:
    kiosk: KioskCore
    refreshed: bool  # False: the server could not be reached, the cached list is used
    empty: bool
    online: bool | None
    categories: list[tuple[str, str, str]]  # code, English, Hindi


def open_catalog(core: Core) -> CatalogOpened:
    """On a worker: the client core, the catalog brought up to date (or the cache)."""
    kiosk = core.kiosk()
    refreshed = True
    try:
        kiosk.catalog.refresh()
    except ServerUnreachable:
        refreshed = False
    empty = kiosk.catalog.version is None
    categories = [(c["code"], c["name_en"], c.get("name_hi", "")) for c in kiosk.catalog.categories()]
    return CatalogOpened(kiosk, refreshed, empty, kiosk.connectivity.online, categories)


class ChoiceCombo(QComboBox):
    """A list to pick from, keyboard first: the arrow keys and typing only move the selection (`currentIndexChanged`);
    Enter, or a pick in the opened list (mouse or keyboard), emits `chosen` — the operator's "this one, go on".

    A plain QComboBox emits `activated` on every arrow key, so moving on at `activated` would jump to the next
    list after the first key press."""

    chosen = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._popup_open = False
        self.activated.connect(self.on_activated)

    def showPopup(self) -> None:  # Qt override
        self._popup_open = True
        super().showPopup()

    def hidePopup(self) -> None:  # Qt override
        super().hidePopup()
        # A pick in the list emits `activated` right after this; Esc emits nothing, so forget the popup then.
        QTimer.singleShot(0, self._forget_popup)

    def _forget_popup(self) -> None:
        self._popup_open = False

    def on_activated(self, _index: int) -> None:
        if self._popup_open:
            self._popup_open = False
            self.chosen.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        ):
            event.accept()
            self.chosen.emit()
            return
        super().keyPressEvent(event)


class SpecField(Field):
    """A service's input (e.g. K No.): its label comes from the catalog's field spec, in both languages. A field
    with choices (a recharge's operator) is a list to pick from; the others are typed."""

    def __init__(self, spec: FieldSpec) -> None:
        super().__init__(f"field_{spec.name}", "", ChoiceCombo() if spec.choices else QLineEdit())
        self.spec = spec
        if isinstance(self.editor, QLineEdit):
            self.editor.setMaxLength(spec.max_length)
        self.retranslate()

    @property
    def combo(self) -> ChoiceCombo | None:
        return self.editor if isinstance(self.editor, ChoiceCombo) else None

    def text(self) -> str:
        combo = self.combo
        return str(combo.currentData() or "") if combo is not None else self.line_edit.text()

    def clear(self) -> None:
        combo = self.combo
        if combo is not None:
            combo.setCurrentIndex(0)
        else:
            self.line_edit.clear()

    def on_entered(self, slot: Callable[[], None]) -> None:
        """`slot` runs on Enter in the field (or a pick in its list)."""
        combo = self.combo
        if combo is not None:
            combo.chosen.connect(slot)
        else:
            self.line_edit.returnPressed.connect(slot)

    def retranslate(self) -> None:
        self.label.setText(both(self.spec.label_en, self.spec.label_hi))
        combo = self.combo
        if combo is not None:
            if not combo.count():
                combo.addItem("", None)
                for choice in self.spec.choices:
                    combo.addItem("", choice.code)
            combo.setItemText(0, t("avail.choose"))
            for index, choice in enumerate(self.spec.choices, start=1):
                combo.setItemText(index, both(choice.name_en, choice.name_hi))
        else:
            self.line_edit.setPlaceholderText(self.spec.example)
        if self._message is not None:
            self.error.setText(self._message())


class AvailServicePage(FeaturePage):
    """The portal's Avail Service screen; every step works from the keyboard."""

    def __init__(self, core: Core) -> None:
        super().__init__()
        self.core = core
        self.setObjectName("avail_service")
        self.tr_ = Translated(self)
        self.kiosk: KioskCore | None = None
        self.service: ServiceInfo | None = None
        self.details: BillDetails | None = None
        self.bills: list[BillLine] = []
        self.online: bool | None = None
        self.money: Money | None = None  # the window's, handed in by show_money: never a copy of our own
        self._search_generation = 0
        self.feed = StatusFeed()
        self.feed.online_changed.connect(self.on_kiosk_online_changed)
        self.destroyed.connect(self.feed.detach)
        self._build()
        self.begin()

    # -- layout ----------------------------------------------------------------------------------------
    def _build(self) -> None:
        tr_ = self.tr_
        title = QLabel()
        title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        tr_.text(title.setText, "avail.title")

        # Left: the search box, its list, and Advance Search.
        self.search = tr_.field("service_search", "avail.search", QLineEdit())
        self.search.line_edit.setClearButtonEnabled(True)
        self.search.label.setWordWrap(True)
        tr_.text(self.search.line_edit.setPlaceholderText, "avail.search_hint")
        self.search.line_edit.textChanged.connect(self.on_search_text_changed)
        self.search.line_edit.returnPressed.connect(self.on_search_return_pressed)
        self.search.line_edit.installEventFilter(self)
        self.results = QListWidget()
        self.results.setObjectName("service_results")
        self.results.itemActivated.connect(self.on_results_item_activated)
        self.advance_button = QPushButton()
        self.advance_button.setObjectName("advance_search")
        self.advance_button.setCheckable(True)
        tr_.text(self.advance_button.setText, "avail.advance")
        self.advance_button.toggled.connect(self.on_advance_toggled)
        self.advance = QGroupBox()
        self.advance.setVisible(False)
        self.utility = tr_.field("utility", "avail.utility", ChoiceCombo())
        self.department = tr_.field("department", "avail.department", ChoiceCombo())
        self.service_combo = tr_.field("service_combo", "avail.service", ChoiceCombo())
        form = QFormLayout(self.advance)
        for f in (self.utility, self.department, self.service_combo):
            form.addRow(f.label, f.editor)
        # Moving through a list loads the next one; Enter (or a pick in the opened list) goes on to it.
        self._combo(self.utility).currentIndexChanged.connect(self.on_utility_changed)
        self._combo(self.department).currentIndexChanged.connect(self.on_department_changed)
        self._choice(self.utility).chosen.connect(self.on_utility_chosen)
        self._choice(self.department).chosen.connect(self.on_department_chosen)
        self._choice(self.service_combo).chosen.connect(self.on_service_combo_chosen)
        self._advance_generation = 0
        self._focus_when_loaded: Field | None = None
        self._choices: dict[str, list[tuple[str, str, str]]] = {}
        left = QVBoxLayout()
        left.addWidget(self.search.label)
        left.addWidget(self.search.editor)
        left.addWidget(self.results, 1)
        left.addWidget(self.advance_button)
        left.addWidget(self.advance)

        # Right: the chosen service's form, the bill, the bills added, contact, method, Pay.
        self.selected = QLabel()
        self.selected.setObjectName("selected_service")
        self.selected.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.selected.setWordWrap(True)
        self.mode = QLabel()
        self.mode.setObjectName("avail_mode")
        self.mode.setWordWrap(True)
        self.mode.setVisible(False)
        self.fields_box = QWidget()
        self.history = QLabel()
        self.history.setObjectName("customer_history")
        self.history.setWordWrap(True)
        self.history.setStyleSheet("color: #1d4e89;")
        self.history.setVisible(False)
        self.fields_form = QFormLayout(self.fields_box)
        self.spec_fields: list[SpecField] = []
        self._service_names: dict[str, tuple[str, str]] = {}
        self._service_kinds: dict[str, str] = {}
        self._found: tuple[str, list[ServiceInfo]] = ("", [])
        self._customers: list[Customer] = []
        self._history: tuple[Customer, list[PastPayment]] | None = None
        self._wait_left = 0
        self._wait_timer = QTimer(self)
        self._wait_timer.setInterval(1000)
        self._wait_timer.timeout.connect(self.on_wait_timer_timeout)
        self.get_bill = QPushButton()
        self.get_bill.setObjectName("get_bill")
        self.get_bill.clicked.connect(self.on_get_bill_clicked)
        self.bill_view = QLabel()
        self.bill_view.setObjectName("bill_details")
        self.bill_view.setStyleSheet("background: #f4f8fc; border: 1px solid #c9d8e8; padding: 6px;")
        self.bill_view.setVisible(False)
        self.bill_view.setWordWrap(True)
        self.consumer_name = tr_.field("consumer_name", "avail.consumer_name", QLineEdit())
        self.bill_no = tr_.field("bill_no", "avail.bill_no", QLineEdit())
        self.amount = tr_.field("amount", "avail.amount", QLineEdit())
        # A recharge's plans (of the operator chosen): a plan picked fills the amount.
        self.plan = tr_.field("plan", "avail.plan", ChoiceCombo())
        self._plans: tuple[PlanPublic, ...] = ()
        self._combo(self.plan).currentIndexChanged.connect(self.on_plan_changed)
        self._choice(self.plan).chosen.connect(self.on_plan_chosen)
        # Offline, the paper bill's three figures: the amount by the due date, the date, the late amount.
        self.paper_due = tr_.field("paper_due", "avail.paper_due", QLineEdit())
        today = business_day()
        due_date_edit = QDateEdit(QDate(today.year, today.month, today.day))
        due_date_edit.setCalendarPopup(True)
        due_date_edit.setDisplayFormat("dd-MM-yyyy")
        self.paper_due_date = tr_.field("paper_due_date", "avail.paper_due_date", due_date_edit)
        self.paper_after_due = tr_.field("paper_after_due", "avail.paper_after_due", QLineEdit())
        self.collect = QLabel()
        self.collect.setObjectName("collect_today")
        self.collect.setStyleSheet("font-weight: bold;")
        self.collect.setWordWrap(True)
        self.add_bill = QPushButton()
        self.add_bill.setObjectName("add_bill")
        self.add_bill.clicked.connect(self.on_add_bill_clicked)
        self.bill_form = QFormLayout()
        for f in (
            self.consumer_name,
            self.bill_no,
            self.plan,
            self.amount,
            self.paper_due,
            self.paper_due_date,
            self.paper_after_due,
        ):
            self._row(self.bill_form, f)
        self.bill_form.addRow(self.collect)
        bills_caption = QLabel()
        tr_.text(bills_caption.setText, "avail.bills")
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("bills_table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(130)
        shortcut(self.table, "Delete", self.on_table_delete_pressed)
        self.total = QLabel()
        self.total.setObjectName("bills_total")
        self.total.setStyleSheet("font-weight: bold;")
        self.mobile = tr_.field("mobile", "avail.mobile", QLineEdit())
        self.email = tr_.field("email", "avail.email", QLineEdit())
        self.remember_mobile = QCheckBox()
        self.remember_mobile.setObjectName("remember_mobile")
        tr_.text(self.remember_mobile.setText, "avail.remember_mobile")
        method_box = self.method_box = QGroupBox()
        tr_.text(method_box.setTitle, "avail.method")
        self.wallet = QRadioButton()
        self.wallet.setObjectName("method_wallet")
        tr_.text(self.wallet.setText, "avail.wallet")
        self.cheque = QRadioButton()
        self.cheque.setObjectName("method_cheque")
        tr_.text(self.cheque.setText, "avail.cheque")
        self.wallet.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.wallet)
        group.addButton(self.cheque)
        self.wallet.toggled.connect(self.on_method_toggled)
        self.cheque_no = tr_.field("cheque_no", "avail.cheque_no", QLineEdit())
        self.bank = tr_.field("bank", "avail.bank", QLineEdit())
        date_edit = QDateEdit(QDate.currentDate())
        date_edit.setCalendarPopup(True)
        date_edit.setDisplayFormat("dd-MM-yyyy")
        self.cheque_date = tr_.field("cheque_date", "avail.cheque_date", date_edit)
        self.cheque_form = QFormLayout()
        for f in (self.cheque_no, self.bank, self.cheque_date):
            self._row(self.cheque_form, f)
        method_layout = QVBoxLayout(method_box)
        radios = QHBoxLayout()
        radios.addWidget(self.wallet)
        radios.addWidget(self.cheque)
        radios.addStretch()
        method_layout.addLayout(radios)
        method_layout.addLayout(self.cheque_form)
        self.pay = QPushButton()
        self.pay.setObjectName("pay")
        self.pay.setStyleSheet("font-weight: bold;")
        self.pay.clicked.connect(self.on_pay_clicked)
        self.new_customer = QPushButton()
        self.new_customer.setObjectName("new_customer")
        tr_.text(self.new_customer.setText, "avail.new")
        self.new_customer.clicked.connect(self.on_new_customer_clicked)
        self.outcome = QLabel()
        self.outcome.setObjectName("pay_outcome")
        self.outcome.setWordWrap(True)
        self._outcome: Message | None = None
        contact_form = QFormLayout()
        self._row(contact_form, self.mobile)
        contact_form.addRow("", self.remember_mobile)
        self._row(contact_form, self.email)

        self.flow = QWidget()
        right = QVBoxLayout(self.flow)
        right.addWidget(self.selected)
        right.addWidget(self.mode)
        right.addWidget(self.fields_box)
        right.addWidget(self.history)
        right.addWidget(self.get_bill, alignment=Qt.AlignmentFlag.AlignLeft)
        right.addWidget(self.bill_view)
        right.addLayout(self.bill_form)
        right.addWidget(self.add_bill, alignment=Qt.AlignmentFlag.AlignLeft)
        right.addWidget(bills_caption)
        right.addWidget(self.table)
        right.addWidget(self.total)
        right.addLayout(contact_form)
        right.addWidget(method_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pay)
        buttons.addStretch()
        buttons.addWidget(self.new_customer)
        right.addLayout(buttons)
        right.addWidget(self.outcome)
        right.addStretch()
        scroll = self.flow_scroll = QScrollArea()
        scroll.setWidget(self.flow)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # On a small screen the form scrolls: the field or button the keys are on, and a payment's result, are
        # always brought into view.
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self.on_focus_changed)

        columns = QHBoxLayout()
        columns.addLayout(left, 2)
        columns.addWidget(scroll, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(tr_.banner)
        layout.addLayout(columns, 1)

        self.amount.line_edit.returnPressed.connect(self.on_add_bill_clicked)
        self.bill_no.line_edit.returnPressed.connect(self._after_bill_no)
        self.paper_due.line_edit.returnPressed.connect(self.paper_due_date.editor.setFocus)
        shortcut(self.paper_due_date.editor, "Return", self.paper_after_due.line_edit.setFocus)
        shortcut(self.paper_due_date.editor, "Enter", self.paper_after_due.line_edit.setFocus)
        self.paper_after_due.line_edit.returnPressed.connect(self.on_add_bill_clicked)
        for paper in (self.paper_due, self.paper_after_due):
            paper.line_edit.textChanged.connect(self._show_collect)
        due_date_edit.dateChanged.connect(self._show_collect)
        self.consumer_name.line_edit.returnPressed.connect(self.bill_no.line_edit.setFocus)
        for edit in (self.mobile.line_edit, self.email.line_edit, self.cheque_no.line_edit, self.bank.line_edit):
            edit.returnPressed.connect(self.on_pay_clicked)
        shortcut(self, "F3", self.on_advance_key)
        shortcut(self, "F6", self.on_add_bill_clicked)
        shortcut(self, "F8", self.on_pay_clicked)
        shortcut(self, "Ctrl+N", self.on_new_customer_clicked)
        shortcut(self, "Ctrl+F", self.search.line_edit.setFocus, what="keys.search")
        tr_.dynamic(self.refresh)
        self.show_service(None)

    @staticmethod
    def _combo(f: Field) -> QComboBox:
        assert isinstance(f.editor, QComboBox)
        return f.editor

    @staticmethod
    def _choice(f: Field) -> ChoiceCombo:
        assert isinstance(f.editor, ChoiceCombo)
        return f.editor

    @staticmethod
    def _row(form: QFormLayout, f: Field) -> None:
        column = QVBoxLayout()
        column.setSpacing(1)
        column.addWidget(f.editor)
        column.addWidget(f.error)
        form.addRow(f.label, column)

    # -- opening ---------------------------------------------------------------------------------------
    def begin(self) -> None:
        self.tr_.banner.show_message(say("avail.catalog_loading"))
        core = self.core
        Op(self, lambda: open_catalog(core)).success(self.on_catalog_opened).failure(self.on_op_failed).run()

    def on_catalog_opened(self, opened: CatalogOpened) -> None:
        self.kiosk = opened.kiosk
        self.feed.detach()
        self.feed.attach(opened.kiosk.events)
        self.online = opened.online
        if opened.empty:
            self.tr_.banner.show_message(say("avail.catalog_empty"), "error")
        elif not opened.refreshed:
            self.tr_.banner.show_message(say("avail.catalog_cached"), "info")
        else:
            self.tr_.banner.show_message(None)
        self._fill(self.utility, opened.categories)
        self.refresh()
        if self.search.text():
            self.on_search_text_changed(self.search.text())

    def showEvent(self, event: object) -> None:  # Qt override
        self.on_opened()

    def on_opened(self) -> None:
        """F4 (again, too): the search box with its old text selected, so typing replaces it."""
        self.search.line_edit.selectAll()
        self.search.line_edit.setFocus()

    # -- search ----------------------------------------------------------------------------------------
    def on_search_text_changed(self, text: str) -> None:
        # Each keystroke starts a search on the local catalog (SQLite, on kiosk_app's worker); an answer to an
        # older keystroke is dropped.
        self._search_generation += 1
        generation = self._search_generation
        core = self.core
        if self.kiosk is None:
            return

        def search() -> tuple[list[Customer], list[ServiceInfo], list[ServiceInfo]]:
            kiosk = core.kiosk()
            customers = kiosk.payments.find_customers(text)
            return (
                customers,
                kiosk.catalog.search(text, limit=20),
                kiosk.catalog.known({c.service_code for c in customers}),
            )

        (
            Op(self, search)
            .success(lambda found: self.on_search_found(generation, text, found[1], found[0], found[2]))
            .failure(self.on_op_failed)
            .run()
        )

    def on_search_found(
        self,
        generation: int,
        text: str,
        found: list[ServiceInfo],
        customers: list[Customer] | None = None,
        their_services: list[ServiceInfo] | None = None,
    ) -> None:
        """The services found, and this kiosk's past customers the text names (a consumer number, a mobile, a
        name): first when the text is mostly digits, after the services otherwise."""
        if generation != self._search_generation:
            return
        for service in their_services or []:
            self._service_names[service.code] = (service.name_en, service.name_hi)
        self.results.clear()
        self._found = (text.strip(), found)
        self._customers = customers or []
        digits = sum(c.isdigit() for c in text)
        customers_first = digits * 2 > len(text.strip())
        for service in found:
            item = QListWidgetItem()
            item.setData(SERVICE_CODE, service.code)
            self.results.addItem(item)
        for position, customer in enumerate(self._customers):
            item = QListWidgetItem()
            item.setData(CUSTOMER, customer)
            if customers_first:
                self.results.insertItem(position, item)
            else:
                self.results.addItem(item)
        if found or self._customers:
            self.results.setCurrentRow(0)
        elif text.strip():
            item = QListWidgetItem()
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.results.addItem(item)
        self._name_results()

    def _name_results(self) -> None:
        """The found services' names in the current language (again after F12)."""
        text, found = self._found
        names = {s.code: s for s in found}
        for row in range(self.results.count()):
            item = self.results.item(row)
            code, customer = item.data(SERVICE_CODE), item.data(CUSTOMER)
            if code and code in names:
                service = names[code]
                item.setText(
                    f"{both(service.name_en, service.name_hi)} — "
                    f"{both(service.department_name_en, service.department_name_hi)}"
                )
            elif isinstance(customer, Customer):
                item.setText(self._customer_words(customer))
        if not found and not self._customers and text and self.results.count() == 1:
            self.results.item(0).setText(
                t("avail.no_match", text=text) if len(text) >= SHORTEST_QUERY else t("avail.type_more", text=text)
            )

    def _customer_words(self, customer: Customer) -> str:
        names = self._service_names.get(customer.service_code)
        return t(
            "avail.customer_row",
            consumer=customer.consumer_no,
            name=customer.consumer_name or "—",
            service=both(*names) if names else customer.service_code,
            amount=format_rupees(customer.last_amount_paise),
            date=ist_time(customer.last_paid_at)[:10],
            count=customer.payments,
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if (
            watched is self.search.line_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
            and self.results.count()
        ):
            self.results.setFocus()
            return True
        return False

    def on_search_return_pressed(self) -> None:
        item = self.results.currentItem()
        if item is not None and (item.data(SERVICE_CODE) or item.data(CUSTOMER)):
            self.on_results_item_activated(item)

    def on_results_item_activated(self, item: QListWidgetItem) -> None:
        code, customer = item.data(SERVICE_CODE), item.data(CUSTOMER)
        if isinstance(customer, Customer):
            self.pay_again(customer)
        elif code:
            self.choose(str(code))

    # -- pay again: a past customer of this kiosk ----------------------------------------------------------
    def pay_again(self, customer: Customer) -> None:
        """The customer's service opened with their consumer fields (and remembered mobile) filled in, their
        payments here shown, and the new bill asked for at once."""
        core = self.core

        def read() -> tuple[ServiceInfo, list[PastPayment]]:
            kiosk = core.kiosk()
            return kiosk.catalog.service(customer.service_code), kiosk.payments.past_payments(customer)

        Op(self, read).success(lambda found: self._paying_again(customer, *found)).failure(self.on_op_failed).run()

    def _paying_again(self, customer: Customer, service: ServiceInfo, history: list[PastPayment]) -> None:
        self.forget_customer()
        self.show_service(service)
        for f in self.spec_fields:
            value = customer.fields.get(f.spec.name)
            if value is not None:
                if f.combo is not None:
                    index = f.combo.findData(value)
                    if index >= 0:
                        f.combo.setCurrentIndex(index)
                elif isinstance(f.editor, QLineEdit):
                    f.editor.setText(value)
        if customer.mobile:
            self.mobile.line_edit.setText(customer.mobile)
            self.remember_mobile.setChecked(True)
        self._history = (customer, history)
        self._name_history()
        if self.offline:
            self._type_paper_bill()
        elif self.spec_fields:
            self.on_spec_entered(self.spec_fields[-1])

    def _name_history(self) -> None:
        shown = self._history is not None and self.service is not None
        self.history.setVisible(shown)
        if self._history is None:
            self.history.clear()
            return
        customer, history = self._history
        lines = [
            t(
                "avail.paid_here",
                date=ist_time(p.paid_at),
                amount=format_rupees(p.amount_paise),
                receipt=p.receipt_no or "—",
            )
            for p in history
        ]
        self.history.setText(
            t("avail.customer_history", name=customer.consumer_name or customer.consumer_no) + "\n" + "\n".join(lines)
        )

    # -- Advance Search ----------------------------------------------------------------------------------
    def on_advance_key(self) -> None:
        self.advance_button.setChecked(not self.advance_button.isChecked())

    def on_advance_toggled(self, on: bool) -> None:
        self.advance.setVisible(on)
        if on:
            self.utility.editor.setFocus()

    def _fill(self, f: Field, items: list[tuple[str, str, str]]) -> None:
        """Put "— choose —" and the items (code, English, Hindi) in a list without loading the next list for the
        first entry; the names follow the language (`_name_choices`)."""
        self._choices[f.name] = items
        combo = self._combo(f)
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(t("avail.choose"), None)
        for code, en, hi in items:
            combo.addItem(both(en, hi), code)
        combo.blockSignals(False)

    def _name_choices(self) -> None:
        for f in (self.utility, self.department, self.service_combo):
            combo = self._combo(f)
            if combo.count():
                combo.setItemText(0, t("avail.choose"))
            for index, (_code, en, hi) in enumerate(self._choices.get(f.name, []), start=1):
                combo.setItemText(index, both(en, hi))

    def on_utility_changed(self, _index: int) -> None:
        self._advance_generation += 1
        generation = self._advance_generation
        category = self._combo(self.utility).currentData()
        self._fill(self.department, [])
        self._fill(self.service_combo, [])
        core = self.core
        (
            Op(self, lambda: core.kiosk().catalog.departments(category) if category else [])
            .success(lambda found: self.on_departments_loaded(generation, found))
            .failure(self.on_op_failed)
            .run()
        )

    def on_departments_loaded(self, generation: int, departments: list[dict[str, str]]) -> None:
        if generation != self._advance_generation:
            return  # the operator has moved on to another utility
        self._fill(self.department, [(d["code"], d["name_en"], d.get("name_hi", "")) for d in departments])
        self._focus_loaded(self.department)

    def on_department_changed(self, _index: int) -> None:
        self._advance_generation += 1
        generation = self._advance_generation
        department = self._combo(self.department).currentData()
        self._fill(self.service_combo, [])
        core = self.core
        (
            Op(self, lambda: core.kiosk().catalog.services(department=department) if department else [])
            .success(lambda found: self.on_services_loaded(generation, found))
            .failure(self.on_op_failed)
            .run()
        )

    def on_services_loaded(self, generation: int, services: list[ServiceInfo]) -> None:
        if generation != self._advance_generation:
            return
        self._fill(self.service_combo, [(s.code, s.name_en, s.name_hi) for s in services])
        self._focus_loaded(self.service_combo)

    def _go_on_to(self, f: Field) -> None:
        """Focus the next list now if it is filled, else as soon as it is."""
        if self._combo(f).count() > 1:
            self._focus_when_loaded = None
            f.editor.setFocus()
        else:
            self._focus_when_loaded = f

    def _focus_loaded(self, f: Field) -> None:
        if self._focus_when_loaded is f and self._combo(f).count() > 1:
            self._focus_when_loaded = None
            f.editor.setFocus()

    def on_utility_chosen(self) -> None:
        if self._combo(self.utility).currentData():
            self._go_on_to(self.department)

    def on_department_chosen(self) -> None:
        if self._combo(self.department).currentData():
            self._go_on_to(self.service_combo)

    def on_service_combo_chosen(self) -> None:
        code = self._combo(self.service_combo).currentData()
        if code:
            self.choose(str(code))

    # -- the chosen service --------------------------------------------------------------------------------
    def choose(self, code: str) -> None:
        core = self.core
        (
            Op(self, lambda: core.kiosk().catalog.service(code))
            .success(self.show_service)
            .failure(self.on_op_failed)
            .run()
        )

    def show_service(self, service: ServiceInfo | None) -> None:
        self.service = service
        self._history = None
        self.history.setVisible(False)
        if service is not None:  # the names and kinds of the bills' services, for the confirmation and words
            self._service_names[service.code] = (service.name_en, service.name_hi)
            self._service_kinds[service.code] = service.kind
        self.details = None
        for old in self.spec_fields:
            self.fields_form.removeRow(old.label)
        self.spec_fields = []
        for spec in service.fields if service else ():
            f = SpecField(spec)
            self.spec_fields.append(f)
            column = QVBoxLayout()
            column.setSpacing(1)
            column.addWidget(f.editor)
            column.addWidget(f.error)
            self.fields_form.addRow(f.label, column)
            f.on_entered(partial(self.on_spec_entered, f))
        self._clear_paper()
        self.outcome.clear()
        self._outcome = None
        self.refresh()
        if self.spec_fields:
            self.spec_fields[0].editor.setFocus()

    @property
    def offline(self) -> bool:
        return self.online is False

    def refresh(self) -> None:
        """Show what fits the chosen service, the bill and the connection (also on a language change)."""
        service = self.service
        chosen = service is not None
        self._name_choices()
        self._name_results()
        self._name_history()
        for spec_field in self.spec_fields:
            spec_field.retranslate()
        self.flow.setEnabled(chosen or bool(self.bills))
        self.selected.setText(
            t(
                "avail.selected",
                service=both(service.name_en, service.name_hi),
                department=both(service.department_name_en, service.department_name_hi),
            )
            if service
            else ""
        )
        kind = service.kind if service is not None else self.payment_kind
        self.get_bill.setText(t(kind_key(kind, "get_bill")))
        self.add_bill.setText(t(kind_key(kind, "add_bill")))
        self.amount.label_key = kind_key(kind, "amount")
        self.amount.retranslate()
        blocked = chosen and self.offline and not (service.offline_capable if service else False)
        if chosen and self.offline and service is not None:
            self.mode.setText(
                t("avail.needs_connection", service=both(service.name_en, service.name_hi))
                if blocked
                else t("avail.offline_mode", limit=rupees_or_dash(self.offline_limit_paise))
            )
            self.mode.setStyleSheet(
                "background: #fdecea; color: #8a1c1c; padding: 6px;"
                if blocked
                else "background: #fff4e5; color: #663c00; padding: 6px; font-weight: bold;"
            )
            self.mode.setVisible(True)
        else:
            self.mode.setVisible(False)
        typing_paper = chosen and self.offline and not blocked
        self.fields_box.setVisible(chosen and not blocked)
        self.get_bill.setVisible(chosen and not self.offline)
        details = self.details
        self.bill_view.setVisible(details is not None and not self.offline)
        if details is not None:
            text = t(
                kind_key(kind, "bill_details"),
                name=details.consumer_name,
                consumer=details.consumer_no,
                bill_no=details.bill_no or "—",
                due=details.due_date or "—",
                due_amount=rupees_or_dash(details.amount_due_paise),
                payable=rupees_or_dash(details.payable_now_paise),
                min=format_rupees(details.min_paise),
                max=format_rupees(details.max_paise),
            )
            self.bill_view.setText(text + "\n" + t("avail.match_paper") if kind == "bill" else text)
        for f in (self.consumer_name, self.bill_no, self.paper_due, self.paper_due_date, self.paper_after_due):
            f.label.setVisible(typing_paper)
            f.editor.setVisible(typing_paper)
        self.collect.setVisible(typing_paper)
        self.add_bill.setVisible(typing_paper or (details is not None and not self.offline))
        if typing_paper:
            self._show_collect()
        show_amount = details is not None and not self.offline
        self.amount.label.setVisible(show_amount)
        self.amount.editor.setVisible(show_amount)
        self.plan.label.setVisible(show_amount and bool(self._plans))
        self.plan.editor.setVisible(show_amount and bool(self._plans))
        self._name_plans()
        self.amount.line_edit.setReadOnly(
            details is not None
            and not details.partial_allowed
            and details.payable_now_paise is not None
            and not self.offline
        )
        self._show_bills()
        # A departmental cheque pays department bills only; a micro-ATM entry is paid by nobody (the bank
        # credits the wallet), so it has no method to choose.
        paying = {self._service_kinds.get(b.service_code, "bill") for b in self.bills} | {kind}
        self.cheque.setVisible(paying == {"bill"})
        self.method_box.setVisible("micro_atm" not in paying)
        if paying != {"bill"} and self.cheque.isChecked():
            self.wallet.setChecked(True)
        cheque = self.cheque.isChecked()
        for f in (self.cheque_no, self.bank, self.cheque_date):
            f.label.setVisible(cheque)
            f.editor.setVisible(cheque)
            if not cheque:
                f.set_error(None)
        self.pay.setText(t("avail.pay_cheque" if cheque else kind_key(self.payment_kind, "pay_wallet")))
        if self._outcome is not None:
            self.outcome.setText(self._outcome())

    def _show_bills(self) -> None:
        self.table.setHorizontalHeaderLabels(
            [t("avail.col_service"), t("avail.col_consumer"), t("avail.col_name"), t("avail.col_amount")]
        )
        self.table.setRowCount(len(self.bills))
        for row, line in enumerate(self.bills):
            values = [
                line.service_code,
                next(iter(line.fields.values()), ""),
                line.consumer_name,
                format_rupees(line.amount_paise),
            ]
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.total.setText(t("avail.total", amount=format_rupees(sum(b.amount_paise for b in self.bills))))

    @property
    def payment_kind(self) -> str:
        """The kind of the bills in the list when they are all of one kind (or of the chosen service when the
        list is empty); "bill" words for a mix."""
        kinds = {self._service_kinds.get(b.service_code, "bill") for b in self.bills}
        if not kinds and self.service is not None:
            kinds = {self.service.kind}
        return kinds.pop() if len(kinds) == 1 else "bill"

    def on_kiosk_online_changed(self, online: bool) -> None:
        self.online = online
        self.refresh()

    @property
    def offline_limit_paise(self) -> int | None:
        return None if self.money is None else self.money.offline_limit_paise

    def show_money(self, money: Money) -> None:
        self.money = money
        self.refresh()

    def on_method_toggled(self, _checked: bool) -> None:
        self.refresh()

    # -- Get Bill Details --------------------------------------------------------------------------------
    def _typed_fields(self) -> dict[str, str] | None:
        """The service's fields checked against the catalog's patterns; None (errors shown) when one is wrong."""
        values: dict[str, str] = {}
        first_bad: SpecField | None = None
        for f in self.spec_fields:
            try:
                values[f.spec.name] = f.spec.check(f.text(), f"fields.{f.spec.name}")
                f.set_error(None)
            except InvalidField as exc:
                f.set_error(explain(exc))
                first_bad = first_bad or f
        if first_bad is not None:
            first_bad.editor.setFocus()
            return None
        return values

    def on_spec_entered(self, f: SpecField) -> None:
        """Enter in a service's field goes on to the next one still empty; when none is, to Get Bill Details."""
        at = self.spec_fields.index(f) if f in self.spec_fields else -1
        empty = next((g for g in self.spec_fields[at + 1 :] if not g.text().strip()), None)
        if f.text().strip() and empty is not None:
            empty.editor.setFocus()
            return
        if self.offline:
            self._type_paper_bill()
        else:
            self.on_get_bill_clicked()

    def on_get_bill_clicked(self) -> None:
        service = self.service
        if service is None or not self.get_bill.isEnabled() or not self.get_bill.isVisible():
            return
        values = self._typed_fields()
        if values is None:
            return
        self.details = None
        self._plans = service.plans_for(values)
        self.refresh()
        core = self.core
        (
            Op(self, lambda: core.kiosk().payments.get_bill(service.code, values))
            .busy(self.get_bill)
            .success(self.on_bill_loaded)
            .failure(self.on_get_bill_failed)
            .run()
        )

    def on_bill_loaded(self, details: BillDetails) -> None:
        self.details = details
        amount = details.payable_now_paise if details.payable_now_paise is not None else details.amount_due_paise
        self.amount.line_edit.setText("" if amount is None else f"{amount / 100:.2f}")
        self.amount.set_error(None)
        self._fill_plans()
        self.refresh()
        if self.plan.editor.isVisible():
            self.plan.editor.setFocus()
        elif self.amount.line_edit.isReadOnly():
            self.add_bill.setFocus()
        else:
            self.amount.line_edit.setFocus()

    def _fill_plans(self) -> None:
        combo = self._combo(self.plan)
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("", None)
        for plan in self._plans:
            combo.addItem("", plan.amount_paise)
        combo.blockSignals(False)
        self._name_plans()

    def _name_plans(self) -> None:
        combo = self._combo(self.plan)
        if combo.count():
            combo.setItemText(0, t("avail.plan_none"))
        for index, plan in enumerate(self._plans, start=1):
            if index < combo.count():
                combo.setItemText(index, both(plan.name_en, plan.name_hi))

    def on_plan_changed(self, _index: int) -> None:
        paise = self._combo(self.plan).currentData()
        if isinstance(paise, int):
            self.amount.line_edit.setText(f"{paise / 100:.2f}")
            self.amount.set_error(None)

    def on_plan_chosen(self) -> None:
        """Enter on a plan: on to the amount it filled (Enter there adds the recharge)."""
        self.amount.line_edit.selectAll()
        self.amount.line_edit.setFocus()

    def on_get_bill_failed(self, exc: Exception) -> None:
        if isinstance(exc, ServerUnreachable | NeedsConnection):
            self.online = False  # kiosk_app reported it too; the event may still be on its way
            self.tr_.banner.show_message(explain(exc), "error")
            self.refresh()
            if self.service is not None and self.service.offline_capable:
                self._type_paper_bill()
            return
        self.on_op_failed(exc)

    def _type_paper_bill(self) -> None:
        """Offline: the paper bill is typed — a customer paying again has their name filled in already."""
        if self._history is not None and self._history[0].consumer_name and not self.consumer_name.text():
            self.consumer_name.line_edit.setText(self._history[0].consumer_name)
            self.bill_no.line_edit.setFocus()
        else:
            self.consumer_name.line_edit.setFocus()

    # -- Add Bill For Payment ------------------------------------------------------------------------------
    def on_add_bill_clicked(self) -> None:
        service = self.service
        if service is None or not self.add_bill.isVisible():
            return
        values = self._typed_fields()
        if values is None:
            return
        details = None if self.offline else self.details
        amount = self._paper_amount(show=True) if self.offline else self._online_amount(details)
        if amount is None:
            return
        line = BillLine(
            service.code,
            values,
            amount,
            consumer_name=details.consumer_name if details else self.consumer_name.text().strip(),
            bill_no=(details.bill_no or "") if details else self.bill_no.text().strip(),
        )
        where = self.paper_due if self.offline else self.amount
        if any(b.service_code == line.service_code and dict(b.fields) == values for b in self.bills):
            where.set_error(say("avail.already_added"))
            return
        kinds = [self._service_kinds.get(b.service_code, "bill") for b in self.bills] + [service.kind]
        if "micro_atm" in kinds and len(kinds) > 1:  # the server's rule: a micro-ATM entry goes on its own
            where.set_error(say("error.micro_atm_alone"))
            return
        where.set_error(None)
        if not self.mobile.text().strip():  # a recharged mobile number is the customer's contact
            self.mobile.line_edit.setText(values.get("mobile", ""))
        self.bills.append(line)
        self.details = None
        for f in self.spec_fields:
            f.clear()
        self._clear_paper()
        self.refresh()
        self.mobile.line_edit.setFocus()

    def _online_amount(self, details: BillDetails | None) -> int | None:
        amount = parse_rupees(self.amount.text())
        if amount is None or amount <= 0:
            self.amount.set_error(say("avail.amount_invalid"))
            self.amount.line_edit.setFocus()
            return None
        if details is not None and not details.min_paise <= amount <= details.max_paise:
            self.amount.set_error(
                say("avail.amount_range", min=format_rupees(details.min_paise), max=format_rupees(details.max_paise))
            )
            self.amount.line_edit.setFocus()
            return None
        return amount

    def _paper_amount(self, *, show: bool) -> int | None:
        """What to collect today for the paper bill as typed (rules/amount.py, the server's rule), or None.

        With `show`, each problem is said beside its field and the first one gets the focus.
        """
        problems: list[tuple[Field, Message]] = []
        due = parse_rupees(self.paper_due.text())
        if due is None or due <= 0:
            problems.append((self.paper_due, say("avail.amount_invalid")))
        after_text = self.paper_after_due.text().strip()
        after = parse_rupees(after_text) if after_text else None
        if after_text and (after is None or after <= 0):
            problems.append((self.paper_after_due, say("avail.amount_invalid")))
        payable: int | AmountRefusal | None = None
        if not problems and due is not None:
            payable = paper_bill_payable(PaperBill(due, self._paper_due_date(), after), business_day())
            if isinstance(payable, AmountRefusal):
                message = say(f"avail.{payable.code}", due=format_rupees(payable.params.get("due_paise", 0)))
                problems.append((self.paper_after_due, message))
        if show:
            for f in (self.paper_due, self.paper_after_due):
                f.set_error(next((m for where, m in problems if where is f), None))
            if problems:
                problems[0][0].line_edit.setFocus()
        return payable if isinstance(payable, int) and not problems else None

    def _paper_due_date(self) -> date:
        editor = self.paper_due_date.editor
        assert isinstance(editor, QDateEdit)
        dated = editor.date().toPython()
        assert isinstance(dated, date)
        return dated

    def _show_collect(self) -> None:
        """Offline: what the paper bill's figures come to today, and why when the late amount applies."""
        payable = self._paper_amount(show=False)
        if payable is None:
            self.collect.setText(t("avail.collect_unknown"))
            return
        due = parse_rupees(self.paper_due.text()) or 0
        dated = self._paper_due_date()
        if payable != due:
            self.collect.setText(
                t(
                    "avail.collect_late",
                    amount=format_rupees(payable),
                    date=dated.strftime("%d-%m-%Y"),
                    surcharge=format_rupees(payable - due),
                )
            )
        else:
            self.collect.setText(t("avail.collect_today", amount=format_rupees(payable)))

    def _after_bill_no(self) -> None:
        (self.paper_due if self.offline else self.amount).line_edit.setFocus()

    def _clear_paper(self) -> None:
        for paper in (self.consumer_name, self.bill_no, self.amount, self.paper_due, self.paper_after_due):
            paper.line_edit.clear()
            paper.set_error(None)
        editor = self.paper_due_date.editor
        assert isinstance(editor, QDateEdit)
        today = business_day()
        editor.setDate(QDate(today.year, today.month, today.day))
        self.collect.clear()
        self._plans = ()
        self._fill_plans()

    def on_table_delete_pressed(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.bills):
            del self.bills[row]
            self.refresh()

    # -- Pay ------------------------------------------------------------------------------------------------
    def _payment_fields(self) -> dict[str, Field]:
        """The payment's fields by the names the rules and the server's refusals give them."""
        return {
            "contact": self.mobile,
            "contact.mobile": self.mobile,
            "contact.email": self.email,
            "method.cheque_no": self.cheque_no,
            "method.bank": self.bank,
            "method.date": self.cheque_date,
        }

    def _order(self) -> PaymentOrder | None:
        """The payment as typed, or None with each problem said beside its field (rules/: as the server judges)."""
        fields = self._payment_fields()
        for f in set(fields.values()):
            f.set_error(None)
        mobile, email = mobile_or_none(self.mobile.text()), self.email.text().strip() or None
        wrong = contact_refusals(mobile, email)
        method = PayMethod("wallet")
        if self.cheque.isChecked():
            date_edit = self.cheque_date.editor
            assert isinstance(date_edit, QDateEdit)
            dated = date_edit.date().toPython()
            assert isinstance(dated, date)
            cheque_no, bank = self.cheque_no.text().strip(), self.bank.text().strip()
            wrong += cheque_refusals(cheque_no, bank, dated, business_day())
            method = PayMethod("cheque", cheque_no, bank, dated)
        for code, name in reversed(wrong):  # the first problem in the form's order gets the focus
            field = fields[name]
            blank_bank = name == "method.bank" and not field.text().strip()
            field.set_error(say("common.required" if blank_bank else f"error.{code}"))
            field.editor.setFocus()
        if wrong:
            return None
        return PaymentOrder(
            tuple(self.bills),
            Contact(self.mobile.text().strip() or None, email),
            method,
            remember_mobile=self.remember_mobile.isChecked() and mobile is not None,
        )

    def on_pay_clicked(self) -> None:
        if not self.pay.isEnabled():
            return
        if not self.bills:
            self._show_outcome(say("avail.no_bills"), error=True)
            return
        order = self._order()
        if order is None or not self._confirmed(order):
            return
        core = self.core
        self._wait_left = int(self.kiosk.payments.wait_s) if self.kiosk is not None else 0
        self._show_outcome(say("avail.waiting", seconds=self._wait_left))
        self._wait_timer.start()
        (
            Op(self, lambda: core.kiosk().payments.pay(order))
            .busy(self.pay, self.add_bill, self.get_bill)
            .success(self.on_paid)
            .failure(self.on_pay_failed)
            .run()
        )

    def on_wait_timer_timeout(self) -> None:
        """The seconds left of the longest wait the kiosk allows a payment (then it is shown in doubt)."""
        self._wait_left = max(self._wait_left - 1, 0)
        self._show_outcome(say("avail.waiting", seconds=self._wait_left))

    def _confirmed(self, order: PaymentOrder) -> bool:
        """F8 asks first: the total in figures and in words (English and Hindi), each bill's service and
        consumer number, and how it is paid; Enter pays, Esc goes back to the form."""
        total = sum(b.amount_paise for b in order.bills)

        def line(b: BillLine) -> str:
            name = both(*self._service_names.get(b.service_code, (b.service_code, b.service_code)))
            return t(
                "avail.confirm_bill",
                service=name,
                consumer=next(iter(b.fields.values()), ""),
                amount=format_rupees(b.amount_paise),
            )

        bills = "\n".join(line(b) for b in order.bills)
        kind = self.payment_kind
        key = "avail.confirm_text_cheque" if order.method.type == "cheque" else kind_key(kind, "confirm_text_wallet")
        text = t(
            key,
            bills=bills,
            total=format_rupees(total),
            words_en=amount_in_words(total, Language.ENGLISH),
            words_hi=amount_in_words(total, Language.HINDI),
            cheque=order.method.cheque_no or "",
        )
        return messages().confirm(
            self,
            t(kind_key(kind, "confirm_title")),
            text,
            t(kind_key(kind, "confirm_pay")),
            t("avail.confirm_back"),
        )

    def on_paid(self, outcome: PaymentOutcome) -> None:
        self._wait_timer.stop()
        kind = self.payment_kind
        self.bills = []
        number = outcome.receipt.receipt_no if outcome.receipt else outcome.operation_id
        wallet = (outcome.payment or {}).get("wallet")
        match outcome.status:
            case OutcomeStatus.PROVISIONAL:
                message = say("avail.provisional", number=number)
            case OutcomeStatus.FAILED:
                message = say(kind_key(kind, "failed"), number=number)
            case OutcomeStatus.PARTIAL:
                message = say("avail.partial", number=number)
            case OutcomeStatus.PENDING | OutcomeStatus.UNKNOWN:
                message = say(kind_key(kind, "pending"), number=number)
            case OutcomeStatus.PAID if isinstance(wallet, dict) and "wallet_balance_paise" in wallet:
                balance = format_rupees(int(wallet["wallet_balance_paise"]))
                message = say(kind_key(kind, "paid"), number=number, balance=balance)
            case OutcomeStatus.PAID:
                message = say(kind_key(kind, "paid_no_balance"), number=number)
            case _ as never:
                assert_never(never)
        self.forget_customer()
        self._show_outcome(message, error=outcome.status is OutcomeStatus.FAILED)
        self.wallet_changed.emit()
        if outcome.receipt is not None:
            self.show_receipt(outcome)

    def show_receipt(self, outcome: PaymentOutcome) -> None:
        assert outcome.receipt is not None and self.kiosk is not None
        preferences = self.core.preferences
        window = open_receipt(
            self,
            outcome.receipt,
            desk=self.core.receipt_desk(self.kiosk),
            paper=preferences.paper_roll,
            spool_id=outcome.spool_id,
            auto_print=preferences.auto_print,
        )
        self.receipt_window = window
        window.finished.connect(self.on_receipt_window_finished)

    def on_receipt_window_finished(self, _result: int) -> None:
        self.search.line_edit.setFocus()  # the next customer starts at the search box

    def on_pay_failed(self, exc: Exception) -> None:
        self._wait_timer.stop()
        if isinstance(exc, AnswerLost):  # in doubt: it is in the queue; paying again would be a second payment
            self.forget_customer()
            self._show_outcome(explain(exc), error=True)
            self.wallet_changed.emit()
            return
        field = str(exc.details.get("field", "")) if isinstance(exc, KioskError) else ""
        target = self._payment_fields().get(field)
        if target is not None:
            target.set_error(explain(exc))
            target.editor.setFocus()
            self._show_outcome(None)
            return
        self._show_outcome(explain(exc), error=True)

    def _show_outcome(self, message: Message | None, *, error: bool = False) -> None:
        self._outcome = message
        self.outcome.setText(message() if message else "")
        self.outcome.setStyleSheet("color: #b00020;" if error else "color: #1e4620; font-weight: bold;")
        if message is not None:
            QTimer.singleShot(0, self.show_outcome_in_view)

    def show_outcome_in_view(self) -> None:
        """The result of Pay, with Pay above it, in the visible part of the form (its layout settled first)."""
        self.flow_scroll.ensureWidgetVisible(self.pay, 0, 0)
        self.flow_scroll.ensureWidgetVisible(self.outcome, 0, 8)

    def on_focus_changed(self, _old: QWidget | None, now: QWidget | None) -> None:
        if now is not None and self.flow.isAncestorOf(now):
            self.flow_scroll.ensureWidgetVisible(now, 0, 24)

    def forget_customer(self) -> None:
        """Nothing of one customer reaches the next: bills, contact, cheque and its bank, consumer numbers,
        every message beside a field and above the page. The payment method goes back to the wallet."""
        self.bills = []
        for f in (
            self.mobile,
            self.email,
            self.cheque_no,
            self.bank,
        ):
            f.line_edit.clear()
            f.set_error(None)
        for spec_field in self.spec_fields:
            spec_field.clear()
            spec_field.set_error(None)
        self._clear_paper()
        date_edit = self.cheque_date.editor
        assert isinstance(date_edit, QDateEdit)
        date_edit.setDate(QDate.currentDate())
        self.cheque_date.set_error(None)
        self.wallet.setChecked(True)
        self.remember_mobile.setChecked(False)
        self._history = None
        self.details = None
        self.tr_.banner.show_message(None)
        self.refresh()

    def on_new_customer_clicked(self) -> None:
        self.forget_customer()
        self.show_service(None)
        self.search.line_edit.selectAll()
        self.search.line_edit.setFocus()

    def on_op_failed(self, exc: Exception) -> None:
        self.tr_.banner.show_message(lambda: error_text(exc), "error")
