"""What the wallet's pages share: the signed-in kiosk's wallet, dates as the portal writes them, errors beside
fields, and the page that follows a gateway order."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from PySide6.QtCore import QDate, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDateEdit,
    QLabel,
    QVBoxLayout,
)

from kiosk_app.errors import KioskError
from kiosk_app.wallet import (
    RefillOrder,
    Wallet,
)
from printing.money import format_rupees
from ui.core import Core
from ui.forms import Field, Message, Translated, error_text, explain
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
        (
            Op(self, lambda: wallet_of(core).order_status(order.order_id))
            .success(self.on_order_status)
            .failure(self.on_poll_failed)
            .run()
        )

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
        return t(
            self.order_key,
            order=order.order_id,
            amount=format_rupees(order.amount_paise),
            status=status,
            url=order.payment_url,
        )


def dmy(iso: str) -> str:
    """2026-11-17 → 17-11-2026, as the portal writes dates."""
    try:
        return date.fromisoformat(iso[:10]).strftime("%d-%m-%Y")
    except ValueError:
        return iso
