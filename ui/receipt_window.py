"""The receipt window: the ESC/POS preview of a receipt as the thermal printer draws it, Print (a reprint is
marked DUPLICATE by printing.spool_runner), and Send to customer: the receipt's short text by SMS or e-mail
(kiosk_app.receipt_message; kept on this PC and sent once back online when there is no connection)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.errors import InvalidField, KioskError
from kiosk_app.receipt_message import Language, MessageOutcome, MessageStatus, message_payload
from printing.escpos_decode import preview_png
from printing.receipt import Receipt
from printing.spool_runner import PrintOutcome, PrintResult
from printing.thermal import Paper, receipt_bytes
from ui.core import ReceiptDesk, SpoolDesk
from ui.forms import ERROR_STYLE, Message, Translated, explain, print_result_text, say, shortcut
from ui.ops import Op
from ui.strings import t

if TYPE_CHECKING:
    from kiosk_app.receipt_message import ReceiptMessages

LANGUAGES: tuple[Language, ...] = ("both", "hi", "en")


def preview_bytes(receipt: Receipt, paper: Paper) -> bytes:
    """PNG bytes of the receipt as printed (runs on a worker: ESC/POS rendering draws Hindi with Qt)."""
    image = preview_png(receipt_bytes(receipt, paper), paper)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class ReceiptWindow(QDialog):
    """Shows one receipt; Print sends it to the printer through the receipt desk (spool)."""

    printed = Signal(object)  # PrintResult

    def __init__(
        self,
        receipt: Receipt,
        paper: Paper,
        *,
        desk: ReceiptDesk | None = None,
        spool_id: int | None = None,
        parent: QWidget | None = None,
        messages: ReceiptMessages | None = None,
    ) -> None:
        super().__init__(parent)
        self.receipt = receipt
        self.paper = paper
        self.desk = desk
        self.spool_id = spool_id
        self.messages = messages
        self.last_message: MessageOutcome | None = None
        self._message_note: Message | None = None
        self.setObjectName("receipt_window")
        self.tr_ = Translated(self)
        self.tr_.text(self.setWindowTitle, "receipt.title", number=receipt.receipt_no)
        self.preview = QLabel()
        self.preview.setObjectName("receipt_preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidget(self.preview)
        scroll.setWidgetResizable(True)
        self.note = QLabel()
        self.note.setObjectName("receipt_note")
        self.note.setWordWrap(True)
        self.last_result: PrintResult | None = None
        # A printer that cannot report its status: the operator says whether the paper came out.
        self.question = QLabel()
        self.question.setObjectName("receipt_question")
        self.question.setWordWrap(True)
        self.question.setStyleSheet("font-weight: bold;")
        self.yes = QPushButton()
        self.yes.setObjectName("receipt_printed_yes")
        self.tr_.text(self.yes.setText, "receipt.printed_yes")
        self.yes.clicked.connect(lambda: self.on_answered(True))
        self.no = QPushButton()
        self.no.setObjectName("receipt_printed_no")
        self.tr_.text(self.no.setText, "receipt.printed_no")
        self.no.clicked.connect(lambda: self.on_answered(False))
        self.tr_.text(self.question.setText, "receipt.did_it_print")
        asking = QHBoxLayout()
        asking.addWidget(self.question, 1)
        asking.addWidget(self.yes)
        asking.addWidget(self.no)
        self.asking = QWidget()
        self.asking.setLayout(asking)
        self.asking.setVisible(False)
        self.print_button = QPushButton()
        self.print_button.setObjectName("print_receipt")
        self.print_button.setDefault(True)
        self.tr_.text(self.print_button.setText, "receipt.print")
        self.print_button.clicked.connect(self.on_print_clicked)
        close = QPushButton()
        close.setObjectName("close_receipt")
        self.tr_.text(close.setText, "common.close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addStretch()
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.asking)
        layout.addLayout(buttons)
        layout.addWidget(self._send_row())
        shortcut(self, "Ctrl+P", self.on_print_clicked)
        self.tr_.dynamic(self.show_note)
        self.resize(paper.dots + 120, 720)
        self.pixmap: QPixmap | None = None
        self.finished.connect(self.on_finished)

    # -- Send to customer --------------------------------------------------------------------------------------
    def _send_row(self) -> QWidget:
        """The customer's mobile (as given at payment) or e-mail, the message's language, and Send (Ctrl+M)."""
        self.to = self.tr_.field("receipt_to", "receipt.to", QLineEdit(self.receipt.contact_mobile))
        self.language = QComboBox()
        self.language.setObjectName("receipt_language")
        language_label = QLabel()
        language_label.setBuddy(self.language)
        self.tr_.text(language_label.setText, "receipt.language")
        self.send_button = QPushButton()
        self.send_button.setObjectName("send_receipt")
        self.tr_.text(self.send_button.setText, "receipt.send")
        self.send_button.clicked.connect(self.on_send_clicked)
        shortcut(self.to.editor, "Return", self.on_send_clicked, Qt.ShortcutContext.WidgetShortcut)
        shortcut(self.to.editor, "Enter", self.on_send_clicked, Qt.ShortcutContext.WidgetShortcut)
        self.message_note = QLabel()
        self.message_note.setObjectName("receipt_message_note")
        self.message_note.setWordWrap(True)
        address = QHBoxLayout()
        address.addWidget(self.to.label, alignment=Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()
        column.setSpacing(1)
        column.addWidget(self.to.editor)
        column.addWidget(self.to.error)
        address.addLayout(column, 1)
        choice = QHBoxLayout()
        choice.addWidget(language_label)
        choice.addWidget(self.language)
        choice.addStretch()
        choice.addWidget(self.send_button)
        row = QWidget()
        row.setObjectName("receipt_send_row")
        rows = QVBoxLayout(row)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.addLayout(address)
        rows.addLayout(choice)
        rows.addWidget(self.message_note)
        row.setVisible(self.messages is not None)
        shortcut(self, "Ctrl+M", self.on_send_clicked)
        self.tr_.dynamic(self.show_languages)
        return row

    def show_languages(self) -> None:
        current = max(self.language.currentIndex(), 0)
        self.language.clear()
        for language in LANGUAGES:
            self.language.addItem(t(f"receipt.language_{language}"), language)
        self.language.setCurrentIndex(current)
        if self._message_note is not None:
            self.message_note.setText(self._message_note())

    def _show_message_note(self, message: Message | None, *, error: bool = False) -> None:
        self._message_note = message
        self.message_note.setText(message() if message else "")
        self.message_note.setStyleSheet(ERROR_STYLE if error else "")

    def on_send_clicked(self) -> None:
        messages = self.messages
        if messages is None or not self.send_button.isEnabled():
            return
        receipt, to = self.receipt, self.to.text()
        language: Language = LANGUAGES[max(self.language.currentIndex(), 0)]
        self.to.set_error(None)
        try:
            message_payload(receipt, to, language)  # a wrong address is said beside it, and nothing is sent
        except InvalidField as exc:
            self.on_send_failed(exc)
            return
        self._show_message_note(say("receipt.sending"))
        (
            Op(self, lambda: messages.send(receipt, to, language))
            .busy(self.send_button)
            .success(self.on_message_sent)
            .failure(self.on_send_failed)
            .run()
        )

    def on_message_sent(self, outcome: MessageOutcome) -> None:
        self.last_message = outcome
        if outcome.status is MessageStatus.SENT:
            self._show_message_note(say(f"receipt.message_sent_{outcome.channel}", to=outcome.to))
        elif self.receipt.provisional is not None:
            self._show_message_note(say("receipt.message_waits"))
        else:
            self._show_message_note(say("receipt.message_queued"))

    def on_send_failed(self, exc: Exception) -> None:
        if isinstance(exc, KioskError) and exc.details.get("field") == "to":
            self._show_message_note(None)
            self.to.set_error(explain(exc))
            self.to.editor.setFocus()
            return
        self._show_message_note(explain(exc), error=True)

    def on_finished(self, _result: int) -> None:
        """Let the preview image (megabytes) go as the window closes, not whenever Python's cycle collector gets
        to the window's Python side: at a counter closing a receipt a minute, those would pile up."""
        self.pixmap = None
        self.preview.clear()

    def load_preview(self) -> Op[bytes]:
        receipt, paper = self.receipt, self.paper
        return Op(self, lambda: preview_bytes(receipt, paper)).success(self.on_preview_rendered).run()

    def on_preview_rendered(self, png: bytes) -> None:
        pixmap = QPixmap()
        pixmap.loadFromData(png, "PNG")
        self.pixmap = pixmap
        self.preview.setPixmap(pixmap)

    def show_note(self) -> None:
        if self.last_result is not None:
            self.note.setText(print_result_text(self.last_result))
            self.note.setStyleSheet(ERROR_STYLE if self.last_result.outcome is PrintOutcome.FAILED else "")
            return
        self.note.setStyleSheet("")
        if self.desk is None or self.spool_id is None:
            self.note.setText(t("receipt.no_spool"))
        elif not self.desk.printer_set:
            # Said when the window opens, not only after Print: the operator chooses one with F9.
            self.note.setText(t("receipt.no_printer"))
            self.note.setStyleSheet(ERROR_STYLE)
        else:
            self.note.setText(t("receipt.reprint_note"))

    def on_print_clicked(self) -> None:
        desk, spool_id = self.desk, self.spool_id
        if desk is None or spool_id is None or not self.print_button.isEnabled():
            self.show_note()
            return
        # An unprinted receipt prints as the original; a printed one as DUPLICATE with its copy number.
        Op(self, lambda: desk.reprint(spool_id)).busy(self.print_button).success(self.on_receipt_printed).run()

    def on_receipt_printed(self, result: PrintResult) -> None:
        self.last_result = result
        self.show_note()
        asking = result.outcome.ask_operator and self.desk is not None and self.spool_id is not None
        self.asking.setVisible(asking)
        if asking:
            self.yes.setFocus()
        self.printed.emit(result)

    def on_answered(self, printed: bool) -> None:
        """Yes: the receipt stays printed, with the answer noted. No: back to the waiting receipts, printed again."""
        desk, spool_id = self.desk, self.spool_id
        if desk is None or spool_id is None or not self.asking.isVisible():
            return
        self.asking.setVisible(False)

        def answer() -> PrintResult | None:
            desk.answer(spool_id, printed=printed)
            return None if printed else desk.print_spooled(spool_id)

        Op(self, answer).busy(self.print_button).success(self.on_answer_recorded).run()

    def on_answer_recorded(self, again: PrintResult | None) -> None:
        if again is None:
            self.note.setText(t("receipt.answer_printed"))
            self.note.setStyleSheet("")
            self.print_button.setFocus()
            return
        self.on_receipt_printed(again)


def open_receipt(
    parent: QWidget, receipt: Receipt, *, desk: ReceiptDesk, paper: Paper, spool_id: int | None, auto_print: bool
) -> ReceiptWindow:
    """The receipt window over `parent`, its preview drawn, and the receipt printed at once when the kiosk prints
    by itself and a printer is set (the window then says how it went)."""
    messages = desk.kiosk.receipt_messages if isinstance(desk, SpoolDesk) else None
    window = ReceiptWindow(receipt, paper, desk=desk, spool_id=spool_id, parent=parent, messages=messages)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.finished.connect(lambda _result: parent.window().activateWindow())  # the keys go back to the screen
    window.load_preview()
    window.open()
    if auto_print and desk.printer_set and spool_id is not None:
        Op(window, lambda: desk.print_spooled(spool_id)).busy(window.print_button).success(
            window.on_receipt_printed
        ).run()
    return window
