"""Reports → Day End: sync the outbox with a progress bar and Cancel, then the summary and what needs Reconcile;
then the server's day-end report of a date (also on its own with Report), printed on the receipt printer or saved
as a PDF."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

import words
from kiosk_app.errors import FileNotSaved, KioskError
from kiosk_app.receipts import issuer, provisional_number
from kiosk_app.session import SignedInOperator
from kiosk_app.sync import ReconcileItem, SyncSummary
from kiosk_app.wallet import DayEndReport
from printing.connections import connect
from printing.errors import PrinterProblem
from printing.money import format_rupees, format_rupees_plain
from printing.receipt import Bilingual, Kiosk, Report, ReportRow, ReportTable
from printing.spool_runner import PrintOutcome, PrintResult, ReceiptPrinting
from printing.thermal import report_bytes
from rules.day import business_day
from ui.core import Core
from ui.forms import ERROR_STYLE, Message, Translated, error_text, print_result_text, say, shortcut
from ui.main_window import FeaturePage
from ui.money_page import date_edit, field_column, show_error, to_date, to_qdate, wallet_of
from ui.ops import Op, OpContext
from ui.strings import CATALOGUE, Language, both, current_language, ist_time, t


@dataclass(frozen=True)
class DayEndState:
    waiting: int
    reconcile: list[ReconcileItem]
    names: dict[str, Bilingual]  # service code → its name, from the catalog kept on this PC


def read_day_end(core: Core) -> DayEndState:
    kiosk = core.kiosk()
    if kiosk.catalog.version is None:  # no service opened on this PC yet: the names come with the catalog
        with contextlib.suppress(KioskError):
            kiosk.catalog.refresh()
    names = {s.code: s.name for s in kiosk.catalog.services()}
    return DayEndState(kiosk.payments.queue_length(), kiosk.sync.reconcile(), names)


def run_sync(core: Core, context: OpContext) -> SyncSummary:
    """On a worker: the day-end sync, its progress relayed to the screen."""
    kiosk = core.kiosk()
    disconnect = kiosk.events.sync_progress.connect(lambda p: context.progress(p.sent, p.total))
    try:
        return kiosk.sync.run()
    finally:
        disconnect()


# -- the day-end report --------------------------------------------------------------------------------------

Money = Callable[[int], str]


def _bi(key: str, **values: object) -> Bilingual:
    return Bilingual.of(key, **values)


def method_label(method: str) -> Bilingual:
    key = f"dayend.method_{method}"
    return _bi(key) if key in CATALOGUE else Bilingual(method, method)


def _count_amount(count: int, paise: int, money: Money) -> str:
    return f"{count} / {money(paise)}"


def report_rows(data: DayEndReport, money: Money = format_rupees) -> tuple[ReportRow, ...]:
    """The report's label/value lines, in the order the screen, the printer and the PDF show them."""
    rows = [
        ReportRow(_bi("dayend.r_payments"), _count_amount(data.payments_count, data.payments_amount_paise, money)),
        ReportRow(
            _bi("dayend.r_collected"), _count_amount(data.collections.count, data.collections.amount_paise, money)
        ),
    ]
    for m in data.by_method:
        label = method_label(m.key)
        method = Bilingual(
            words.english("dayend.r_method", method=label.en), words.hindi("dayend.r_method", method=label.hi)
        )
        rows.append(ReportRow(method, _count_amount(m.count, m.amount_paise, money)))
    rows += [
        ReportRow(_bi("dayend.r_reversals"), _count_amount(data.reversals.count, data.reversals.amount_paise, money)),
        ReportRow(
            _bi("dayend.r_cash_out_credited"),
            _count_amount(data.cash_out_credited.count, data.cash_out_credited.amount_paise, money),
        ),
        ReportRow(
            _bi("dayend.r_cash_out_awaiting"),
            _count_amount(data.cash_out_awaiting.count, data.cash_out_awaiting.amount_paise, money),
        ),
        ReportRow(_bi("dayend.r_refills"), _count_amount(data.refills.count, data.refills.amount_paise, money)),
        ReportRow(_bi("dayend.r_payouts"), _count_amount(data.payouts.count, data.payouts.amount_paise, money)),
        ReportRow(_bi("dayend.r_opening"), money(data.wallet_opening_paise)),
        ReportRow(_bi("dayend.r_closing"), money(data.wallet_closing_paise)),
        ReportRow(_bi("dayend.r_credit_used"), money(data.credit_closing_used_paise)),
        ReportRow(_bi("dayend.r_outstanding"), money(data.outstanding_paise)),
        ReportRow(_bi("dayend.r_overdue"), money(data.overdue_paise)),
        ReportRow(_bi("dayend.r_interest"), money(data.interest_due_paise)),
    ]
    if data.next_due_on:
        rows.append(ReportRow(_bi("dayend.r_next_due"), data.next_due_on))
    return tuple(rows)


def _generated_at(data: DayEndReport) -> datetime:
    try:
        when = datetime.fromisoformat(data.generated_at)
    except ValueError:
        return datetime.now(UTC)
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def build_report(data: DayEndReport, money: Money = format_rupees, operator: SignedInOperator | None = None) -> Report:
    """The printable day-end report (printing.receipt.Report): collections by service in the table; it names
    the operator signed in.

    The thermal printer gets `format_rupees_plain` ("Rs."), so amounts go out as text: ₹ is in no code page."""
    table = ReportTable(
        (_bi("dayend.col_service"), _bi("dayend.col_count"), _bi("dayend.col_amount")),
        tuple((s.name_en, str(s.count), money(s.amount_paise)) for s in data.by_service),
        frozenset({1, 2}),
    )
    return Report(
        title=_bi("dayend.report_title"),
        kiosk=issuer(data.kiosk_code, data.kiosk_name, operator),
        generated_at=_generated_at(data),
        subtitle=words.english("dayend.report_for", day=data.day.strftime("%d-%m-%Y")),
        rows=report_rows(data, money),
        table=table if table.rows else None,
    )


class ReportPrinterNotSet(PrinterProblem):
    """No printer chosen in the settings: the report is not printed (it can be saved as a PDF)."""

    code = "not_set"
    words_key = "report_not_set"


class ReportPrinting(ReceiptPrinting):
    """The receipt desk's delivery (status check, send, status check, close) for a report; nothing is spooled."""

    def print_report(self, report: Report) -> PrintResult:
        try:
            outcome, near_end = self._deliver(report_bytes(report, self.paper))
        except PrinterProblem as problem:
            return PrintResult(PrintOutcome.FAILED, None, problem)
        return PrintResult(outcome, None, paper_near_end=near_end)


def print_day_end_report(core: Core, data: DayEndReport) -> PrintResult:
    """On a worker: print the report on the configured receipt printer."""
    return print_report(core, build_report(data, format_rupees_plain, core.account.operator))


def refusal_slip(item: ReconcileItem, service: Bilingual | None, kiosk: Kiosk, money: Money = format_rupees) -> Report:
    """The slip for a payment the server refused at the Day End sync: what was taken, why it was refused, and
    what to do — for the customer who holds its PROVISIONAL receipt."""
    why_en, why_hi = item.words
    taken = datetime.fromisoformat(item.created_at)
    rows = (
        ReportRow(_bi("dayend.slip_receipt"), provisional_number(item.operation_id)),
        ReportRow(_bi("dayend.col_date"), ist_time(item.created_at)),
        ReportRow(_bi("dayend.col_service"), service.en if service else item.service_code),
        ReportRow(_bi("dayend.col_consumer"), item.consumer_no),
        ReportRow(_bi("dayend.col_mobile"), item.mobile or "-"),
        ReportRow(_bi("dayend.col_amount"), money(item.amount_paise)),
    )
    return Report(
        title=_bi("dayend.slip_title"),
        kiosk=kiosk,
        generated_at=taken if taken.tzinfo is not None else taken.replace(tzinfo=UTC),
        subtitle=words.english("dayend.slip_subtitle"),
        rows=rows,
        footer=(Bilingual(why_en, why_hi), _bi("dayend.slip_todo")),
    )


def print_refusal_slip(core: Core, item: ReconcileItem, service: Bilingual | None) -> PrintResult:
    kiosk = core.kiosk().payments.kiosk_identity()
    if not kiosk.code:  # no payment answered on this PC yet: the profile names the kiosk
        with contextlib.suppress(KioskError):
            profile = core.account.profile()
            kiosk = issuer(profile.kiosk_code, profile.kiosk_name, core.account.operator)
    return print_report(core, refusal_slip(item, service, kiosk, format_rupees_plain))


def print_report(core: Core, report: Report) -> PrintResult:
    """On a worker: print a report on the configured receipt printer, through the same connection and the same
    kiosk_app database worker that receipts print on (so a report never interleaves with a receipt)."""
    prefs = core.preferences
    address, paper, backend = prefs.printer_address, prefs.paper_roll, core.usb_backend
    if address is None:
        return PrintResult(PrintOutcome.FAILED, None, ReportPrinterNotSet())
    kiosk = core.kiosk()
    desk = ReportPrinting(kiosk.store.spool, lambda: connect(address, paper, usb_backend=backend), paper)
    return kiosk.worker.call(lambda: desk.print_report(report))


@dataclass(frozen=True)
class CorrectedPrinted:
    printed: int  # corrected receipts that went to the printer
    failed: PrintResult | None  # the first that did not (they stay in the spool to print again)


def print_corrected_receipts(core: Core, operation_ids: tuple[str, ...]) -> CorrectedPrinted:
    """On a worker: the corrected receipt of each payment the sync settled, spooled and printed in turn."""
    kiosk = core.kiosk()
    desk = core.receipt_desk(kiosk)
    printed = 0
    for operation_id in operation_ids:
        found = kiosk.payments.corrected_receipt(operation_id)
        if found is None:
            continue
        result = desk.print_spooled(found[1])
        if result.outcome is PrintOutcome.FAILED:
            return CorrectedPrinted(printed, result)
        printed += 1
    return CorrectedPrinted(printed, None)


def save_report_pdf(data: DayEndReport, path: str | Path, operator: SignedInOperator | None = None) -> int:
    """Write the report as an A4 PDF; the number of bytes written (FileNotSaved when the file cannot be written)."""
    from printing.pdf import report_pdf  # reportlab: loaded when a PDF is first asked for, not at start-up

    pdf = report_pdf(build_report(data, operator=operator))
    try:
        with open(path, "wb") as f:
            f.write(pdf)
    except OSError as exc:
        raise FileNotSaved(
            f"the report could not be saved to {path}: {exc.strerror or exc}", details={"path": str(path)}
        ) from exc
    return len(pdf)


class DayEndPage(FeaturePage):
    def __init__(self, core: Core) -> None:
        super().__init__()
        self.core = core
        self.setObjectName("day_end")
        self.tr_ = Translated(self)
        title = QLabel()
        title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.tr_.text(title.setText, "dayend.title")
        self.intro = QLabel()
        self.intro.setObjectName("dayend_intro")
        self.intro.setWordWrap(True)
        self.sync = QPushButton()
        self.sync.setObjectName("sync")
        self.sync.setDefault(True)
        self.tr_.text(self.sync.setText, "dayend.sync")
        self.sync.clicked.connect(self.on_sync_clicked)
        self.cancel = QPushButton()
        self.cancel.setObjectName("cancel_sync")
        self.cancel.setEnabled(False)
        self.tr_.text(self.cancel.setText, "dayend.cancel")
        self.cancel.clicked.connect(self.on_cancel_clicked)
        self.bar = QProgressBar()
        self.bar.setObjectName("sync_progress")
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.progress_text = QLabel()
        self.progress_text.setObjectName("sync_progress_text")
        self.summary = QLabel()
        self.summary.setObjectName("sync_summary")
        self.summary.setWordWrap(True)
        self.reconcile_caption = QLabel()
        self.reconcile_caption.setObjectName("reconcile_caption")
        self.table = QTableWidget(0, 7)
        self.table.setObjectName("reconcile_table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self.on_item_selection_changed)
        self.slip = QPushButton()
        self.slip.setObjectName("print_refusal_slip")
        self.slip.setEnabled(False)
        self.tr_.text(self.slip.setText, "dayend.slip")
        self.slip.clicked.connect(self.on_slip_clicked)
        # After a sync that settled payments taken at the counter: their customers hold PROVISIONAL or PENDING
        # receipts, and each gets a corrected one.
        self.corrected = QPushButton()
        self.corrected.setObjectName("print_corrected")
        self.corrected.setVisible(False)
        self.corrected.clicked.connect(self.on_corrected_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sync)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.corrected)
        buttons.addStretch()
        # The day-end report: after a sync for the date in the field, or on its own with Report.
        self.report_caption = QLabel()
        self.report_caption.setObjectName("report_caption")
        self.report_caption.setStyleSheet("font-weight: bold;")
        self.tr_.text(self.report_caption.setText, "dayend.report_caption")
        self.day = self.tr_.field("dayend_date", "dayend.report_date", date_edit(business_day()))
        self.report_button = QPushButton()
        self.report_button.setObjectName("load_report")
        self.tr_.text(self.report_button.setText, "dayend.report")
        self.report_button.clicked.connect(self.on_report_clicked)
        self.print_button = QPushButton()
        self.print_button.setObjectName("print_report")
        self.print_button.setEnabled(False)
        self.tr_.text(self.print_button.setText, "dayend.print")
        self.print_button.clicked.connect(self.on_print_clicked)
        self.save_button = QPushButton()
        self.save_button.setObjectName("save_report_pdf")
        self.save_button.setEnabled(False)
        self.tr_.text(self.save_button.setText, "dayend.save_pdf")
        self.save_button.clicked.connect(self.on_save_clicked)
        report_bar = QHBoxLayout()
        report_bar.addWidget(self.day.label)
        report_bar.addLayout(field_column(self.day))
        report_bar.addWidget(self.report_button)
        report_bar.addWidget(self.print_button)
        report_bar.addWidget(self.save_button)
        report_bar.addStretch()
        self.report_view = QLabel()
        self.report_view.setObjectName("report_view")
        self.report_view.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report_table = QTableWidget(0, 3)
        self.report_table.setObjectName("report_services")
        self.report_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.report_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.report_note = QLabel()
        self.report_note.setObjectName("report_note")
        self.report_note.setWordWrap(True)
        # Title and banner stay put; the rest scrolls on a small screen (a long report after a sync would push the
        # window past a 768-pixel screen otherwise).
        outer = QVBoxLayout(self)
        outer.addWidget(title)
        outer.addWidget(self.tr_.banner)
        body = QWidget()
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(scroll, 1)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intro)
        layout.addLayout(buttons)
        layout.addWidget(self.bar)
        layout.addWidget(self.progress_text)
        layout.addWidget(self.summary)
        caption_bar = QHBoxLayout()
        caption_bar.addWidget(self.reconcile_caption, 1)
        caption_bar.addWidget(self.slip)
        layout.addLayout(caption_bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.report_caption)
        layout.addLayout(report_bar)
        report_body = QHBoxLayout()
        report_body.addWidget(self.report_view)
        report_body.addWidget(self.report_table, 1)
        layout.addLayout(report_body, 1)
        layout.addWidget(self.report_note)
        shortcut(self, "F7", self.on_report_clicked)
        shortcut(self, "Ctrl+P", self.on_print_clicked)
        shortcut(self, "Ctrl+S", self.on_save_clicked)
        shortcut(self, "Ctrl+R", self.on_corrected_clicked)
        shortcut(self, "Ctrl+T", self.on_slip_clicked)
        shortcut(self, "Return", self.on_sync_clicked)
        shortcut(self, "Enter", self.on_sync_clicked)
        shortcut(self, "Esc", self.on_cancel_clicked)
        self.waiting: int | None = None
        self.items: list[ReconcileItem] = []
        self.names: dict[str, Bilingual] = {}
        self.result: SyncSummary | None = None
        self._summary: Message | None = None
        self._progress: tuple[int, int] | None = None
        self.op: Op[SyncSummary] | None = None
        self.report: DayEndReport | None = None
        self._report_note: Message | None = None
        self._report_note_error = False
        self.last_print: PrintResult | None = None
        self.ask_path: Callable[[str], str | None] = self._ask_path
        self.tr_.dynamic(self.refresh)
        self.load()

    def load(self) -> None:
        core = self.core
        Op(self, lambda: read_day_end(core)).success(self.on_state_loaded).failure(self.on_op_failed).run()

    def on_opened(self) -> None:
        self.sync.setFocus()

    def showEvent(self, event: object) -> None:  # Qt override
        if self.op is None:
            self.load()

    def on_state_loaded(self, state: DayEndState) -> None:
        self.waiting = state.waiting
        self.items = state.reconcile
        self.names = state.names
        self.refresh()

    def refresh(self) -> None:
        self.intro.setText(t("dayend.intro", count="…" if self.waiting is None else self.waiting))
        if self._progress is not None:
            sent, total = self._progress
            self.progress_text.setText(t("dayend.progress", sent=sent, total=total))
        if self._summary is not None:
            self.summary.setText(self._summary())
        self.reconcile_caption.setText(t("dayend.reconcile", count=len(self.items)))
        settled = len(self.result.settled) if self.result is not None else 0
        self.corrected.setText(t("dayend.corrected", count=settled))
        self.table.setHorizontalHeaderLabels(
            [t(f"dayend.col_{c}") for c in ("date", "service", "consumer", "mobile", "amount", "offline", "reason")]
        )
        self.table.setRowCount(len(self.items))
        hindi = current_language() is Language.HINDI
        for row, item in enumerate(self.items):
            name = self.names.get(item.service_code)
            values = [
                ist_time(item.created_at),
                (name.hi if hindi else name.en) if name else item.service_code,
                item.consumer_no,
                item.mobile or "—",
                format_rupees(item.amount_paise),
                t("dayend.yes" if item.offline else "dayend.no"),
                both(*item.words),
            ]
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.refresh_report()

    def refresh_report(self) -> None:
        self.report_table.setHorizontalHeaderLabels([t(f"dayend.col_{c}") for c in ("service", "count", "amount")])
        if self._report_note is not None:
            self.report_note.setText(self._report_note())
            self.report_note.setStyleSheet(ERROR_STYLE if self._report_note_error else "")
        data = self.report
        if data is None:
            self.report_view.clear()
            self.report_table.setRowCount(0)
            return
        hindi = current_language() is Language.HINDI
        lines = [t("dayend.report_for", day=data.day.strftime("%d-%m-%Y"))]
        lines += [f"{row.label.hi if hindi else row.label.en}: {row.value}" for row in report_rows(data)]
        self.report_view.setText("\n".join(lines))
        self.report_table.setRowCount(len(data.by_service))
        for row, service in enumerate(data.by_service):
            values = (
                service.name_hi if hindi else service.name_en,
                str(service.count),
                format_rupees(service.amount_paise),
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.report_table.setItem(row, column, item)

    # -- the report --------------------------------------------------------------------------------------------
    def report_day(self) -> date:
        assert isinstance(self.day.editor, QDateEdit)
        return to_date(self.day.editor.date())

    def _note(self, message: Message | None, *, error: bool = False) -> None:
        self._report_note = message
        self._report_note_error = error
        if message is None:
            self.report_note.clear()
        self.refresh_report()

    def on_report_clicked(self) -> None:
        if not self.report_button.isEnabled():
            return
        self.tr_.clear_errors()
        day = self.report_day()
        core = self.core
        self._note(say("dayend.loading", day=day.strftime("%d-%m-%Y")))
        (
            Op(self, lambda: wallet_of(core).day_end_report(day))
            .busy(self.report_button)
            .success(self.on_report_loaded)
            .failure(self.on_report_failed)
            .run()
        )

    def on_report_loaded(self, data: DayEndReport) -> None:
        assert isinstance(self.day.editor, QDateEdit)
        self.day.editor.setDate(to_qdate(data.day))
        self.report = data
        self.print_button.setEnabled(True)
        self.save_button.setEnabled(True)
        self._note(None)

    def on_report_failed(self, exc: Exception) -> None:
        self._note(None)
        show_error(self.tr_, exc, {"date": self.day}, self.day)

    def on_print_clicked(self) -> None:
        data = self.report
        if data is None or not self.print_button.isEnabled():
            return
        core = self.core
        (
            Op(self, lambda: print_day_end_report(core, data))
            .busy(self.print_button)
            .success(self.on_report_printed)
            .failure(self.on_report_failed)
            .run()
        )

    # -- the refusal slip ------------------------------------------------------------------------------------------
    def on_item_selection_changed(self) -> None:
        self.slip.setEnabled(self.table.currentRow() >= 0 and bool(self.table.selectionModel().selectedRows()))

    def on_slip_clicked(self) -> None:
        row = self.table.currentRow()
        if not self.slip.isEnabled() or not 0 <= row < len(self.items):
            return
        item = self.items[row]
        service = self.names.get(item.service_code)
        core = self.core
        (
            Op(self, lambda: print_refusal_slip(core, item, service))
            .busy(self.slip)
            .success(self.on_slip_printed)
            .failure(self.on_op_failed)
            .run()
        )

    def on_slip_printed(self, result: PrintResult) -> None:
        self.last_print = result
        failed = result.outcome is PrintOutcome.FAILED
        self.tr_.banner.show_message(lambda: print_result_text(result), "error" if failed else "info")

    def on_corrected_clicked(self) -> None:
        settled = self.result.settled if self.result is not None else ()
        if not settled or not self.corrected.isVisible() or not self.corrected.isEnabled():
            return
        core = self.core
        (
            Op(self, lambda: print_corrected_receipts(core, settled))
            .busy(self.corrected)
            .success(self.on_corrected_printed)
            .failure(self.on_op_failed)
            .run()
        )

    def on_corrected_printed(self, done: CorrectedPrinted) -> None:
        failed = done.failed
        if failed is not None:
            self.tr_.banner.show_message(lambda: print_result_text(failed), "error")
        else:
            self.tr_.banner.show_message(say("dayend.corrected_printed", count=done.printed))

    def on_report_printed(self, result: PrintResult) -> None:
        self.last_print = result
        self._note(lambda: print_result_text(result), error=result.outcome is PrintOutcome.FAILED)

    def _ask_path(self, suggested: str) -> str | None:
        path, _filter = QFileDialog.getSaveFileName(self, t("dayend.save_title"), suggested, "PDF (*.pdf)")
        return path or None

    def on_save_clicked(self) -> None:
        data = self.report
        if data is None or not self.save_button.isEnabled():
            return
        path = self.ask_path(str(Path.home() / f"day-end-{data.kiosk_code}-{data.day.isoformat()}.pdf"))
        if not path:
            return
        (
            Op(self, lambda: save_report_pdf(data, path, self.core.account.operator))
            .busy(self.save_button)
            .success(lambda _size: self._note(say("dayend.saved", path=path)))
            .failure(lambda exc: self._note(lambda: error_text(exc), error=True))
            .run()
        )

    # -- the sync ----------------------------------------------------------------------------------------------
    def on_sync_clicked(self) -> None:
        if self.op is not None:
            return
        self.tr_.banner.show_message(None)
        self.result = None
        self._summary = None
        self.summary.clear()
        self._progress = None
        self.progress_text.clear()
        self.bar.setRange(0, 0)  # busy until the first progress report says how many
        core = self.core
        self.cancel.setEnabled(True)
        self.cancel.setFocus()
        self.op = (
            Op.tracked(self, lambda context: run_sync(core, context))
            .busy(self.sync)
            .progress(self.on_sync_progress)
            .success(self.on_sync_finished)
            .failure(self.on_sync_failed)
            .run()
        )

    def on_sync_progress(self, sent: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(min(sent, total) if total else 1)
        self._progress = (sent, total)
        self.progress_text.setText(t("dayend.progress", sent=sent, total=total))

    def on_cancel_clicked(self) -> None:
        kiosk = self.core.kiosk_if_open
        if self.op is None or kiosk is None:
            return
        self.cancel.setEnabled(False)
        kiosk.sync.stop()  # ends after the batch in flight; a later Sync resumes

    def _ended(self) -> None:
        self.op = None
        self.cancel.setEnabled(False)
        self.sync.setFocus()

    def on_sync_finished(self, summary: SyncSummary) -> None:
        self._ended()
        self.result = summary
        self.items = list(summary.reconcile)
        self.waiting = summary.remaining
        self.bar.setRange(0, max(summary.total, 1))
        self.bar.setValue(summary.total - summary.remaining if summary.total else 1)
        self._progress = (summary.done + summary.refused, summary.total)
        main = say(
            "dayend.summary",
            seconds=f"{summary.seconds:.1f}",
            done=summary.done,
            refused=summary.refused,
            remaining=summary.remaining,
            pending=summary.pending_at_department,
        )
        if summary.complete and summary.refused:
            tail = say("dayend.complete_refused", count=summary.refused)
        elif summary.complete:
            tail = say("dayend.complete")
        elif summary.interrupted:
            tail = say("dayend.interrupted", reason=summary.interrupted)
        else:
            tail = say("dayend.stopped")
        self._summary = lambda: f"{main()}\n{tail()}"
        self.corrected.setVisible(bool(summary.settled))
        self.corrected.setEnabled(True)
        self.refresh()
        self.wallet_changed.emit()
        self.on_report_clicked()  # the day's report, now with what the sync confirmed

    def on_sync_failed(self, exc: Exception) -> None:
        self._ended()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.on_op_failed(exc)

    def on_op_failed(self, exc: Exception) -> None:
        self.tr_.banner.show_message(lambda: error_text(exc), "error")
