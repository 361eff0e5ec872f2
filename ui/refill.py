"""Financial → Wallet → Refill: the kiosk's own NEFT/RTGS account, a gateway order, and the Fund Receive
Request (CUG code)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.errors import KioskError
from kiosk_app.money import Money
from kiosk_app.wallet import (
    ActionId,
    FundTransfer,
    GatewayChannel,
    RefillInfo,
    RefillOrder,
)
from printing.money import format_rupees
from rules.money import parse_rupees
from ui.core import Core
from ui.forms import say
from ui.money_page import (
    OrderPage,
    field_column,
    result_label,
    show_error,
    wallet_of,
)
from ui.ops import Op
from ui.strings import rupees_or_dash, t


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

        self.money: Money | None = None  # the window's, handed in by show_money
        tr_.dynamic(self.refresh)
        self.load()

    def _copy_slot(self, key: str) -> Callable[[], None]:
        return lambda: self.on_copy_clicked(key)

    # -- loading ---------------------------------------------------------------------------------------
    def load(self) -> None:
        core = self.core
        self.tr_.banner.show_message(say("wallet.loading"))
        (Op(self, lambda: wallet_of(core).refill_info()).success(self.on_info_loaded).failure(self.on_op_failed).run())

    def on_info_loaded(self, info: RefillInfo) -> None:
        self.tr_.banner.show_message(None)
        self.info = info
        self.refresh()

    def show_money(self, money: Money) -> None:
        self.money = money
        self.refresh()

    def on_opened(self) -> None:
        self.amount.line_edit.selectAll()
        self.amount.line_edit.setFocus()

    def refresh(self) -> None:
        b = self.money
        self.balance.setText(
            t(
                "wallet.balance",
                wallet=rupees_or_dash(b.wallet_balance_paise),
                spendable=rupees_or_dash(b.spendable_paise),
            )
            if b is not None and b.known
            else ""
        )
        info = self.info
        lo, hi = (format_rupees(info.min_paise), format_rupees(info.max_paise)) if info else ("…", "…")
        self.gateway_intro.setText(t("refill.gateway_intro", min=lo, max=hi))
        self.existing_intro.setText(t("refill.existing_intro", minutes=info.credit_delay_minutes if info else 60))
        if info is not None:
            va = info.virtual_account
            for key, value in (
                ("beneficiary", va.beneficiary_name),
                ("account_no", va.account_no),
                ("ifsc", va.ifsc),
                ("bank", va.bank_name),
                ("account_type", va.account_type),
            ):
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
            self.amount.set_error(
                say("wallet.amount_range", min=format_rupees(info.min_paise), max=format_rupees(info.max_paise))
            )
            self.amount.line_edit.setFocus()
            return
        channel: GatewayChannel = "aggregator" if self._channel_combo.currentData() == "aggregator" else "net_banking"
        operation_id = self.order_action.for_request(paise, channel)
        core = self.core
        (
            Op(self, lambda: wallet_of(core).start_refill(paise, channel, operation_id))
            .busy(self.create_order)
            .success(self.on_order_created)
            .failure(self.on_order_failed)
            .run()
        )

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
        (
            Op(self, lambda: wallet_of(core).request_fund_transfer(code, operation_id))
            .busy(self.submit_cug)
            .success(self.on_cug_accepted)
            .failure(self.on_cug_failed)
            .run()
        )

    def on_cug_accepted(self, transfer: FundTransfer) -> None:
        self.cug_action.answered()
        self.transfer = transfer
        self.cug_code.line_edit.clear()
        self.show_text(
            self.cug_result,
            say(
                "refill.cug_accepted",
                ref=transfer.legacy_ref,
                amount=format_rupees(transfer.amount_paise),
                due=transfer.due_at_ist,
            ),
        )

    def on_cug_failed(self, exc: Exception) -> None:
        if isinstance(exc, KioskError) and exc.status is not None and exc.status < 500:
            self.cug_action.answered()
        self.show_text(self.cug_result, None)
        show_error(self.tr_, exc, {"cug_code": self.cug_code}, self.cug_code)
