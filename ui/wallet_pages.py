"""Financial → Wallet: Refill (NEFT/RTGS account, gateway order, Fund Receive Request), Fund Payout, Statement."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.errors import KioskError
from kiosk_app.wallet import (
    ActionId,
    Balance,
    FundTransfer,
    GatewayChannel,
    PayoutInfo,
    PayoutMethod,
    PayoutResult,
    RefillInfo,
    RefillOrder,
    Statement,
    Wallet,
)
from printing.money import format_rupees
from rules.day import IST, business_day
from rules.money import parse_rupees
from ui.core import Core
from ui.forms import Field, Message, Translated, error_text, explain, say, shortcut
from ui.main_window import FeaturePage
from ui.ops import Op
from ui.strings import CATALOGUE, t

ORDER_POLL_MS = 3_000
TITLE_STYLE = "font-size: 16pt; font-weight: bold;"
RESULT_STYLE = "background: #e8f4ea; color: #1e4620; border: 1px solid #b7dfbf; padding: 6px;"


def wallet_of(core: Core) -> Wallet:
    """On a worker: the wallet use-cases of the open kiosk core."""
    return core.kiosk().wallet


def to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def to_qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def date_edit(value: date) -> QDateEdit:
    edit = QDateEdit(to_qdate(value))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd-MM-yyyy")
    return edit


def show_error(tr_: Translated, exc: Exception, fields: Mapping[str, Field], fallback: Field | None = None) -> None:
    """An error next to the field it is about (the server names it in `field`), else in the banner."""
    message = explain(exc)
    name = exc.details.get("field") if isinstance(exc, KioskError) else None
    target = fields.get(str(name)) if name is not None else None
    if target is None and isinstance(exc, KioskError) and exc.status is not None and 400 <= exc.status < 500:
        target = fallback  # a refusal of what was typed; a server or network fault goes to the banner
    if target is not None:
        target.set_error(message)
        target.editor.setFocus()
    else:
        tr_.banner.show_message(message, "error")


def result_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(RESULT_STYLE)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setVisible(False)
    return label


def field_column(f: Field) -> QVBoxLayout:
    column = QVBoxLayout()
    column.setSpacing(1)
    column.addWidget(f.editor)
    column.addWidget(f.error)
    return column


class MoneyPage(FeaturePage):
    """Common parts: a title, the banner, messages that follow the language."""

    def __init__(self, core: Core, name: str, title_key: str) -> None:
        super().__init__()
        self.core = core
        self.setObjectName(name)
        self.tr_ = Translated(self)
        self.title = QLabel()
        self.title.setStyleSheet(TITLE_STYLE)
        self.tr_.text(self.title.setText, title_key)
        self._messages: list[tuple[QLabel, Message]] = []
        self.tr_.dynamic(self._retranslate_messages)

    def show_text(self, label: QLabel, message: Message | None) -> None:
        """Show a message that is rendered again when the language changes."""
        self._messages = [(lbl, m) for lbl, m in self._messages if lbl is not label]
        if message is None:
            label.clear()
            label.setVisible(False)
            return
        self._messages.append((label, message))
        label.setText(message())
        label.setVisible(True)

    def _retranslate_messages(self) -> None:
        for label, message in getattr(self, "_messages", []):
            label.setText(message())

    def on_op_failed(self, exc: Exception) -> None:
        self.tr_.banner.show_message(lambda: error_text(exc), "error")


# -- Refill --------------------------------------------------------------------------------------------


class OrderPage(MoneyPage):
    """A money page that follows one gateway order (Refill, Fund Payout) off the GUI thread until the bank
    answers; `messages` is the catalog prefix of its status texts ("refill", "payout"), `order_key` its order text."""

    order_key = ""

    def __init__(self, core: Core, name: str, title_key: str, messages: str) -> None:
        super().__init__(core, name, title_key)
        self.messages = messages
        self.order: RefillOrder | None = None
        self.poll = QTimer(self)
        self.poll.setInterval(ORDER_POLL_MS)
        self.poll.timeout.connect(self.on_poll_timeout)
        self._polling = False

    def on_open_page_clicked(self) -> None:
        if self.order is not None:
            QDesktopServices.openUrl(QUrl(self.order.payment_url))

    def on_poll_timeout(self) -> None:
        order = self.order
        if order is None or order.finished:
            self.poll.stop()
            return
        if self._polling:
            return
        self._polling = True
        core = self.core
        (Op(self, lambda: wallet_of(core).order_status(order.order_id))
         .success(self.on_order_status).failure(self.on_poll_failed).run())

    def on_order_status(self, order: RefillOrder) -> None:
        self._polling = False
        if self.order is None or order.order_id != self.order.order_id:
            return  # the page moved on to another order meanwhile
        self.order = order
        self.order_followed(order)

    def order_followed(self, order: RefillOrder) -> None:
        """The followed order's status as the server gave it now."""
        raise NotImplementedError

    def on_poll_failed(self, _exc: Exception) -> None:
        self._polling = False  # the next tick asks again; a short outage must not end the wait

    def order_text(self, order: RefillOrder) -> str:
        status_key = f"{self.messages}.status_{order.status}"
        status = t(status_key) if status_key in CATALOGUE else order.status
        return t(self.order_key, order=order.order_id, amount=format_rupees(order.amount_paise),
                 status=status, url=order.payment_url)


class RefillPage(OrderPage):
    """Refill: the balance, the kiosk's own NEFT/RTGS account, a gateway order, and the CUG code request."""

    order_key = "refill.order"

    def __init__(self, core: Core) -> None:
        super().__init__(core, "refill", "refill.title", "refill")
        self.info: RefillInfo | None = None
        self.transfer: FundTransfer | None = None
        self.order_action = ActionId()
        self.cug_action = ActionId()
        tr_ = self.tr_
        self.balance = QLabel()
        self.balance.setObjectName("refill_balance")
        self.balance.setStyleSheet("font-size: 12pt; font-weight: bold; color: #0b5394;")

        # Pay Via NEFT/RTGS
        neft = QGroupBox()
        neft.setObjectName("neft_box")
        tr_.text(neft.setTitle, "refill.neft")
        neft_intro = QLabel()
        neft_intro.setWordWrap(True)
        tr_.text(neft_intro.setText, "refill.neft_intro")
        self.account_values: dict[str, QLabel] = {}
        neft_form = QFormLayout()
        for key in ("beneficiary", "account_no", "ifsc", "bank", "account_type"):
            caption = QLabel()
            tr_.text(caption.setText, f"refill.{key}")
            value = QLabel("…")
            value.setObjectName(f"va_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setStyleSheet("font-weight: bold;")
            self.account_values[key] = value
            row: QWidget | QHBoxLayout = value
            if key in ("account_no", "ifsc"):
                copy = QPushButton()
                copy.setObjectName(f"copy_{key}")
                tr_.text(copy.setText, f"refill.copy_{'account' if key == 'account_no' else 'ifsc'}")
                copy.clicked.connect(self._copy_slot(key))
                box = QHBoxLayout()
                box.addWidget(value)
                box.addWidget(copy)
                box.addStretch()
                row = box
            neft_form.addRow(caption, row)
        self.copied = QLabel()
        self.copied.setObjectName("copied")
        self.copied.setStyleSheet("color: #1e7b34;")
        neft_layout = QVBoxLayout(neft)
        neft_layout.addWidget(neft_intro)
        neft_layout.addLayout(neft_form)
        neft_layout.addWidget(self.copied)

        # Net banking / payment aggregator
        gateway = QGroupBox()
        gateway.setObjectName("gateway_box")
        tr_.text(gateway.setTitle, "refill.gateway")
        self.gateway_intro = QLabel()
        self.gateway_intro.setWordWrap(True)
        self.amount = tr_.field("refill_amount", "refill.amount", QLineEdit())
        self.channel = tr_.field("refill_channel", "refill.channel", QComboBox())
        self.create_order = QPushButton()
        self.create_order.setObjectName("create_order")
        tr_.text(self.create_order.setText, "refill.create_order")
        self.create_order.clicked.connect(self.on_create_order_clicked)
        self.amount.line_edit.returnPressed.connect(self.on_create_order_clicked)
        self.order_view = result_label("order_view")
        self.order_view.setOpenExternalLinks(False)
        self.open_page = QPushButton()
        self.open_page.setObjectName("open_payment_page")
        tr_.text(self.open_page.setText, "refill.open_page")
        self.open_page.clicked.connect(self.on_open_page_clicked)
        self.open_page.setVisible(False)
        gateway_form = QFormLayout()
        gateway_form.addRow(self.amount.label, field_column(self.amount))
        gateway_form.addRow(self.channel.label, field_column(self.channel))
        gateway_buttons = QHBoxLayout()
        gateway_buttons.addWidget(self.create_order)
        gateway_buttons.addWidget(self.open_page)
        gateway_buttons.addStretch()
        gateway_layout = QVBoxLayout(gateway)
        gateway_layout.addWidget(self.gateway_intro)
        gateway_layout.addLayout(gateway_form)
        gateway_layout.addLayout(gateway_buttons)
        gateway_layout.addWidget(self.order_view)

        # Fund Receive Request from Existing Emitra
        existing = QGroupBox()
        existing.setObjectName("existing_box")
        tr_.text(existing.setTitle, "refill.existing")
        self.existing_intro = QLabel()
        self.existing_intro.setWordWrap(True)
        self.cug_code = tr_.field("cug_code", "refill.cug_code", QLineEdit())
        self.cug_code.line_edit.setMaxLength(40)
        self.cug_code.line_edit.setPlaceholderText("CUG-XXXX-XXXX")
        self.submit_cug = QPushButton()
        self.submit_cug.setObjectName("submit_cug")
        tr_.text(self.submit_cug.setText, "refill.submit_cug")
        self.submit_cug.clicked.connect(self.on_submit_cug_clicked)
        self.cug_code.line_edit.returnPressed.connect(self.on_submit_cug_clicked)
        self.cug_result = result_label("cug_result")
        existing_form = QFormLayout()
        existing_form.addRow(self.cug_code.label, field_column(self.cug_code))
        existing_layout = QVBoxLayout(existing)
        existing_layout.addWidget(self.existing_intro)
        existing_layout.addLayout(existing_form)
        existing_layout.addWidget(self.submit_cug, alignment=Qt.AlignmentFlag.AlignLeft)
        existing_layout.addWidget(self.cug_result)

        right = QVBoxLayout()
        right.addWidget(gateway)
        right.addStretch()
        left = QVBoxLayout()
        left.addWidget(neft)
        left.addWidget(existing)
        left.addStretch()
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.tr_.banner)
        layout.addWidget(self.balance)
        layout.addLayout(columns, 1)

        self.balance_paise: Balance | None = None
        tr_.dynamic(self.refresh)
        self.load()

    def _copy_slot(self, key: str) -> Callable[[], None]:
        return lambda: self.on_copy_clicked(key)

    # -- loading ---------------------------------------------------------------------------------------
    def load(self) -> None:
        core = self.core
        self.tr_.banner.show_message(say("wallet.loading"))
        (Op(self, lambda: (wallet_of(core).refill_info(), wallet_of(core).balance()))
         .success(self.on_info_loaded).failure(self.on_op_failed).run())

    def on_info_loaded(self, loaded: tuple[RefillInfo, Balance]) -> None:
        self.tr_.banner.show_message(None)
        self.info, self.balance_paise = loaded
        self.refresh()

    def showEvent(self, event: object) -> None:  # Qt override
        self.amount.line_edit.setFocus()

    def refresh(self) -> None:
        b = self.balance_paise
        self.balance.setText(t("wallet.balance", wallet=format_rupees(b.wallet_balance_paise),
                               spendable=format_rupees(b.spendable_paise)) if b else "")
        info = self.info
        lo, hi = (format_rupees(info.min_paise), format_rupees(info.max_paise)) if info else ("…", "…")
        self.gateway_intro.setText(t("refill.gateway_intro", min=lo, max=hi))
        self.existing_intro.setText(t("refill.existing_intro", minutes=info.credit_delay_minutes if info else 60))
        if info is not None:
            va = info.virtual_account
            for key, value in (("beneficiary", va.beneficiary_name), ("account_no", va.account_no),
                               ("ifsc", va.ifsc), ("bank", va.bank_name), ("account_type", va.account_type)):
                self.account_values[key].setText(value)
        combo = self._channel_combo
        current = combo.currentData()
        combo.clear()
        combo.addItem(t("refill.net_banking"), "net_banking")
        combo.addItem(t("refill.aggregator"), "aggregator")
        if current:
            combo.setCurrentIndex(max(0, combo.findData(current)))
        self._show_order()

    @property
    def _channel_combo(self) -> QComboBox:
        assert isinstance(self.channel.editor, QComboBox)
        return self.channel.editor

    # -- NEFT/RTGS ------------------------------------------------------------------------------------
    def on_copy_clicked(self, key: str) -> None:
        value = self.account_values[key].text()
        if not self.info:
            return
        QApplication.clipboard().setText(value)
        self.show_text(self.copied, say("refill.copied", value=value))

    # -- gateway order -----------------------------------------------------------------------------------
    def on_create_order_clicked(self) -> None:
        self.tr_.clear_errors()
        paise = parse_rupees(self.amount.text())
        if paise is None or paise <= 0:
            self.amount.set_error(say("wallet.amount_invalid"))
            self.amount.line_edit.setFocus()
            return
        info = self.info
        if info is not None and info.max_paise and not info.min_paise <= paise <= info.max_paise:
            self.amount.set_error(say("wallet.amount_range", min=format_rupees(info.min_paise),
                                      max=format_rupees(info.max_paise)))
            self.amount.line_edit.setFocus()
            return
        channel: GatewayChannel = "aggregator" if self._channel_combo.currentData() == "aggregator" else "net_banking"
        operation_id = self.order_action.for_request(paise, channel)
        core = self.core
        (Op(self, lambda: wallet_of(core).start_refill(paise, channel, operation_id)).busy(self.create_order)
         .success(self.on_order_created).failure(self.on_order_failed).run())

    def on_order_created(self, order: RefillOrder) -> None:
        self.order_action.answered()
        self.order = order
        self._show_order()
        self.open_page.setVisible(True)
        self.open_page.setFocus()
        self.poll.start()

    def on_order_failed(self, exc: Exception) -> None:
        if isinstance(exc, KioskError) and exc.status is not None and exc.status < 500:
            self.order_action.answered()  # refused: a corrected request is a new action
        show_error(self.tr_, exc, {"amount_paise": self.amount, "channel": self.channel}, self.amount)

    def order_followed(self, order: RefillOrder) -> None:
        self._show_order()
        if order.finished:
            self.poll.stop()
            if order.credited:
                self.wallet_changed.emit()
                self.load()

    def _show_order(self) -> None:
        order = self.order
        if order is None:
            self.order_view.setVisible(False)
            return
        self.order_view.setText(self.order_text(order))
        self.order_view.setVisible(True)

    # -- Fund Receive Request ------------------------------------------------------------------------------
    def on_submit_cug_clicked(self) -> None:
        self.tr_.clear_errors()
        code = "".join(self.cug_code.text().split()).upper()
        if not code:
            self.cug_code.set_error(say("common.required"))
            self.cug_code.line_edit.setFocus()
            return
        operation_id = self.cug_action.for_request(code)
        core = self.core
        (Op(self, lambda: wallet_of(core).request_fund_transfer(code, operation_id)).busy(self.submit_cug)
         .success(self.on_cug_accepted).failure(self.on_cug_failed).run())

    def on_cug_accepted(self, transfer: FundTransfer) -> None:
        self.cug_action.answered()
        self.transfer = transfer
        self.cug_code.line_edit.clear()
        self.show_text(self.cug_result, say("refill.cug_accepted", ref=transfer.legacy_ref,
                                            amount=format_rupees(transfer.amount_paise), due=transfer.due_at_ist))

    def on_cug_failed(self, exc: Exception) -> None:
        if isinstance(exc, KioskError) and exc.status is not None and exc.status < 500:
            self.cug_action.answered()
        self.show_text(self.cug_result, None)
        show_error(self.tr_, exc, {"cug_code": self.cug_code}, self.cug_code)


# -- Fund Payout ---------------------------------------------------------------------------------------


class FundPayoutPage(OrderPage):
    """Fund Payout: outstanding on the credit line, due date, interest so far; pay it from the wallet at once, or
    by net banking (an order paid on the bank's page, followed here until the bank confirms it)."""

    order_key = "payout.order"

    def __init__(self, core: Core) -> None:
        super().__init__(core, "fund_payout", "payout.title", "payout")
        self.info: PayoutInfo | None = None
        self.action = ActionId()
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setObjectName("payout_summary")
        self.summary.setStyleSheet("font-size: 12pt;")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("drawdowns")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # to read, not to work in: Tab goes amount → method → pay
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(110)  # three rows of dues stay readable beside the open orders
        self.amount = self.tr_.field("payout_amount", "payout.amount", QLineEdit())
        self.amount.line_edit.returnPressed.connect(self.on_pay_clicked)
        self.method = self.tr_.field("payout_method", "payout.method", QComboBox())
        self._method_combo.currentIndexChanged.connect(self.on_method_changed)
        shortcut(self.method.editor, "Return", self.on_pay_clicked, Qt.ShortcutContext.WidgetShortcut)
        shortcut(self.method.editor, "Enter", self.on_pay_clicked, Qt.ShortcutContext.WidgetShortcut)
        self.method_hint = QLabel()
        self.method_hint.setObjectName("payout_method_hint")
        self.method_hint.setWordWrap(True)
        self.pay = QPushButton()
        self.pay.setObjectName("pay_payout")
        self.pay.clicked.connect(self.on_pay_clicked)
        self.open_page = QPushButton()
        self.open_page.setObjectName("open_payout_page")
        self.tr_.text(self.open_page.setText, "payout.open_page")  # Alt+O: Alt+P is "Pay"
        self.open_page.clicked.connect(self.on_open_page_clicked)
        self.open_page.setVisible(False)
        self.order_view = result_label("payout_order")
        self.result = result_label("payout_result")
        # Net banking orders still waiting for the bank, from before a restart too; the one selected is followed.
        self.open_orders: list[RefillOrder] = []
        self.open_caption = QLabel()
        self.open_caption.setObjectName("payout_open_caption")
        self.open_caption.setWordWrap(True)
        self.open_table = QTableWidget(0, 4)
        self.open_table.setObjectName("payout_open_orders")
        self.open_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.open_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.open_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.open_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.open_table.setMaximumHeight(130)
        self.open_table.currentCellChanged.connect(self.on_open_order_selected)
        self.open_table.cellActivated.connect(lambda row, column: self.on_open_order_selected(row, column, -1, -1))
        self.open_caption.setVisible(False)
        self.open_table.setVisible(False)
        form = QFormLayout()
        form.addRow(self.amount.label, field_column(self.amount))
        method_column = field_column(self.method)
        method_column.addWidget(self.method_hint)
        form.addRow(self.method.label, method_column)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pay)
        buttons.addWidget(self.open_page)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.tr_.banner)
        layout.addWidget(self.intro)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.order_view)
        layout.addWidget(self.open_caption)
        layout.addWidget(self.open_table)
        layout.addWidget(self.result)
        self.setTabOrder(self.amount.editor, self.method.editor)
        self.setTabOrder(self.method.editor, self.pay)
        self.setTabOrder(self.pay, self.open_page)
        self.setTabOrder(self.open_page, self.open_table)
        shortcut(self, "F5", self.load)
        self._shown_before = False
        self.tr_.dynamic(self.refresh)
        self.load()

    @property
    def _method_combo(self) -> QComboBox:
        assert isinstance(self.method.editor, QComboBox)
        return self.method.editor

    @property
    def chosen_method(self) -> PayoutMethod:
        return "net_banking" if self._method_combo.currentData() == "net_banking" else "wallet"

    def set_method(self, method: PayoutMethod) -> None:
        self._method_combo.setCurrentIndex(max(0, self._method_combo.findData(method)))

    def load(self) -> None:
        core = self.core
        Op(self, lambda: wallet_of(core).payout_info()).success(self.on_info_loaded).failure(self.on_op_failed).run()

    def showEvent(self, event: object) -> None:  # Qt override
        if self._shown_before and not self.poll.isActive():
            self.load()  # back from Refill or a payment: the figures may have changed
        self._shown_before = True
        self.amount.line_edit.setFocus()

    def on_info_loaded(self, info: PayoutInfo) -> None:
        self.tr_.banner.show_message(None)
        self.info = info
        self.amount.line_edit.setText(f"{info.total_payable_paise / 100:.2f}" if not info.nothing_due else "")
        self.open_orders = list(info.open_orders)
        followed = self.order
        if followed is not None and not followed.finished and all(
                o.order_id != followed.order_id for o in self.open_orders):
            self.open_orders.insert(0, followed)  # made a moment ago; the poll will tell how it ends
        if self.open_orders and (followed is None or followed.finished):
            self._follow(self.open_orders[0])  # e.g. made before the kiosk restarted: follow it until it ends
        self.refresh()

    def on_method_changed(self, _index: int) -> None:
        self.method.set_error(None)
        self.amount.set_error(None)  # "the wallet has only …" no longer applies
        self._show_method()

    def _show_method(self) -> None:
        net_banking = self.chosen_method == "net_banking"
        self.pay.setText(t("payout.pay_net_banking" if net_banking else "payout.pay"))
        self.method_hint.setText(t("payout.method_hint_net_banking" if net_banking else "payout.method_hint_wallet"))

    def refresh(self) -> None:
        info = self.info
        combo = self._method_combo
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(t("payout.method_wallet"), "wallet")
        combo.addItem(t("payout.method_net_banking"), "net_banking")
        combo.setCurrentIndex(max(0, combo.findData(current)) if current else 0)
        combo.blockSignals(False)
        self._show_method()
        self._show_order()
        self.intro.setText(t("payout.intro", rate=str(info.interest_rate_percent) if info else "18"))
        if info is None:
            self.summary.setText(t("wallet.loading"))
            return
        text = t("payout.summary", outstanding=format_rupees(info.outstanding_paise),
                 overdue=format_rupees(info.overdue_paise),
                 due=_dmy(info.next_due_on) if info.next_due_on else t("payout.no_due_date"),
                 accrued=format_rupees(info.interest_accrued_paise), paid=format_rupees(info.interest_paid_paise),
                 interest_due=format_rupees(info.interest_due_paise), total=format_rupees(info.total_payable_paise),
                 wallet=format_rupees(info.wallet_balance_paise))
        if info.nothing_due:
            text += "\n" + t("payout.nothing_due")
        self.summary.setText(text)
        self.table.setHorizontalHeaderLabels([t(f"payout.col_{c}") for c in ("drawn", "due", "remaining", "overdue")])
        self.table.setRowCount(len(info.drawdowns))
        for row, d in enumerate(info.drawdowns):
            for column, value in enumerate((_dmy(d.drawn_on), _dmy(d.due_on), format_rupees(d.remaining_paise),
                                            str(d.overdue_days))):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.pay.setEnabled(not info.nothing_due)

    def _show_open_orders(self) -> None:
        """The orders waiting for the bank; the followed one is selected (its page opens with the button)."""
        orders = self.open_orders
        self.open_caption.setText(t("payout.open_orders", count=len(orders)))
        self.open_table.setHorizontalHeaderLabels([t(f"payout.open_col_{c}") for c in ("order", "amount", "made",
                                                                                       "status")])
        self.open_table.blockSignals(True)
        self.open_table.setRowCount(len(orders))
        selected = -1
        for row, o in enumerate(orders):
            status_key = f"payout.status_{o.status}"
            for column, value in enumerate((o.order_id, format_rupees(o.amount_paise), _ist_time(o.created_at),
                                            t(status_key) if status_key in CATALOGUE else o.status)):
                self.open_table.setItem(row, column, QTableWidgetItem(value))
            if self.order is not None and o.order_id == self.order.order_id:
                selected = row
        if selected >= 0:
            self.open_table.setCurrentCell(selected, 0)
            self.open_table.selectRow(selected)
        else:
            self.open_table.setCurrentCell(-1, -1)  # so that choosing any row follows it
            self.open_table.clearSelection()
        self.open_table.blockSignals(False)
        self.open_caption.setVisible(bool(orders))
        self.open_table.setVisible(bool(orders))

    def on_open_order_selected(self, row: int, _column: int, _previous_row: int, _previous_column: int) -> None:
        if 0 <= row < len(self.open_orders) and (self.order is None
                                                 or self.open_orders[row].order_id != self.order.order_id):
            self._follow(self.open_orders[row])

    def _follow(self, order: RefillOrder) -> None:
        """Show an order waiting for the bank, offer its payment page, and ask the server until it ends."""
        self.order = order
        self._show_order()
        self.open_page.setVisible(True)
        self.poll.start()

    # -- pay -----------------------------------------------------------------------------------------------
    def on_pay_clicked(self) -> None:
        if not self.pay.isEnabled():
            return  # nothing due, or a payment is on its way
        self.tr_.clear_errors()
        paise = parse_rupees(self.amount.text())
        if paise is None or paise <= 0:
            self.amount.set_error(say("wallet.amount_invalid"))
            self.amount.line_edit.setFocus()
            return
        method = self.chosen_method
        info = self.info
        if info is not None and paise > info.total_payable_paise:
            self.amount.set_error(say("payout.amount_exceeds", total=format_rupees(info.total_payable_paise)))
            self.amount.line_edit.setFocus()
            return
        if info is not None and method == "wallet" and paise > info.wallet_balance_paise:
            self.amount.set_error(say("payout.wallet_short", wallet=format_rupees(info.wallet_balance_paise)))
            self.amount.line_edit.setFocus()
            return
        operation_id = self.action.for_request(paise, method)
        core = self.core
        self.show_text(self.result, None)
        (Op(self, lambda: wallet_of(core).pay_payout(paise, method, operation_id)).busy(self.pay)
         .success(self.on_paid).failure(self.on_pay_failed).run())

    def on_paid(self, result: PayoutResult) -> None:
        self.action.answered()
        if result.order is not None:  # net banking: paid on the bank's page, confirmed later
            order = result.order
            self.open_orders = [order, *(o for o in self.open_orders if o.order_id != order.order_id)]
            self._follow(order)
            self.open_page.setFocus()
            return
        interest = int(result.details.get("interest_paise", 0))
        principal = int(result.details.get("principal_paise", result.paid_paise - interest))
        self.show_text(self.result, say("payout.paid", amount=format_rupees(result.paid_paise),
                                        interest=format_rupees(interest), principal=format_rupees(principal)))
        self.wallet_changed.emit()
        self.load()

    def on_pay_failed(self, exc: Exception) -> None:
        if isinstance(exc, KioskError) and exc.status is not None and exc.status < 500:
            self.action.answered()
        show_error(self.tr_, exc, {"amount_paise": self.amount, "method": self.method}, self.amount)

    # -- the net banking order ----------------------------------------------------------------------------
    def order_followed(self, order: RefillOrder) -> None:
        if order.finished:
            self.open_orders = [o for o in self.open_orders if o.order_id != order.order_id]
        else:
            self.open_orders = [order if o.order_id == order.order_id else o for o in self.open_orders]
        self._show_order()
        if not order.finished:
            return
        self.poll.stop()
        self.open_page.setVisible(False)
        if order.credited:
            self.show_text(self.result, _paid_by_bank(order))
            self.wallet_changed.emit()
            self.load()
        self.amount.line_edit.setFocus()

    def _show_order(self) -> None:
        self._show_open_orders()
        order = self.order
        if order is None:
            self.order_view.setVisible(False)
            return
        self.order_view.setText(self.order_text(order))
        self.order_view.setVisible(True)


def _paid_by_bank(order: RefillOrder) -> Message:
    """The bank confirmed a payout order: how much, and how it was applied (interest, outstanding, wallet)."""
    paid = order.confirmed_paise if order.confirmed_paise is not None else order.amount_paise
    b = order.breakdown
    if b is None:  # a server that does not report the breakdown
        return say("payout.paid_net_banking", amount=format_rupees(paid), order=order.order_id)
    applied = say("payout.paid_breakdown", amount=format_rupees(b.amount_paise), order=order.order_id,
                  interest=format_rupees(b.interest_paise), principal=format_rupees(b.principal_paise))
    if b.to_wallet_paise <= 0:
        return applied
    excess = say("payout.paid_to_wallet", to_wallet=format_rupees(b.to_wallet_paise))
    return lambda: applied() + " " + excess()


def _ist_time(iso: str) -> str:
    """A server timestamp (UTC, ISO) as the counter reads it: 17-11-2026 14:05 (IST)."""
    try:
        return datetime.fromisoformat(iso).astimezone(IST).strftime("%d-%m-%Y %H:%M")
    except ValueError:
        return iso


def _dmy(iso: str) -> str:
    """2026-11-17 → 17-11-2026, as the portal writes dates."""
    try:
        return date.fromisoformat(iso[:10]).strftime("%d-%m-%Y")
    except ValueError:
        return iso


# -- Statement -----------------------------------------------------------------------------------------


class StatementPage(MoneyPage):
    """The wallet statement for a date range, with the running balance, and Export CSV."""

    COLUMNS = ("time", "account", "description", "reference", "debit", "credit", "balance")

    def __init__(self, core: Core) -> None:
        super().__init__(core, "statement", "statement.title")
        self.statement: Statement | None = None
        today = business_day()
        self.start = self.tr_.field("statement_from", "statement.from", date_edit(today))
        self.end = self.tr_.field("statement_to", "statement.to", date_edit(today))
        self.show_button = QPushButton()
        self.show_button.setObjectName("show_statement")
        self.tr_.text(self.show_button.setText, "statement.show")
        self.show_button.clicked.connect(self.on_show_clicked)
        self.export = QPushButton()
        self.export.setObjectName("export_csv")
        self.tr_.text(self.export.setText, "statement.export")
        self.export.clicked.connect(self.on_export_clicked)
        self.export.setEnabled(False)
        self.totals = QLabel()
        self.totals.setObjectName("statement_totals")
        self.totals.setWordWrap(True)
        self.saved = result_label("statement_saved")
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("statement_table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        dates = QHBoxLayout()
        for f in (self.start, self.end):
            dates.addWidget(f.label)
            dates.addLayout(field_column(f))
        dates.addWidget(self.show_button)
        dates.addWidget(self.export)
        dates.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.tr_.banner)
        layout.addLayout(dates)
        layout.addWidget(self.totals)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.saved)
        shortcut(self, "Return", self.on_show_clicked)
        shortcut(self, "Enter", self.on_show_clicked)
        shortcut(self, "Ctrl+E", self.on_export_clicked)
        # Seam: where the CSV goes (a file dialog at the counter; tests give a path).
        self.ask_path: Callable[[str], str | None] = self._ask_path
        self.tr_.dynamic(self.refresh)
        self.on_show_clicked()

    def showEvent(self, event: object) -> None:  # Qt override
        self.start.editor.setFocus()

    def _range(self) -> tuple[date, date]:
        assert isinstance(self.start.editor, QDateEdit) and isinstance(self.end.editor, QDateEdit)
        return to_date(self.start.editor.date()), to_date(self.end.editor.date())

    def set_range(self, start: date, end: date) -> None:
        assert isinstance(self.start.editor, QDateEdit) and isinstance(self.end.editor, QDateEdit)
        self.start.editor.setDate(to_qdate(start))
        self.end.editor.setDate(to_qdate(end))

    def on_show_clicked(self) -> None:
        self.tr_.clear_errors()
        start, end = self._range()
        core = self.core
        (Op(self, lambda: wallet_of(core).statement(start, end)).busy(self.show_button)
         .success(self.on_statement_loaded).failure(self.on_statement_failed).run())

    def on_statement_loaded(self, statement: Statement) -> None:
        self.statement = statement
        self.export.setEnabled(True)
        self.refresh()

    def on_statement_failed(self, exc: Exception) -> None:
        show_error(self.tr_, exc, {"from": self.start, "to": self.end}, self.start)

    def refresh(self) -> None:
        self.table.setHorizontalHeaderLabels([t(f"statement.col_{c}") for c in self.COLUMNS])
        s = self.statement
        if s is None:
            return
        wallet = s.accounts.get("wallet")
        self.totals.setText(t("statement.totals", opening=format_rupees(wallet.opening_paise),
                              credits=format_rupees(wallet.credits_paise), debits=format_rupees(wallet.debits_paise),
                              closing=format_rupees(wallet.closing_paise), count=len(s.lines))
                            if wallet else "")
        self.table.setRowCount(len(s.lines))
        for row, line in enumerate(s.lines):
            debit = format_rupees(-line.amount_paise) if line.amount_paise < 0 else ""
            credit = format_rupees(line.amount_paise) if line.amount_paise > 0 else ""
            account = t(f"statement.account_{line.account}") if line.account in ("wallet", "credit") else line.account
            for column, value in enumerate((line.at_ist, account, line.description, line.reference, debit, credit,
                                            format_rupees(line.balance_paise))):
                item = QTableWidgetItem(value)
                if column >= 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()

    def _ask_path(self, suggested: str) -> str | None:
        path, _filter = QFileDialog.getSaveFileName(self, t("statement.export_title"), suggested, "CSV (*.csv)")
        return path or None

    def on_export_clicked(self) -> None:
        start, end = self._range()
        path = self.ask_path(str(Path.home() / f"wallet-statement-{start}-{end}.csv"))
        if not path:
            return
        core = self.core
        (Op(self, lambda: wallet_of(core).export_statement(start, end, path)).busy(self.export)
         .success(lambda _size: self.show_text(self.saved, say("statement.exported", path=path)))
         .failure(self.on_statement_failed).run())
