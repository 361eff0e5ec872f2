"""Financial → Wallet → Fund Payout: what is outstanding on the security-deposit credit line, paid from the
wallet or by net banking."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from kiosk_app.errors import KioskError
from kiosk_app.wallet import (
    ActionId,
    PayoutInfo,
    PayoutMethod,
    PayoutResult,
    RefillOrder,
)
from printing.money import format_rupees
from rules.money import parse_rupees
from ui.core import Core
from ui.forms import Message, say, shortcut
from ui.money_page import (
    OrderPage,
    dmy,
    field_column,
    result_label,
    show_error,
    wallet_of,
)
from ui.ops import Op
from ui.strings import CATALOGUE, ist_time, t

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

    def on_refresh(self) -> None:
        self.load()

    def on_opened(self) -> None:
        self.amount.line_edit.selectAll()
        self.amount.line_edit.setFocus()

    def on_info_loaded(self, info: PayoutInfo) -> None:
        self.tr_.banner.show_message(None)
        self.info = info
        self.amount.line_edit.setText(f"{info.total_payable_paise / 100:.2f}" if not info.nothing_due else "")
        self.open_orders = list(info.open_orders)
        followed = self.order
        if (
            followed is not None
            and not followed.finished
            and all(o.order_id != followed.order_id for o in self.open_orders)
        ):
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
        text = t(
            "payout.summary",
            outstanding=format_rupees(info.outstanding_paise),
            overdue=format_rupees(info.overdue_paise),
            due=dmy(info.next_due_on) if info.next_due_on else t("payout.no_due_date"),
            accrued=format_rupees(info.interest_accrued_paise),
            paid=format_rupees(info.interest_paid_paise),
            interest_due=format_rupees(info.interest_due_paise),
            total=format_rupees(info.total_payable_paise),
            wallet=format_rupees(info.wallet_balance_paise),
        )
        if info.nothing_due:
            text += "\n" + t("payout.nothing_due")
        self.summary.setText(text)
        self.table.setHorizontalHeaderLabels([t(f"payout.col_{c}") for c in ("drawn", "due", "remaining", "overdue")])
        self.table.setRowCount(len(info.drawdowns))
        for row, d in enumerate(info.drawdowns):
            for column, value in enumerate(
                (dmy(d.drawn_on), dmy(d.due_on), format_rupees(d.remaining_paise), str(d.overdue_days))
            ):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.pay.setEnabled(not info.nothing_due)

    def _show_open_orders(self) -> None:
        """The orders waiting for the bank; the followed one is selected (its page opens with the button)."""
        orders = self.open_orders
        self.open_caption.setText(t("payout.open_orders", count=len(orders)))
        self.open_table.setHorizontalHeaderLabels(
            [t(f"payout.open_col_{c}") for c in ("order", "amount", "made", "status")]
        )
        self.open_table.blockSignals(True)
        self.open_table.setRowCount(len(orders))
        selected = -1
        for row, o in enumerate(orders):
            status_key = f"payout.status_{o.status}"
            for column, value in enumerate(
                (
                    o.order_id,
                    format_rupees(o.amount_paise),
                    ist_time(o.created_at),
                    t(status_key) if status_key in CATALOGUE else o.status,
                )
            ):
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
        if 0 <= row < len(self.open_orders) and (
            self.order is None or self.open_orders[row].order_id != self.order.order_id
        ):
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
        (
            Op(self, lambda: wallet_of(core).pay_payout(paise, method, operation_id))
            .busy(self.pay)
            .success(self.on_paid)
            .failure(self.on_pay_failed)
            .run()
        )

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
        self.show_text(
            self.result,
            say(
                "payout.paid",
                amount=format_rupees(result.paid_paise),
                interest=format_rupees(interest),
                principal=format_rupees(principal),
            ),
        )
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
    applied = say(
        "payout.paid_breakdown",
        amount=format_rupees(b.amount_paise),
        order=order.order_id,
        interest=format_rupees(b.interest_paise),
        principal=format_rupees(b.principal_paise),
    )
    if b.to_wallet_paise <= 0:
        return applied
    excess = say("payout.paid_to_wallet", to_wallet=format_rupees(b.to_wallet_paise))
    return lambda: applied() + " " + excess()
