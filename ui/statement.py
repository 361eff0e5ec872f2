"""Financial → Wallet → Statement: the wallet's entries for a date range with the running balance, and Export CSV."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from kiosk_app.wallet import (
    Statement,
)
from printing.money import format_rupees
from rules.day import business_day
from ui.core import Core
from ui.forms import say, shortcut
from ui.money_page import (
    MoneyPage,
    date_edit,
    field_column,
    result_label,
    show_error,
    to_date,
    to_qdate,
    wallet_of,
)
from ui.ops import Op
from ui.strings import t

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

    def on_opened(self) -> None:
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
        (
            Op(self, lambda: wallet_of(core).statement(start, end))
            .busy(self.show_button)
            .success(self.on_statement_loaded)
            .failure(self.on_statement_failed)
            .run()
        )

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
        self.totals.setText(
            t(
                "statement.totals",
                opening=format_rupees(wallet.opening_paise),
                credits=format_rupees(wallet.credits_paise),
                debits=format_rupees(wallet.debits_paise),
                closing=format_rupees(wallet.closing_paise),
                count=len(s.lines),
            )
            if wallet
            else ""
        )
        self.table.setRowCount(len(s.lines))
        for row, line in enumerate(s.lines):
            debit = format_rupees(-line.amount_paise) if line.amount_paise < 0 else ""
            credit = format_rupees(line.amount_paise) if line.amount_paise > 0 else ""
            account = t(f"statement.account_{line.account}") if line.account in ("wallet", "credit") else line.account
            for column, value in enumerate(
                (
                    line.at_ist,
                    account,
                    line.description,
                    line.reference,
                    debit,
                    credit,
                    format_rupees(line.balance_paise),
                )
            ):
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
        (
            Op(self, lambda: wallet_of(core).export_statement(start, end, path))
            .busy(self.export)
            .success(lambda _size: self.show_text(self.saved, say("statement.exported", path=path)))
            .failure(self.on_statement_failed)
            .run()
        )
