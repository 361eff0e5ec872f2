"""The receipt window: the ESC/POS preview of a receipt as the thermal printer draws it, and Print (a reprint is
marked DUPLICATE by printing.spool_runner)."""

from __future__ import annotations

import io

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from printing.escpos_decode import preview_png
from printing.receipt import Receipt
from printing.spool_runner import PrintOutcome, PrintResult
from printing.thermal import Paper, receipt_bytes
from ui.core import ReceiptDesk
from ui.forms import ERROR_STYLE, Translated, print_result_text, shortcut
from ui.ops import Op
from ui.strings import t


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
    ) -> None:
        super().__init__(parent)
        self.receipt = receipt
        self.paper = paper
        self.desk = desk
        self.spool_id = spool_id
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
        shortcut(self, "Ctrl+P", self.on_print_clicked)
        self.tr_.dynamic(self.show_note)
        self.resize(paper.dots + 120, 720)
        self.pixmap: QPixmap | None = None
        self.finished.connect(self.on_finished)

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
    window = ReceiptWindow(receipt, paper, desk=desk, spool_id=spool_id, parent=parent)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.finished.connect(lambda _result: parent.window().activateWindow())  # the keys go back to the screen
    window.load_preview()
    window.open()
    if auto_print and desk.printer_set and spool_id is not None:
        Op(window, lambda: desk.print_spooled(spool_id)).busy(window.print_button).success(
            window.on_receipt_printed
        ).run()
    return window
