"""Financial → Reconcile Finance Transaction: a date's payments, failed and pending first; select and Verify."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from kiosk_app.wallet import ReconcilePayment, ReconcileReport, VerifyResult
from printing.money import format_rupees
from printing.receipt import Receipt
from rules.day import business_day
from ui.core import Core
from ui.forms import Message, error_text, say, shortcut
from ui.money_page import MoneyPage, date_edit, field_column, show_error, to_date, to_qdate, wallet_of
from ui.ops import Op
from ui.receipt_window import ReceiptWindow, open_receipt
from ui.strings import CATALOGUE, Language, current_language, t

PAYMENT_ID = Qt.ItemDataRole.UserRole
STATUS_COLOURS = {"failed": "#fdecea", "pending": "#fff4e0", "initiated": "#fff4e0", "partial": "#fff4e0"}
COLUMNS = ("status", "time", "receipt", "service", "consumer", "amount", "result")


class ReconcilePage(MoneyPage):
    """The portal's Reconcile Finance Transaction screen; every step works from the keyboard."""

    def __init__(self, core: Core) -> None:
        super().__init__(core, "reconcile", "reconcile.title")
        self.report: ReconcileReport | None = None
        self.payments: list[ReconcilePayment] = []
        self.results: dict[int, Message] = {}  # payment id → what Verify said, shown in its row
        self.verifying: set[int] = set()
        intro = QLabel()
        intro.setWordWrap(True)
        self.tr_.text(intro.setText, "reconcile.intro")
        self.day = self.tr_.field("reconcile_date", "reconcile.date", date_edit(business_day()))
        self.submit = QPushButton()
        self.submit.setObjectName("reconcile_submit")
        self.tr_.text(self.submit.setText, "reconcile.submit")
        self.submit.clicked.connect(self.on_submit_clicked)
        self.verify = QPushButton()
        self.verify.setObjectName("reconcile_verify")
        self.tr_.text(self.verify.setText, "reconcile.verify")
        self.verify.clicked.connect(self.on_verify_clicked)
        self.verify.setEnabled(False)
        # After Verify gave a payment its final word, the customer holds a PENDING receipt: Ctrl+P prints the
        # corrected one (once per final status; again it is a copy of the same).
        self.corrected = QPushButton()
        self.corrected.setObjectName("reconcile_corrected")
        self.tr_.text(self.corrected.setText, "reconcile.corrected")
        self.corrected.clicked.connect(self.on_corrected_clicked)
        self.corrected.setEnabled(False)
        self.settled: set[int] = set()  # payment ids Verify settled on this screen (confirmed or given back)
        self.receipt_window: ReceiptWindow | None = None
        self.counts = QLabel()
        self.counts.setObjectName("reconcile_counts")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("reconcile_payments")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.horizontalHeader().setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self.on_table_selection_changed)
        top = QHBoxLayout()
        top.addWidget(self.day.label)
        top.addLayout(field_column(self.day))
        top.addWidget(self.submit)
        top.addWidget(self.verify)
        top.addWidget(self.corrected)
        top.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.tr_.banner)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(self.counts)
        layout.addWidget(self.table, 1)
        shortcut(self.day.editor, "Return", self.on_submit_clicked)
        shortcut(self.day.editor, "Enter", self.on_submit_clicked)
        shortcut(self.table, "Return", self.on_verify_clicked)
        shortcut(self.table, "Enter", self.on_verify_clicked)
        shortcut(self, "F7", self.on_verify_clicked)
        shortcut(self, "Ctrl+P", self.on_corrected_clicked)
        self.tr_.dynamic(self.refresh)

    def on_opened(self) -> None:
        self.day.editor.setFocus()

    # -- the report ----------------------------------------------------------------------------------------
    def on_submit_clicked(self) -> None:
        self.tr_.clear_errors()
        assert isinstance(self.day.editor, QDateEdit)
        day = to_date(self.day.editor.date())
        core = self.core
        (
            Op(self, lambda: wallet_of(core).reconcile(day))
            .busy(self.submit)
            .success(self.on_report_loaded)
            .failure(self.on_report_failed)
            .run()
        )

    def on_report_loaded(self, report: ReconcileReport) -> None:
        assert isinstance(self.day.editor, QDateEdit)
        self.day.editor.setDate(to_qdate(report.day))
        self.report = report
        self.payments = list(report.payments)
        self.results = {}
        self.refresh()
        if self.payments:
            self.table.setFocus()
            self.table.selectRow(0)  # failed or pending first: the one to look at

    def on_report_failed(self, exc: Exception) -> None:
        show_error(self.tr_, exc, {"date": self.day}, self.day)

    def refresh(self) -> None:
        self.table.setHorizontalHeaderLabels([t(f"reconcile.col_{c}") for c in COLUMNS])
        if self.report is None:
            self.counts.setText("")
            return
        if not self.payments:
            self.counts.setText(t("reconcile.none"))
        else:
            counts = ", ".join(f"{n} {self._status(s)}" for s, n in sorted(self.report.counts.items()))
            self.counts.setText(t("reconcile.counts", count=len(self.payments), counts=counts))
        selected = self.selected_ids()
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.payments))
        hindi = current_language() is Language.HINDI
        for row, p in enumerate(self.payments):
            result = self.results.get(p.payment_id)
            if p.payment_id in self.verifying:
                result_text = t("reconcile.verifying")
            else:
                result_text = result() if result else (p.failure_reason or "")
            values = (
                self._status(p.status),
                p.created_at_ist,
                p.receipt_no,
                p.service_hi if hindi else p.service_en,
                p.consumer_no,
                format_rupees(p.total_paise),
                result_text,
            )
            colour = STATUS_COLOURS.get(p.status)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                item.setData(PAYMENT_ID, p.payment_id)
                if colour:
                    item.setBackground(QBrush(QColor(colour)))
                if column == 5:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
            if p.payment_id in selected:
                self.table.selectRow(row)
        self.table.blockSignals(False)
        self.table.resizeColumnsToContents()
        self.on_table_selection_changed()

    @staticmethod
    def _status(status: str) -> str:
        key = f"reconcile.status_{status}"
        return t(key) if key in CATALOGUE else status

    # -- Verify ----------------------------------------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.payments[r].payment_id for r in rows if r < len(self.payments)]

    def on_table_selection_changed(self) -> None:
        selected = self.selected_ids()
        self.verify.setEnabled(bool(selected))
        self.corrected.setEnabled(len(selected) == 1 and selected[0] in self.settled)

    def on_verify_clicked(self) -> None:
        ids = [i for i in self.selected_ids() if i not in self.verifying]
        if not ids:
            if not self.selected_ids():
                self.tr_.banner.show_message(say("reconcile.select_first"), "error")
            return
        self.tr_.banner.show_message(None)
        core = self.core
        for payment_id in ids:
            self.verifying.add(payment_id)
            self._verify(core, payment_id)
        self.refresh()

    def _verify(self, core: Core, payment_id: int) -> None:
        (
            Op(self, lambda: wallet_of(core).verify(payment_id))
            .success(self.on_verified)
            .failure(lambda exc: self.on_verify_failed(payment_id, exc))
            .run()
        )

    def on_verified(self, verified: VerifyResult) -> None:
        self.verifying.discard(verified.payment_id)
        self.payments = [verified.payment if p.payment_id == verified.payment_id else p for p in self.payments]
        amount = format_rupees(verified.payment.reversed_paise)
        key = f"reconcile.result_{verified.result}"
        self.results[verified.payment_id] = say(key, amount=amount) if key in CATALOGUE else (lambda: verified.result)
        if self.report is not None:
            counts: dict[str, int] = {}
            for p in self.payments:
                counts[p.status] = counts.get(p.status, 0) + 1
            self.report = ReconcileReport(self.report.day, counts, self.report.payments)
        if verified.result in ("confirmed", "reversed", "partly_reversed"):
            self.settled.add(verified.payment_id)
        self.refresh()
        if verified.result in ("reversed", "partly_reversed"):
            self.wallet_changed.emit()

    # -- the corrected receipt ---------------------------------------------------------------------------------
    def on_corrected_clicked(self) -> None:
        selected = self.selected_ids()
        if not self.corrected.isEnabled() or len(selected) != 1:
            return
        payment = next(p for p in self.payments if p.payment_id == selected[0])
        core = self.core
        (
            Op(self, lambda: core.kiosk().payments.corrected_receipt(payment.operation_id))
            .busy(self.corrected)
            .success(self.on_corrected_ready)
            .failure(lambda exc: self.tr_.banner.show_message(lambda: error_text(exc), "error"))
            .run()
        )

    def on_corrected_ready(self, found: tuple[Receipt, int] | None) -> None:
        if found is None:  # the department's word is not final after all: nothing to correct yet
            self.tr_.banner.show_message(say("reconcile.corrected_not_yet"), "error")
            return
        receipt, spool_id = found
        preferences = self.core.preferences
        self.receipt_window = open_receipt(
            self,
            receipt,
            desk=self.core.receipt_desk(self.core.kiosk()),
            paper=preferences.paper_roll,
            spool_id=spool_id,
            auto_print=preferences.auto_print,
        )
        self.receipt_window.finished.connect(lambda _result: self.table.setFocus())

    def on_verify_failed(self, payment_id: int, exc: Exception) -> None:
        self.verifying.discard(payment_id)
        self.results[payment_id] = lambda: error_text(exc)
        self.refresh()
