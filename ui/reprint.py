"""Reports → Reprint: a past receipt found by receipt number, K No./consumer number, mobile or date (this PC's
receipt spool first, the server when the spool no longer has it), printed again marked DUPLICATE; and the
day-end report of any past day (the Day End page opens with it, to print or save again)."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from kiosk_app.errors import InvalidField
from kiosk_app.reprint import FoundReceipt, Reprints, Search, SearchBy, Source
from printing.money import format_rupees
from printing.spool_runner import PrintOutcome, PrintResult
from rules.day import business_day
from ui.core import Core
from ui.day_end import DayEndPage
from ui.forms import ERROR_STYLE, Message, explain, print_result_text, say, shortcut
from ui.main_window import Feature, MainWindow
from ui.money_page import MoneyPage, date_edit, field_column, show_error, to_date, to_qdate
from ui.ops import Op
from ui.receipt_window import ReceiptWindow, open_receipt
from ui.strings import Language, current_language, t

COLUMNS = ("receipt_no", "paid_at", "service", "consumer_no", "amount", "source", "copies")


def reprints_of(core: Core) -> Reprints:
    """On a worker: the reprint use-case over the open kiosk core (its spool, catalog and server session)."""
    kiosk = core.kiosk()
    return Reprints(kiosk.api, kiosk.store, kiosk.worker, kiosk.connectivity, kiosk.catalog, core.help_desk)


def reprint(core: Core, spool_id: int) -> PrintResult:
    """On a worker: print the spooled receipt again on the configured printer (DUPLICATE with its copy number)."""
    return core.receipt_desk(core.kiosk()).reprint(spool_id)


class ReprintPage(MoneyPage):
    def __init__(self, core: Core) -> None:
        super().__init__(core, "reprint", "reprint.title")
        self.found: list[FoundReceipt] = []
        self.receipt_window: ReceiptWindow | None = None
        self._note: Message | None = None
        self.last_print: PrintResult | None = None
        # -- the receipt search
        self.by = QComboBox()
        self.by.setObjectName("reprint_by")
        self.by.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.by_label = QLabel()
        self.by_label.setBuddy(self.by)
        self.tr_.text(self.by_label.setText, "reprint.by")
        self.by.currentIndexChanged.connect(self.on_by_changed)
        self.value = self.tr_.field("reprint_value", "reprint.value", QLineEdit())
        self.day = self.tr_.field("reprint_date", "reprint.date", date_edit(business_day()))
        self.day.editor.setVisible(False)
        self.day.label.setVisible(False)
        self.search_button = QPushButton()
        self.search_button.setObjectName("reprint_search")
        self.tr_.text(self.search_button.setText, "reprint.search")
        self.search_button.clicked.connect(self.on_search_clicked)
        for editor in (self.by, self.value.editor, self.day.editor):
            shortcut(editor, "Return", self.on_search_clicked, Qt.ShortcutContext.WidgetShortcut)
            shortcut(editor, "Enter", self.on_search_clicked, Qt.ShortcutContext.WidgetShortcut)
        search_bar = QHBoxLayout()
        search_bar.addWidget(self.by_label)
        search_bar.addWidget(self.by, alignment=Qt.AlignmentFlag.AlignTop)
        search_bar.addWidget(self.value.label)
        search_bar.addLayout(field_column(self.value), 1)
        search_bar.addWidget(self.day.label)
        search_bar.addLayout(field_column(self.day))
        search_bar.addWidget(self.search_button, alignment=Qt.AlignmentFlag.AlignTop)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("reprint_results")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda _index: self.on_reprint_clicked())
        self.print_button = QPushButton()
        self.print_button.setObjectName("reprint_print")
        self.print_button.setEnabled(False)
        self.tr_.text(self.print_button.setText, "reprint.print")
        self.print_button.clicked.connect(self.on_reprint_clicked)
        self.show_button = QPushButton()
        self.show_button.setObjectName("reprint_show")
        self.show_button.setEnabled(False)
        self.tr_.text(self.show_button.setText, "reprint.show")
        self.show_button.clicked.connect(self.on_show_clicked)
        self.note = QLabel()
        self.note.setObjectName("reprint_note")
        self.note.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.print_button)
        actions.addWidget(self.show_button)
        actions.addWidget(self.note, 1)
        # -- the day-end report of a past day
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        report_caption = QLabel()
        report_caption.setStyleSheet("font-weight: bold;")
        self.tr_.text(report_caption.setText, "reprint.report_caption")
        self.report_day = self.tr_.field(
            "reprint_report_date", "dayend.report_date", date_edit(business_day() - timedelta(days=1))
        )
        shortcut(self.report_day.editor, "Return", self.on_report_clicked, Qt.ShortcutContext.WidgetShortcut)
        shortcut(self.report_day.editor, "Enter", self.on_report_clicked, Qt.ShortcutContext.WidgetShortcut)
        self.report_button = QPushButton()
        self.report_button.setObjectName("reprint_load_report")
        self.tr_.text(self.report_button.setText, "reprint.report")
        self.report_button.clicked.connect(self.on_report_clicked)
        report_bar = QHBoxLayout()
        report_bar.addWidget(self.report_day.label)
        report_bar.addLayout(field_column(self.report_day))
        report_bar.addWidget(self.report_button, alignment=Qt.AlignmentFlag.AlignTop)
        report_bar.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.tr_.banner)
        layout.addLayout(search_bar)
        layout.addWidget(self.table, 2)
        layout.addLayout(actions)
        layout.addWidget(line)
        layout.addWidget(report_caption)
        layout.addLayout(report_bar)
        shortcut(self, "Ctrl+P", self.on_reprint_clicked)
        shortcut(self, "Ctrl+O", self.on_show_clicked)
        shortcut(self, "Ctrl+F", self.on_find_key, what="keys.search")
        self.tr_.dynamic(self.refresh)

    # -- the search -----------------------------------------------------------------------------------------
    def on_opened(self) -> None:
        self.on_find_key()

    def on_find_key(self) -> None:
        editor = self.day.editor if self.search_by is SearchBy.DATE else self.value.editor
        editor.setFocus()

    @property
    def search_by(self) -> SearchBy:
        data = self.by.currentData()
        return SearchBy(data) if isinstance(data, str) else SearchBy.RECEIPT_NO

    def on_by_changed(self, _index: int) -> None:
        dated = self.search_by is SearchBy.DATE
        self.value.editor.setVisible(not dated)
        self.value.label.setVisible(not dated)
        self.day.editor.setVisible(dated)
        self.day.label.setVisible(dated)
        self.tr_.clear_errors()

    def search(self) -> Search:
        assert isinstance(self.day.editor, QDateEdit)
        return Search(self.search_by, self.value.text(), to_date(self.day.editor.date()))

    def on_search_clicked(self) -> None:
        if not self.search_button.isEnabled():
            return
        self.tr_.clear_errors()
        self.tr_.banner.show_message(None)
        search = self.search()
        if search.by is not SearchBy.DATE:
            search = Search(search.by, search.text)
        try:
            search.cleaned()
        except InvalidField as exc:  # said beside the field, nothing is asked of the spool or the server
            self.on_search_failed(exc)
            return
        core = self.core
        self.show_note(say("reprint.searching"))
        (
            Op(self, lambda: reprints_of(core).find(search))
            .busy(self.search_button)
            .success(self.on_found)
            .failure(self.on_search_failed)
            .run()
        )

    def on_found(self, found: list[FoundReceipt]) -> None:
        self.found = found
        source = found[0].source if found else Source.SPOOL
        self.show_note(
            say("reprint.found_spool" if source is Source.SPOOL else "reprint.found_server", count=len(found))
        )
        self.refresh()
        if found:
            self.table.selectRow(0)
            self.table.setFocus()

    def on_search_failed(self, exc: Exception) -> None:
        self.found = []
        self.show_note(None)
        self.refresh()
        editor = self.day if self.search_by is SearchBy.DATE else self.value
        show_error(self.tr_, exc, {"value": self.value, "date": self.day, self.search_by.value: editor}, editor)

    def selected(self) -> FoundReceipt | None:
        row = self.table.currentRow()
        return self.found[row] if 0 <= row < len(self.found) else None

    def on_reprint_clicked(self) -> None:
        chosen = self.selected()
        if chosen is None or not self.print_button.isEnabled():
            return
        core, spool_id = self.core, chosen.spool_id
        (
            Op(self, lambda: reprint(core, spool_id))
            .busy(self.print_button)
            .success(self.on_reprinted)
            .failure(self.on_op_failed)
            .run()
        )

    def on_reprinted(self, result: PrintResult) -> None:
        self.last_print = result
        failed = result.outcome is PrintOutcome.FAILED
        self.show_note(lambda: print_result_text(result), error=failed)
        row = self.table.currentRow()
        chosen = self.selected()
        if chosen is not None and not failed:
            self.found[row] = FoundReceipt(chosen.receipt, chosen.spool_id, chosen.source, chosen.copies_printed + 1)
            self.refresh()
            self.table.selectRow(row)

    def on_show_clicked(self) -> None:
        """The receipt window over this page: its preview, Print (a DUPLICATE) and Send to the customer."""
        chosen = self.selected()
        kiosk = self.core.kiosk_if_open
        if chosen is None or kiosk is None or not self.show_button.isEnabled():
            return
        preferences = self.core.preferences
        self.receipt_window = open_receipt(
            self,
            chosen.receipt,
            desk=self.core.receipt_desk(kiosk),
            paper=preferences.paper_roll,
            spool_id=chosen.spool_id,
            auto_print=False,
        )
        self.receipt_window.finished.connect(lambda _result: self.table.setFocus())

    def show_note(self, message: Message | None, *, error: bool = False) -> None:
        self._note = message
        self.note.setText(message() if message else "")
        self.note.setStyleSheet(ERROR_STYLE if error else "")

    # -- the day-end report of a past day ------------------------------------------------------------------
    def report_date(self) -> date:
        assert isinstance(self.report_day.editor, QDateEdit)
        return to_date(self.report_day.editor.date())

    def on_report_clicked(self) -> None:
        """The Day End page, showing the server's day-end report of the chosen day (to print or save again)."""
        main = self.window()
        if not isinstance(main, MainWindow):
            return
        main.open_feature(Feature.DAY_END)
        page = main.feature_pages[Feature.DAY_END]
        assert isinstance(page, DayEndPage) and isinstance(page.day.editor, QDateEdit)
        page.day.editor.setDate(to_qdate(self.report_date()))
        page.on_report_clicked()
        page.report_button.setFocus()

    def on_op_failed(self, exc: Exception) -> None:
        self.tr_.banner.show_message(explain(exc), "error")

    # -- the words ---------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        current = self.by.currentIndex()
        self.by.blockSignals(True)
        self.by.clear()
        for by in SearchBy:
            self.by.addItem(t(f"reprint.by_{by.value}"), by.value)
        self.by.setCurrentIndex(max(current, 0))
        self.by.blockSignals(False)
        if self._note is not None:
            self.note.setText(self._note())
        hindi = current_language() is Language.HINDI
        self.table.setHorizontalHeaderLabels([t(f"reprint.col_{c}") for c in COLUMNS])
        self.table.setRowCount(len(self.found))
        for row, item in enumerate(self.found):
            r = item.receipt
            values = (
                r.receipt_no,
                r.paid_at_ist.strftime("%d-%m-%Y %H:%M"),
                r.service.hi if hindi and r.service.hi else r.service.en,
                r.consumer_no,
                format_rupees(r.total_paise),
                t(f"reprint.source_{item.source.value}"),
                str(item.copies_printed),
            )
            for column, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if column in (4, 6):
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.print_button.setEnabled(bool(self.found))
        self.show_button.setEnabled(bool(self.found))
